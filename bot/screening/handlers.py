"""Thin Telegram handlers for candidates: read the update, call the service, act on its answer."""

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
from bot.screening.service import ScreeningService
from bot.services import Services
from bot.telegram.gate import NEW_MESSAGE, PRIVATE, person_of, private_press
from bot.telegram.io import perform

log = logging.getLogger(__name__)
Context = ContextTypes.DEFAULT_TYPE
Handler = Callable[[Update, Context], Coroutine[Any, Any, None]]

# French command, English alias. Telegram commands: lowercase letters, digits, underscores.
COMMANDS: dict[str, tuple[str, ...]] = {
    "start": ("start",),
    "help": ("aide", "help"),
    "cancel": ("annuler", "cancel"),
    "restart": ("recommencer", "restart"),
    "human": ("humain", "human"),
    "my_data": ("mes_donnees", "my_data"),
    "delete": ("supprimer", "delete"),
    "language": ("langue", "language"),
}


def register(application: Application, services: Services) -> None:  # type: ignore[type-arg]
    screening = services.screening

    def command(
        run: Callable[[ScreeningService, Person, Context], Awaitable[Response]],
    ) -> Handler:
        async def handler(update: Update, context: Context) -> None:
            person = person_of(update)
            if person is None:
                return
            response = await run(screening, person, context)
            await perform(context.bot, person.chat_id, response)

        return handler

    async def start(s: ScreeningService, p: Person, c: Context) -> Response:
        return await s.start(p, c.args[0] if c.args else None)

    simple: dict[str, Callable[[ScreeningService, Person, Context], Awaitable[Response]]] = {
        "start": start,
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
            CommandHandler(names, command(simple[name]), filters=PRIVATE & NEW_MESSAGE)
        )

    async def on_button(update: Update, context: Context) -> None:
        pressed = await private_press(update)
        if pressed is None:
            return
        query, person = pressed
        response = await screening.button(person, query.data or "")
        await perform(context.bot, person.chat_id, response, query)

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

    application.add_handler(CallbackQueryHandler(on_button))
    application.add_handler(
        MessageHandler(PRIVATE & filters.UpdateType.EDITED_MESSAGE, other("edited"))
    )
    application.add_handler(
        MessageHandler(PRIVATE & NEW_MESSAGE & filters.COMMAND, command(_unknown_command))
    )
    application.add_handler(MessageHandler(PRIVATE & NEW_MESSAGE & filters.TEXT, on_text))
    application.add_handler(MessageHandler(PRIVATE & NEW_MESSAGE, other("media")))

    async def in_group(update: Update, context: Context) -> None:
        chat = update.effective_chat
        if chat is None:
            return
        text = services.renderer.render(services.settings.language, "private_only")
        await perform(context.bot, chat.id, Response().send(text))

    application.add_handler(
        MessageHandler(filters.ChatType.GROUPS & NEW_MESSAGE & filters.COMMAND, in_group)
    )


async def _unknown_command(s: ScreeningService, p: Person, c: Context) -> Response:
    return await s.unknown_command(p)
