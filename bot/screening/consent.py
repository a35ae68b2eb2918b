"""The start of the conversation: /start (with a deep link's source), the privacy notice, and
consent given or refused. Nothing is stored about a person before they accept (only anonymous
daily counts)."""

from __future__ import annotations

from bot.core.text import fold
from bot.kernel.actions import Action, EditPressed, Response, Send, Toast
from bot.kernel.person import Person
from bot.reachability import store as people
from bot.screening.buttons import Accept, Refuse
from bot.screening.conversation import Conversation, clean_source
from bot.screening.store import Candidate

# Typed words that are an affirmative act of consent to the notice, folded (case and accents).
CONSENT_WORDS = frozenset(
    {
        "oui",
        "ok",
        "okay",
        "d accord",
        "daccord",
        "je suis d accord",
        "j accepte",
        "jaccepte",
        "accepte",
        "yes",
        "i agree",
        "agree",
        "i accept",
        "accept",
    }
)


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
            c.remember_source(person, source)
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

    async def before_consent(self, person: Person, text: str) -> Response:
        """Someone who writes before accepting the notice: a typed "oui" is their consent;
        anything else gets a short line and the notice's buttons (not the whole notice again)."""
        c = self.conversation
        lang = c.lang(person, None)
        if fold(text) in CONSENT_WORDS:
            return Response(await self._accept(person, lang, c.source_before_consent(person)))
        keyboard = c.notice_keyboard(lang, c.source_before_consent(person))
        return Response().send(c.render(lang, "accept_first"), keyboard)

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
            response = (
                Response().add(Toast("")).add(EditPressed(append=c.label(lang, "btn.accept")))
            )
            response.actions.extend(await self._accept(person, lang, pressed.source))
            return response
        await self.store.count("declined", c.now())
        return (
            Response()
            .add(Toast(""))
            .add(EditPressed(append="❌ " + c.label(lang, "btn.refuse")))
            .send(c.render(lang, "declined"))
        )

    async def _accept(self, person: Person, lang: str, source: str | None) -> list[Action]:
        """Consent given (a button or typed words): stored with the notice's version, then
        question 1 in the same message as the thanks."""
        c = self.conversation
        candidate = await self.store.create(
            telegram_id=person.user_id,
            chat_id=person.chat_id,
            language=lang,
            source=clean_source(source),
            consent_version=c.programme.notice_version,
            now=c.now(),
        )
        c.forget_language(person)
        after = (await c.where_we_are(person, candidate)).actions
        if after and isinstance(after[0], Send):  # one message: thanks, then question 1
            thanks = c.render(lang, "consent_thanks")
            after[0] = Send(thanks + "\n\n" + after[0].text, after[0].keyboard)
        return after
