"""Who sent an update, and the staff gate every staff command and button goes through."""

from __future__ import annotations

import logging

from telegram import CallbackQuery, Update
from telegram.ext import ContextTypes, filters

from bot.config import StaffMember
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
