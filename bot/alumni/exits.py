"""Exits (staff): /sortie marks a cohort or one learner as exited and schedules, in the same
transaction, every survey and reminder of their follow-up through the outbox."""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
from collections.abc import Sequence

from bot.alumni.context import AlumniContext
from bot.alumni.rules import SURVEY_KIND, looks_like_a_date, parse_day, subject
from bot.config import StaffMember
from bot.core.followup import call_time, reminder_times
from bot.core.pipeline import Stage, TransitionRefused
from bot.core.text import fold
from bot.db.database import Database
from bot.kernel.actions import Response
from bot.outbox import store as outbox
from bot.pipeline.store import PipelineStore

log = logging.getLogger(__name__)


class Exits:
    def __init__(self, ctx: AlumniContext, *, db: Database, pipeline: PipelineStore) -> None:
        self.ctx = ctx
        self.db = db
        self.pipeline = pipeline

    async def command(self, member: StaffMember, args: Sequence[str]) -> Response:
        """/sortie <cohort or #id> [JJ/MM/AAAA] [abandon]"""
        ctx = self.ctx
        lang = ctx.staff_lang
        words = list(args)
        completed = True
        if words and fold(words[-1]) in ("abandon", "dropout", "dropped"):
            completed = False
            words.pop()
        day = ctx.today()
        if len(words) >= 2:
            parsed = parse_day(words[-1], ctx.today())
            if parsed is not None:
                day = parsed
                words.pop()
            elif looks_like_a_date(words[-1]):
                return self._refused(lang, "bad_date")
        target = " ".join(words).strip()
        if not target:
            return Response().send(ctx.render(lang, "alumni/staff_exit_usage"))
        sites = ctx.sites(member)
        people: list[tuple[int, str, str, int | None]] = []  # id, site, cohort, cohort id
        if target.startswith("#") and target[1:].isdigit():
            candidate_id = int(target[1:])
            person = await ctx.store.person(candidate_id)
            view = await self.pipeline.candidate(candidate_id) if person else None
            if person is None or view is None or not member.can_see_site(view.site):
                return self._refused(lang, "unknown")
            stage = view.stage
            if stage not in (Stage.IN_TRAINING, Stage.EXITED):
                return self._refused(lang, "not_in_training")
            placement = await ctx.store.placement(candidate_id)
            cohort_id, cohort_name = placement if placement else (None, "")
            people.append((candidate_id, str(view.site), cohort_name, cohort_id))
        else:
            cohort = await self.pipeline.find_cohort(target, sites)
            if cohort is None:
                return self._refused(lang, "no_cohort")
            for candidate_id in await self.pipeline.members(
                cohort.id, (Stage.IN_TRAINING, Stage.EXITED)
            ):
                people.append((candidate_id, cohort.site, cohort.name, cohort.id))
            if not people:
                return self._refused(lang, "nobody")
        marked = 0
        now = ctx.clock.now()
        for candidate_id, site, cohort_name, cohort_id in people:
            # Already exited (moved on the staff side): the follow-up may still need setting up.
            with contextlib.suppress(TransitionRefused):
                await self.pipeline.move(
                    candidate_id,
                    to=Stage.EXITED,
                    by=member.user_id,
                    at=now,
                    reason="dropout" if not completed else None,
                )
            if await self.mark_exit(
                candidate_id,
                site=site,
                cohort=cohort_name,
                cohort_id=cohort_id,
                exit_date=day,
                completed=completed,
                staff_id=member.user_id,
            ):
                marked += 1
        log.info("exits marked: %d of %d", marked, len(people))
        text = ctx.render(
            lang,
            "alumni/staff_exit_done",
            marked=marked,
            already=len(people) - marked,
            day=day.strftime("%d/%m/%Y"),
            milestones=ctx.outcomes.followup.milestones_months,
            completed=completed,
        )
        return Response().send(text)

    def _refused(self, lang: str, why: str) -> Response:
        return Response().send(self.ctx.render(lang, "alumni/staff_exit_refused", why=why))

    async def mark_exit(
        self,
        candidate_id: int,
        *,
        site: str,
        cohort: str,
        exit_date: dt.date,
        cohort_id: int | None = None,
        completed: bool = True,
        staff_id: int | None = None,
    ) -> bool:
        """Record the exit and schedule every survey and reminder in one transaction."""
        ctx = self.ctx
        person = await ctx.store.person(candidate_id)
        if person is None:
            return False
        now = ctx.clock.now()
        policy = ctx.outcomes.followup
        tz = ctx.settings.timezone
        async with self.db.transaction() as conn:
            if not await ctx.store.mark_exit(
                conn,
                candidate_id=candidate_id,
                site=site,
                cohort=cohort,
                cohort_id=cohort_id,
                exit_date=exit_date,
                completed=completed,
                staff_id=staff_id,
                now=now,
            ):
                return False
            for milestone in await ctx.store.followups(candidate_id):
                due = milestone.due_at
                times = [due, *reminder_times(due, policy, tz)]
                for index, when in enumerate(times):
                    await outbox.schedule(
                        conn,
                        key=f"fu:{candidate_id}:{milestone.milestone}:{index}",
                        kind=SURVEY_KIND,
                        chat_id=int(person["chat_id"]),
                        due_at=max(when, now),
                        payload={"m": milestone.milestone, "r": index},
                        candidate_id=candidate_id,
                        subject=subject(candidate_id, milestone.milestone),
                        not_after=call_time(due, policy, tz),
                        now=now,
                    )
        return True
