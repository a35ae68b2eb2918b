"""Sessions, bookings and the waitlist: every SQL statement of candidates' side of the feature.

The seat count is enforced in SQL in the booking's BEGIN IMMEDIATE transaction, which also
writes the reminders into the outbox and the candidate's history. Staff changes (create, edit,
cancel, attendance) are in admin_store.py.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

import aiosqlite

from bot.config import Settings
from bot.core.schedule import reminder_plan
from bot.db.database import Database
from bot.outbox.store import cancel, iso, parse_time, schedule
from bot.screening.store import insert_event
from bot.sessions.rules import MIN_LEAD, InfoSession

log = logging.getLogger(__name__)

SESSION_SQL = (
    "SELECT s.*, (SELECT COUNT(*) FROM bookings b WHERE b.session_id = s.id"
    " AND b.status IN ('booked', 'done')) AS booked FROM info_sessions s"
)


class SeatTaken(Exception):
    """The session filled up (or closed) between the offer and the press."""


class NotOffered(Exception):
    """The session is not one the candidate may book (another site's: a forged button)."""


def session_of(row: aiosqlite.Row) -> InfoSession:
    starts = parse_time(row["starts_at"])
    assert starts is not None
    return InfoSession(
        id=row["id"],
        site=row["site"],
        starts_at=starts,
        duration_minutes=row["duration_minutes"],
        place=row["place"],
        address=row["address"],
        map_url=row["map_url"],
        capacity=row["capacity"],
        language=row["language"],
        status=row["status"],
        booked=row["booked"],
    )


class SessionStore:
    def __init__(self, db: Database, settings: Settings) -> None:
        self.db = db
        self.settings = settings

    # ------------------------------------------------------------------- reads
    async def session(self, session_id: int) -> InfoSession | None:
        row = await self.db.fetchone(f"{SESSION_SQL} WHERE s.id = ?", (session_id,))
        return session_of(row) if row else None

    async def upcoming(self, site: str, now: dt.datetime) -> list[InfoSession]:
        rows = await self.db.fetchall(
            f"{SESSION_SQL} WHERE s.site = ? AND s.status = 'scheduled' AND s.starts_at > ?"
            " ORDER BY s.starts_at",
            (site, iso(now)),
        )
        return [session_of(r) for r in rows]

    async def since(self, moment: dt.datetime) -> list[InfoSession]:
        """Every session starting after `moment`, cancelled ones too (the staff list)."""
        rows = await self.db.fetchall(
            f"{SESSION_SQL} WHERE s.starts_at > ? ORDER BY s.starts_at", (iso(moment),)
        )
        return [session_of(r) for r in rows]

    async def live_booking(self, candidate_id: int) -> tuple[int, InfoSession] | None:
        row = await self.db.fetchone(
            "SELECT id, session_id FROM bookings WHERE candidate_id = ? AND status = 'booked'",
            (candidate_id,),
        )
        if row is None:
            return None
        session = await self.session(int(row["session_id"]))
        assert session is not None
        return int(row["id"]), session

    async def live_session_start(self, candidate_id: int) -> dt.datetime | None:
        """When the session this candidate is booked on starts (None: not booked)."""
        live = await self.live_booking(candidate_id)
        return live[1].starts_at if live is not None else None

    async def on_waitlist(self, candidate_id: int) -> bool:
        row = await self.db.fetchone(
            "SELECT 1 FROM waitlist WHERE candidate_id = ?", (candidate_id,)
        )
        return row is not None

    async def unconfirmed(self, session_id: int) -> list[int]:
        """The candidates booked on a session who have not said "je viens", first booked first."""
        rows = await self.db.fetchall(
            "SELECT candidate_id FROM bookings WHERE session_id = ? AND status = 'booked'"
            " AND confirmed_at IS NULL ORDER BY booked_at",
            (session_id,),
        )
        return [int(r[0]) for r in rows]

    async def attendees(self, session_id: int) -> list[aiosqlite.Row]:
        """id, candidate_id, confirmed_at, attendance of a session's bookings, in booking order."""
        return await self.db.fetchall(
            "SELECT id, candidate_id, confirmed_at, attendance FROM bookings"
            " WHERE session_id = ? AND status IN ('booked', 'done') ORDER BY booked_at",
            (session_id,),
        )

    # ------------------------------------------------------------------ writes
    async def book(
        self, candidate_id: int, chat_id: int, site: str | None, session_id: int, now: dt.datetime
    ) -> tuple[int | None, int | None]:
        """Take a seat (moving an existing booking). Returns (booking id, previous session id);
        booking id None if already booked there. Raises SeatTaken if full or closed, NotOffered
        if the session is not of the candidate's site."""
        at = iso(now)
        async with self.db.transaction() as conn:
            cursor = await conn.execute(
                "SELECT b.id, b.session_id, s.starts_at FROM bookings b JOIN info_sessions s"
                " ON s.id = b.session_id WHERE b.candidate_id = ? AND b.status = 'booked'",
                (candidate_id,),
            )
            current = await cursor.fetchone()
            if current is not None and current["session_id"] == session_id:
                return None, None
            if current is not None and current["starts_at"] <= at:
                # that session has taken place: its booking is history, not a seat to move
                await conn.execute(
                    "UPDATE bookings SET status = 'done', ended_at = ? WHERE id = ?",
                    (at, current["id"]),
                )
                current = None
            cursor = await conn.execute(f"{SESSION_SQL} WHERE s.id = ?", (session_id,))
            row = await cursor.fetchone()
            if row is None:
                raise SeatTaken
            session = session_of(row)
            if site is None or session.site != site:
                raise NotOffered
            if session.starts_at - now < MIN_LEAD:
                raise SeatTaken
            moved_from = None
            if current is not None:
                moved_from = int(current["session_id"])
                await conn.execute(
                    "UPDATE bookings SET status = 'moved', ended_at = ? WHERE id = ?",
                    (at, current["id"]),
                )
                await cancel(conn, reason="moved", subject=f"booking:{current['id']}", now=now)
            # The seat count is checked by the INSERT itself, inside this BEGIN IMMEDIATE.
            cursor = await conn.execute(
                "INSERT INTO bookings (session_id, candidate_id, booked_at)"
                " SELECT ?, ?, ? WHERE (SELECT capacity FROM info_sessions WHERE id = ?"
                " AND status = 'scheduled') > (SELECT COUNT(*) FROM bookings"
                " WHERE session_id = ? AND status IN ('booked', 'done'))",
                (session_id, candidate_id, at, session_id, session_id),
            )
            if cursor.rowcount != 1:
                raise SeatTaken  # rolls back the move too
            booking_id = int(cursor.lastrowid or 0)
            await self.schedule_reminders(conn, candidate_id, chat_id, booking_id, session, now)
            await conn.execute("DELETE FROM waitlist WHERE candidate_id = ?", (candidate_id,))
            detail: dict[str, Any] = {"session_id": session_id, "booking_id": booking_id}
            if moved_from is not None:
                detail["moved_from"] = moved_from
            await insert_event(conn, candidate_id, at, "session_booked", detail)
            if current is not None:
                await self.seat_freed(conn, session.site, now, f"moved:{current['id']}")
        log.info("candidate %s booked session %s", candidate_id, session_id)
        return booking_id, moved_from

    async def schedule_reminders(
        self,
        conn: aiosqlite.Connection,
        candidate_id: int,
        chat_id: int,
        booking_id: int,
        session: InfoSession,
        now: dt.datetime,
        suffix: str = "",
    ) -> None:
        """The booking's J-1 and 2 h reminders. `suffix` makes the keys new when a session is
        moved (moved back to an earlier time, the old keys exist, cancelled)."""
        for plan in reminder_plan(
            starts_at=session.starts_at,
            now=now,
            offsets=self.settings.reminder_offsets,
            window=self.settings.quiet_hours,
            tz=self.settings.timezone,
        ):
            if plan.kind == "sessions.unconfirmed":
                continue  # one flag per session, scheduled with the session
            await schedule(
                conn,
                key=f"{plan.kind}:{booking_id}:{iso(session.starts_at)}{suffix}",
                kind=plan.kind,
                chat_id=chat_id,
                candidate_id=candidate_id,
                subject=f"booking:{booking_id}",
                due_at=plan.due_at,
                not_after=plan.not_after,
                payload={"booking_id": booking_id},
                now=now,
            )

    async def seat_freed(
        self, conn: aiosqlite.Connection, site: str, now: dt.datetime, trigger: str
    ) -> int:
        """Tell everyone waiting for this site that a seat (or a session) is free."""
        cursor = await conn.execute(
            "SELECT w.candidate_id, c.chat_id FROM waitlist w JOIN candidates c"
            " ON c.id = w.candidate_id WHERE w.site = ?",
            (site,),
        )
        waiting = list(await cursor.fetchall())
        for candidate_id, chat_id in waiting:
            await schedule(
                conn,
                key=f"sessions.seat_free:{candidate_id}:{trigger}",
                kind="sessions.seat_free",
                chat_id=chat_id,
                candidate_id=candidate_id,
                subject=f"candidate:{candidate_id}",
                due_at=now,
                payload={"site": site, "trigger": trigger.partition(":")[0]},
                now=now,
            )
        if waiting:
            await conn.execute(
                "UPDATE waitlist SET notified_at = ? WHERE site = ?", (iso(now), site)
            )
        return len(waiting)

    async def confirm(self, booking_id: int, now: dt.datetime) -> None:
        await self.db.execute(
            "UPDATE bookings SET confirmed_at = COALESCE(confirmed_at, ?) WHERE id = ?",
            (iso(now), booking_id),
        )

    async def cancel_booking(
        self, candidate_id: int, booking_id: int, session: InfoSession, now: dt.datetime
    ) -> None:
        async with self.db.transaction() as conn:
            cursor = await conn.execute(
                "UPDATE bookings SET status = 'cancelled', ended_at = ?"
                " WHERE id = ? AND status = 'booked'",
                (iso(now), booking_id),
            )
            if cursor.rowcount != 1:
                return
            await cancel(conn, reason="booking_cancelled", subject=f"booking:{booking_id}", now=now)
            await insert_event(
                conn,
                candidate_id,
                iso(now),
                "session_cancelled",
                {"session_id": session.id, "booking_id": booking_id, "by": "candidate"},
            )
            await self.seat_freed(conn, session.site, now, f"cancelled:{booking_id}")

    async def withdraw(self, candidate_id: int, now: dt.datetime, why: str) -> int | None:
        """Cancel the person's live booking (its reminders with it, the seat offered to the
        waiting list) and take them off the sessions' waiting list: their screening was started
        over, or their application went past the sessions. Returns the booking cancelled."""
        async with self.db.transaction() as conn:
            await conn.execute("DELETE FROM waitlist WHERE candidate_id = ?", (candidate_id,))
            cursor = await conn.execute(
                "SELECT b.id, s.id, s.site FROM bookings b JOIN info_sessions s"
                " ON s.id = b.session_id WHERE b.candidate_id = ? AND b.status = 'booked'",
                (candidate_id,),
            )
            row = await cursor.fetchone()
            if row is None:
                return None
            booking_id, session_id, site = int(row[0]), int(row[1]), str(row[2])
            await conn.execute(
                "UPDATE bookings SET status = 'cancelled', ended_at = ? WHERE id = ?",
                (iso(now), booking_id),
            )
            await cancel(conn, reason=why, subject=f"booking:{booking_id}", now=now)
            await insert_event(
                conn,
                candidate_id,
                iso(now),
                "session_cancelled",
                {"session_id": session_id, "booking_id": booking_id, "by": why},
            )
            await self.seat_freed(conn, site, now, f"cancelled:{booking_id}")
        return booking_id

    async def join_waitlist(self, candidate_id: int, site: str, now: dt.datetime) -> None:
        await self.db.execute(
            "INSERT INTO waitlist (candidate_id, site, joined_at) VALUES (?, ?, ?)"
            " ON CONFLICT (candidate_id) DO UPDATE SET site = excluded.site",
            (candidate_id, site, iso(now)),
        )
