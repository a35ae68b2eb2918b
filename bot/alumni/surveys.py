"""Surveys: the outbox renders each survey (and its reminders) at send time; alumni answer with
"fu:<milestone>:<question>:<answer>" buttons (bot/alumni/buttons.py), one question at a time."""

from __future__ import annotations

import logging
from typing import Any

from bot.alumni.buttons import SurveyAnswer, encode
from bot.alumni.context import AlumniContext
from bot.alumni.rules import SURVEY_KIND, subject
from bot.core.flow import Step, choices_for
from bot.kernel.actions import Button, EditPressed, Keyboard, Response, Toast, rows
from bot.outbox.kinds import MessageKind
from bot.outbox.store import OutboxRow

log = logging.getLogger(__name__)


class Surveys:
    def __init__(self, ctx: AlumniContext) -> None:
        self.ctx = ctx

    def kinds(self) -> list[MessageKind]:
        return [MessageKind(SURVEY_KIND, self.render_survey)]

    async def render_survey(self, row: OutboxRow) -> Response | None:
        """The outbox renderer: the survey's first open question, or nothing if answered."""
        ctx = self.ctx
        if row.candidate_id is None:
            return None
        milestone = int(row.payload.get("m", -1))
        reminder = int(row.payload.get("r", 0))
        followup = await ctx.store.followup(row.candidate_id, milestone)
        person = await ctx.store.person(row.candidate_id)
        if followup is None or person is None or followup.answered_at is not None:
            return None
        await ctx.store.mark_sent(row.candidate_id, milestone, reminder, ctx.clock.now())
        lang = str(person["language"])
        intro = ctx.render(
            lang,
            "alumni/survey_intro",
            milestone=milestone,
            reminder=reminder,
            first_name=person["first_name"],
        )
        step = ctx.flow.next_step(followup.answers)
        if step is None:
            return None
        response = Response().send(intro)
        response.actions.extend(self._question(lang, milestone, step, followup.answers).actions)
        return response

    def _question(self, lang: str, milestone: int, step: Step, answers: dict[str, Any]) -> Response:
        ctx = self.ctx
        number, total = ctx.flow.position(step, answers)
        choices = choices_for(step, ctx.dynamic)
        buttons = [
            Button(ctx.label(lang, step.key, c), encode(SurveyAnswer(milestone, step.key, c)))
            for c in choices
        ]
        keyboard: Keyboard = rows(buttons, step.columns)
        text = ctx.render(lang, "alumni/survey_question", step=step.key, number=number, total=total)
        return Response().send(text, keyboard)

    async def button(self, user_id: int, pressed: SurveyAnswer) -> Response | None:
        """An alumnus pressed a survey button; None when it is not a survey of theirs."""
        ctx = self.ctx
        milestone, key, value = pressed.milestone, pressed.question, pressed.answer
        found = await ctx.store.by_telegram_id(user_id)
        if found is None:
            return None
        candidate_id, lang = found
        followup = await ctx.store.followup(candidate_id, milestone)
        step = ctx.flow.step(key)
        if followup is None or step is None:
            return None
        answers = dict(followup.answers)
        if value not in choices_for(step, ctx.dynamic) or not step.applies(answers):
            return self._stale(lang, milestone, answers)
        current = ctx.flow.next_step(answers)
        if key in answers and answers[key] == value:
            return self._stale(lang, milestone, answers, what="noted")
        if current is None or (current.key != key and key != "situation"):
            return self._stale(lang, milestone, answers)
        now = ctx.clock.now()
        first = followup.answered_at is None
        await ctx.store.save_answer(candidate_id, milestone, key, value, now)
        if key == "situation" and first:
            await ctx.store.cancel_survey(subject(candidate_id, milestone), now)
            log.info("survey answered: candidate %s, milestone %s", candidate_id, milestone)
        answers = {"situation": value} if key == "situation" else {**answers, key: value}
        response = (
            Response().add(Toast("")).add(EditPressed(append="✅ " + ctx.label(lang, key, value)))
        )
        step_next = ctx.flow.next_step(answers)
        if step_next is None:
            return response.send(
                ctx.render(lang, "alumni/survey_thanks", contact=answers.get("contact"))
            )
        response.actions.extend(self._question(lang, milestone, step_next, answers).actions)
        return response

    def _stale(
        self, lang: str, milestone: int, answers: dict[str, Any], *, what: str = "stale"
    ) -> Response:
        """A button of a question already answered (pressed twice, or again after a crash kept
        the next question from going out) or no longer shown: a short notice, and the current
        question again while the survey goes on, so that nobody is left stuck (issue 14)."""
        response = (
            Response()
            .add(Toast(self.ctx.render(lang, "alumni/toast", what=what)))
            .add(EditPressed())
        )
        current = self.ctx.flow.next_step(answers)
        if current is not None:
            response.actions.extend(self._question(lang, milestone, current, answers).actions)
        return response
