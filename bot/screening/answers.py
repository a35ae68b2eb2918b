"""Questions and answers: free text or a button for the current question, ticks of a multi-choice
question, back and edit, the summary's confirmation and the result (eligibility is decided by
the pure core, bot/core/eligibility.py)."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from bot.core.eligibility import decide, decided_early
from bot.core.flow import Kind, ParseContext, Step, choices_for, match_choice, parse_text
from bot.core.parsing import Invalid, Parsed
from bot.core.reengagement import Origin, offer_at_result
from bot.core.text import fold
from bot.kernel.actions import Button, EditPressed, Keyboard, Response, Toast
from bot.kernel.person import Person
from bot.screening.buttons import (
    Answer,
    Back,
    Confirm,
    Done,
    Edit,
    Human,
    QuestionButton,
    Toggle,
)
from bot.screening.conversation import Conversation
from bot.screening.store import AnswerSet, Candidate

log = logging.getLogger(__name__)

DONE_WORDS = {"ok", "valider", "valide", "fini", "termine", "done", "next", "suivant", "c est bon"}


class Answering:
    def __init__(
        self,
        conversation: Conversation,
        *,
        after_eligible: Callable[[Candidate], Awaitable[Response]] | None = None,
    ) -> None:
        self.conversation = conversation
        self.store = conversation.store
        # What follows an "eligible" result (the session offer).
        self.after_eligible = after_eligible

    async def text(self, person: Person, candidate: Candidate, text: str) -> Response:
        """A message typed by a candidate (who consented): an answer, or the summary's "ok"."""
        c = self.conversation
        if candidate.status != "screening":
            return await c.where_we_are(person, candidate)
        lang = candidate.language
        answers = await self.store.answers(candidate.id)
        step = c.current_step(candidate, answers)
        if step is None:
            if fold(text) in DONE_WORDS | {"oui", "yes", "confirmer", "confirm"}:
                return await self._confirm(person, candidate, answers)
            return await c.where_we_are(person, candidate, hint="use_summary_buttons")
        if step.kind is Kind.TEXT:
            result = parse_text(step, text, ParseContext(today=c.today()))
            if isinstance(result, Invalid):
                return c.question(lang, candidate, answers, step, hint=result.hint)
            assert isinstance(result, Parsed)
            return await self._save(person, candidate, answers, step, result.value)
        choices = choices_for(step, c.dynamic_choices)
        labels = {choice: c.choice_label(lang, step, choice) for choice in choices}
        if step.kind is Kind.MULTI:
            if fold(text) in DONE_WORDS:
                return await self._multi_done(person, candidate, answers, step)
            picked = match_choice(step, text, choices, labels)
            if picked is None:
                return c.question(lang, candidate, answers, step, hint="use_buttons_multi")
            return await self._toggle(person, candidate, answers, step, picked, edit=False)
        picked = match_choice(step, text, choices, labels)
        if picked is None:
            return c.question(lang, candidate, answers, step, hint="use_buttons")
        return await self._save(person, candidate, answers, step, picked)

    async def press(
        self, person: Person, candidate: Candidate, pressed: QuestionButton
    ) -> Response:
        """A button of a question or of the summary; one that is not current gets the stale
        button's answer (a double tap on the answer just given: a short notice only)."""
        c = self.conversation
        if candidate.status != "screening":
            return await c.stale(person, candidate)
        answers = await self.store.answers(candidate.id)
        current = c.current_step(candidate, answers)
        if current is None:
            if isinstance(pressed, Confirm):
                response = Response().add(Toast("")).add(EditPressed())
                response.actions.extend((await self._confirm(person, candidate, answers)).actions)
                return response
            if isinstance(pressed, Edit):
                step = c.flow.step(pressed.step)
                if step is not None and step.applies(answers.complete):
                    return await self._reopen(candidate, answers, step)
            return await c.stale(person, candidate, answers=answers, pressed=pressed)
        if isinstance(pressed, Confirm | Edit) or pressed.step != current.key:
            return await c.stale(person, candidate, answers=answers, pressed=pressed)
        if isinstance(pressed, Back):
            return await self._back(person, candidate, answers, current)
        choices = choices_for(current, c.dynamic_choices)
        if (
            isinstance(pressed, Answer)
            and current.kind is Kind.CHOICE
            and pressed.choice in choices
        ):
            return await self._save(
                person, candidate, answers, current, pressed.choice, pressed=True
            )
        if isinstance(pressed, Toggle) and current.kind is Kind.MULTI and pressed.choice in choices:
            return await self._toggle(
                person, candidate, answers, current, pressed.choice, edit=True
            )
        if isinstance(pressed, Done) and current.kind is Kind.MULTI:
            return await self._multi_done(person, candidate, answers, current, pressed=True)
        return await c.stale(person, candidate, answers=answers, pressed=pressed)

    async def _save(
        self,
        person: Person,
        candidate: Candidate,
        answers: AnswerSet,
        step: Step,
        value: object,
        *,
        pressed: bool = False,
    ) -> Response:
        c = self.conversation
        edited = step.key in answers.complete
        await self.store.save_answer(candidate.id, step.key, value, c.now(), edited=edited)
        response = Response()
        if pressed:
            response.add(Toast(""))
            response.add(EditPressed(append="✅ " + c.display(candidate.language, step, value)))
        updated = await self.store.answers(candidate.id)
        if self._decided_early(updated):
            # clearly too young or too old: say so now, ask nothing more (data minimisation)
            refreshed = await self.store.by_id(candidate.id)
            assert refreshed is not None
            result = await self._confirm(person, refreshed, updated, early=True)
            response.actions.extend(result.actions)
            return response
        response.actions.extend((await c.after_answer(person, candidate.id)).actions)
        return response

    def _decided_early(self, answers: AnswerSet) -> bool:
        """Questions remain, and the answers so far already orient the person elsewhere."""
        c = self.conversation
        site = c.programme.sites.get(str(answers.complete.get("site")))
        if site is None or c.flow.next_step(answers.complete) is None:
            return False
        return decided_early(answers.complete, site, c.today())

    async def _toggle(
        self,
        person: Person,
        candidate: Candidate,
        answers: AnswerSet,
        step: Step,
        value: str,
        *,
        edit: bool,
    ) -> Response:
        c = self.conversation
        ticked = list(answers.drafts.get(step.key, answers.complete.get(step.key, [])))
        if value in ticked:
            ticked.remove(value)
        else:
            ticked.append(value)
        order = choices_for(step, c.dynamic_choices)
        ticked.sort(key=order.index)
        await self.store.save_answer(candidate.id, step.key, ticked, c.now(), complete=False)
        new_answers = AnswerSet(answers.complete, {**answers.drafts, step.key: ticked})
        if edit:
            number, _ = c.flow.position(step, answers.complete)
            keyboard = c.keyboard(
                candidate.language,
                step,
                new_answers,
                number,
                to_summary=c.from_summary(candidate, answers),
            )
            return Response().add(Toast("")).add(EditPressed(keyboard=keyboard))
        return c.question(candidate.language, candidate, new_answers, step)

    async def _multi_done(
        self,
        person: Person,
        candidate: Candidate,
        answers: AnswerSet,
        step: Step,
        *,
        pressed: bool = False,
    ) -> Response:
        ticked = answers.drafts.get(step.key, answers.complete.get(step.key, []))
        return await self._save(person, candidate, answers, step, list(ticked), pressed=pressed)

    async def _back(
        self, person: Person, candidate: Candidate, answers: AnswerSet, current: Step
    ) -> Response:
        c = self.conversation
        if c.from_summary(candidate, answers):
            # editing from the summary: ↩️ goes back to it, the answer unchanged
            await self.store.update(candidate.id, c.now(), editing_step=None)
            response = Response().add(Toast("")).add(EditPressed())
            response.actions.extend(c.summary(candidate.language, answers).actions)
            return response
        steps = c.flow.applicable(answers.complete)
        keys = [s.key for s in steps]
        index = keys.index(current.key) if current.key in keys else len(keys)
        previous = next((s for s in reversed(steps[:index]) if s.key in answers.complete), None)
        if previous is None:
            return await self.conversation.stale(person, candidate)
        return await self._reopen(candidate, answers, previous)

    async def _reopen(self, candidate: Candidate, answers: AnswerSet, step: Step) -> Response:
        """Ask an answered question again (edit or back); the next answer replaces it."""
        c = self.conversation
        await self.store.update(candidate.id, c.now(), editing_step=step.key)
        updated = await self.store.by_id(candidate.id)
        assert updated is not None
        response = Response().add(Toast("")).add(EditPressed())
        response.actions.extend(c.question(updated.language, updated, answers, step).actions)
        return response

    async def _confirm(
        self, person: Person, candidate: Candidate, answers: AnswerSet, *, early: bool = False
    ) -> Response:
        c = self.conversation
        site = c.programme.sites.get(str(answers.complete.get("site")))
        if site is None:
            # The site was removed from the rules file since: ask it again.
            await self.store.update(candidate.id, c.now(), editing_step="site")
            return await c.after_answer(person, candidate.id)
        decision = decide(answers.complete, site, c.today())
        await self.store.submit(
            candidate.id,
            result=decision.outcome.value,
            reasons=decision.reason_codes,
            now=c.now(),
        )
        log.info(
            "candidate %s submitted: %s%s",
            candidate.id,
            decision.outcome.value,
            " (early)" if early else "",
        )
        text = c.render(
            candidate.language,
            "result",
            outcome=decision.outcome.value,
            reasons=decision.deciding_codes,
            site=site,
            is_minor=decision.is_minor,
            first_name=answers.complete.get("first_name"),
            cohort_start=decision.cohort_start,
            early=early,
        )
        # "Not now": ask, with nothing pre-ticked, whether to hear about the next cohort
        # (the answer is handled by bot/reengagement/service.py).
        reengage = offer_at_result((f.code, f.outcome) for f in decision.findings)
        if reengage:
            text += "\n\n" + c.render(candidate.language, "reengagement/offer", site=site)
        keyboard = self.result_keyboard(
            candidate.language, decision.outcome.value, reengage=reengage
        )
        response = Response().send(text, keyboard)
        if decision.outcome.value == "eligible" and self.after_eligible is not None:
            submitted = await self.store.by_id(candidate.id)
            assert submitted is not None
            response.actions.extend((await self.after_eligible(submitted)).actions)
        return response

    def result_keyboard(self, lang: str, outcome: str | None, *, reengage: bool) -> Keyboard:
        """The result's buttons: the re-engagement question (if asked), then /humain."""
        c = self.conversation
        keyboard: list[tuple[Button, ...]] = []
        if reengage:
            for what in ("yes", "no"):
                label = c.render(lang, "reengagement/button", what=what)
                # re-engagement's button (bot/reengagement/service.py answers it)
                keyboard.append((Button(label, f"re:{what}:{Origin.RESULT.value}"),))
        if outcome != "eligible":
            keyboard.append((c.button(lang, "btn.human", Human()),))
        return tuple(keyboard)
