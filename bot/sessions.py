"""Information sessions: offer, booking, waitlist, reminders, staff management. Telegram-free.

Candidates book a seat with buttons ("s:" callback data); the seat count is enforced in SQL in
the booking's BEGIN IMMEDIATE transaction, which also writes the reminders into the outbox and
the candidate's history. Staff (settings.staff, site staff limited to their sites) create, edit
and cancel sessions and mark attendance. Renderers for the outbox kinds of this feature and the
planner of screening nudges are at the end.
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import json
import logging
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiosqlite

from bot.config import Settings, StaffMember
from bot.core import sessions as core
from bot.core.schedule import reminder_plan
from bot.core.sites import Programme
from bot.db.database import Database
from bot.kernel.actions import Button, EditPressed, Keyboard, Response, Toast, rows
from bot.kernel.clock import Clock
from bot.kernel.person import Person
from bot.kernel.rendering import Renderer
from bot.outbox import people
from bot.outbox.kinds import MessageKind, Render
from bot.outbox.store import OutboxRow, cancel, iso, parse_time, schedule
from bot.screening.store import Candidate, CandidateStore
from bot.screening.store import insert_event as _event

log = logging.getLogger(__name__)

AT_MOST_ONCE = frozenset({"sessions.noshow", "sessions.seat_free"})


@dataclass(frozen=True)
class InfoSession:
    id: int
    site: str
    starts_at: dt.datetime
    duration_minutes: int
    place: str
    address: str
    map_url: str | None
    capacity: int
    language: str
    status: str
    booked: int

    @classmethod
    def from_row(cls, row: aiosqlite.Row) -> InfoSession:
        starts = parse_time(row["starts_at"])
        assert starts is not None
        return cls(
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

    def slot(self) -> core.Slot:
        return core.Slot(
            self.id, self.site, self.starts_at, self.capacity, self.booked, self.status
        )


class SessionsFileError(ValueError):
    """The sessions file cannot be loaded; the message is one sentence for a person."""


class SeatTaken(Exception):
    """The session filled up (or closed) between the offer and the press."""


class NotOffered(Exception):
    """The session is not one the candidate may book (another site's: a forged button)."""


@dataclass(frozen=True)
class EditOutcome:
    """What an edit did. status: "edited", "not_found", "closed" (cancelled or started),
    "below_booked" (fewer seats than booked), "unchanged"."""

    status: str
    changed: tuple[str, ...] = ()  # "time", "place", "capacity", "language"
    told: int = 0  # booked candidates who will get the change
    waiting: int = 0  # waitlisted candidates told a seat is free
    booked: int = 0


_SESSION_SQL = (
    "SELECT s.*, (SELECT COUNT(*) FROM bookings b WHERE b.session_id = s.id"
    " AND b.status IN ('booked', 'done')) AS booked FROM info_sessions s"
)


class SessionService:
    def __init__(
        self,
        *,
        db: Database,
        candidates: CandidateStore,
        renderer: Renderer,
        programme: Programme,
        clock: Clock,
        settings: Settings,
    ) -> None:
        self.db = db
        self.candidates = candidates
        self.renderer = renderer
        self.programme = programme
        self.clock = clock
        self.settings = settings
        self.tz = settings.timezone

    # ------------------------------------------------------------------ helpers
    def _render(self, lang: str, name: str, **context: Any) -> str:
        return self.renderer.render(lang, name, programme=self.programme, **context)

    def _label(self, lang: str, key: str) -> str:
        return self.renderer.label(lang, key)

    def describe(self, session: InfoSession, lang: str) -> dict[str, Any]:
        site = self.programme.sites.get(session.site)
        return {
            "id": session.id,
            "when": core.when_words(session.starts_at, self.tz, lang),
            "short": core.short_when(session.starts_at, self.tz, lang),
            "site": site.name if site else session.site,
            "place": session.place,
            "address": session.address,
            "map_url": core.map_link(session.address, session.map_url),
            "capacity": session.capacity,
            "booked": session.booked,
            "free": max(0, session.capacity - session.booked),
            "language": session.language,
            "cancelled": session.status == "cancelled",
        }

    async def session(self, session_id: int) -> InfoSession | None:
        row = await self.db.fetchone(f"{_SESSION_SQL} WHERE s.id = ?", (session_id,))
        return InfoSession.from_row(row) if row else None

    async def upcoming(self, site: str | None = None) -> list[InfoSession]:
        now = iso(self.clock.now())
        if site is None:
            rows = await self.db.fetchall(
                f"{_SESSION_SQL} WHERE s.status = 'scheduled' AND s.starts_at > ?"
                " ORDER BY s.starts_at",
                (now,),
            )
        else:
            rows = await self.db.fetchall(
                f"{_SESSION_SQL} WHERE s.site = ? AND s.status = 'scheduled' AND s.starts_at > ?"
                " ORDER BY s.starts_at",
                (site, now),
            )
        return [InfoSession.from_row(r) for r in rows]

    async def _site_of(self, candidate: Candidate) -> str | None:
        answers = await self.candidates.answers(candidate.id)
        site = answers.complete.get("site")
        return str(site) if site else None

    async def _first_name(self, candidate_id: int) -> str:
        answers = await self.candidates.answers(candidate_id)
        return str(answers.complete.get("first_name") or f"#{candidate_id}")

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

    @staticmethod
    def may_book(candidate: Candidate) -> bool:
        return candidate.status == "submitted" and (
            candidate.result == "eligible" or candidate.review_status == "overturned"
        )

    # --------------------------------------------------------------- candidates
    async def offer_for(
        self, candidate: Candidate, *, exclude: int | None = None, intro: str | None = None
    ) -> Response:
        """The next sessions of the candidate's site as buttons (or the waitlist)."""
        lang = candidate.language
        site = await self._site_of(candidate)
        sessions = await self.upcoming(site) if site else []
        chosen = core.offer([s.slot() for s in sessions], self.clock.now(), exclude=exclude)
        by_id = {s.id: s for s in sessions}
        slots = [self.describe(by_id[s.id], lang) for s in chosen.slots]
        buttons = [
            Button(self._render(lang, "sessions/slot_button", slot=slot), f"s:book:{slot['id']}")
            for slot in slots
        ]
        if not slots:
            buttons.append(Button(self._label(lang, "sessions.btn_waitlist"), "s:wait"))
        text = self._render(
            lang, "sessions/offer", slots=slots, all_full=chosen.all_full, intro=intro
        )
        return Response().send(text, rows(buttons))

    async def reunion(self, person: Person) -> Response:
        """/reunion: the candidate's booking (with change and cancel), or the offer."""
        candidate = await self.candidates.by_telegram_id(person.user_id)
        if candidate is None or not self.may_book(candidate):
            lang = candidate.language if candidate else self.settings.language
            return Response().send(
                self._render(lang, "sessions/not_yet", screening=candidate is not None)
            )
        live = await self.live_booking(candidate.id)
        if live is None:
            return await self.offer_for(candidate)
        booking_id, session = live
        lang = candidate.language
        text = self._render(lang, "sessions/my_booking", session=self.describe(session, lang))
        return Response().send(text, self._booking_keyboard(lang, booking_id, session))

    def _booking_keyboard(self, lang: str, booking_id: int, session: InfoSession) -> Keyboard:
        return (
            (
                Button(
                    self._label(lang, "sessions.btn_map"),
                    url=self.describe(session, lang)["map_url"],
                ),
            ),
            (Button(self._label(lang, "sessions.btn_change"), f"s:chg:{booking_id}"),),
            (Button(self._label(lang, "sessions.btn_cancel"), f"s:cxl:{booking_id}"),),
        )

    async def button(self, person: Person, data: str) -> Response:
        parts = data.split(":")
        action = parts[1] if len(parts) > 1 else ""
        if action in STAFF_ACTIONS:
            return await self.staff_button(person, parts)
        candidate = await self.candidates.by_telegram_id(person.user_id)
        if candidate is None or not self.may_book(candidate):
            return (await self.reunion(person)).add(Toast(""))
        lang = candidate.language
        arg = int(parts[2]) if len(parts) > 2 and parts[2].isdigit() else None
        done = Response().add(Toast("")).add(EditPressed())
        if action == "offer":
            done.actions.extend((await self.reunion(person)).actions)
            return done
        if action == "book" and arg is not None:
            return await self._book(candidate, arg)
        if action == "wait":
            return await self._join_waitlist(candidate)
        live = await self.live_booking(candidate.id)
        if live is None or arg != live[0]:
            stale = Response().add(Toast(self._render(lang, "sessions/toast", what="stale")))
            stale.add(EditPressed())
            stale.actions.extend((await self.reunion(person)).actions)
            return stale
        booking_id, session = live
        if action == "yes":
            await self._confirm(candidate, booking_id)
            return (
                Response()
                .add(Toast(self._render(lang, "sessions/toast", what="confirmed")))
                .add(EditPressed(append="✅ " + self._label(lang, "sessions.btn_yes")))
            )
        if action == "chg":
            done.actions.extend((await self.offer_for(candidate, exclude=session.id)).actions)
            return done
        if action == "cxl":
            return done.send(
                self._render(lang, "sessions/cancel_confirm", session=self.describe(session, lang)),
                (
                    (Button(self._label(lang, "sessions.btn_cancel_yes"), f"s:cxy:{booking_id}"),),
                    (Button(self._label(lang, "sessions.btn_cancel_no"), f"s:cxn:{booking_id}"),),
                ),
            )
        if action == "cxy":
            await self._cancel_booking(candidate, booking_id, session)
            done.send(self._render(lang, "sessions/booking_cancelled"))
            done.actions.extend((await self.offer_for(candidate, exclude=session.id)).actions)
            return done
        if action == "cxn":
            return done.send(
                self._render(lang, "sessions/my_booking", session=self.describe(session, lang)),
                self._booking_keyboard(lang, booking_id, session),
            )
        return done

    async def _book(self, candidate: Candidate, session_id: int) -> Response:
        lang = candidate.language
        now = self.clock.now()
        try:
            booking_id, moved_from = await self.book(candidate, session_id, now)
        except NotOffered:
            log.info("candidate %s refused session %s: not their site", candidate.id, session_id)
            stale = Response().add(Toast(self._render(lang, "sessions/toast", what="stale")))
            stale.add(EditPressed())
            person = Person(candidate.telegram_id, candidate.chat_id)
            stale.actions.extend((await self.reunion(person)).actions)
            return stale
        except SeatTaken:
            response = Response().add(Toast(self._render(lang, "sessions/toast", what="full")))
            response.add(EditPressed())
            response.actions.extend((await self.offer_for(candidate, intro="full")).actions)
            return response
        session = await self.session(session_id)
        assert session is not None
        if booking_id is None:  # pressed twice
            return Response().add(Toast(self._render(lang, "sessions/toast", what="already")))
        info = self.describe(session, lang)
        text = self._render(
            lang,
            "sessions/booked",
            session=info,
            moved=moved_from is not None,
            short_notice=session.starts_at - now < core.PREFERRED_LEAD,
        )
        return (
            Response()
            .add(Toast(""))
            .add(EditPressed(append="✅ " + info["short"]))
            .send(text, self._booking_keyboard(lang, booking_id, session))
        )

    async def book(
        self, candidate: Candidate, session_id: int, now: dt.datetime
    ) -> tuple[int | None, int | None]:
        """Take a seat (moving an existing booking). Returns (booking id, previous session id);
        booking id None if already booked there. Raises SeatTaken if full or closed, NotOffered
        if the session is not of the candidate's site."""
        at = iso(now)
        site = await self._site_of(candidate)
        async with self.db.transaction() as conn:
            cursor = await conn.execute(
                "SELECT b.id, b.session_id, s.starts_at FROM bookings b JOIN info_sessions s"
                " ON s.id = b.session_id WHERE b.candidate_id = ? AND b.status = 'booked'",
                (candidate.id,),
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
            cursor = await conn.execute(f"{_SESSION_SQL} WHERE s.id = ?", (session_id,))
            row = await cursor.fetchone()
            if row is None:
                raise SeatTaken
            session = InfoSession.from_row(row)
            if site is None or session.site != site:
                raise NotOffered
            if session.starts_at - now < core.MIN_LEAD:
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
                (session_id, candidate.id, at, session_id, session_id),
            )
            if cursor.rowcount != 1:
                raise SeatTaken  # rolls back the move too
            booking_id = int(cursor.lastrowid or 0)
            await self._schedule_reminders(
                conn, candidate.id, candidate.chat_id, booking_id, session, now
            )
            await conn.execute("DELETE FROM waitlist WHERE candidate_id = ?", (candidate.id,))
            detail: dict[str, Any] = {"session_id": session_id, "booking_id": booking_id}
            if moved_from is not None:
                detail["moved_from"] = moved_from
            await _event(conn, candidate.id, at, "session_booked", detail)
            if current is not None:
                await self._seat_freed(conn, session.site, now, f"moved:{current['id']}")
        log.info("candidate %s booked session %s", candidate.id, session_id)
        return booking_id, moved_from

    async def _schedule_reminders(
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
            tz=self.tz,
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

    async def _seat_freed(
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
                payload={"site": site},
                now=now,
            )
        if waiting:
            await conn.execute(
                "UPDATE waitlist SET notified_at = ? WHERE site = ?", (iso(now), site)
            )
        return len(waiting)

    async def _confirm(self, candidate: Candidate, booking_id: int) -> None:
        await self.db.execute(
            "UPDATE bookings SET confirmed_at = COALESCE(confirmed_at, ?) WHERE id = ?",
            (iso(self.clock.now()), booking_id),
        )

    async def _cancel_booking(
        self, candidate: Candidate, booking_id: int, session: InfoSession
    ) -> None:
        now = self.clock.now()
        async with self.db.transaction() as conn:
            cursor = await conn.execute(
                "UPDATE bookings SET status = 'cancelled', ended_at = ?"
                " WHERE id = ? AND status = 'booked'",
                (iso(now), booking_id),
            )
            if cursor.rowcount != 1:
                return
            await cancel(conn, reason="booking_cancelled", subject=f"booking:{booking_id}", now=now)
            await _event(
                conn,
                candidate.id,
                iso(now),
                "session_cancelled",
                {"session_id": session.id, "booking_id": booking_id, "by": "candidate"},
            )
            await self._seat_freed(conn, session.site, now, f"cancelled:{booking_id}")

    async def _join_waitlist(self, candidate: Candidate) -> Response:
        lang = candidate.language
        site = await self._site_of(candidate)
        if site is not None:
            await self.db.execute(
                "INSERT INTO waitlist (candidate_id, site, joined_at) VALUES (?, ?, ?)"
                " ON CONFLICT (candidate_id) DO UPDATE SET site = excluded.site",
                (candidate.id, site, iso(self.clock.now())),
            )
        return (
            Response()
            .add(Toast(""))
            .add(EditPressed(append="✅ " + self._label(lang, "sessions.btn_waitlist")))
            .send(self._render(lang, "sessions/waitlisted"))
        )

    async def after_eligible(self, candidate: Candidate) -> Response:
        """Called by the screening at an "eligible" result."""
        return await self.offer_for(candidate)

    # ------------------------------------------------------------- stop / start
    async def stop(self, person: Person) -> Response:
        candidate = await self.candidates.by_telegram_id(person.user_id)
        lang = candidate.language if candidate else self.settings.language
        if candidate is not None:
            await people.set_stopped(self.db, candidate.id, self.clock.now(), True)
        return Response().send(self._render(lang, "sessions/stopped"))

    # -------------------------------------------------------------------- staff
    def staff_member(self, person: Person) -> StaffMember | None:
        return self.settings.staff.get(person.user_id)

    async def _refuse(self, person: Person) -> Response:
        """Not reached: the handlers' staff gate (bot/handlers/screening.staff_sender) answers a
        non-staff sender as an unknown command before any staff method is called."""
        log.warning("sessions staff method called for a non-staff user")
        return Response()

    async def staff_sessions(self, person: Person) -> Response:
        member = self.staff_member(person)
        if member is None:
            return await self._refuse(person)
        lang = self.settings.language
        now = self.clock.now()
        rows_ = await self.db.fetchall(
            f"{_SESSION_SQL} WHERE s.starts_at > ? ORDER BY s.starts_at",
            (iso(now - dt.timedelta(days=7)),),
        )
        sessions = [
            s for s in (InfoSession.from_row(r) for r in rows_) if member.can_see_site(s.site)
        ]
        items = [{**self.describe(s, lang), "past": s.starts_at <= now} for s in sessions[:20]]
        buttons: list[tuple[Button, ...]] = []
        for s in sessions[:20]:
            row = [Button(f"👥 {core.short_when(s.starts_at, self.tz, lang)}", f"s:ls:{s.id}")]
            if s.status == "scheduled" and s.starts_at > now:
                row.append(Button("✏️", f"s:se:{s.id}"))
                row.append(Button("❌", f"s:sx:{s.id}"))
            buttons.append(tuple(row))
        return Response().send(
            self._render(lang, "sessions/staff_list", sessions=items), tuple(buttons)
        )

    async def staff_new(self, person: Person, args: list[str]) -> Response:
        member = self.staff_member(person)
        if member is None:
            return await self._refuse(person)
        lang = self.settings.language
        now = self.clock.now()
        try:
            new = core.parse_new_session(args, self.programme.site_ids, now, self.tz)
        except core.ArgumentError as error:
            return Response().send(
                self._render(
                    lang, "sessions/staff_error", what=str(error), sites=self.programme.site_ids
                )
            )
        if not member.can_see_site(new.site):
            return Response().send(
                self._render(
                    lang, "sessions/staff_error", what="not_your_site", sites=sorted(member.sites)
                )
            )
        session_id = await self.create_session(
            site=new.site,
            starts_at=new.starts_at,
            capacity=new.capacity,
            place=new.place,
            address=new.address,
            created_by=person.user_id,
        )
        session = await self.session(session_id)
        assert session is not None
        return Response().send(
            self._render(lang, "sessions/staff_created", session=self.describe(session, lang))
        )

    async def staff_edit(self, person: Person, args: list[str]) -> Response:
        """/modifier_session NUMÉRO ...: change date/time, place, seats or language."""
        member = self.staff_member(person)
        if member is None:
            return await self._refuse(person)
        lang = self.settings.language
        now = self.clock.now()
        try:
            edit = core.parse_session_edit(args)
        except core.ArgumentError as error:
            if str(error) == "usage":
                return Response().send(self._edit_usage(lang, None))
            return self._edit_error(lang, str(error))
        session = await self.session(edit.session_id)
        if session is None or not member.can_see_site(session.site):
            return self._edit_error(lang, "not_found", session_id=edit.session_id)
        if edit.empty:
            return Response().send(self._edit_usage(lang, session))
        try:
            starts_at = edit.new_start(session.starts_at, now, self.tz)
        except core.ArgumentError as error:
            return self._edit_error(lang, str(error), session_id=session.id)
        outcome = await self.edit_session(
            session.id,
            starts_at=starts_at,
            capacity=edit.capacity,
            place=edit.place,
            address=edit.address,
            language=edit.language,
        )
        if outcome.status != "edited":
            return self._edit_error(
                lang, outcome.status, session_id=session.id, booked=outcome.booked
            )
        log.info("session %s edited by staff: %s", session.id, ",".join(outcome.changed))
        edited = await self.session(session.id)
        assert edited is not None
        return Response().send(
            self._render(
                lang,
                "sessions/staff_edited",
                session=self.describe(edited, lang),
                changed=list(outcome.changed),
                told=outcome.told,
                waiting=outcome.waiting,
            )
        )

    def _edit_usage(self, lang: str, session: InfoSession | None) -> str:
        info = self.describe(session, lang) if session is not None else None
        return self._render(lang, "sessions/staff_edit_usage", session=info)

    def _edit_error(
        self, lang: str, what: str, *, session_id: int = 0, booked: int = 0
    ) -> Response:
        return Response().send(
            self._render(
                lang, "sessions/staff_edit_error", what=what, session_id=session_id, booked=booked
            )
        )

    async def create_session(
        self,
        *,
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
        now = self.clock.now()
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
                await self._seat_freed(conn, site, now, f"session:{session_id}")
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
            tz=self.tz,
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

    async def staff_button(self, person: Person, parts: list[str]) -> Response:
        member = self.staff_member(person)
        if member is None:
            return (await self._refuse(person)).add(Toast(""))
        lang = self.settings.language
        action = parts[1]
        arg = int(parts[2]) if len(parts) > 2 and parts[2].isdigit() else 0
        if action == "at":
            return await self._attendance(person, member, arg, parts[3] if len(parts) > 3 else "")
        session = await self.session(arg)
        if session is None or not member.can_see_site(session.site):
            return Response().add(Toast(self._render(lang, "sessions/toast", what="stale")))
        if action == "se":
            return Response().add(Toast("")).send(self._edit_usage(lang, session))
        if action == "ls":
            text, keyboard = await self._attendance_list(session, lang)
            return Response().add(Toast("")).send(text, keyboard)
        if action == "sx":
            return (
                Response()
                .add(Toast(""))
                .send(
                    self._render(
                        lang, "sessions/staff_cancel_confirm", session=self.describe(session, lang)
                    ),
                    (
                        (
                            Button(
                                self._label(lang, "sessions.btn_cancel_session"),
                                f"s:sxy:{session.id}",
                            ),
                        ),
                        (
                            Button(
                                self._label(lang, "sessions.btn_keep_session"),
                                f"s:sxn:{session.id}",
                            ),
                        ),
                    ),
                )
            )
        if action == "sxy":
            count = await self.cancel_session(session.id, by=person.user_id)
            return (
                Response()
                .add(Toast(""))
                .add(EditPressed())
                .send(
                    self._render(
                        lang,
                        "sessions/staff_cancelled",
                        session=self.describe(session, lang),
                        told=count,
                    )
                )
            )
        return Response().add(Toast("")).add(EditPressed())

    async def _attendance_list(self, session: InfoSession, lang: str) -> tuple[str, Keyboard]:
        booked = await self.db.fetchall(
            "SELECT id, candidate_id, confirmed_at, attendance FROM bookings"
            " WHERE session_id = ? AND status IN ('booked', 'done') ORDER BY booked_at",
            (session.id,),
        )
        people_ = []
        buttons: list[tuple[Button, ...]] = []
        for b in booked:
            name = await self._first_name(int(b["candidate_id"]))
            people_.append(
                {
                    "name": name,
                    "confirmed": b["confirmed_at"] is not None,
                    "attendance": b["attendance"],
                }
            )
            mark = {"attended": "✅ ", "absent": "❌ "}.get(b["attendance"] or "", "")
            buttons.append(
                (
                    Button(
                        f"{mark}{name} · {self._label(lang, 'sessions.btn_attended')}",
                        f"s:at:{b['id']}:y",
                    ),
                    Button(self._label(lang, "sessions.btn_absent"), f"s:at:{b['id']}:n"),
                )
            )
        text = self._render(
            lang, "sessions/staff_attendance", session=self.describe(session, lang), people=people_
        )
        return text, tuple(buttons)

    async def _attendance(
        self, person: Person, member: StaffMember, booking_id: int, mark: str
    ) -> Response:
        lang = self.settings.language
        row = await self.db.fetchone(
            "SELECT b.id, b.session_id, b.candidate_id, b.attendance, c.chat_id FROM bookings b"
            " JOIN candidates c ON c.id = b.candidate_id WHERE b.id = ?"
            " AND b.status IN ('booked', 'done')",
            (booking_id,),
        )
        session = await self.session(int(row["session_id"])) if row else None
        if (
            row is None
            or session is None
            or not member.can_see_site(session.site)
            or mark not in "yn"
        ):
            return Response().add(Toast(self._render(lang, "sessions/toast", what="stale")))
        now = self.clock.now()
        if session.starts_at > now:
            return Response().add(Toast(self._render(lang, "sessions/toast", what="not_started")))
        attendance = "attended" if mark == "y" else "absent"
        if row["attendance"] != attendance:
            async with self.db.transaction() as conn:
                await conn.execute(
                    "UPDATE bookings SET attendance = ?, attendance_at = ?, attendance_by = ?,"
                    " status = 'done', ended_at = COALESCE(ended_at, ?) WHERE id = ?",
                    (attendance, iso(now), person.user_id, iso(now), booking_id),
                )
                await _event(
                    conn,
                    int(row["candidate_id"]),
                    iso(now),
                    "session_attended" if attendance == "attended" else "session_absent",
                    {"session_id": session.id, "booking_id": booking_id},
                )
                if attendance == "absent":
                    await schedule(
                        conn,
                        key=f"sessions.noshow:{booking_id}",
                        kind="sessions.noshow",
                        chat_id=int(row["chat_id"]),
                        candidate_id=int(row["candidate_id"]),
                        subject=f"candidate:{row['candidate_id']}",
                        due_at=now,
                        payload={"booking_id": booking_id},
                        now=now,
                    )
                else:
                    await cancel(
                        conn, reason="attended", key=f"sessions.noshow:{booking_id}", now=now
                    )
        _, keyboard = await self._attendance_list(session, lang)
        return Response().add(Toast("")).add(EditPressed(keyboard=keyboard))

    async def cancel_session(self, session_id: int, *, by: int | None) -> int:
        """Cancel a session: every booked candidate is told and offered the others."""
        now = self.clock.now()
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
                await _event(
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
        now = self.clock.now()
        async with self.db.transaction() as conn:
            cursor = await conn.execute(f"{_SESSION_SQL} WHERE s.id = ?", (session_id,))
            row = await cursor.fetchone()
            if row is None:
                return EditOutcome("not_found")
            before = InfoSession.from_row(row)
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
            changed = _changes(before, after)
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
                waiting = await self._seat_freed(conn, after.site, now, trigger)
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
                await self._schedule_reminders(
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
            await _event(
                conn,
                int(candidate_id),
                iso(now),
                "session_changed",
                {"session_id": before.id, "booking_id": booking_id, "moved": moved},
            )
        return len(booked)

    # ------------------------------------------------------------ from a file
    async def load_file(self, path: Path) -> tuple[int, int]:
        """Sessions from a TOML file ([[sessions]] tables); returns (added, already there).

        Every entry is checked before any is written, so a mistake adds nothing; an entry whose
        key (default site:dateTtime) was loaded before is left as it is, even if staff edited it
        since. Raises SessionsFileError with one sentence naming the file and the entry."""
        try:
            text = await asyncio.to_thread(path.read_text, "utf-8")
        except (OSError, UnicodeDecodeError) as error:
            reason = error.strerror if isinstance(error, OSError) else "not UTF-8 text"
            raise SessionsFileError(f"{path}: cannot read it ({reason}).") from None
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as error:
            raise SessionsFileError(f"{path}: not valid TOML ({error}).") from None
        entries = data.get("sessions", [])
        if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
            raise SessionsFileError(f"{path}: sessions must be [[sessions]] tables.")
        planned = [self._file_entry(f"{path}, session #{n}", e) for n, e in enumerate(entries, 1)]
        added = existing = 0
        for entry in planned:
            before = await self.db.fetchone(
                "SELECT id FROM info_sessions WHERE external_key = ?", (entry["external_key"],)
            )
            await self.create_session(**entry)
            if before is None:
                added += 1
            else:
                existing += 1
        return added, existing

    def _file_entry(self, where: str, entry: dict[str, Any]) -> dict[str, Any]:
        """One [[sessions]] table, checked, as create_session's arguments."""
        try:
            site = str(entry["site"])
            local = dt.datetime.fromisoformat(f"{entry['date']}T{entry['time']}")
            capacity = int(entry["capacity"])
            place = str(entry["place"]).strip()
            address = str(entry.get("address", place)).strip()
            duration = int(entry.get("duration_minutes", 90))
        except (KeyError, ValueError, TypeError) as error:
            raise SessionsFileError(
                f"{where}: needs site, date (2026-12-03), time (14:00), capacity and place"
                f" ({type(error).__name__}: {error})."
            ) from None
        language = str(entry.get("language", "fr"))
        problem = None
        if site not in self.programme.sites:
            problem = f"unknown site {site!r} (sites: {', '.join(self.programme.site_ids)})"
        elif local.tzinfo is not None:
            problem = "date and time are local, without a time zone"
        elif not 1 <= capacity <= core.MAX_CAPACITY:
            problem = f"capacity must be between 1 and {core.MAX_CAPACITY}"
        elif not place or not address:
            problem = "place and address must not be empty"
        elif language not in core.LANGUAGES:
            problem = f"language must be one of {', '.join(core.LANGUAGES)}"
        elif not 1 <= duration <= 24 * 60:
            problem = "duration_minutes must be between 1 and 1440"
        if problem is not None:
            raise SessionsFileError(f"{where}: {problem}.")
        map_url = entry.get("map_url")
        return {
            "site": site,
            "starts_at": local.replace(tzinfo=self.tz).astimezone(dt.UTC),
            "capacity": capacity,
            "place": place,
            "address": address,
            "map_url": str(map_url) if map_url else None,
            "language": language,
            "duration_minutes": duration,
            "external_key": str(entry.get("key") or f"{site}:{entry['date']}T{entry['time']}"),
        }

    # -------------------------------------------------------- outbox renderers
    def kinds(self) -> list[MessageKind]:
        renders: dict[str, Render] = {
            "sessions.reminder_j1": self._render_reminder,
            "sessions.reminder_2h": self._render_reminder,
            "sessions.unconfirmed": self._render_unconfirmed,
            "sessions.seat_free": self._render_seat_free,
            "sessions.cancelled": self._render_cancelled,
            "sessions.changed": self._render_changed,
            "sessions.noshow": self._render_noshow,
        }
        return [MessageKind(k, r, at_most_once=k in AT_MOST_ONCE) for k, r in renders.items()]

    async def _candidate_of(self, row: OutboxRow) -> Candidate | None:
        if row.candidate_id is None:
            return None
        return await self.candidates.by_id(row.candidate_id)

    async def _render_reminder(self, row: OutboxRow) -> Response | None:
        candidate = await self._candidate_of(row)
        booking_id = int(row.payload.get("booking_id", 0))
        live = await self.live_booking(candidate.id) if candidate else None
        if candidate is None or live is None or live[0] != booking_id:
            return None
        _, session = live
        lang = candidate.language
        info = self.describe(session, lang)
        if row.kind == "sessions.reminder_j1":
            text = self._render(lang, "reminders/day_before", session=info)
            keyboard: Keyboard = (
                (Button(self._label(lang, "sessions.btn_yes"), f"s:yes:{booking_id}"),),
                (Button(self._label(lang, "sessions.btn_change"), f"s:chg:{booking_id}"),),
                (Button(self._label(lang, "sessions.btn_cancel"), f"s:cxl:{booking_id}"),),
            )
            return Response().send(text, keyboard)
        text = self._render(lang, "reminders/soon", session=info)
        return Response().send(
            text, ((Button(self._label(lang, "sessions.btn_map"), url=info["map_url"]),),)
        )

    async def _render_unconfirmed(self, row: OutboxRow) -> Response | None:
        session = await self.session(int(row.payload.get("session_id", 0)))
        if session is None or session.status != "scheduled":
            return None
        booked = await self.db.fetchall(
            "SELECT candidate_id FROM bookings WHERE session_id = ? AND status = 'booked'"
            " AND confirmed_at IS NULL ORDER BY booked_at",
            (session.id,),
        )
        if not booked:
            return None
        lang = self.settings.language
        names = [await self._first_name(int(b[0])) for b in booked]
        text = self._render(
            lang, "sessions/staff_unconfirmed", session=self.describe(session, lang), names=names
        )
        return Response().send(text, ((Button("👥", f"s:ls:{session.id}"),),))

    async def _render_seat_free(self, row: OutboxRow) -> Response | None:
        candidate = await self._candidate_of(row)
        if candidate is None or not self.may_book(candidate):
            return None
        waiting = await self.db.fetchone(
            "SELECT 1 FROM waitlist WHERE candidate_id = ?", (candidate.id,)
        )
        if waiting is None or await self.live_booking(candidate.id) is not None:
            return None
        response = await self.offer_for(candidate, intro="seat_free")
        if not any(
            b.data.startswith("s:book:")
            for a in response.actions
            if hasattr(a, "keyboard")
            for r in a.keyboard
            for b in r
        ):
            return None  # taken again already: stay on the waitlist
        return response

    async def _render_cancelled(self, row: OutboxRow) -> Response | None:
        candidate = await self._candidate_of(row)
        session = await self.session(int(row.payload.get("session_id", 0)))
        if candidate is None or session is None:
            return None
        lang = candidate.language
        text = self._render(
            lang, "sessions/session_cancelled", session=self.describe(session, lang)
        )
        response = Response().send(text)
        if await self.live_booking(candidate.id) is None:
            response.actions.extend((await self.offer_for(candidate, exclude=session.id)).actions)
        return response

    async def _render_changed(self, row: OutboxRow) -> Response | None:
        """A staff change to the candidate's session: what they knew, what it is now."""
        candidate = await self._candidate_of(row)
        booking_id = int(row.payload.get("booking_id", 0))
        live = await self.live_booking(candidate.id) if candidate else None
        if candidate is None or live is None or live[0] != booking_id:
            return None  # cancelled or moved since: nothing to tell
        _, session = live
        old_start = parse_time(row.payload.get("old_starts_at"))
        moved = old_start is not None and old_start != session.starts_at
        new_place = (row.payload.get("old_place"), row.payload.get("old_address")) != (
            session.place,
            session.address,
        )
        if not moved and not new_place:
            return None  # changed back before the message went out
        lang = candidate.language
        text = self._render(
            lang,
            "sessions/session_changed",
            session=self.describe(session, lang),
            old_when=core.when_words(old_start, self.tz, lang) if moved and old_start else None,
            new_place=new_place,
        )
        return Response().send(text, self._booking_keyboard(lang, booking_id, session))

    async def _render_noshow(self, row: OutboxRow) -> Response | None:
        candidate = await self._candidate_of(row)
        if candidate is None or await self.live_booking(candidate.id) is not None:
            return None
        return await self.offer_for(candidate, intro="noshow")


STAFF_ACTIONS = frozenset({"ls", "se", "sx", "sxy", "sxn", "at"})


def _changes(before: InfoSession, after: InfoSession) -> tuple[str, ...]:
    changed = []
    if after.starts_at != before.starts_at:
        changed.append("time")
    if (after.place, after.address) != (before.place, before.address):
        changed.append("place")
    if after.capacity != before.capacity:
        changed.append("capacity")
    if after.language != before.language:
        changed.append("language")
    return tuple(changed)


async def _key_suffix(conn: aiosqlite.Connection, subject: str) -> str:
    """A key suffix unique to this change: the number of outbox rows about `subject` so far."""
    cursor = await conn.execute("SELECT COUNT(*) FROM outbox WHERE subject = ?", (subject,))
    row = await cursor.fetchone()
    return f":r{row[0] if row else 0}"
