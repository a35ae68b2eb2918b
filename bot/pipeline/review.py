"""/revue: results to review and /humain requests, oldest first, each with its buttons; a
decision (confirm, overturn, handled) from the buttons. An overturned result tells the candidate.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from bot.config import StaffMember
from bot.core.pipeline import Stage, TransitionRefused
from bot.kernel.actions import Button, EditPressed, Keyboard, Response, Tell, Toast
from bot.pipeline.buttons import Card, Decide, Note, encode
from bot.pipeline.context import PipelineContext
from bot.pipeline.models import CandidateView
from bot.pipeline.views import visible_sites

log = logging.getLogger(__name__)

MAX_REVIEW_ITEMS = 8  # review items sent as separate messages with their buttons


def in_queue(view: CandidateView) -> bool:
    return view.stage is Stage.TO_REVIEW or view.human_pending


# The /humain requests unanswered for 2 working days, for some sites (None: all), as a text
# (bot/messages: Messaging.digest_unanswered_text); empty when there are none.
Unanswered = Callable[[frozenset[str] | None], Awaitable[str]]


class Review:
    def __init__(self, ctx: PipelineContext, unanswered: Unanswered | None = None) -> None:
        self.ctx = ctx
        self.unanswered = unanswered

    async def queue(self, member: StaffMember) -> Response:
        ctx = self.ctx
        count, views = await ctx.store.review_queue(visible_sites(member), MAX_REVIEW_ITEMS)
        response = Response()
        response.send(ctx.render("review_header", count=count, shown=len(views)))
        for view in views:
            response.send(*self.item(view))
        if self.unanswered is not None:
            late = await self.unanswered(None if member.is_admin else frozenset(member.sites))
            if late:
                response.send(late)
        return response

    def item(self, view: CandidateView) -> tuple[str, Keyboard]:
        ctx = self.ctx
        buttons: list[tuple[Button, ...]] = []
        if view.stage is Stage.TO_REVIEW:
            buttons.append(
                (
                    Button(ctx.label("staff.btn.confirm"), encode(Decide(view.id, "c"))),
                    Button(ctx.label("staff.btn.overturn"), encode(Decide(view.id, "o"))),
                )
            )
        if view.human_pending:
            buttons.append(
                (Button(ctx.label("staff.btn.human_done"), encode(Decide(view.id, "h"))),)
            )
        buttons.append(
            (
                Button(ctx.label("staff.btn.note"), encode(Note(view.id))),
                Button(ctx.label("staff.btn.card"), encode(Card(view.id))),
            )
        )
        text = ctx.render(
            "review_item",
            c=ctx.summary(view),
            to_review=view.stage is Stage.TO_REVIEW,
            human=view.human_pending,
            reasons=view.reasons,
        )
        return text, tuple(buttons)

    async def decide(self, member: StaffMember, candidate_id: int, decision: str) -> Response:
        ctx = self.ctx
        view = await ctx.candidate(member, candidate_id)
        if view is None:
            return ctx.toast("not_found")
        try:
            await ctx.store.review(candidate_id, decision=decision, by=member.user_id, at=ctx.now())
        except TransitionRefused:
            return ctx.toast("already_done")
        log.info("staff review %s on candidate %s", decision, candidate_id)
        response = Response().add(Toast(""))
        response.add(EditPressed(append=ctx.label(f"staff.done.{decision}")))
        if decision == "overturned":
            response.add(Tell(view.chat_id, self._overturned_message(view)))
        return response

    def _overturned_message(self, view: CandidateView) -> Response:
        ctx = self.ctx
        text = ctx.renderer.render(
            view.language,
            "staff/candidate_overturned",
            programme=ctx.programme,
            first_name=view.first_name or None,
        )
        button = Button(ctx.renderer.label(view.language, "btn.offer_session"), "s:offer")
        return Response().send(text, ((button,),))
