"""/revue: results to review and /humain requests, oldest first, each with its buttons; a
decision (confirm, overturn, handled) from the buttons; and the decision messages still waiting
for "Envoyer" (bot/decisions), so no draft is forgotten.

A confirmed or an overturned result tells the candidate through bot/decisions (its reaction to
the `Reviewed` event): first a preview to the staff member who decided, then the message.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from bot.config import StaffMember
from bot.core.pipeline import Stage, TransitionRefused
from bot.kernel.actions import Button, EditPressed, Keyboard, Response, Toast
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


# The decision messages of a member's candidates still waiting for "Envoyer", as their previews
# with their buttons (bot/decisions: Decisions.pending); empty when there are none.
PendingDrafts = Callable[[StaffMember], Awaitable[Response]]


class Review:
    def __init__(
        self,
        ctx: PipelineContext,
        unanswered: Unanswered | None = None,
        drafts: PendingDrafts | None = None,
    ) -> None:
        self.ctx = ctx
        self.unanswered = unanswered
        self.drafts = drafts

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
        if self.drafts is not None:
            response.actions.extend((await self.drafts(member)).actions)
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
        return response
