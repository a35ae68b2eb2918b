"""Thin PTB handlers of decision messages (bot/decisions/service.py does the work).

- "dec:" buttons under a preview: staff only; anyone else (or a forged string) gets the unknown
  button's answer (bot/screening), so the buttons cannot even be discovered.
- /message <numéro> <texte>: staff only, through the gate (anyone else: the unknown command).
"""

from __future__ import annotations

import logging

from telegram import Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, ContextTypes

from bot.decisions.buttons import CODEC
from bot.services import Services
from bot.telegram.gate import NEW_MESSAGE, PRIVATE, private_press, staff_sender
from bot.telegram.io import perform

log = logging.getLogger(__name__)
Context = ContextTypes.DEFAULT_TYPE


def register(application: Application, services: Services) -> None:  # type: ignore[type-arg]
    decisions = services.decisions

    def kick(context: Context) -> None:
        """Send what was just scheduled now rather than at the outbox's next run."""
        context.application.create_task(
            services.outbox.run_once(context.bot, lambda: context.application.running)
        )

    async def pressed(update: Update, context: Context) -> None:
        found = await private_press(update)
        if found is None:
            return
        query, person = found
        member = services.settings.staff.get(person.user_id)
        response = None
        if member is not None:
            response = await decisions.pressed(member, query.data or "")
        if response is None:  # not staff, or a forged string: what any unknown button gets
            log.info("decision button refused")
            response = await services.screening.button(person, query.data or "")
        await perform(context.bot, person.chat_id, response, query)
        kick(context)

    async def message(update: Update, context: Context) -> None:
        sender = await staff_sender(update, context, services, "message")
        text = update.effective_message.text if update.effective_message else None
        if sender is None or text is None:
            return
        person, member = sender
        response = await decisions.command(member, text.partition(" ")[2])
        await perform(context.bot, person.chat_id, response)

    application.add_handler(CallbackQueryHandler(pressed, pattern=CODEC.pattern))
    application.add_handler(CommandHandler("message", message, PRIVATE & NEW_MESSAGE))
