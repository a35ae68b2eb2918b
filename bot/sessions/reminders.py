"""The scheduled messages of information sessions: the outbox kinds and their renderers.

Each renderer checks, at sending time, that what the message is about still holds (the booking
is live, the session scheduled, the candidate still waiting) and returns None otherwise.
"""

from __future__ import annotations

from bot.kernel.actions import Button, Keyboard, Response
from bot.outbox.kinds import MessageKind, Render
from bot.outbox.store import OutboxRow, parse_time
from bot.screening.store import Candidate, CandidateStore
from bot.sessions.booking import Booking
from bot.sessions.buttons import SESSIONS, Attendees, Book, Cancel, Change, Confirm, encode
from bot.sessions.store import SessionStore
from bot.sessions.views import SessionViews

AT_MOST_ONCE = frozenset({"sessions.noshow", "sessions.seat_free"})


class Reminders:
    def __init__(
        self,
        *,
        store: SessionStore,
        booking: Booking,
        candidates: CandidateStore,
        views: SessionViews,
        staff_language: str,
    ) -> None:
        self.store = store
        self.booking = booking
        self.candidates = candidates
        self.views = views
        self.staff_language = staff_language
        self.tz = views.tz

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
        live = await self.store.live_booking(candidate.id) if candidate else None
        if candidate is None or live is None or live[0] != booking_id:
            return None
        _, session = live
        lang = candidate.language
        info = self.views.describe(session, lang)
        label = self.views.label
        if row.kind == "sessions.reminder_j1":
            text = self.views.render(lang, "reminders/day_before", session=info)
            keyboard: Keyboard = (
                (Button(label(lang, "sessions.btn_yes"), encode(Confirm(booking_id))),),
                (Button(label(lang, "sessions.btn_change"), encode(Change(booking_id))),),
                (Button(label(lang, "sessions.btn_cancel"), encode(Cancel(booking_id))),),
            )
            return Response().send(text, keyboard)
        text = self.views.render(lang, "reminders/soon", session=info)
        return Response().send(
            text, ((Button(label(lang, "sessions.btn_map"), url=info["map_url"]),),)
        )

    async def _render_unconfirmed(self, row: OutboxRow) -> Response | None:
        session = await self.store.session(int(row.payload.get("session_id", 0)))
        if session is None or session.status != "scheduled":
            return None
        booked = await self.store.unconfirmed(session.id)
        if not booked:
            return None
        lang = self.staff_language
        names = [await self.views.first_name(candidate_id) for candidate_id in booked]
        text = self.views.render(
            lang,
            "sessions/staff_unconfirmed",
            session=self.views.describe(session, lang),
            names=names,
        )
        return Response().send(text, ((Button("👥", encode(Attendees(session.id))),),))

    async def _render_seat_free(self, row: OutboxRow) -> Response | None:
        candidate = await self._candidate_of(row)
        if candidate is None or not self.booking.may_book(candidate):
            return None
        if not await self.store.on_waitlist(candidate.id):
            return None
        if await self.store.live_booking(candidate.id) is not None:
            return None
        response = await self.booking.offer_for(candidate, intro=_seat_free_intro(row.key))
        if not any(
            isinstance(SESSIONS.decode(b.data), Book)
            for a in response.actions
            if hasattr(a, "keyboard")
            for r in a.keyboard
            for b in r
        ):
            return None  # taken again already: stay on the waitlist
        return response

    async def _render_cancelled(self, row: OutboxRow) -> Response | None:
        candidate = await self._candidate_of(row)
        session = await self.store.session(int(row.payload.get("session_id", 0)))
        if candidate is None or session is None:
            return None
        lang = candidate.language
        text = self.views.render(
            lang, "sessions/session_cancelled", session=self.views.describe(session, lang)
        )
        response = Response().send(text)
        if await self.store.live_booking(candidate.id) is None:
            offer = await self.booking.offer_for(candidate, exclude=session.id)
            response.actions.extend(offer.actions)
        return response

    async def _render_changed(self, row: OutboxRow) -> Response | None:
        """A staff change to the candidate's session: what they knew, what it is now."""
        candidate = await self._candidate_of(row)
        booking_id = int(row.payload.get("booking_id", 0))
        live = await self.store.live_booking(candidate.id) if candidate else None
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
        text = self.views.render(
            lang,
            "sessions/session_changed",
            session=self.views.describe(session, lang),
            old_when=old_start if moved and old_start else None,
            new_place=new_place,
        )
        return Response().send(text, self.views.booking_keyboard(lang, booking_id, session))

    async def _render_noshow(self, row: OutboxRow) -> Response | None:
        candidate = await self._candidate_of(row)
        if candidate is None or await self.store.live_booking(candidate.id) is not None:
            return None
        return await self.booking.offer_for(candidate, intro="noshow")


def _seat_free_intro(key: str) -> str:
    """What freed a seat, from the row's key 'sessions.seat_free:<candidate>:<trigger>' (see
    bot/sessions/store.py seat_freed): a new session, more seats, or a booking given up."""
    trigger = key.split(":", 2)[2] if key.count(":") >= 2 else ""
    kind = trigger.partition(":")[0]
    if kind == "session":
        return "new_session"
    if kind == "capacity":
        return "more_seats"
    return "seat_free"  # cancelled:<booking>, moved:<booking>
