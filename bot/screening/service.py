"""The candidate conversation: privacy notice, one question at a time, summary, result.

Everything here is independent of Telegram: it reads and writes the store, asks the pure core
(flow, parsing, eligibility) and renders templates into actions that the handlers carry out.
The conversation's state is derived from what is stored, never held in memory.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import logging
import re
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import asdict
from typing import Any
from zoneinfo import ZoneInfo

from bot.core.eligibility import decide
from bot.core.flow import Flow, Kind, ParseContext, Step, choices_for, match_choice, parse_text
from bot.core.parsing import Invalid, Parsed
from bot.core.reengagement import Origin, offer_at_result
from bot.core.sites import Programme
from bot.core.text import fold
from bot.kernel.actions import Button, EditPressed, Keyboard, Response, Send, SendFile, Toast, rows
from bot.kernel.clock import Clock
from bot.kernel.person import Person
from bot.kernel.rendering import Renderer
from bot.outbox import people
from bot.screening.store import AnswerSet, Candidate, CandidateStore

log = logging.getLogger(__name__)

SOURCE_RE = re.compile(r"[^A-Za-z0-9_-]")
MAX_SOURCE = 40  # keeps "consent:yes:fr:<source>" under Telegram's 64-byte callback_data limit
DONE_WORDS = {"ok", "valider", "valide", "fini", "termine", "done", "next", "suivant", "c est bon"}


def clean_source(payload: str | None) -> str | None:
    if not payload:
        return None
    cleaned = SOURCE_RE.sub("", payload)[:MAX_SOURCE]
    return cleaned or None


class ScreeningService:
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
        after_eligible: Callable[[Candidate], Awaitable[Response]] | None = None,
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
        # What follows an "eligible" result (the session offer).
        self.after_eligible = after_eligible

    # ----------------------------------------------------------------- helpers
    def now(self) -> dt.datetime:
        return self.clock.now()

    def today(self) -> dt.date:
        return self.now().astimezone(self.timezone).date()

    def _lang(self, person: Person, candidate: Candidate | None) -> str:
        if candidate is not None:
            return candidate.language
        return self._pre_consent_language.get(person.user_id, self.default_language)

    def _render(self, lang: str, name: str, **context: Any) -> str:
        return self.renderer.render(lang, name, programme=self.programme, **context)

    def _label(self, lang: str, key: str) -> str:
        return self.renderer.label(lang, key)

    @property
    def _dynamic_choices(self) -> Mapping[str, tuple[str, ...]]:
        return {"sites": self.programme.site_ids}

    def choice_label(self, lang: str, step: Step, value: str) -> str:
        if step.choices_from == "sites":
            site = self.programme.sites.get(value)
            return site.name if site else value
        return self._label(lang, f"{step.key}.{value}")

    def display(self, lang: str, step: Step, value: object) -> str:
        """An answer as the candidate would say it."""
        if step.kind is Kind.MULTI and isinstance(value, list):
            if not value:
                return self._label(lang, f"{step.key}.empty")
            return ", ".join(self.choice_label(lang, step, str(v)) for v in value)
        if step.kind is Kind.CHOICE:
            return self.choice_label(lang, step, str(value))
        if step.key == "birth" and isinstance(value, str):
            year, _, month = value.partition("-")
            return f"{month}/{year}"
        return str(value)

    def _current_step(self, candidate: Candidate, answers: AnswerSet) -> Step | None:
        if candidate.editing_step:
            step = self.flow.step(candidate.editing_step)
            if step is not None and step.applies(answers.complete):
                return step
        return self.flow.next_step(answers.complete)

    # ------------------------------------------------------------- messages
    def _question(
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
        text = self._render(
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
        return Response().send(text, self._keyboard(lang, step, answers, number))

    def _keyboard(self, lang: str, step: Step, answers: AnswerSet, number: int) -> Keyboard:
        choices = choices_for(step, self._dynamic_choices)
        buttons: list[Button] = []
        if step.kind is Kind.CHOICE:
            buttons = [
                Button(self.choice_label(lang, step, c), f"ans:{step.key}:{c}") for c in choices
            ]
        elif step.kind is Kind.MULTI:
            ticked = answers.drafts.get(step.key, answers.complete.get(step.key, []))
            for c in choices:
                mark = "✅ " if c in ticked else ""
                buttons.append(
                    Button(mark + self.choice_label(lang, step, c), f"tog:{step.key}:{c}")
                )
        keyboard = list(rows(buttons, step.columns))
        if step.kind is Kind.MULTI:
            keyboard.append((Button(self._label(lang, "btn.done"), f"done:{step.key}"),))
        if number > 1:
            keyboard.append((Button(self._label(lang, "btn.back"), f"back:{step.key}"),))
        return tuple(keyboard)

    def _summary(self, lang: str, answers: AnswerSet) -> Response:
        items = []
        edit_buttons = []
        for step in self.flow.applicable(answers.complete):
            value = answers.complete.get(step.key)
            items.append(
                {
                    "title": self._label(lang, f"title.{step.key}"),
                    "value": self.display(lang, step, value) if value is not None else None,
                }
            )
            edit_buttons.append(
                Button("✏️ " + self._label(lang, f"title.{step.key}"), f"edit:{step.key}")
            )
        text = self._render(lang, "summary", items=items)
        keyboard = (
            *rows(edit_buttons, 2),
            (Button(self._label(lang, "btn.confirm"), "confirm"),),
        )
        return Response().send(text, keyboard)

    def _notice(self, lang: str, source: str | None, *, welcome: bool = True) -> Response:
        """The privacy notice with its buttons, after the welcome (one message: under Telegram's
        1 message/s per chat a second message would keep the person waiting)."""
        src = source or ""
        other = "en" if lang == "fr" else "fr"
        keyboard = (
            (Button(self._label(lang, "btn.accept"), f"consent:yes:{lang}:{src}"),),
            (Button(self._label(lang, "btn.refuse"), f"consent:no:{lang}"),),
            (Button(self._label(other, "btn.language_self"), f"lang:{other}:{src}"),),
        )
        text = self._render(lang, "notice")
        if welcome:
            text = self._render(lang, "welcome") + "\n\n" + text
        return Response().send(text, keyboard)

    async def _where_we_are(
        self, person: Person, candidate: Candidate | None, *, hint: str | None = None
    ) -> Response:
        """The message that puts the person back on track: notice, question, summary or result."""
        lang = self._lang(person, candidate)
        if candidate is None:
            return self._notice(lang, None)
        if candidate.status == "paused":
            return Response().send(
                self._render(lang, "paused"),
                ((Button(self._label(lang, "btn.resume"), "resume"),),),
            )
        if candidate.status == "submitted":
            return self._submitted(lang, candidate)
        answers = await self.store.answers(candidate.id)
        step = self._current_step(candidate, answers)
        if step is None:
            response = self._summary(lang, answers)
            if hint:
                response.actions.insert(0, Toast(self._render(lang, "hint", hint=hint)))
            return response
        return self._question(lang, candidate, answers, step, hint=hint)

    def _submitted(self, lang: str, candidate: Candidate) -> Response:
        return Response().send(
            self._render(
                lang,
                "already_submitted",
                result=candidate.result,
                human_requested=candidate.human_requested_at is not None,
            )
        )

    async def _after_answer(self, person: Person, candidate_id: int) -> Response:
        candidate = await self.store.by_id(candidate_id)
        assert candidate is not None
        return await self._where_we_are(person, candidate)

    # ------------------------------------------------------------ entry points
    async def start(self, person: Person, payload: str | None) -> Response:
        candidate = await self.store.by_telegram_id(person.user_id)
        if candidate is None:
            source = clean_source(payload)
            await self.store.count("start", self.now(), source)
            return self._notice(self._lang(person, None), source)
        lang = candidate.language
        # /start again resumes reminders and nudges after a /stop, and after a block.
        await people.set_stopped(self.store.db, candidate.id, self.now(), False)
        await people.mark_reachable(self.store.db, chat_id=person.chat_id, now=self.now())
        if candidate.status == "paused":
            await self.store.update(candidate.id, self.now(), status="screening")
            candidate = await self.store.by_id(candidate.id)
            assert candidate is not None
        response = Response().send(
            self._render(lang, "welcome_back", first_name=await self._first_name(candidate))
        )
        response.actions.extend((await self._where_we_are(person, candidate)).actions)
        return response

    async def _first_name(self, candidate: Candidate) -> str | None:
        answers = await self.store.answers(candidate.id)
        name = answers.complete.get("first_name")
        return str(name) if name else None

    async def text(self, person: Person, text: str) -> Response:
        candidate = await self.store.by_telegram_id(person.user_id)
        if candidate is None:
            lang = self._lang(person, None)
            response = Response().send(self._render(lang, "accept_first"))
            response.actions.extend(self._notice(lang, None, welcome=False).actions)
            return response
        if candidate.status != "screening":
            return await self._where_we_are(person, candidate)
        lang = candidate.language
        answers = await self.store.answers(candidate.id)
        step = self._current_step(candidate, answers)
        if step is None:
            if fold(text) in DONE_WORDS | {"oui", "yes", "confirmer", "confirm"}:
                return await self._confirm(person, candidate, answers)
            return await self._where_we_are(person, candidate, hint="use_summary_buttons")
        if step.kind is Kind.TEXT:
            result = parse_text(step, text, ParseContext(today=self.today()))
            if isinstance(result, Invalid):
                return self._question(lang, candidate, answers, step, hint=result.hint)
            assert isinstance(result, Parsed)
            return await self._save(person, candidate, answers, step, result.value)
        choices = choices_for(step, self._dynamic_choices)
        labels = {c: self.choice_label(lang, step, c) for c in choices}
        if step.kind is Kind.MULTI:
            if fold(text) in DONE_WORDS:
                return await self._multi_done(person, candidate, answers, step)
            picked = match_choice(step, text, choices, labels)
            if picked is None:
                return self._question(lang, candidate, answers, step, hint="use_buttons_multi")
            return await self._toggle(person, candidate, answers, step, picked, edit=False)
        picked = match_choice(step, text, choices, labels)
        if picked is None:
            return self._question(lang, candidate, answers, step, hint="use_buttons")
        return await self._save(person, candidate, answers, step, picked)

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
        edited = step.key in answers.complete
        await self.store.save_answer(candidate.id, step.key, value, self.now(), edited=edited)
        response = Response()
        if pressed:
            response.add(Toast(""))
            response.add(EditPressed(append="✅ " + self.display(candidate.language, step, value)))
        response.actions.extend((await self._after_answer(person, candidate.id)).actions)
        return response

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
        ticked = list(answers.drafts.get(step.key, answers.complete.get(step.key, [])))
        if value in ticked:
            ticked.remove(value)
        else:
            ticked.append(value)
        order = choices_for(step, self._dynamic_choices)
        ticked.sort(key=order.index)
        await self.store.save_answer(candidate.id, step.key, ticked, self.now(), complete=False)
        new_answers = AnswerSet(answers.complete, {**answers.drafts, step.key: ticked})
        if edit:
            number, _ = self.flow.position(step, answers.complete)
            keyboard = self._keyboard(candidate.language, step, new_answers, number)
            return Response().add(Toast("")).add(EditPressed(keyboard=keyboard))
        return self._question(candidate.language, candidate, new_answers, step)

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

    async def button(self, person: Person, data: str) -> Response:
        """A button press. Stale or forged data gets a short notice and the current question."""
        candidate = await self.store.by_telegram_id(person.user_id)
        parts = data.split(":")
        kind = parts[0]
        if kind == "consent":
            return await self._consent(person, candidate, parts)
        if kind == "lang":
            return await self._set_language(person, candidate, parts)
        if candidate is None:
            return await self._stale(person, None)
        if kind == "delete" and len(parts) == 2:
            return await self._delete_answer(person, candidate, parts[1] == "yes")
        if kind == "restart" and len(parts) == 2:
            return await self._restart_answer(person, candidate, parts[1] == "yes")
        if kind == "resume":
            if candidate.status == "paused":
                await self.store.update(candidate.id, self.now(), status="screening")
            response = Response().add(Toast("")).add(EditPressed())
            response.actions.extend((await self._after_answer(person, candidate.id)).actions)
            return response
        if kind == "human":
            return (await self.human(person)).add(Toast("")).add(EditPressed())
        if candidate.status != "screening":
            return await self._stale(person, candidate)
        answers = await self.store.answers(candidate.id)
        current = self._current_step(candidate, answers)
        if kind == "confirm" and current is None and len(parts) == 1:
            response = Response().add(Toast("")).add(EditPressed())
            response.actions.extend((await self._confirm(person, candidate, answers)).actions)
            return response
        if kind == "edit" and current is None and len(parts) == 2:
            step = self.flow.step(parts[1])
            if step is not None and step.applies(answers.complete):
                return await self._reopen(candidate, answers, step)
        if kind == "back" and len(parts) == 2 and current is not None and parts[1] == current.key:
            return await self._back(person, candidate, answers, current)
        if current is None or len(parts) < 2 or parts[1] != current.key:
            return await self._stale(person, candidate, answers=answers, parts=parts)
        step = current
        choices = choices_for(step, self._dynamic_choices)
        if kind == "ans" and step.kind is Kind.CHOICE and len(parts) == 3 and parts[2] in choices:
            return await self._save(person, candidate, answers, step, parts[2], pressed=True)
        if kind == "tog" and step.kind is Kind.MULTI and len(parts) == 3 and parts[2] in choices:
            return await self._toggle(person, candidate, answers, step, parts[2], edit=True)
        if kind == "done" and step.kind is Kind.MULTI and len(parts) == 2:
            return await self._multi_done(person, candidate, answers, step, pressed=True)
        return await self._stale(person, candidate, answers=answers, parts=parts)

    async def _stale(
        self,
        person: Person,
        candidate: Candidate | None,
        *,
        answers: AnswerSet | None = None,
        parts: list[str] | None = None,
    ) -> Response:
        lang = self._lang(person, candidate)
        # A double tap on an answer already recorded: say so, nothing more.
        if (
            answers is not None
            and parts
            and len(parts) == 3
            and parts[0] == "ans"
            and answers.complete.get(parts[1]) == parts[2]
        ):
            return Response().add(Toast(self._render(lang, "toast", what="already_noted")))
        response = Response().add(Toast(self._render(lang, "toast", what="stale_button")))
        response.add(EditPressed())
        response.actions.extend((await self._where_we_are(person, candidate)).actions)
        return response

    async def _back(
        self, person: Person, candidate: Candidate, answers: AnswerSet, current: Step
    ) -> Response:
        steps = self.flow.applicable(answers.complete)
        keys = [s.key for s in steps]
        index = keys.index(current.key) if current.key in keys else len(keys)
        previous = next((s for s in reversed(steps[:index]) if s.key in answers.complete), None)
        if previous is None:
            return await self._stale(person, candidate)
        return await self._reopen(candidate, answers, previous)

    async def _reopen(self, candidate: Candidate, answers: AnswerSet, step: Step) -> Response:
        """Ask an answered question again (edit or back); the next answer replaces it."""
        await self.store.update(candidate.id, self.now(), editing_step=step.key)
        updated = await self.store.by_id(candidate.id)
        assert updated is not None
        response = Response().add(Toast("")).add(EditPressed())
        response.actions.extend(self._question(updated.language, updated, answers, step).actions)
        return response

    async def _consent(
        self, person: Person, candidate: Candidate | None, parts: list[str]
    ) -> Response:
        if candidate is not None:
            # Already accepted (a double tap, or an old notice): carry on where they are.
            response = Response().add(
                Toast(self._render(candidate.language, "toast", what="already_noted"))
            )
            response.add(EditPressed())
            return response
        lang = (
            parts[2]
            if len(parts) > 2 and parts[2] in self.renderer.languages
            else self._lang(person, None)
        )
        if len(parts) >= 2 and parts[1] == "yes":
            source = clean_source(parts[3] if len(parts) > 3 else None)
            candidate = await self.store.create(
                telegram_id=person.user_id,
                chat_id=person.chat_id,
                language=lang,
                source=source,
                consent_version=self.programme.notice_version,
                now=self.now(),
            )
            self._pre_consent_language.pop(person.user_id, None)
            response = (
                Response().add(Toast("")).add(EditPressed(append=self._label(lang, "btn.accept")))
            )
            after = (await self._where_we_are(person, candidate)).actions
            if after and isinstance(after[0], Send):  # one message: thanks, then question 1
                thanks = self._render(lang, "consent_thanks")
                after[0] = Send(thanks + "\n\n" + after[0].text, after[0].keyboard)
            response.actions.extend(after)
            return response
        if len(parts) >= 2 and parts[1] == "no":
            await self.store.count("declined", self.now())
            return (
                Response()
                .add(Toast(""))
                .add(EditPressed(append="❌ " + self._label(lang, "btn.refuse")))
                .send(self._render(lang, "declined"))
            )
        return await self._stale(person, candidate)

    async def _set_language(
        self, person: Person, candidate: Candidate | None, parts: list[str]
    ) -> Response:
        lang = parts[1] if len(parts) > 1 else ""
        if lang not in self.renderer.languages:
            return await self._stale(person, candidate)
        response = Response().add(Toast("")).add(EditPressed())
        if candidate is None:
            self._pre_consent_language[person.user_id] = lang
            source = clean_source(parts[2] if len(parts) > 2 else None)
            response.actions.extend(self._notice(lang, source, welcome=False).actions)
            return response
        await self.store.update(candidate.id, self.now(), language=lang)
        await self.store.add_event(candidate.id, "language", self.now(), {"language": lang})
        updated = await self.store.by_id(candidate.id)
        response.send(self._render(lang, "language_set"))
        response.actions.extend((await self._where_we_are(person, updated)).actions)
        return response

    async def _confirm(self, person: Person, candidate: Candidate, answers: AnswerSet) -> Response:
        site = self.programme.sites.get(str(answers.complete.get("site")))
        if site is None:
            # The site was removed from the rules file since: ask it again.
            await self.store.update(candidate.id, self.now(), editing_step="site")
            return await self._after_answer(person, candidate.id)
        decision = decide(answers.complete, site, self.today())
        await self.store.submit(
            candidate.id,
            result=decision.outcome.value,
            reasons=decision.reason_codes,
            now=self.now(),
        )
        log.info("candidate %s submitted: %s", candidate.id, decision.outcome.value)
        text = self._render(
            candidate.language,
            "result",
            outcome=decision.outcome.value,
            reasons=decision.reason_codes,
            site=site,
            is_minor=decision.is_minor,
            first_name=answers.complete.get("first_name"),
            cohort_start=decision.cohort_start.strftime("%d/%m/%Y"),
        )
        # "Not now": ask, with nothing pre-ticked, whether to hear about the next cohort
        # (the answer is handled by bot/reengagement/service.py).
        reengage = offer_at_result((f.code, f.outcome) for f in decision.findings)
        if reengage:
            text += "\n\n" + self._render(candidate.language, "reengagement/offer", site=site)
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
        keyboard: list[tuple[Button, ...]] = []
        if reengage:
            for what in ("yes", "no"):
                label = self._render(lang, "reengagement/button", what=what)
                keyboard.append((Button(label, f"re:{what}:{Origin.RESULT.value}"),))
        if outcome != "eligible":
            keyboard.append((Button(self._label(lang, "btn.human"), "human"),))
        return tuple(keyboard)

    # ---------------------------------------------------------------- commands
    async def help(self, person: Person) -> Response:
        candidate = await self.store.by_telegram_id(person.user_id)
        lang = self._lang(person, candidate)
        return Response().send(self._render(lang, "help"))

    async def unknown_command(self, person: Person) -> Response:
        candidate = await self.store.by_telegram_id(person.user_id)
        lang = self._lang(person, candidate)
        response = Response().send(self._render(lang, "unknown_command"))
        if candidate is not None and candidate.status == "screening":
            response.actions.extend((await self._where_we_are(person, candidate)).actions)
        return response

    async def unsupported(self, person: Person, what: str) -> Response:
        """A sticker, photo, voice note, edited message...: say what works, then ask again."""
        candidate = await self.store.by_telegram_id(person.user_id)
        lang = self._lang(person, candidate)
        response = Response().send(self._render(lang, "unsupported", what=what))
        response.actions.extend((await self._where_we_are(person, candidate)).actions)
        return response

    async def cancel(self, person: Person) -> Response:
        candidate = await self.store.by_telegram_id(person.user_id)
        lang = self._lang(person, candidate)
        if candidate is None or candidate.status != "screening":
            return Response().send(self._render(lang, "nothing_to_cancel"))
        await self.store.update(candidate.id, self.now(), status="paused", editing_step=None)
        await self.store.add_event(candidate.id, "paused", self.now())
        return Response().send(
            self._render(lang, "cancelled"),
            ((Button(self._label(lang, "btn.resume"), "resume"),),),
        )

    async def restart(self, person: Person) -> Response:
        candidate = await self.store.by_telegram_id(person.user_id)
        if candidate is None:
            return await self.start(person, None)
        lang = candidate.language
        return Response().send(
            self._render(lang, "restart_confirm"),
            (
                (Button(self._label(lang, "btn.restart_yes"), "restart:yes"),),
                (Button(self._label(lang, "btn.restart_no"), "restart:no"),),
            ),
        )

    async def _restart_answer(self, person: Person, candidate: Candidate, yes: bool) -> Response:
        response = Response().add(Toast("")).add(EditPressed())
        if yes:
            await self.store.restart(candidate.id, self.now())
            response.send(self._render(candidate.language, "restarted"))
        response.actions.extend((await self._after_answer(person, candidate.id)).actions)
        return response

    async def language(self, person: Person) -> Response:
        candidate = await self.store.by_telegram_id(person.user_id)
        lang = self._lang(person, candidate)
        keyboard = tuple(
            (Button(self._label(code, "btn.language_self"), f"lang:{code}"),)
            for code in self.renderer.languages
        )
        return Response().send(self._render(lang, "language_choose"), keyboard)

    async def human(self, person: Person) -> Response:
        candidate = await self.store.by_telegram_id(person.user_id)
        lang = self._lang(person, candidate)
        if candidate is None:
            return Response().send(self._render(lang, "human", stored=False))
        if candidate.human_requested_at is None:
            await self.store.update(
                candidate.id,
                self.now(),
                human_requested_at=self.now().isoformat(timespec="seconds"),
            )
            await self.store.add_event(candidate.id, "human_requested", self.now())
        return Response().send(self._render(lang, "human", stored=True))

    async def my_data(self, person: Person) -> Response:
        candidate = await self.store.by_telegram_id(person.user_id)
        lang = self._lang(person, candidate)
        if candidate is None:
            return Response().send(self._render(lang, "my_data_none"))
        export = await self.export(candidate)
        answers = await self.store.answers(candidate.id)
        items = []
        for step in self.flow.steps:
            if step.key in answers.complete:
                items.append(
                    {
                        "title": self._label(lang, f"title.{step.key}"),
                        "value": self.display(lang, step, answers.complete[step.key]),
                    }
                )
        text = self._render(lang, "my_data", candidate=candidate, items=items)
        export = without_staff_ids(export, self._label(lang, "data.staff"))
        content = json.dumps(export, ensure_ascii=False, indent=2).encode("utf-8")
        caption = self._render(lang, "my_data_file")
        return Response().send(text).add(SendFile("mes-donnees-fabnum.json", content, caption))

    async def export(self, candidate: Candidate) -> dict[str, Any]:
        """Everything stored about one candidate (GDPR art. 15 and 20)."""
        answers = await self.store.answers(candidate.id)
        return {
            "candidate": asdict(candidate),
            "answers": answers.complete,
            "answers_in_progress": answers.drafts,
            "history": await self.store.events(candidate.id),
            "other_records": await self.store.linked_records(candidate.id),
            "controller": self.programme.controller,
            "contact": self.programme.contact,
        }

    async def delete(self, person: Person) -> Response:
        candidate = await self.store.by_telegram_id(person.user_id)
        lang = self._lang(person, candidate)
        if candidate is None:
            return Response().send(self._render(lang, "my_data_none"))
        return Response().send(
            self._render(lang, "delete_confirm"),
            (
                (Button(self._label(lang, "btn.delete_yes"), "delete:yes"),),
                (Button(self._label(lang, "btn.delete_no"), "delete:no"),),
            ),
        )

    async def _delete_answer(self, person: Person, candidate: Candidate, yes: bool) -> Response:
        lang = candidate.language
        response = Response().add(Toast("")).add(EditPressed())
        if not yes:
            response.send(self._render(lang, "delete_kept"))
            response.actions.extend((await self._where_we_are(person, candidate)).actions)
            return response
        await self.store.erase(candidate.id, self.now(), reason="candidate_request")
        log.info("candidate %s erased on request", candidate.id)
        return response.send(self._render(lang, "deleted"))


# Columns and history keys that hold a staff member's Telegram id (who moved, noted, marked
# attendance or an exit, recorded a phone answer, created a session or a cohort).
STAFF_ID_KEYS = frozenset(
    {"by", "staff_id", "marked_by", "attendance_by", "answered_by", "created_by"}
)
# Text columns of other tables that hold JSON (staff_audit.detail, outbox.payload,
# followups.answers): decoded in the export, so what they hold is checked and reads as JSON.
JSON_COLUMNS = frozenset({"detail", "payload", "answers"})


def without_staff_ids(value: Any, staff: str) -> Any:
    """The export with every staff Telegram id replaced by `staff` ("équipe FabNum"): the
    candidate sees that the team acted, not who in it (a staff id is the staff member's data)."""
    if isinstance(value, dict):
        cleaned = {}
        for key, item in value.items():
            if key in STAFF_ID_KEYS and isinstance(item, int) and not isinstance(item, bool):
                cleaned[key] = staff
                continue
            if key in JSON_COLUMNS and isinstance(item, str):
                with contextlib.suppress(ValueError):
                    item = json.loads(item)
            cleaned[key] = without_staff_ids(item, staff)
        return cleaned
    if isinstance(value, list | tuple):
        return [without_staff_ids(item, staff) for item in value]
    return value
