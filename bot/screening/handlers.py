"""Thin Telegram handlers for candidates: read the update, call the service, act on its answer.

Every screening button is routed by its codec's pattern (bot/screening/buttons.py), every command
by its name. The fallbacks (an unknown command, a button no feature owns) are registered apart,
by `register_fallbacks`, which the composition root calls last on purpose: they match what no
other handler matched, whatever order the features were registered in.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

from telegram import Update
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from bot.kernel.actions import Response
from bot.kernel.person import Person
from bot.screening.buttons import CODECS
from bot.screening.service import ScreeningService
from bot.services import Services
from bot.telegram.gate import NEW_MESSAGE, PRIVATE, person_of, private_press
from bot.telegram.io import perform

log = logging.getLogger(__name__)
Context = ContextTypes.DEFAULT_TYPE
Handler = Callable[[Update, Context], Coroutine[Any, Any, None]]
Run = Callable[[ScreeningService, Person, Context], Awaitable[Response]]

# French command, English alias. Telegram commands: lowercase letters, digits, underscores.
COMMANDS: dict[str, tuple[str, ...]] = {
    "start": ("start",),
    "status": ("statut", "status"),
    "help": ("aide", "help"),
    "cancel": ("annuler", "cancel"),
    "restart": ("recommencer", "restart"),
    "human": ("humain", "human"),
    "my_data": ("mes_donnees", "my_data"),
    "delete": ("supprimer", "delete"),
    "language": ("langue", "language"),
}


def _command(screening: ScreeningService, run: Run) -> Handler:
    async def handler(update: Update, context: Context) -> None:
        person = person_of(update)
        if person is None:
            return
        response = await run(screening, person, context)
        await perform(context.bot, person.chat_id, response)

    return handler


def _button(screening: ScreeningService) -> Handler:
    """A button press in a private chat, answered by the screening (a stale or unknown button
    gets a short notice and where the person is)."""

    async def handler(update: Update, context: Context) -> None:
        pressed = await private_press(update)
        if pressed is None:
            return
        query, person = pressed
        response = await screening.button(person, query.data or "")
        await perform(context.bot, person.chat_id, response, query)

    return handler


def register(application: Application, services: Services) -> None:  # type: ignore[type-arg]
    screening = services.screening

    async def start(s: ScreeningService, p: Person, c: Context) -> Response:
        return await s.start(p, c.args[0] if c.args else None)

    simple: dict[str, Run] = {
        "start": start,
        "status": lambda s, p, c: s.status(p),
        "help": lambda s, p, c: s.help(p),
        "cancel": lambda s, p, c: s.cancel(p),
        "restart": lambda s, p, c: s.restart(p),
        "human": lambda s, p, c: s.human(p),
        "my_data": lambda s, p, c: s.my_data(p),
        "delete": lambda s, p, c: s.delete(p),
        "language": lambda s, p, c: s.language(p),
    }
    for name, names in COMMANDS.items():
        application.add_handler(
            CommandHandler(names, _command(screening, simple[name]), filters=PRIVATE & NEW_MESSAGE)
        )

    on_button = _button(screening)
    for codec in CODECS:
        application.add_handler(CallbackQueryHandler(on_button, pattern=codec.pattern))

    async def on_text(update: Update, context: Context) -> None:
        person = person_of(update)
        message = update.effective_message
        if person is None or message is None or message.text is None:
            return
        response = await screening.text(person, message.text)
        await perform(context.bot, person.chat_id, response)

    def other(what: str) -> Handler:
        async def handler(update: Update, context: Context) -> None:
            person = person_of(update)
            if person is None:
                return
            response = await screening.unsupported(person, what)
            await perform(context.bot, person.chat_id, response)

        return handler

    application.add_handler(
        MessageHandler(PRIVATE & filters.UpdateType.EDITED_MESSAGE, other("edited"))
    )
    # Commands are text too: they are left to the command handlers and the fallback.
    application.add_handler(
        MessageHandler(PRIVATE & NEW_MESSAGE & filters.TEXT & ~filters.COMMAND, on_text)
    )
    application.add_handler(MessageHandler(PRIVATE & NEW_MESSAGE & ~filters.TEXT, other("media")))

    async def in_group(update: Update, context: Context) -> None:
        chat = update.effective_chat
        if chat is None:
            return
        text = services.renderer.render(services.settings.language, "private_only")
        await perform(context.bot, chat.id, Response().send(text))

    application.add_handler(
        MessageHandler(filters.ChatType.GROUPS & NEW_MESSAGE & filters.COMMAND, in_group)
    )


def register_fallbacks(application: Application, services: Services) -> None:  # type: ignore[type-arg]
    """Last by design (bot/app.py registers them after every feature): PTB gives an update to the
    first handler that matches, and these match any command and any button. An unknown command
    gets the help text (and the current question); a button no feature owns (stale, forged, from
    an older version) gets what an unknown button gets: `services.screening.button`."""
    screening = services.screening
    application.add_handler(
        MessageHandler(
            PRIVATE & NEW_MESSAGE & filters.COMMAND, _command(screening, _unknown_command)
        )
    )
    application.add_handler(CallbackQueryHandler(_button(screening)))


async def _unknown_command(s: ScreeningService, p: Person, c: Context) -> Response:
    return await s.unknown_command(p)
