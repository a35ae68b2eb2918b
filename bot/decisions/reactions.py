"""Decisions' reactions to the pipeline's events, inside the transaction that raised them.

`Moved` (admitted, not selected, starts training, exited) and `Reviewed` (orientation confirmed):
the candidate's message is written now, in their language. A consequential one (orientation,
admitted, not selected) is a draft, and the staff member who decided gets a preview through the
outbox; the others are recorded and scheduled to the candidate at once. Either way the rows
commit with the decision, or not at all.
"""

from __future__ import annotations

import datetime as dt
import logging
from zoneinfo import ZoneInfo

import aiosqlite

from bot.config import Settings
from bot.core.sites import Programme
from bot.decisions import rules, store
from bot.decisions.kinds import PREVIEW_KIND, SEND_KIND, SEND_VALID
from bot.decisions.texts import Texts
from bot.kernel.erasure import Erasing
from bot.kernel.rendering import Renderer
from bot.outbox.store import forget, schedule
from bot.pipeline.store import Moved, Reviewed

log = logging.getLogger(__name__)

SYSTEM = 0  # moves made by the bot itself: nobody to preview a draft


class DecisionReactions:
    def __init__(self, renderer: Renderer, programme: Programme, settings: Settings) -> None:
        # the texts are shared with the staff side (bot/decisions/service.py)
        self.texts = Texts(renderer=renderer, programme=programme, staff_language=settings.language)
        self.timezone: ZoneInfo = settings.timezone

    async def on_erasing(self, conn: aiosqlite.Connection, event: Erasing) -> None:
        """The staff previews' rows name the person's drafts by id only, and ids are reused:
        they go with the person, so the next person's preview finds its key free."""
        ids = await store.ids_of(conn, event.candidate_id)
        await forget(conn, keys=[f"decision-preview:{message_id}" for message_id in ids])

    async def on_moved(self, conn: aiosqlite.Connection, moved: Moved) -> None:
        kind = rules.kind_of_move(moved.to)
        if kind is not None:
            await self._decided(conn, kind, moved.candidate_id, moved.cohort_id, moved.by, moved.at)

    async def on_reviewed(self, conn: aiosqlite.Connection, reviewed: Reviewed) -> None:
        kind = rules.kind_of_review(reviewed.decision)
        if kind is not None:
            await self._decided(conn, kind, reviewed.candidate_id, None, reviewed.by, reviewed.at)

    async def _decided(
        self,
        conn: aiosqlite.Connection,
        kind: rules.Kind,
        candidate_id: int,
        cohort_id: int | None,
        by: int,
        at: dt.datetime,
    ) -> None:
        person = await store.person(conn, candidate_id)
        if person is None:
            return
        cohort = await store.cohort(conn, cohort_id)
        today = at.astimezone(self.timezone).date()
        text = self.texts.candidate_text(kind, person, cohort, today)
        if kind in rules.CONSEQUENTIAL:
            message_id = await store.add(
                conn,
                candidate_id=candidate_id,
                kind=kind.value,
                state=store.DRAFT,
                text=text,
                staff_id=by,
                at=at,
            )
            if by != SYSTEM:
                await schedule(
                    conn,
                    key=f"decision-preview:{message_id}",
                    kind=PREVIEW_KIND,
                    chat_id=by,  # the staff member's row: no candidate_id (their export
                    # would show a staff id); it holds only the draft's id, gone with them
                    payload={"id": message_id},
                    due_at=at,
                    bulk=False,
                    quiet_hours=False,
                    now=at,
                )
            log.info(
                "decision %s on candidate %s: preview %s", kind.value, candidate_id, message_id
            )
            return
        message_id = await store.add(
            conn,
            candidate_id=candidate_id,
            kind=kind.value,
            state=store.SENT,
            text=text,
            staff_id=by,
            at=at,
        )
        message = store.DecisionMessage(message_id, candidate_id, kind.value, store.SENT, text, by)
        await send(conn, message, person.chat_id, by, at)
        log.info("decision %s on candidate %s: message %s", kind.value, candidate_id, message_id)


async def send(
    conn: aiosqlite.Connection,
    message: store.DecisionMessage,
    chat_id: int,
    by: int,
    at: dt.datetime,
) -> None:
    """Record a message on its way (history, audit) and schedule it to the candidate."""
    await store.record(conn, message, by, at)
    await schedule(
        conn,
        key=f"decision:{message.id}",
        kind=SEND_KIND,
        chat_id=chat_id,
        candidate_id=message.candidate_id,
        payload={"id": message.id},
        due_at=at,
        not_after=at + SEND_VALID,
        now=at,
    )
