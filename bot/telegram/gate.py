"""Who sent an update, and the staff gate every staff command and button goes through."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Coroutine, Mapping, Sequence
from typing import Any, TypeVar

from telegram import CallbackQuery, Update
from telegram.ext import Application, CommandHandler, ContextTypes, filters

from bot.config import StaffMember
from bot.kernel.actions import Response
from bot.kernel.person import Person
from bot.services import Services
from bot.telegram.io import perform

log = logging.getLogger(__name__)
Context = ContextTypes.DEFAULT_TYPE
PRIVATE = filters.ChatType.PRIVATE
NEW_MESSAGE = filters.UpdateType.MESSAGE  # edited messages are handled on their own


def person_of(update: Update) -> Person | None:
    user, chat = update.effective_user, update.effective_chat
    if user is None or chat is None:
        return None
    return Person(user_id=user.id, chat_id=chat.id)


async def private_press(update: Update) -> tuple[CallbackQuery, Person] | None:
    """The button press and who pressed it, for presses in a private chat only.

    A press elsewhere (a button in a group) is answered with nothing and ignored.
    """
    query = update.callback_query
    person = person_of(update)
    if query is None or person is None:
        return None
    if update.effective_chat is None or update.effective_chat.type != "private":
        await query.answer()
        return None
    return query, person


async def staff_sender(
    update: Update, context: Context, services: Services, command: str
) -> tuple[Person, StaffMember] | None:
    """Who sent a staff command, if they are staff; anyone else gets the unknown-command answer,
    so staff commands cannot even be discovered. The refusal is logged without personal data."""
    person = person_of(update)
    if person is None:
        return None
    member = services.settings.staff.get(person.user_id)
    if member is None:
        log.info("staff command /%s refused: not staff", command)
        await perform(context.bot, person.chat_id, await services.screening.unknown_command(person))
        return None
    return person, member


Feature = TypeVar("Feature")
# A staff command: (the feature's object, the staff member, the command's words) -> the reply.
StaffRun = Callable[[Feature, StaffMember, Sequence[str]], Awaitable[Response]]


def register_staff_commands(
    application: Application[Any, Any, Any, Any, Any, Any],
    services: Services,
    feature: Feature,
    commands: Mapping[str, tuple[tuple[str, ...], StaffRun[Feature]]],
) -> None:
    """Each command (its French name, its English alias) behind the staff gate, in private
    chats; the feature's reply carried out by perform."""

    def handler(
        name: str, run: StaffRun[Feature]
    ) -> Callable[[Update, Context], Coroutine[Any, Any, None]]:
        async def handle(update: Update, context: Context) -> None:
            sender = await staff_sender(update, context, services, name)
            if sender is not None:
                person, member = sender
                reply = await run(feature, member, tuple(context.args or ()))
                await perform(context.bot, person.chat_id, reply)

        return handle

    for name, (names, run) in commands.items():
        application.add_handler(
            CommandHandler(names, handler(name, run), filters=PRIVATE & NEW_MESSAGE)
        )
