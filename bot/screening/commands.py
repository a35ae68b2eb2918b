"""The candidate's commands: /aide, /annuler (pause) and its resume button, /recommencer,
/humain, /langue, and the answers to an unknown command or to something the bot cannot read."""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable

from bot.kernel.actions import EditPressed, Response, Toast
from bot.kernel.person import Person
from bot.screening.buttons import KeepAnswers, PickLanguage, StartOver
from bot.screening.consent import Consent
from bot.screening.conversation import Conversation, clean_source
from bot.screening.store import Candidate

# When the person's booked information session starts (None: none booked).
BookedWhen = Callable[[int, str], Awaitable[dt.datetime | None]]


class Commands:
    def __init__(
        self,
        conversation: Conversation,
        consent: Consent,
        booked_when: BookedWhen | None = None,
        after_human: Callable[[Candidate], Awaitable[None]] | None = None,
    ) -> None:
        self.conversation = conversation
        self.store = conversation.store
        self.consent = consent  # /recommencer before consent is /start
        self.booked_when = booked_when  # /recommencer says that the booking goes too
        self.after_human = after_human  # relays the request to staff (bot/messages)

    async def _lang(self, person: Person) -> tuple[Candidate | None, str]:
        candidate = await self.store.by_telegram_id(person.user_id)
        return candidate, self.conversation.lang(person, candidate)

    async def status(self, person: Person) -> Response:
        """/statut: where the application stands and what comes next (bot/status/ once it is
        sent); before that, the screening where it was."""
        c = self.conversation
        candidate, lang = await self._lang(person)
        if candidate is None or candidate.status == "submitted":
            return await c.where_we_are(person, candidate)
        response = Response().send(c.render(lang, "status_screening"))
        response.actions.extend((await c.where_we_are(person, candidate)).actions)
        return response

    async def help(self, person: Person) -> Response:
        _, lang = await self._lang(person)
        return Response().send(self.conversation.render(lang, "help"))

    async def unknown_command(self, person: Person) -> Response:
        candidate, lang = await self._lang(person)
        response = Response().send(self.conversation.render(lang, "unknown_command"))
        if candidate is not None and candidate.status == "screening":
            response.actions.extend(
                (await self.conversation.where_we_are(person, candidate)).actions
            )
        return response

    async def unsupported(self, person: Person, what: str) -> Response:
        """A sticker, photo, voice note, edited message...: say what works, then ask again."""
        candidate, lang = await self._lang(person)
        response = Response().send(self.conversation.render(lang, "unsupported", what=what))
        response.actions.extend((await self.conversation.where_we_are(person, candidate)).actions)
        return response

    async def cancel(self, person: Person) -> Response:
        c = self.conversation
        candidate, lang = await self._lang(person)
        if candidate is None or candidate.status != "screening":
            return Response().send(c.render(lang, "nothing_to_cancel"))
        await self.store.update(candidate.id, c.now(), status="paused", editing_step=None)
        await self.store.add_event(candidate.id, "paused", c.now())
        return c.paused(lang, "cancelled")

    async def resume(self, person: Person, candidate: Candidate) -> Response:
        """The resume button (after /annuler, under a nudge)."""
        c = self.conversation
        if candidate.status == "paused":
            await self.store.update(candidate.id, c.now(), status="screening")
        response = Response().add(Toast("")).add(EditPressed())
        response.actions.extend((await c.after_answer(person, candidate.id)).actions)
        return response

    async def restart(self, person: Person) -> Response:
        c = self.conversation
        candidate = await self.store.by_telegram_id(person.user_id)
        if candidate is None:
            return await self.consent.start(person, None)
        lang = candidate.language
        booked = await self.booked_when(candidate.id, lang) if self.booked_when else None
        return Response().send(
            c.render(lang, "restart_confirm", booked_when=booked),
            (
                (c.button(lang, "btn.restart_yes", StartOver()),),
                (c.button(lang, "btn.restart_no", KeepAnswers()),),
            ),
        )

    async def restart_answer(
        self, person: Person, candidate: Candidate, pressed: StartOver | KeepAnswers
    ) -> Response:
        c = self.conversation
        response = Response().add(Toast("")).add(EditPressed())
        if isinstance(pressed, StartOver):
            await self.store.restart(candidate.id, c.now())
            response.send(c.render(candidate.language, "restarted"))
        response.actions.extend((await c.after_answer(person, candidate.id)).actions)
        return response

    async def language(self, person: Person) -> Response:
        c = self.conversation
        _, lang = await self._lang(person)
        keyboard = tuple(
            (c.button(code, "btn.language_self", PickLanguage(code)),)
            for code in c.renderer.languages
        )
        return Response().send(c.render(lang, "language_choose"), keyboard)

    async def pick_language(
        self, person: Person, candidate: Candidate | None, pressed: PickLanguage
    ) -> Response:
        """A language button: under /langue, or under the notice (before consent: kept in memory
        only, and the notice shown again in that language)."""
        c = self.conversation
        lang = pressed.language
        if lang not in c.renderer.languages:
            return await c.stale(person, candidate)
        response = Response().add(Toast("")).add(EditPressed())
        if candidate is None:
            c.remember_language(person, lang)
            source = clean_source(pressed.source)
            response.actions.extend(c.notice(lang, source, welcome=False).actions)
            return response
        await self.store.update(candidate.id, c.now(), language=lang)
        await self.store.add_event(candidate.id, "language", c.now(), {"language": lang})
        updated = await self.store.by_id(candidate.id)
        response.send(c.render(lang, "language_set"))
        response.actions.extend((await c.where_we_are(person, updated)).actions)
        return response

    async def human(self, person: Person) -> Response:
        c = self.conversation
        candidate, lang = await self._lang(person)
        if candidate is None:
            return Response().send(c.render(lang, "human", stored=False))
        if candidate.human_requested_at is None:
            await self.store.update(
                candidate.id,
                c.now(),
                human_requested_at=c.now().isoformat(timespec="seconds"),
            )
            await self.store.add_event(candidate.id, "human_requested", c.now())
        if self.after_human is not None:
            await self.after_human(candidate)
        return Response().send(c.render(lang, "human", stored=True))
