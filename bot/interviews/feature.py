"""The interviews feature as bot/app.py builds it, in two steps: its store, views and reactions
first (the unit of work and /statut need them), its use cases once the staff pipeline exists."""

from __future__ import annotations

from dataclasses import dataclass

from bot.config import Settings
from bot.core.sites import Programme
from bot.db.database import Database
from bot.interviews.answers import Answers
from bot.interviews.planning import Planning
from bot.interviews.reactions import InterviewReactions
from bot.interviews.reminders import Reminders
from bot.interviews.rules import Interview
from bot.interviews.store import InterviewStore
from bot.interviews.views import InterviewViews
from bot.kernel.clock import Clock
from bot.kernel.rendering import Renderer
from bot.pipeline.context import PipelineContext
from bot.screening.store import CandidateStore


@dataclass(frozen=True)
class Interviews:
    store: InterviewStore  # interviews and their reminders (SQL)
    views: InterviewViews
    planning: Planning  # staff: /entretien, by buttons or typed
    answers: Answers  # candidates: je viens / changer / je ne peux pas
    reminders: Reminders  # the outbox kinds: J-1 and H-2


@dataclass(frozen=True)
class InterviewBase:
    """What exists before the staff pipeline: the store, the views, the reactions to moves."""

    store: InterviewStore
    views: InterviewViews
    reactions: InterviewReactions
    clock: Clock
    language: str  # staff's

    @classmethod
    def of(
        cls,
        db: Database,
        settings: Settings,
        renderer: Renderer,
        programme: Programme,
        clock: Clock,
    ) -> InterviewBase:
        store = InterviewStore(db, settings)
        views = InterviewViews(renderer=renderer, programme=programme, timezone=settings.timezone)
        return cls(store, views, InterviewReactions(store=store), clock, settings.language)

    async def upcoming(self, candidate_id: int) -> Interview | None:
        """The candidate's live interview still to come (/statut)."""
        live = await self.store.live(candidate_id)
        return live if live is not None and live.starts_at > self.clock.now() else None

    def build(self, *, ctx: PipelineContext, candidates: CandidateStore) -> Interviews:
        store, views = self.store, self.views
        return Interviews(
            store=store,
            views=views,
            planning=Planning(ctx=ctx, store=store, candidates=candidates, views=views),
            answers=Answers(
                store=store,
                candidates=candidates,
                views=views,
                clock=self.clock,
                staff_language=self.language,
                default_language=self.language,
            ),
            reminders=Reminders(store=store, candidates=candidates, views=views),
        )
