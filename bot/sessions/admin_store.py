"""Staff changes to sessions, each in one transaction with its consequences: create (the
waitlist is told), edit (booked candidates told, reminders planned again), cancel (booked
candidates told and offered the others), attendance (a no-show is offered another session)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import logging
from typing import Any

import aiosqlite

from bot.config import Settings
from bot.core.schedule import reminder_plan
from bot.db.database import Database
from bot.outbox.store import cancel, iso, schedule
from bot.screening.store import insert_event
from bot.sessions.rules import EditOutcome, InfoSession, changes
from bot.sessions.store import SESSION_SQL, SessionStore, session_of

log = logging.getLogger(__name__)


class SessionAdminStore:
    def __init__(self, db: Database, sessions: SessionStore, settings: Settings) -> None:
        self.db = db
        self.sessions = sessions
        self.settings = settings

    async def exists(self, external_key: str) -> bool:
        row = await self.db.fetchone(
            "SELECT id FROM info_sessions WHERE external_key = ?", (external_key,)
        )
        return row is not None

    async def create_session(
        self,
        *,
        now: dt.datetime,
        site: str,
        starts_at: dt.datetime,
        capacity: int,
        place: str,
        address: str,
        map_url: str | None = None,
        language: str = "fr",
        duration_minutes: int = 90,
        created_by: int | None = None,
        external_key: str | None = None,
    ) -> int:
        """Insert a session (idempotent with an external key); waiting candidates are told."""
        async with self.db.transaction() as conn:
            cursor = await conn.execute(
                "INSERT INTO info_sessions (site, starts_at, duration_minutes, place, address,"
                " map_url, capacity, language, external_key, created_by, created_at, updated_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
                " ON CONFLICT (external_key) DO NOTHING",
                (
                    site,
                    iso(starts_at),
                    duration_minutes,
                    place,
                    address,
                    map_url,
                    capacity,
                    language,
                    external_key,
                    created_by,
                    iso(now),
                    iso(now),
                ),
            )
            if cursor.rowcount != 1:
                found = await conn.execute(
                    "SELECT id FROM info_sessions WHERE external_key = ?", (external_key,)
                )
                existing = await found.fetchone()
                return int(existing[0]) if existing else 0
            session_id = int(cursor.lastrowid or 0)
            await self._schedule_staff_flag(conn, session_id, site, starts_at, now)
            if starts_at > now:
                await self.sessions.seat_freed(conn, site, now, f"session:{session_id}")
        log.info("session %s created for site %s", session_id, site)
        return session_id

    def _staff_chats(self, site: str) -> list[int]:
        """Where a site's unconfirmed-booking flag goes: the site's group (FABNUM_SITE_CHATS),
        else the all-sites group, else each staff member of the site in private."""
        if site in self.settings.site_chats:
            return [self.settings.site_chats[site]]
        if self.settings.staff_chat_id is not None:
            return [self.settings.staff_chat_id]
        return [m.user_id for m in self.settings.staff.values() if m.can_see_site(site)]

    async def _schedule_staff_flag(
        self,
        conn: aiosqlite.Connection,
        session_id: int,
        site: str,
        starts_at: dt.datetime,
        now: dt.datetime,
        suffix: str = "",
    ) -> None:
        for plan in reminder_plan(
            starts_at=starts_at,
            now=now,
            offsets=self.settings.reminder_offsets,
            window=self.settings.quiet_hours,
            tz=self.settings.timezone,
        ):
            if plan.kind != "sessions.unconfirmed":
                continue
            for chat_id in self._staff_chats(site):
                await schedule(
                    conn,
                    key=f"sessions.unconfirmed:{session_id}:{iso(starts_at)}:{chat_id}{suffix}",
                    kind="sessions.unconfirmed",
                    chat_id=chat_id,
                    subject=f"session:{session_id}",
                    due_at=plan.due_at,
                    not_after=plan.not_after,
                    payload={"session_id": session_id},
                    bulk=False,
                    now=now,
                )

    async def booking_for_attendance(self, booking_id: int) -> aiosqlite.Row | None:
        """session_id, candidate_id, attendance, chat_id of a booked or attended booking."""
        return await self.db.fetchone(
            "SELECT b.id, b.session_id, b.candidate_id, b.attendance, c.chat_id FROM bookings b"
            " JOIN candidates c ON c.id = b.candidate_id WHERE b.id = ?"
            " AND b.status IN ('booked', 'done')",
            (booking_id,),
        )

    async def mark_attendance(
        self,
        *,
        booking_id: int,
        session_id: int,
        candidate_id: int,
        chat_id: int,
        attendance: str,
        by: int,
        now: dt.datetime,
    ) -> None:
        """Attended or absent; an absent candidate is offered another session."""
        async with self.db.transaction() as conn:
            await conn.execute(
                "UPDATE bookings SET attendance = ?, attendance_at = ?, attendance_by = ?,"
                " status = 'done', ended_at = COALESCE(ended_at, ?) WHERE id = ?",
                (attendance, iso(now), by, iso(now), booking_id),
            )
            await insert_event(
                conn,
                candidate_id,
                iso(now),
                "session_attended" if attendance == "attended" else "session_absent",
                {"session_id": session_id, "booking_id": booking_id},
            )
            if attendance == "absent":
                await schedule(
                    conn,
                    key=f"sessions.noshow:{booking_id}",
                    kind="sessions.noshow",
                    chat_id=chat_id,
                    candidate_id=candidate_id,
                    subject=f"candidate:{candidate_id}",
                    due_at=now,
                    payload={"booking_id": booking_id},
                    now=now,
                )
            else:
                await cancel(conn, reason="attended", key=f"sessions.noshow:{booking_id}", now=now)

    async def cancel_session(self, session_id: int, now: dt.datetime) -> int:
        """Cancel a session: every booked candidate is told and offered the others."""
        async with self.db.transaction() as conn:
            cursor = await conn.execute(
                "UPDATE info_sessions SET status = 'cancelled', cancelled_at = ?, updated_at = ?"
                " WHERE id = ? AND status = 'scheduled'",
                (iso(now), iso(now), session_id),
            )
            if cursor.rowcount != 1:
                return 0
            await cancel(conn, reason="session_cancelled", subject=f"session:{session_id}", now=now)
            cursor = await conn.execute(
                "SELECT b.id, b.candidate_id, c.chat_id FROM bookings b JOIN candidates c"
                " ON c.id = b.candidate_id WHERE b.session_id = ? AND b.status = 'booked'",
                (session_id,),
            )
            booked = list(await cursor.fetchall())
            for booking_id, candidate_id, chat_id in booked:
                await conn.execute(
                    "UPDATE bookings SET status = 'session_cancelled', ended_at = ? WHERE id = ?",
                    (iso(now), booking_id),
                )
                await cancel(
                    conn, reason="session_cancelled", subject=f"booking:{booking_id}", now=now
                )
                await insert_event(
                    conn,
                    candidate_id,
                    iso(now),
                    "session_cancelled",
                    {"session_id": session_id, "booking_id": booking_id, "by": "staff"},
                )
                await schedule(
                    conn,
                    key=f"sessions.cancelled:{booking_id}",
                    kind="sessions.cancelled",
                    chat_id=chat_id,
                    candidate_id=candidate_id,
                    subject=f"candidate:{candidate_id}",
                    due_at=now,
                    payload={"session_id": session_id, "booking_id": booking_id},
                    now=now,
                )
        log.info("session %s cancelled, %d candidate(s) to tell", session_id, len(booked))
        return len(booked)

    async def edit_session(
        self,
        session_id: int,
        *,
        now: dt.datetime,
        starts_at: dt.datetime | None = None,
        capacity: int | None = None,
        place: str | None = None,
        address: str | None = None,
        language: str | None = None,
    ) -> EditOutcome:
        """Change a scheduled, future session in one transaction with its consequences.

        Seats cannot go below those booked (checked inside this BEGIN IMMEDIATE, so a booking
        cannot slip in between). A new date/time or place: each booked candidate gets a
        "sessions.changed" message through the outbox. A new time also cancels their pending
        reminders and the staff flag and plans them again for the new time, and their "je
        viens" is asked again. More seats: the site's waitlist is told, as when a seat frees.
        """
        async with self.db.transaction() as conn:
            cursor = await conn.execute(f"{SESSION_SQL} WHERE s.id = ?", (session_id,))
            row = await cursor.fetchone()
            if row is None:
                return EditOutcome("not_found")
            before = session_of(row)
            if before.status != "scheduled" or before.starts_at <= now:
                return EditOutcome("closed")
            if capacity is not None and capacity < before.booked:
                return EditOutcome("below_booked", booked=before.booked)
            after = dataclasses.replace(
                before,
                starts_at=starts_at or before.starts_at,
                capacity=before.capacity if capacity is None else capacity,
                place=place or before.place,
                address=address or before.address,
                language=language or before.language,
            )
            changed = changes(before, after)
            if not changed:
                return EditOutcome("unchanged", booked=before.booked)
            await conn.execute(
                "UPDATE info_sessions SET starts_at = ?, place = ?, address = ?, capacity = ?,"
                " language = ?, map_url = ?, updated_at = ? WHERE id = ?",
                (
                    iso(after.starts_at),
                    after.place,
                    after.address,
                    after.capacity,
                    after.language,
                    # an explicit map link points at the old address
                    before.map_url if after.address == before.address else None,
                    iso(now),
                    session_id,
                ),
            )
            told = 0
            if "time" in changed or "place" in changed:
                told = await self._tell_booked(conn, before, after, now)
            if "time" in changed:
                await cancel(conn, reason="session_moved", subject=f"session:{session_id}", now=now)
                await self._schedule_staff_flag(
                    conn,
                    session_id,
                    after.site,
                    after.starts_at,
                    now,
                    suffix=await _key_suffix(conn, f"session:{session_id}"),
                )
            waiting = 0
            if after.capacity > before.capacity:
                trigger = f"capacity:{session_id}:{after.capacity}@{iso(now)}"
                waiting = await self.sessions.seat_freed(conn, after.site, now, trigger)
        return EditOutcome(changed=changed, status="edited", told=told, waiting=waiting)

    async def _tell_booked(
        self,
        conn: aiosqlite.Connection,
        before: InfoSession,
        after: InfoSession,
        now: dt.datetime,
    ) -> int:
        """The booked candidates of a moved session: one "changed" message each (replacing one
        not yet sent, keeping what they last knew) and, if the time moved, new reminders."""
        moved = after.starts_at != before.starts_at
        cursor = await conn.execute(
            "SELECT b.id, b.candidate_id, c.chat_id FROM bookings b JOIN candidates c"
            " ON c.id = b.candidate_id WHERE b.session_id = ? AND b.status = 'booked'",
            (before.id,),
        )
        booked = list(await cursor.fetchall())
        for booking_id, candidate_id, chat_id in booked:
            subject = f"booking:{booking_id}"
            cursor = await conn.execute(
                "SELECT payload FROM outbox WHERE subject = ? AND kind = 'sessions.changed'"
                " AND state = 'pending' ORDER BY id DESC LIMIT 1",
                (subject,),
            )
            unsent = await cursor.fetchone()
            known: dict[str, Any] = {
                "old_starts_at": iso(before.starts_at),
                "old_place": before.place,
                "old_address": before.address,
            }
            if unsent is not None:
                known.update(
                    {k: v for k, v in json.loads(unsent[0]).items() if k.startswith("old_")}
                )
            suffix = await _key_suffix(conn, subject)
            if moved:
                await cancel(conn, reason="session_moved", subject=subject, now=now)
                await conn.execute(
                    "UPDATE bookings SET confirmed_at = NULL WHERE id = ?", (booking_id,)
                )
                await self.sessions.schedule_reminders(
                    conn, candidate_id, chat_id, booking_id, after, now, suffix
                )
            else:  # the reminders render the place when sent: only the unsent notice goes
                await conn.execute(
                    "UPDATE outbox SET state = 'cancelled', last_error = 'session_changed',"
                    " finished_at = ? WHERE subject = ? AND kind = 'sessions.changed'"
                    " AND state = 'pending'",
                    (iso(now), subject),
                )
            await schedule(
                conn,
                key=f"sessions.changed:{booking_id}{suffix}",
                kind="sessions.changed",
                chat_id=chat_id,
                candidate_id=candidate_id,
                subject=subject,
                due_at=now,
                not_after=after.starts_at,
                # not a nudge: it reaches someone who sent /stop (bulk rows are dropped then)
                bulk=False,
                payload={"session_id": before.id, "booking_id": booking_id, **known},
                now=now,
            )
            await insert_event(
                conn,
                int(candidate_id),
                iso(now),
                "session_changed",
                {"session_id": before.id, "booking_id": booking_id, "moved": moved},
            )
        return len(booked)


async def _key_suffix(conn: aiosqlite.Connection, subject: str) -> str:
    """A key suffix unique to this change: the number of outbox rows about `subject` so far."""
    cursor = await conn.execute("SELECT COUNT(*) FROM outbox WHERE subject = ?", (subject,))
    row = await cursor.fetchone()
    return f":r{row[0] if row else 0}"
