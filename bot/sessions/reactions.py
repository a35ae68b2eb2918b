"""Sessions' reactions to other features' events, inside the transaction that raised them.

A booking made on the strength of a screening goes when the screening is started over
(/recommencer), and when the application goes past the information sessions (admitted, in
training, exited, not selected, oriented elsewhere, on a cohort's waiting list): its reminders are
cancelled with it and the seat is offered to the sessions' waiting list. An erased person's rows
go with them (ON DELETE CASCADE).
"""

from __future__ import annotations

import aiosqlite

from bot.core.pipeline import Stage
from bot.pipeline.store import Moved
from bot.screening.store import ScreeningRestarted
from bot.sessions.store import SessionStore

# Stages from which an information session no longer makes sense.
PAST_SESSIONS = frozenset(
    {
        Stage.ADMITTED,
        Stage.IN_TRAINING,
        Stage.EXITED,
        Stage.NOT_SELECTED,
        Stage.ORIENTED,
        Stage.WAITLISTED,
    }
)


class SessionReactions:
    def __init__(self, *, store: SessionStore) -> None:
        self.store = store

    async def on_moved(self, conn: aiosqlite.Connection, moved: Moved) -> None:
        if moved.to in PAST_SESSIONS:
            await self.store.withdraw(moved.candidate_id, moved.at, f"stage_{moved.to.value}")

    async def on_restarted(self, conn: aiosqlite.Connection, event: ScreeningRestarted) -> None:
        await self.store.withdraw(event.candidate_id, event.at, "restarted")
