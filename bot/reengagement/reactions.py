"""Re-engagement's reactions to pipeline events, run inside the transaction that raised them.

`Moved` to a waiting list: ask the person, through the outbox. `CohortCreated`: plan one message
per opted-in candidate of its site (see bot/reengagement/service.py for why there and not in a
periodic planner). Both write outbox rows in the same transaction as their cause.
"""

from __future__ import annotations

import datetime as dt
import logging
from zoneinfo import ZoneInfo

import aiosqlite

from bot.core import reengagement as core
from bot.core.pipeline import Stage
from bot.outbox.store import schedule
from bot.pipeline.store import CohortCreated, Moved
from bot.reengagement import store
from bot.reengagement.kinds import ASK_KIND, ASK_VALID, COHORT_KIND, subject

log = logging.getLogger(__name__)


class ReengagementReactions:
    def __init__(self, *, timezone: ZoneInfo) -> None:
        self.timezone = timezone

    async def on_moved(self, conn: aiosqlite.Connection, moved: Moved) -> None:
        """Staff put someone on a waiting list: ask them, through the outbox, same transaction."""
        if moved.to is not Stage.WAITLISTED or moved.cohort_id is None:
            return
        chat_id = await store.chat_id(conn, moved.candidate_id)
        if chat_id is None:
            return
        await schedule(
            conn,
            key=f"reengage-ask:{moved.candidate_id}:{moved.cohort_id}",
            kind=ASK_KIND,
            chat_id=chat_id,
            candidate_id=moved.candidate_id,
            payload={"cohort_id": moved.cohort_id},
            due_at=moved.at,
            not_after=moved.at + ASK_VALID,
            now=moved.at,
        )

    async def on_cohort_created(self, conn: aiosqlite.Connection, event: CohortCreated) -> None:
        """A cohort was created: plan one message per opted-in candidate of its site (see the
        module docstring for why here and not in a periodic planner)."""
        cohort = event.cohort
        created = dt.datetime.fromisoformat(cohort.created_at)
        opening = core.Opening(cohort.id, cohort.site, cohort.start_date, created)
        today = created.astimezone(self.timezone).date()
        chosen = core.to_notify(opening, await store.optins(conn, cohort.site), today)
        start = dt.datetime.combine(cohort.start_date, dt.time(0, 0), self.timezone)
        for candidate_id in chosen:
            chat_id = await store.chat_id(conn, candidate_id)
            assert chat_id is not None  # the opt-in cascades from the candidate
            await schedule(
                conn,
                key=f"reengage:{candidate_id}:{cohort.id}",
                kind=COHORT_KIND,
                chat_id=chat_id,
                candidate_id=candidate_id,
                subject=subject(candidate_id),
                payload={"cohort_id": cohort.id},
                due_at=created,
                not_after=start,
                now=created,
            )
            await store.mark_notified(conn, candidate_id, cohort.id, created)
        if chosen:
            log.info("cohort %s opens: %d re-engagement message(s) planned", cohort.id, len(chosen))
