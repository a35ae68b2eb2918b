"""/etape and the move buttons of a card: a candidate to another stage, into a cohort when the
stage needs one; a full cohort is refused, unless an admin confirms an admission over capacity."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Awaitable, Callable, Sequence

from bot.config import StaffMember
from bot.core.pipeline import (
    ATTENDANCE_STAGES,
    COHORT_STAGES,
    FRENCH_WORDS,
    ORDER,
    Stage,
    TransitionRefused,
    allowed_moves,
    too_early_for_attendance,
)
from bot.core.text import fold
from bot.kernel.actions import Button, EditPressed, Keyboard, Response, Toast, rows
from bot.pipeline.buttons import Move, OverCapacity, encode
from bot.pipeline.cards import Cards
from bot.pipeline.context import MAX_LIST, PipelineContext
from bot.pipeline.models import CandidateView
from bot.pipeline.store import CohortFull
from bot.pipeline.views import fr_date, fr_datetime

log = logging.getLogger(__name__)


# When a candidate's booked information session starts (bot/sessions/store.py), None if none.
SessionStartOf = Callable[[int], Awaitable[dt.datetime | None]]


class Moves:
    def __init__(
        self, ctx: PipelineContext, cards: Cards, *, session_start: SessionStartOf | None = None
    ) -> None:
        self.ctx = ctx
        self.cards = cards  # the moved candidate's card buttons come with the answer
        self.session_start = session_start

    async def move(
        self,
        member: StaffMember,
        candidate_id: int,
        target: Stage,
        *,
        cohort_id: int | None = None,
        reason: str | None = None,
        pressed: bool = False,
        over_capacity: bool = False,
    ) -> Response:
        ctx = self.ctx
        view = await ctx.candidate(member, candidate_id)
        if view is None:
            return ctx.toast("not_found") if pressed else ctx.say("not_found", query=candidate_id)
        if cohort_id is not None and await ctx.cohort(member, cohort_id) is None:
            return ctx.toast("not_found") if pressed else ctx.say("not_found", query=cohort_id)
        if view.site is not None and cohort_id is not None:
            cohort = await ctx.store.cohort(cohort_id)
            if cohort is not None and cohort.site != view.site:
                return ctx.say(
                    "refused",
                    reason="other_site",
                    stage=ctx.stage(view.stage),
                    target=ctx.stage(target),
                )
        if target not in allowed_moves(view.stage):
            return ctx.say(
                "refused",
                reason="already_there" if target is view.stage else "not_allowed",
                stage=ctx.stage(view.stage),
                target=ctx.stage(target),
                allowed=[ctx.stage(s) for s in allowed_moves(view.stage)],
            )
        if target in ATTENDANCE_STAGES and self.session_start is not None:
            starts = await self.session_start(candidate_id)
            if too_early_for_attendance(starts, ctx.now()):
                assert starts is not None
                return ctx.say(
                    "refused",
                    reason="not_started",
                    stage=ctx.stage(view.stage),
                    target=ctx.stage(target),
                    when=fr_datetime(starts.isoformat(), ctx.tz),
                )
        if target in COHORT_STAGES and cohort_id is None and view.cohort_id is None:
            choices = [
                c
                for c in await ctx.store.cohorts({view.site} if view.site else set())
                if c.is_open(ctx.today())
            ]
            if not choices:
                return ctx.say("no_cohort", site=ctx.site_name(view.site))
            buttons = [
                Button(
                    f"{c.name} ({fr_date(c.start_date)})", encode(Move(view.id, target.value, c.id))
                )
                for c in choices[:MAX_LIST]
            ]
            return ctx.say(
                "choose_cohort", rows(buttons), c=ctx.summary(view), target=ctx.stage(target)
            )
        try:
            previous = await ctx.store.move(
                candidate_id,
                to=target,
                by=member.user_id,
                at=ctx.now(),
                reason=reason,
                cohort_id=cohort_id,
                over_capacity=over_capacity and member.is_admin,
            )
        except CohortFull as full:
            return await self._cohort_full(member, view, full, pressed)
        except TransitionRefused as refused:
            return ctx.say(
                "refused",
                reason=refused.reason,
                stage=ctx.stage(refused.current),
                target=ctx.stage(target),
                allowed=[ctx.stage(s) for s in allowed_moves(refused.current)],
            )
        log.info("staff moved candidate %s: %s -> %s", candidate_id, previous.value, target.value)
        updated = await ctx.store.candidate(candidate_id)
        assert updated is not None
        response = Response()
        if pressed:
            response.add(Toast("")).add(EditPressed())
        response.send(
            ctx.render(
                "moved",
                c=ctx.summary(updated),
                previous=ctx.stage(previous),
                reason=reason,
            ),
            self.cards.keyboard(updated),
        )
        return response

    async def _cohort_full(
        self, member: StaffMember, view: CandidateView, full: CohortFull, pressed: bool
    ) -> Response:
        """No place left: an admin may confirm an admission over capacity, others ask one."""
        ctx = self.ctx
        log.info("admission of candidate %s refused: cohort %s full", view.id, full.cohort_id)
        cohort = await ctx.store.cohort(full.cohort_id)
        keyboard: Keyboard = ()
        if member.is_admin:
            data = encode(OverCapacity(view.id, full.cohort_id))
            keyboard = ((Button(ctx.label("staff.btn.over_capacity"), data),),)
        response = ctx.say(
            "cohort_full",
            keyboard,
            c=ctx.summary(view),
            cohort=cohort.name if cohort else full.cohort_id,
            capacity=full.capacity,
            admitted=full.admitted,
            is_admin=member.is_admin,
        )
        if pressed:
            response.actions.insert(0, Toast(""))
        return response

    async def over_capacity(
        self, member: StaffMember, candidate_id: int, cohort_id: int
    ) -> Response:
        """Admit over capacity: the confirm button only admins get (st:mo)."""
        if not member.is_admin:
            return self.ctx.say("admin_only")
        return await self.move(
            member,
            candidate_id,
            Stage.ADMITTED,
            cohort_id=cohort_id,
            pressed=True,
            over_capacity=True,
        )

    async def command(self, member: StaffMember, args: Sequence[str]) -> Response:
        """/etape <number> <stage> [reason]; the stage may be several words ("en formation")."""
        ctx = self.ctx
        stages = [
            {"fr": FRENCH_WORDS[s][0], "en": s.value, "label": ctx.stage(s)}
            for s in ORDER
            if s is not Stage.SCREENING
        ]
        if len(args) < 2 or not args[0].lstrip("#").isdigit():
            return ctx.say("usage", what="move", stages=stages)
        for words in (3, 2, 1):
            target = self.parse_stage(" ".join(args[1 : 1 + words]))
            if target is not None:
                reason = " ".join(args[1 + words :]).strip()[:300] or None
                return await self.move(member, int(args[0].lstrip("#")), target, reason=reason)
        return ctx.say("usage", what="move", stages=stages)

    def parse_stage(self, text: str) -> Stage | None:
        """A stage as staff type it: its French word ("venu"), its English code ("attended")
        or its label ("Venu à la réunion"), accents and capitals forgiven."""
        wanted = fold(text)
        for stage in ORDER:
            label = self.ctx.stage(stage)
            names = {
                fold(stage.value),
                fold(stage.value.replace("_", " ")),
                fold(label),
                fold(label.split("(")[0]),
                *FRENCH_WORDS[stage],
            }
            if wanted in names:
                return stage
        return None
