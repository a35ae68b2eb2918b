"""Interviews and their reminders: every SQL statement of the feature.

Setting an interview (with the stage move it may need, see planning.py) is one transaction: the
planned one it replaces is cancelled with its reminders, the new one and its reminders written.
"""

from __future__ import annotations

import datetime as dt
import logging

import aiosqlite

from bot.config import Settings
from bot.core.schedule import reminder_plan
from bot.db.database import Database
from bot.interviews.rules import ANSWERS, Interview
from bot.outbox.store import cancel, iso, parse_time, schedule
from bot.screening.store import insert_event

log = logging.getLogger(__name__)

# reminder_plan() names its reminders after sessions; the outbox kinds of interviews.
KINDS = {
    "sessions.reminder_j1": "interviews.reminder_j1",
    "sessions.reminder_2h": "interviews.reminder_2h",
}
LIVE_SQL = "status IN ('planned', 'confirmed')"


def interview_of(row: aiosqlite.Row) -> Interview:
    starts = parse_time(row["starts_at"])
    assert starts is not None
    return Interview(
        id=row["id"],
        candidate_id=row["candidate_id"],
        starts_at=starts,
        place=row["place"],
        address=row["address"],
        status=row["status"],
        answer=row["answer"],
        set_by=row["set_by"],
    )


class InterviewStore:
    def __init__(self, db: Database, settings: Settings) -> None:
        self.db = db
        self.settings = settings

    async def get(self, interview_id: int) -> Interview | None:
        row = await self.db.fetchone("SELECT * FROM interviews WHERE id = ?", (interview_id,))
        return interview_of(row) if row else None

    async def live(self, candidate_id: int) -> Interview | None:
        """The candidate's planned or confirmed interview, if any."""
        row = await self.db.fetchone(
            f"SELECT * FROM interviews WHERE candidate_id = ? AND {LIVE_SQL}", (candidate_id,)
        )
        return interview_of(row) if row else None

    async def plan(
        self,
        conn: aiosqlite.Connection,
        *,
        candidate_id: int,
        chat_id: int,
        starts_at: dt.datetime,
        place: str,
        address: str,
        by: int,
        now: dt.datetime,
    ) -> tuple[int, Interview | None]:
        """A new interview, in the caller's transaction; returns its id and the live one it
        replaced (cancelled, with its reminders)."""
        replaced = await self._end_live(conn, candidate_id, now, "replaced")
        cursor = await conn.execute(
            "INSERT INTO interviews (candidate_id, starts_at, place, address, set_by, created_at)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            (candidate_id, iso(starts_at), place, address, by, iso(now)),
        )
        interview_id = int(cursor.lastrowid or 0)
        for planned in reminder_plan(
            starts_at=starts_at,
            now=now,
            offsets=self.settings.reminder_offsets,
            window=self.settings.quiet_hours,
            tz=self.settings.timezone,
        ):
            kind = KINDS.get(planned.kind)
            if kind is None:
                continue  # the staff flag of unconfirmed bookings is the sessions' own
            await schedule(
                conn,
                key=f"{kind}:{interview_id}",
                kind=kind,
                chat_id=chat_id,
                candidate_id=candidate_id,
                subject=f"interview:{interview_id}",
                due_at=planned.due_at,
                not_after=planned.not_after,
                payload={"interview_id": interview_id},
                now=now,
            )
        detail = {"interview_id": interview_id, "starts_at": iso(starts_at), "place": place}
        await insert_event(conn, candidate_id, now, "interview_set", detail)
        log.info("interview %s set for candidate %s", interview_id, candidate_id)
        return interview_id, replaced

    async def answer(self, interview: Interview, answer: str, now: dt.datetime) -> bool:
        """The candidate's answer to a live interview; False if it is no longer live."""
        status = ANSWERS[answer]
        async with self.db.transaction() as conn:
            cursor = await conn.execute(
                f"UPDATE interviews SET status = ?, answer = ?, answered_at = ?"
                f" WHERE id = ? AND {LIVE_SQL}",
                (status, answer, iso(now), interview.id),
            )
            if cursor.rowcount != 1:
                return False
            if status == "declined":
                await conn.execute(
                    "UPDATE interviews SET ended_at = ?, end_reason = 'declined' WHERE id = ?",
                    (iso(now), interview.id),
                )
                await cancel(conn, reason="declined", subject=f"interview:{interview.id}", now=now)
            detail = {"interview_id": interview.id, "answer": answer}
            await insert_event(conn, interview.candidate_id, now, "interview_answer", detail)
        log.info("interview %s answered: %s", interview.id, answer)
        return True

    async def withdraw(
        self, conn: aiosqlite.Connection, candidate_id: int, now: dt.datetime, why: str
    ) -> Interview | None:
        """End the candidate's live interview in the caller's transaction (their application
        went past it): done if its time has come, else cancelled; its reminders go."""
        return await self._end_live(conn, candidate_id, now, why)

    async def _end_live(
        self, conn: aiosqlite.Connection, candidate_id: int, now: dt.datetime, why: str
    ) -> Interview | None:
        cursor = await conn.execute(
            f"SELECT * FROM interviews WHERE candidate_id = ? AND {LIVE_SQL}", (candidate_id,)
        )
        row = await cursor.fetchone()
        if row is None:
            return None
        live = interview_of(row)
        status = "done" if live.starts_at <= now else "cancelled"
        await conn.execute(
            "UPDATE interviews SET status = ?, ended_at = ?, end_reason = ? WHERE id = ?",
            (status, iso(now), why, live.id),
        )
        await cancel(conn, reason=why, subject=f"interview:{live.id}", now=now)
        if status == "cancelled":
            detail = {"interview_id": live.id, "by": why}
            await insert_event(conn, candidate_id, now, "interview_cancelled", detail)
        return live
