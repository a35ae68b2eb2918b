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
from bot.outbox.store import iso, schedule
from bot.reengagement.kinds import ASK_KIND, ASK_VALID, COHORT_KIND, subject
from bot.staff.store import CohortCreated, Moved, current_stage

log = logging.getLogger(__name__)


class ReengagementReactions:
    def __init__(self, *, timezone: ZoneInfo) -> None:
        self.timezone = timezone

    async def on_moved(self, conn: aiosqlite.Connection, moved: Moved) -> None:
        """Staff put someone on a waiting list: ask them, through the outbox, same transaction."""
        if moved.to is not Stage.WAITLISTED or moved.cohort_id is None:
            return
        cursor = await conn.execute(
            "SELECT chat_id FROM candidates WHERE id = ?", (moved.candidate_id,)
        )
        row = await cursor.fetchone()
        if row is None:
            return
        await schedule(
            conn,
            key=f"reengage-ask:{moved.candidate_id}:{moved.cohort_id}",
            kind=ASK_KIND,
            chat_id=int(row[0]),
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
        chosen = core.to_notify(opening, await self._optins(conn, cohort.site), today)
        start = dt.datetime.combine(cohort.start_date, dt.time(0, 0), self.timezone)
        for candidate_id in chosen:
            cursor = await conn.execute(
                "SELECT chat_id FROM candidates WHERE id = ?", (candidate_id,)
            )
            row = await cursor.fetchone()
            assert row is not None  # the opt-in cascades from the candidate
            await schedule(
                conn,
                key=f"reengage:{candidate_id}:{cohort.id}",
                kind=COHORT_KIND,
                chat_id=int(row[0]),
                candidate_id=candidate_id,
                subject=subject(candidate_id),
                payload={"cohort_id": cohort.id},
                due_at=created,
                not_after=start,
                now=created,
            )
            await conn.execute(
                "UPDATE reengagement SET notified_cohort_id = ?, notified_at = ?"
                " WHERE candidate_id = ?",
                (cohort.id, iso(created), candidate_id),
            )
        if chosen:
            log.info("cohort %s opens: %d re-engagement message(s) planned", cohort.id, len(chosen))

    async def _optins(self, conn: aiosqlite.Connection, site: str) -> list[core.OptIn]:
        cursor = await conn.execute(
            "SELECT r.candidate_id, r.site, r.opted_in_at, r.notified_cohort_id,"
            " c.nudges_stopped_at, c.unreachable_at FROM reengagement r"
            " JOIN candidates c ON c.id = r.candidate_id WHERE r.site = ?"
            " ORDER BY r.candidate_id",
            (site,),
        )
        optins = []
        for row in await cursor.fetchall():
            stage = await current_stage(conn, int(row[0]))
            if stage is None:
                continue
            optins.append(
                core.OptIn(
                    candidate_id=int(row[0]),
                    site=str(row[1]),
                    opted_in_at=dt.datetime.fromisoformat(row[2]),
                    notified_cohort_id=row[3],
                    stage=stage,
                    stopped=row[4] is not None,
                    unreachable=row[5] is not None,
                )
            )
        return optins
