"""The status message of someone whose application is sent (bot/status/__init__.py)."""

from __future__ import annotations

from typing import Any

from bot.core.pipeline import Stage
from bot.core.sites import Programme
from bot.interviews.feature import InterviewBase
from bot.kernel.actions import Button, Response
from bot.kernel.rendering import Renderer
from bot.pipeline.store import PipelineStore
from bot.screening.buttons import Human
from bot.screening.buttons import encode as screening_button
from bot.screening.store import Candidate
from bot.sessions.buttons import ShowOffer
from bot.sessions.buttons import encode as session_button
from bot.sessions.store import SessionStore
from bot.sessions.views import SessionViews

# Stages from which the person may book an information session (the offer button).
MAY_BOOK = frozenset({Stage.ELIGIBLE, Stage.ABSENT})


class StatusView:
    def __init__(
        self,
        *,
        pipeline: PipelineStore,
        sessions: SessionStore,
        session_views: SessionViews,
        renderer: Renderer,
        programme: Programme,
        interviews: InterviewBase,
    ) -> None:
        self.pipeline = pipeline
        self.sessions = sessions
        self.session_views = session_views
        self.renderer = renderer
        self.programme = programme
        self.interviews = interviews
        self.interview_views = interviews.views

    async def of(self, candidate: Candidate) -> Response:
        lang = candidate.language
        view = await self.pipeline.candidate(candidate.id)
        stage = view.stage if view is not None else Stage.TO_REVIEW
        live = await self.sessions.live_booking(candidate.id)
        interview = await self.interviews.upcoming(candidate.id)
        cohort = None
        if view is not None and view.cohort_id is not None:
            cohort = await self.pipeline.cohort(view.cohort_id)
        context: dict[str, Any] = {
            "stage": stage.value,
            "first_name": view.first_name if view is not None else "",
            "human_requested": candidate.human_requested_at is not None,
            "session": self.session_views.describe(live[1], lang) if live else None,
            "interview": self.interview_views.describe(interview, lang) if interview else None,
            "cohort": None if cohort is None else {"name": cohort.name, "start": cohort.start_date},
        }
        text = self.renderer.render(lang, "status", programme=self.programme, **context)
        keyboard: list[tuple[Button, ...]] = []
        if interview is not None and interview.answer is None:
            keyboard.extend(self.interview_views.answer_keyboard(lang, interview.id))
        if live is not None:
            keyboard.extend(self.session_views.booking_keyboard(lang, live[0], live[1]))
        elif stage in MAY_BOOK:
            label = self.renderer.label(lang, "btn.offer_session")
            keyboard.append((Button(label, session_button(ShowOffer())),))
        if candidate.human_requested_at is None:
            label = self.renderer.label(lang, "btn.human")
            keyboard.append((Button(label, screening_button(Human())),))
        return Response().send(text, tuple(keyboard) if keyboard else ())
