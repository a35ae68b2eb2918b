"""What every part of the candidate conversation shares: the person's language, answers as the
candidate would say them, and the messages that put someone back on track (privacy notice,
question, summary, result) or answer a stale button.

Everything here is independent of Telegram: it reads the store, asks the pure core (flow) and
renders templates into actions that the handlers carry out. The conversation's state is derived
from what is stored, never held in memory (but for a language picked before consent).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Awaitable, Callable, Mapping
from typing import Any
from zoneinfo import ZoneInfo

from bot.core.flow import Flow, Kind, Step, choices_for
from bot.core.sites import Programme
from bot.kernel.actions import Button, EditPressed, Keyboard, Response, Toast, rows
from bot.kernel.clock import Clock
from bot.kernel.person import Person
from bot.kernel.rendering import Renderer
from bot.screening.buttons import (
    Accept,
    Answer,
    Back,
    Confirm,
    Done,
    Edit,
    PickLanguage,
    Refuse,
    Resume,
    ScreeningButton,
    Toggle,
    encode,
)
from bot.screening.store import AnswerSet, Candidate, CandidateStore

SOURCE_RE = re.compile(r"[^A-Za-z0-9_-]")
MAX_SOURCE = 40  # keeps "consent:yes:fr:<source>" under Telegram's 64-byte callback_data limit


def clean_source(payload: str | None) -> str | None:
    if not payload:
        return None
    cleaned = SOURCE_RE.sub("", payload)[:MAX_SOURCE]
    return cleaned or None


# The status message of someone whose application is sent (bot/status/view.py StatusView.of).
StatusOf = Callable[[Candidate], Awaitable[Response]]


class Conversation:
    def __init__(
        self,
        *,
        store: CandidateStore,
        renderer: Renderer,
        programme: Programme,
        flow: Flow,
        clock: Clock,
        timezone: ZoneInfo,
        default_language: str,
        status: StatusOf | None = None,
        backup_days: int = 14,
    ) -> None:
        self.store = store
        self.renderer = renderer
        self.programme = programme
        self.flow = flow
        self.clock = clock
        self.timezone = timezone
        self.default_language = default_language
        # Language picked before consent: nothing may be stored yet, so it is kept in memory only.
        self._pre_consent_language: dict[int, str] = {}
        # The deep link's source of someone who has not accepted yet, for a typed "oui" (memory
        # only, like the language: nothing is stored before consent).
        self._pre_consent_source: dict[int, str] = {}
        # Where someone whose application is sent stands (bot/status/): stage, next step, dates.
        self.status = status
        # FABNUM_BACKUP_KEEP: how long an erased person may remain in the daily backups (notice)
        self.backup_days = backup_days

    # ----------------------------------------------------------------- helpers
    def now(self) -> dt.datetime:
        return self.clock.now()

    def today(self) -> dt.date:
        return self.now().astimezone(self.timezone).date()

    def lang(self, person: Person, candidate: Candidate | None) -> str:
        if candidate is not None:
            return candidate.language
        return self._pre_consent_language.get(person.user_id, self.default_language)

    def remember_language(self, person: Person, lang: str) -> None:
        self._pre_consent_language[person.user_id] = lang

    def forget_language(self, person: Person) -> None:
        self._pre_consent_language.pop(person.user_id, None)
        self._pre_consent_source.pop(person.user_id, None)

    def remember_source(self, person: Person, source: str | None) -> None:
        if source:
            self._pre_consent_source[person.user_id] = source

    def source_before_consent(self, person: Person) -> str | None:
        return self._pre_consent_source.get(person.user_id)

    def render(self, lang: str, name: str, **context: Any) -> str:
        return self.renderer.render(lang, name, programme=self.programme, **context)

    def label(self, lang: str, key: str) -> str:
        return self.renderer.label(lang, key)

    def button(self, lang: str, key: str, pressed: ScreeningButton) -> Button:
        return Button(self.label(lang, key), encode(pressed))

    @property
    def dynamic_choices(self) -> Mapping[str, tuple[str, ...]]:
        return {"sites": self.programme.site_ids}

    def choice_label(self, lang: str, step: Step, value: str) -> str:
        if step.choices_from == "sites":
            site = self.programme.sites.get(value)
            return site.name if site else value
        return self.label(lang, f"{step.key}.{value}")

    def display(self, lang: str, step: Step, value: object) -> str:
        """An answer as the candidate would say it."""
        if step.kind is Kind.MULTI and isinstance(value, list):
            if not value:
                return self.label(lang, f"{step.key}.empty")
            return ", ".join(self.choice_label(lang, step, str(v)) for v in value)
        if step.kind is Kind.CHOICE:
            return self.choice_label(lang, step, str(value))
        if step.key == "birth" and isinstance(value, str):
            year, _, month = value.partition("-")
            return f"{month}/{year}"
        return str(value)

    def current_step(self, candidate: Candidate, answers: AnswerSet) -> Step | None:
        if candidate.editing_step:
            step = self.flow.step(candidate.editing_step)
            if step is not None and step.applies(answers.complete):
                return step
        return self.flow.next_step(answers.complete)

    def from_summary(self, candidate: Candidate, answers: AnswerSet) -> bool:
        """An answer reopened from the summary (every question answered): its ↩️ button leads
        back to the summary, not to the question before."""
        return candidate.editing_step is not None and self.flow.next_step(answers.complete) is None

    # ------------------------------------------------------------- messages
    def question(
        self,
        lang: str,
        candidate: Candidate,
        answers: AnswerSet,
        step: Step,
        *,
        hint: str | None = None,
    ) -> Response:
        number, total = self.flow.position(step, answers.complete)
        editing = candidate.editing_step == step.key and step.key in answers.complete
        current = self.display(lang, step, answers.complete[step.key]) if editing else None
        text = self.render(
            lang,
            "question",
            step=step.key,
            number=number,
            total=total,
            hint=hint,
            current=current,
            first_name=answers.complete.get("first_name"),
            optional=step.optional,
        )
        keyboard = self.keyboard(
            lang, step, answers, number, to_summary=self.from_summary(candidate, answers)
        )
        return Response().send(text, keyboard)

    def keyboard(
        self, lang: str, step: Step, answers: AnswerSet, number: int, *, to_summary: bool = False
    ) -> Keyboard:
        choices = choices_for(step, self.dynamic_choices)
        buttons: list[Button] = []
        if step.kind is Kind.CHOICE:
            buttons = [
                Button(self.choice_label(lang, step, c), encode(Answer(step.key, c)))
                for c in choices
            ]
        elif step.kind is Kind.MULTI:
            ticked = answers.drafts.get(step.key, answers.complete.get(step.key, []))
            for c in choices:
                mark = "✅ " if c in ticked else ""
                buttons.append(
                    Button(mark + self.choice_label(lang, step, c), encode(Toggle(step.key, c)))
                )
        keyboard = list(rows(buttons, step.columns))
        if step.kind is Kind.MULTI:
            keyboard.append((self.button(lang, "btn.done", Done(step.key)),))
        if to_summary:
            keyboard.append((self.button(lang, "btn.back_summary", Back(step.key)),))
        elif number > 1:
            keyboard.append((self.button(lang, "btn.back", Back(step.key)),))
        return tuple(keyboard)

    def summary(self, lang: str, answers: AnswerSet) -> Response:
        items = []
        edit_buttons = []
        for step in self.flow.applicable(answers.complete):
            value = answers.complete.get(step.key)
            items.append(
                {
                    "title": self.label(lang, f"title.{step.key}"),
                    "value": self.display(lang, step, value) if value is not None else None,
                }
            )
            edit_buttons.append(
                Button("✏️ " + self.label(lang, f"title.{step.key}"), encode(Edit(step.key)))
            )
        text = self.render(lang, "summary", items=items)
        keyboard = (*rows(edit_buttons, 2), (self.button(lang, "btn.confirm", Confirm()),))
        return Response().send(text, keyboard)

    def notice(self, lang: str, source: str | None, *, welcome: bool = True) -> Response:
        """The privacy notice with its buttons, after the welcome (one message: under Telegram's
        1 message/s per chat a second message would keep the person waiting)."""
        text = self.render(
            lang, "notice", questions=len(self.flow.steps), backup_days=self.backup_days
        )
        if welcome:
            text = self.render(lang, "welcome") + "\n\n" + text
        return Response().send(text, self.notice_keyboard(lang, source))

    def notice_keyboard(self, lang: str, source: str | None) -> Keyboard:
        src = source or ""
        other = "en" if lang == "fr" else "fr"
        return (
            (self.button(lang, "btn.accept", Accept(lang, src)),),
            (self.button(lang, "btn.refuse", Refuse(lang)),),
            (self.button(other, "btn.language_self", PickLanguage(other, src)),),
        )

    def paused(self, lang: str, template: str) -> Response:
        """A paused screening's message, with the button that resumes it."""
        return Response().send(
            self.render(lang, template), ((self.button(lang, "btn.resume", Resume()),),)
        )

    async def where_we_are(
        self, person: Person, candidate: Candidate | None, *, hint: str | None = None
    ) -> Response:
        """The message that puts the person back on track: notice, question, summary or result."""
        lang = self.lang(person, candidate)
        if candidate is None:
            return self.notice(lang, None)
        if candidate.status == "paused":
            return self.paused(lang, "paused")
        if candidate.status == "submitted":
            if self.status is not None:
                return await self.status(candidate)
            return self.submitted(lang, candidate)
        answers = await self.store.answers(candidate.id)
        step = self.current_step(candidate, answers)
        if step is None:
            response = self.summary(lang, answers)
            if hint:
                response.actions.insert(0, Toast(self.render(lang, "hint", hint=hint)))
            return response
        return self.question(lang, candidate, answers, step, hint=hint)

    def submitted(self, lang: str, candidate: Candidate) -> Response:
        return Response().send(
            self.render(
                lang,
                "already_submitted",
                result=candidate.result,
                human_requested=candidate.human_requested_at is not None,
            )
        )

    async def after_answer(self, person: Person, candidate_id: int) -> Response:
        candidate = await self.store.by_id(candidate_id)
        assert candidate is not None
        return await self.where_we_are(person, candidate)

    async def stale(
        self,
        person: Person,
        candidate: Candidate | None,
        *,
        answers: AnswerSet | None = None,
        pressed: ScreeningButton | None = None,
    ) -> Response:
        """A button that is not (or no longer) one to press: a short notice and where they are."""
        lang = self.lang(person, candidate)
        # An answer already recorded (a double tap, or a press again after a crash kept the
        # next question from going out): say so, and send the current question, so that nobody
        # is left pressing a button that does nothing.
        noted = (
            answers is not None
            and isinstance(pressed, Answer)
            and answers.complete.get(pressed.step) == pressed.choice
        )
        what = "already_noted" if noted else "stale_button"
        response = Response().add(Toast(self.render(lang, "toast", what=what)))
        response.add(EditPressed())
        response.actions.extend((await self.where_we_are(person, candidate)).actions)
        return response
