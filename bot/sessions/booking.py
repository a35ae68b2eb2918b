"""Candidates' use cases: the offer, booking a seat, changing or cancelling it, the waitlist,
"je viens", and /stop. Telegram-free: each answers with a Response."""

from __future__ import annotations

import datetime as dt
import logging

from bot.db.database import Database
from bot.kernel.actions import Button, EditPressed, Response, Toast, rows
from bot.kernel.clock import Clock
from bot.kernel.person import Person
from bot.reachability import store as reachability
from bot.screening.store import Candidate, CandidateStore
from bot.sessions import rules
from bot.sessions.buttons import (
    Book,
    Cancel,
    CancelNo,
    CancelYes,
    CandidatePress,
    Change,
    Confirm,
    JoinWaitlist,
    ShowOffer,
    encode,
)
from bot.sessions.store import NotOffered, SeatTaken, SessionStore
from bot.sessions.views import SessionViews

log = logging.getLogger(__name__)


class Booking:
    def __init__(
        self,
        *,
        db: Database,
        store: SessionStore,
        candidates: CandidateStore,
        views: SessionViews,
        clock: Clock,
        default_language: str,
    ) -> None:
        self.db = db
        self.store = store
        self.candidates = candidates
        self.views = views
        self.clock = clock
        self.default_language = default_language

    @staticmethod
    def may_book(candidate: Candidate) -> bool:
        return rules.may_book(candidate.status, candidate.result, candidate.review_status)

    async def offer_for(
        self, candidate: Candidate, *, exclude: int | None = None, intro: str | None = None
    ) -> Response:
        """The next sessions of the candidate's site as buttons (or the waitlist)."""
        lang = candidate.language
        site = await self.views.site_of(candidate.id)
        sessions = await self.store.upcoming(site, self.clock.now()) if site else []
        chosen = rules.offer([s.slot() for s in sessions], self.clock.now(), exclude=exclude)
        by_id = {s.id: s for s in sessions}
        slots = [self.views.describe(by_id[s.id], lang) for s in chosen.slots]
        buttons = [
            Button(
                self.views.render(lang, "sessions/slot_button", slot=slot),
                encode(Book(slot["id"])),
            )
            for slot in slots
        ]
        if not slots:
            # Sessions exist but are full: a seat may free up. None at all (a site with no date
            # yet): the team will propose dates, and the same list tells the person then.
            label = "sessions.btn_waitlist" if chosen.all_full else "sessions.btn_notify_dates"
            buttons.append(Button(self.views.label(lang, label), encode(JoinWaitlist())))
        text = self.views.render(
            lang, "sessions/offer", slots=slots, all_full=chosen.all_full, intro=intro
        )
        return Response().send(text, rows(buttons))

    async def booked_when(self, candidate_id: int, lang: str) -> dt.datetime | None:
        """When the person's booked session starts (None: nothing booked)."""
        live = await self.store.live_booking(candidate_id)
        return None if live is None else live[1].starts_at

    async def after_eligible(self, candidate: Candidate) -> Response:
        """Called by the screening at an "eligible" result."""
        return await self.offer_for(candidate)

    async def reunion(self, person: Person) -> Response:
        """/reunion: the candidate's booking (with change and cancel), or the offer."""
        candidate = await self.candidates.by_telegram_id(person.user_id)
        if candidate is None or not self.may_book(candidate):
            lang = candidate.language if candidate else self.default_language
            return Response().send(
                self.views.render(lang, "sessions/not_yet", screening=candidate is not None)
            )
        live = await self.store.live_booking(candidate.id)
        if live is None:
            return await self.offer_for(candidate)
        booking_id, session = live
        lang = candidate.language
        text = self.views.render(
            lang, "sessions/my_booking", session=self.views.describe(session, lang)
        )
        return Response().send(text, self.views.booking_keyboard(lang, booking_id, session))

    async def button(self, person: Person, press: CandidatePress | None) -> Response:
        """A candidate's "s:" button; None is a malformed or forged one (answered as stale)."""
        candidate = await self.candidates.by_telegram_id(person.user_id)
        if candidate is None or not self.may_book(candidate):
            return (await self.reunion(person)).add(Toast(""))
        lang = candidate.language
        done = Response().add(Toast("")).add(EditPressed())
        if isinstance(press, ShowOffer):
            done.actions.extend((await self.reunion(person)).actions)
            return done
        if isinstance(press, Book):
            return await self._book(candidate, press.session_id)
        if isinstance(press, JoinWaitlist):
            return await self._join_waitlist(candidate)
        live = await self.store.live_booking(candidate.id)
        if press is None or live is None or press.booking_id != live[0]:
            return await self._stale(person, lang)
        booking_id, session = live
        if isinstance(press, Confirm):
            await self.store.confirm(booking_id, self.clock.now())
            return (
                Response()
                .add(Toast(self.views.render(lang, "sessions/toast", what="confirmed")))
                .add(EditPressed(append="✅ " + self.views.label(lang, "sessions.btn_yes")))
            )
        if isinstance(press, Change):
            done.actions.extend((await self.offer_for(candidate, exclude=session.id)).actions)
            return done
        if isinstance(press, Cancel):
            return done.send(
                self.views.render(
                    lang, "sessions/cancel_confirm", session=self.views.describe(session, lang)
                ),
                (
                    (
                        Button(
                            self.views.label(lang, "sessions.btn_cancel_yes"),
                            encode(CancelYes(booking_id)),
                        ),
                    ),
                    (
                        Button(
                            self.views.label(lang, "sessions.btn_cancel_no"),
                            encode(CancelNo(booking_id)),
                        ),
                    ),
                ),
            )
        if isinstance(press, CancelYes):
            await self.store.cancel_booking(candidate.id, booking_id, session, self.clock.now())
            done.send(self.views.render(lang, "sessions/booking_cancelled"))
            done.actions.extend((await self.offer_for(candidate, exclude=session.id)).actions)
            return done
        # CancelNo: back to the booking
        return done.send(
            self.views.render(
                lang, "sessions/my_booking", session=self.views.describe(session, lang)
            ),
            self.views.booking_keyboard(lang, booking_id, session),
        )

    async def _stale(self, person: Person, lang: str) -> Response:
        stale = Response().add(Toast(self.views.render(lang, "sessions/toast", what="stale")))
        stale.add(EditPressed())
        stale.actions.extend((await self.reunion(person)).actions)
        return stale

    async def book(
        self, candidate: Candidate, session_id: int, now: dt.datetime
    ) -> tuple[int | None, int | None]:
        """Take a seat (see SessionStore.book): (booking id, previous session id)."""
        site = await self.views.site_of(candidate.id)
        return await self.store.book(candidate.id, candidate.chat_id, site, session_id, now)

    async def _book(self, candidate: Candidate, session_id: int) -> Response:
        lang = candidate.language
        now = self.clock.now()
        try:
            booking_id, moved_from = await self.book(candidate, session_id, now)
        except NotOffered:
            log.info("candidate %s refused session %s: not their site", candidate.id, session_id)
            return await self._stale(Person(candidate.telegram_id, candidate.chat_id), lang)
        except SeatTaken:
            response = Response().add(Toast(self.views.render(lang, "sessions/toast", what="full")))
            response.add(EditPressed())
            response.actions.extend((await self.offer_for(candidate, intro="full")).actions)
            return response
        session = await self.store.session(session_id)
        assert session is not None
        if booking_id is None:  # pressed twice
            return Response().add(Toast(self.views.render(lang, "sessions/toast", what="already")))
        info = self.views.describe(session, lang)
        short = self.views.renderer.format_datetime(session.starts_at, lang, "button")
        text = self.views.render(
            lang,
            "sessions/booked",
            session=info,
            moved=moved_from is not None,
            short_notice=session.starts_at - now < rules.PREFERRED_LEAD,
        )
        return (
            Response()
            .add(Toast(""))
            .add(EditPressed(append="✅ " + short))
            .send(text, self.views.booking_keyboard(lang, booking_id, session))
        )

    async def _join_waitlist(self, candidate: Candidate) -> Response:
        lang = candidate.language
        site = await self.views.site_of(candidate.id)
        now = self.clock.now()
        dates = True  # no session at all: waiting for dates, not for a seat
        if site is not None:
            await self.store.join_waitlist(candidate.id, site, now)
            dates = not await self.store.upcoming(site, now)
        label = "sessions.btn_notify_dates" if dates else "sessions.btn_waitlist"
        return (
            Response()
            .add(Toast(""))
            .add(EditPressed(append="✅ " + self.views.label(lang, label)))
            .send(self.views.render(lang, "sessions/waitlisted", dates=dates))
        )

    async def stop(self, person: Person) -> Response:
        """/stop: the candidate wants no more nudges."""
        candidate = await self.candidates.by_telegram_id(person.user_id)
        lang = candidate.language if candidate else self.default_language
        if candidate is not None:
            await reachability.set_stopped(self.db, candidate.id, self.clock.now(), True)
        return Response().send(self.views.render(lang, "sessions/stopped"))
