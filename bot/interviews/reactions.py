"""Interviews' reactions to other features' events, inside the transaction that raised them.

When the application goes past the interview (admitted, waitlisted, in training, exited, not
selected, oriented elsewhere), a planned interview ends: its reminders are cancelled with it. An
erased person's rows go with them (ON DELETE CASCADE)."""

from __future__ import annotations

import aiosqlite

from bot.interviews.rules import PAST_INTERVIEW
from bot.interviews.store import InterviewStore
from bot.pipeline.store import Moved


class InterviewReactions:
    def __init__(self, *, store: InterviewStore) -> None:
        self.store = store

    async def on_moved(self, conn: aiosqlite.Connection, moved: Moved) -> None:
        if moved.to in PAST_INTERVIEW:
            await self.store.withdraw(conn, moved.candidate_id, moved.at, f"stage_{moved.to.value}")
