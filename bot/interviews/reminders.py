"""The scheduled messages of interviews: J-1 (with the answer buttons) and H-2 (with the map).

Each renderer checks, at sending time, that the interview is still live (not replaced, declined
or cancelled) and returns None otherwise."""

from __future__ import annotations

from bot.interviews.store import InterviewStore
from bot.interviews.views import InterviewViews
from bot.kernel.actions import Response
from bot.outbox.kinds import MessageKind
from bot.outbox.store import OutboxRow
from bot.screening.store import CandidateStore


class Reminders:
    def __init__(
        self, *, store: InterviewStore, candidates: CandidateStore, views: InterviewViews
    ) -> None:
        self.store = store
        self.candidates = candidates
        self.views = views

    def kinds(self) -> list[MessageKind]:
        return [
            MessageKind("interviews.reminder_j1", self._render),
            MessageKind("interviews.reminder_2h", self._render),
        ]

    async def _render(self, row: OutboxRow) -> Response | None:
        if row.candidate_id is None:
            return None
        candidate = await self.candidates.by_id(row.candidate_id)
        interview = await self.store.get(int(row.payload.get("interview_id", 0)))
        if candidate is None or interview is None or not interview.live:
            return None
        if interview.candidate_id != candidate.id:
            return None
        lang = candidate.language
        info = self.views.describe(interview, lang)
        if row.kind == "interviews.reminder_j1":
            text = self.views.render(lang, "day_before", interview=info)
            return Response().send(text, self.views.answer_keyboard(lang, interview.id))
        text = self.views.render(lang, "soon", interview=info)
        return Response().send(text, self.views.map_keyboard(lang, interview))
