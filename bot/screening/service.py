"""The candidate conversation as one object, for the handlers and the features that answer
through it (an unknown or refused button gets `button`'s stale answer, an unknown command
`unknown_command`; staff views show answers with `display`; re-engagement restarts and rebuilds
the result's buttons). Each use case lives in its own module:

    consent.py      /start, the privacy notice, consent given or refused
    answers.py      questions, answers, back and edit, the summary, the result
    commands.py     /aide, /annuler and resume, /recommencer, /humain, /langue
    data_rights.py  /mes_donnees, /supprimer
    conversation.py what they share: language, the messages that put someone back on track
"""

from __future__ import annotations

from typing import Any

from bot.core.flow import Step
from bot.kernel.actions import EditPressed, Keyboard, Response, Toast
from bot.kernel.person import Person
from bot.screening.answers import Answering
from bot.screening.buttons import (
    Accept,
    Answer,
    Back,
    Confirm,
    Done,
    Edit,
    EraseMe,
    Human,
    KeepAnswers,
    KeepMyData,
    PickLanguage,
    Refuse,
    Resume,
    StartOver,
    Toggle,
    decode,
)
from bot.screening.commands import Commands
from bot.screening.consent import Consent
from bot.screening.conversation import Conversation
from bot.screening.data_rights import DataRights
from bot.screening.store import Candidate


class ScreeningService:
    def __init__(
        self,
        *,
        conversation: Conversation,
        consent: Consent,
        answering: Answering,
        commands: Commands,
        data_rights: DataRights,
    ) -> None:
        self.conversation = conversation
        self.store = conversation.store
        self.consent = consent
        self.answering = answering
        self.commands = commands
        self.data_rights = data_rights

    async def start(self, person: Person, payload: str | None) -> Response:
        return await self.consent.start(person, payload)

    async def status(self, person: Person) -> Response:
        return await self.commands.status(person)

    async def where_we_are(self, person: Person) -> Response:
        """The message that puts the person back on track (the inbox answers so an update whose
        changes committed before a crash kept its reply from going out)."""
        candidate = await self.store.by_telegram_id(person.user_id)
        return await self.conversation.where_we_are(person, candidate)

    async def text(self, person: Person, text: str) -> Response:
        candidate = await self.store.by_telegram_id(person.user_id)
        if candidate is None:
            return await self.consent.before_consent(person, text)
        return await self.answering.text(person, candidate, text)

    async def button(self, person: Person, data: str) -> Response:
        """A button press. Stale, forged or unknown data (another feature's button refused to
        this person) gets a short notice and where they are."""
        pressed = decode(data)
        candidate = await self.store.by_telegram_id(person.user_id)
        if isinstance(pressed, Accept | Refuse):
            return await self.consent.press(person, candidate, pressed)
        if isinstance(pressed, PickLanguage):
            return await self.commands.pick_language(person, candidate, pressed)
        if candidate is None:
            return await self.conversation.stale(person, None)
        if isinstance(pressed, EraseMe | KeepMyData):
            return await self.data_rights.delete_answer(person, candidate, pressed)
        if isinstance(pressed, StartOver | KeepAnswers):
            return await self.commands.restart_answer(person, candidate, pressed)
        if isinstance(pressed, Resume):
            return await self.commands.resume(person, candidate)
        if isinstance(pressed, Human):
            return await self._human_pressed(person)
        if isinstance(pressed, Answer | Toggle | Done | Back | Edit | Confirm):
            return await self.answering.press(person, candidate, pressed)
        return await self.conversation.stale(person, candidate)

    async def _human_pressed(self, person: Person) -> Response:
        response = await self.commands.human(person)
        return response.add(Toast("")).add(EditPressed())

    # ---------------------------------------------------------------- commands
    async def help(self, person: Person) -> Response:
        return await self.commands.help(person)

    async def unknown_command(self, person: Person) -> Response:
        return await self.commands.unknown_command(person)

    async def unsupported(self, person: Person, what: str) -> Response:
        return await self.commands.unsupported(person, what)

    async def cancel(self, person: Person) -> Response:
        return await self.commands.cancel(person)

    async def restart(self, person: Person) -> Response:
        return await self.commands.restart(person)

    async def language(self, person: Person) -> Response:
        return await self.commands.language(person)

    async def human(self, person: Person) -> Response:
        return await self.commands.human(person)

    async def my_data(self, person: Person) -> Response:
        return await self.data_rights.my_data(person)

    async def export(self, candidate: Candidate) -> dict[str, Any]:
        return await self.data_rights.export(candidate)

    async def delete(self, person: Person) -> Response:
        return await self.data_rights.delete(person)

    # ------------------------------------------------------- for other features
    def display(self, lang: str, step: Step, value: object) -> str:
        """An answer as the candidate would say it (staff views show it so too)."""
        return self.conversation.display(lang, step, value)

    def result_keyboard(self, lang: str, outcome: str | None, *, reengage: bool) -> Keyboard:
        return self.answering.result_keyboard(lang, outcome, reengage=reengage)
