"""Candidates answer their interview: "👍 Je viens", "🔄 Changer", "❌ Je ne peux pas". The answer
is recorded (it shows on the staff card) and told to the staff member who set the interview;
"changer" and "je ne peux pas" ask them to set another (/entretien)."""

from __future__ import annotations

from bot.interviews.buttons import CandidatePress, Cannot, Change, Coming
from bot.interviews.store import InterviewStore
from bot.interviews.views import InterviewViews
from bot.kernel.actions import EditPressed, Response, Tell, Toast
from bot.kernel.clock import Clock
from bot.kernel.person import Person
from bot.screening.store import CandidateStore

ANSWER_OF = {Coming: "coming", Change: "change", Cannot: "cannot"}


class Answers:
    def __init__(
        self,
        *,
        store: InterviewStore,
        candidates: CandidateStore,
        views: InterviewViews,
        clock: Clock,
        staff_language: str,
        default_language: str,
    ) -> None:
        self.store = store
        self.candidates = candidates
        self.views = views
        self.clock = clock
        self.staff_language = staff_language
        self.default_language = default_language

    async def button(self, person: Person, press: CandidatePress | None) -> Response:
        candidate = await self.candidates.by_telegram_id(person.user_id)
        lang = candidate.language if candidate else self.default_language
        interview = await self.store.get(press.interview_id) if press else None
        if candidate is None or interview is None or interview.candidate_id != candidate.id:
            return self._stale(lang)  # forged, or someone else's
        answer = ANSWER_OF[type(press)]
        info = self.views.describe(interview, lang)
        if not interview.live or not await self.store.answer(interview, answer, self.clock.now()):
            if interview.answer == answer:
                # this answer is recorded (pressed again, or a crash kept its reply back, issue
                # 14): the reply again rather than a bare notice; the staff were told already
                return (
                    Response()
                    .add(Toast(""))
                    .add(EditPressed())
                    .send(self.views.render(lang, "answered", answer=answer, interview=info))
                )
            return self._stale(lang)  # replaced, declined or cancelled since
        response = Response().add(
            EditPressed(append=self.views.label(lang, f"iv.answered_{answer}"))
        )
        response.send(self.views.render(lang, "answered", answer=answer, interview=info))
        first_name = await self._first_name(candidate.id)
        staff_lang = self.staff_language
        staff_text = self.views.render(
            staff_lang,
            "staff_answer",
            answer=answer,
            number=candidate.id,
            first_name=first_name,
            interview=self.views.describe(interview, staff_lang),
        )
        return response.add(Tell(interview.set_by, Response().send(staff_text)))

    async def _first_name(self, candidate_id: int) -> str:
        answers = await self.candidates.answers(candidate_id)
        return str(answers.complete.get("first_name") or "")

    def _stale(self, lang: str) -> Response:
        toast = Toast(self.views.render(lang, "stale"))
        return Response().add(toast).add(EditPressed())
