"""The start of the conversation: /start (with a deep link's source), the privacy notice, and
consent given or refused. Nothing is stored about a person before they accept (only anonymous
daily counts)."""

from __future__ import annotations

from bot.kernel.actions import EditPressed, Response, Send, Toast
from bot.kernel.person import Person
from bot.reachability import store as people
from bot.screening.buttons import Accept, Refuse
from bot.screening.conversation import Conversation, clean_source
from bot.screening.store import Candidate


class Consent:
    def __init__(self, conversation: Conversation) -> None:
        self.conversation = conversation
        self.store = conversation.store

    async def start(self, person: Person, payload: str | None) -> Response:
        c = self.conversation
        candidate = await self.store.by_telegram_id(person.user_id)
        if candidate is None:
            source = clean_source(payload)
            await self.store.count("start", c.now(), source)
            return c.notice(c.lang(person, None), source)
        lang = candidate.language
        # /start again resumes reminders and nudges after a /stop, and after a block.
        await people.set_stopped(self.store.db, candidate.id, c.now(), False)
        await people.mark_reachable(self.store.db, chat_id=person.chat_id, now=c.now())
        if candidate.status == "paused":
            await self.store.update(candidate.id, c.now(), status="screening")
            candidate = await self.store.by_id(candidate.id)
            assert candidate is not None
        response = Response().send(
            c.render(lang, "welcome_back", first_name=await self._first_name(candidate))
        )
        response.actions.extend((await c.where_we_are(person, candidate)).actions)
        return response

    async def _first_name(self, candidate: Candidate) -> str | None:
        answers = await self.store.answers(candidate.id)
        name = answers.complete.get("first_name")
        return str(name) if name else None

    def before_consent(self, person: Person) -> Response:
        """Someone who writes before accepting the notice: accept it first."""
        c = self.conversation
        lang = c.lang(person, None)
        response = Response().send(c.render(lang, "accept_first"))
        response.actions.extend(c.notice(lang, None, welcome=False).actions)
        return response

    async def press(
        self, person: Person, candidate: Candidate | None, pressed: Accept | Refuse
    ) -> Response:
        c = self.conversation
        if candidate is not None:
            # Already accepted (a double tap, or an old notice): carry on where they are.
            response = Response().add(
                Toast(c.render(candidate.language, "toast", what="already_noted"))
            )
            response.add(EditPressed())
            return response
        languages = c.renderer.languages
        lang = pressed.language if pressed.language in languages else c.lang(person, None)
        assert lang is not None
        if isinstance(pressed, Accept):
            candidate = await self.store.create(
                telegram_id=person.user_id,
                chat_id=person.chat_id,
                language=lang,
                source=clean_source(pressed.source),
                consent_version=c.programme.notice_version,
                now=c.now(),
            )
            c.forget_language(person)
            response = (
                Response().add(Toast("")).add(EditPressed(append=c.label(lang, "btn.accept")))
            )
            after = (await c.where_we_are(person, candidate)).actions
            if after and isinstance(after[0], Send):  # one message: thanks, then question 1
                thanks = c.render(lang, "consent_thanks")
                after[0] = Send(thanks + "\n\n" + after[0].text, after[0].keyboard)
            response.actions.extend(after)
            return response
        await self.store.count("declined", c.now())
        return (
            Response()
            .add(Toast(""))
            .add(EditPressed(append="❌ " + c.label(lang, "btn.refuse")))
            .send(c.render(lang, "declined"))
        )
