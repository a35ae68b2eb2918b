"""Staff set an interview: /entretien <numéro> with buttons (a day, an hour, the site's place) or
typed (/entretien <numéro> <jj/mm> <hh:mm> [lieu ; adresse]). The candidate is moved to the
interview stage if needed, and told the date, time and place with buttons to answer."""

from __future__ import annotations

import datetime as dt
import logging

from bot.config import StaffMember
from bot.core.pipeline import TRANSITIONS, Stage, TransitionRefused
from bot.interviews import rules
from bot.interviews.buttons import AtSite, PickDay, PickHour, StaffPress, encode
from bot.interviews.rules import HOURS, Interview, day_code, day_of, working_days
from bot.interviews.store import InterviewStore
from bot.interviews.views import InterviewViews
from bot.kernel.actions import Button, EditPressed, Keyboard, Response, Tell, rows
from bot.pipeline.context import PipelineContext
from bot.pipeline.models import CandidateView
from bot.screening.store import CandidateStore
from bot.sessions.rules import ArgumentError

log = logging.getLogger(__name__)


class Planning:
    def __init__(
        self,
        *,
        ctx: PipelineContext,
        store: InterviewStore,
        candidates: CandidateStore,
        views: InterviewViews,
    ) -> None:
        self.ctx = ctx
        self.store = store
        self.candidates = candidates
        self.views = views

    @property
    def lang(self) -> str:
        return self.ctx.lang

    def _say(self, name: str, keyboard: Keyboard = (), **context: object) -> Response:
        return Response().send(self.views.render(self.lang, name, **context), keyboard)

    async def command(self, member: StaffMember, args: list[str]) -> Response:
        """/entretien <numéro> [<jj/mm> <hh:mm> [lieu ; adresse]]"""
        try:
            typed = rules.parse_command(args, self.ctx.now(), self.ctx.tz)
        except ArgumentError as error:
            return self._say("staff_error", what=str(error))
        view = await self._candidate(member, typed.candidate_id)
        if view is None:
            return self.ctx.say("not_found", query=str(typed.candidate_id))
        refused = self._refused(view)
        if refused is not None:
            return refused
        if typed.starts_at is None:
            return self._days(view)
        place = typed.place or self._site_place(view)
        if place is None:
            return self._say("staff_error", what="no_site_place")
        return await self._set(member, view, typed.starts_at, *place)

    async def button(self, member: StaffMember, press: StaffPress | None) -> Response:
        if press is None:
            return self._stale()
        view = await self._candidate(member, press.candidate_id)
        if view is None:
            return self._stale()
        refused = self._refused(view)
        if refused is not None:
            return refused
        try:
            day = day_of(press.day)
            if isinstance(press, PickDay):
                return self._hours(view, day)
            starts_at = rules.at_hour(day, press.hour, self.ctx.tz)
        except ArgumentError:
            return self._stale()
        if starts_at <= self.ctx.now():
            return self._say("staff_error", what="past")
        if isinstance(press, PickHour):
            return self._place(view, day, press.hour, starts_at)
        place = self._site_place(view)
        if place is None:
            return self._say("staff_error", what="no_site_place")
        response = await self._set(member, view, starts_at, *place)
        label = self.views.label(self.lang, "iv.btn_at_site")
        return response.add(EditPressed(append=label))

    # ------------------------------------------------------------------ the steps
    def _days(self, view: CandidateView) -> Response:
        days = working_days(self.ctx.today())
        buttons = [
            Button(self._day_label(day), encode(PickDay(view.id, day_code(day)))) for day in days
        ]
        return self._say("staff_pick_day", rows(buttons, 1), c=self.ctx.summary(view))

    def _hours(self, view: CandidateView, day: dt.date) -> Response:
        code = day_code(day)
        buttons = [
            Button(self._hour_label(hour), encode(PickHour(view.id, code, hour))) for hour in HOURS
        ]
        response = self._say(
            "staff_pick_hour", rows(buttons, 3), c=self.ctx.summary(view), day=self._day_label(day)
        )
        return response.add(EditPressed(append=f"✅ {self._day_label(day)}"))

    def _place(
        self, view: CandidateView, day: dt.date, hour: int, starts_at: dt.datetime
    ) -> Response:
        place = self._site_place(view)
        keyboard: Keyboard = ()
        if place is not None:
            label = self.views.label(self.lang, "iv.btn_at_site")
            keyboard = ((Button(label, encode(AtSite(view.id, day_code(day), hour))),),)
        local = starts_at.astimezone(self.ctx.tz)
        response = self._say(
            "staff_pick_place",
            keyboard,
            c=self.ctx.summary(view),
            when=starts_at,
            place=place,
            typed=f"/entretien {view.id} {local:%d/%m} {local:%H:%M}",
        )
        return response.add(EditPressed(append=f"✅ {self._hour_label(hour)}"))

    async def _set(
        self,
        member: StaffMember,
        view: CandidateView,
        starts_at: dt.datetime,
        place: str,
        address: str,
    ) -> Response:
        candidate = await self.candidates.by_id(view.id)
        if candidate is None:
            return self.ctx.say("not_found", query=str(view.id))
        now = self.ctx.now()
        live = await self.store.live(view.id)
        if live is not None and (live.starts_at, live.place, live.address) == (
            starts_at,
            place,
            address,
        ):
            # the same again (a double tap, a command sent twice): nothing changes, nobody told
            return self._done(view, live, replaced=False, moved=False)
        try:
            async with self.ctx.store.work() as work:
                if view.stage is not Stage.INTERVIEW:
                    await self.ctx.store.move(
                        view.id, to=Stage.INTERVIEW, by=member.user_id, at=now
                    )
                interview_id, replaced = await self.store.plan(
                    work.conn,
                    candidate_id=view.id,
                    chat_id=candidate.chat_id,
                    starts_at=starts_at,
                    place=place,
                    address=address,
                    by=member.user_id,
                    now=now,
                )
        except TransitionRefused:
            return self._say("staff_refused", c=self.ctx.summary(view))
        interview = await self.store.get(interview_id)
        assert interview is not None
        lang = candidate.language
        told = Response().send(
            self.views.render(
                lang,
                "invite",
                interview=self.views.describe(interview, lang),
                old=self.views.describe(replaced, lang) if replaced else None,
            ),
            self.views.answer_keyboard(lang, interview.id),
        )
        log.info("interview %s set by staff for candidate %s", interview.id, view.id)
        done = self._done(
            view, interview, replaced=replaced is not None, moved=view.stage is not Stage.INTERVIEW
        )
        return done.add(Tell(candidate.chat_id, told))

    def _done(
        self, view: CandidateView, interview: Interview, *, replaced: bool, moved: bool
    ) -> Response:
        return self._say(
            "staff_set",
            c=self.ctx.summary(view),
            interview=self.views.describe(interview, self.lang),
            replaced=replaced,
            moved=moved,
        )

    # ------------------------------------------------------------------ helpers
    async def _candidate(self, member: StaffMember, candidate_id: int) -> CandidateView | None:
        return await self.ctx.candidate(member, candidate_id)

    def _refused(self, view: CandidateView) -> Response | None:
        if view.stage is Stage.INTERVIEW or Stage.INTERVIEW in TRANSITIONS[view.stage]:
            return None
        return self._say("staff_refused", c=self.ctx.summary(view))

    def _site_place(self, view: CandidateView) -> tuple[str, str] | None:
        site = self.ctx.programme.sites.get(view.site or "")
        if site is None or not site.address:
            return None
        return site.place or site.name, site.address

    def _hour_label(self, hour: int) -> str:
        return self.views.renderer.format_time(dt.time(hour), self.lang)

    def _day_label(self, day: dt.date) -> str:
        return self.views.renderer.format_date(day, self.lang, "day")

    def _stale(self) -> Response:
        return (
            Response()
            .add(EditPressed())
            .send(self.views.render(self.lang, "staff_error", what="stale"))
        )
