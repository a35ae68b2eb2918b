"""Thin Telegram handler for the re-engagement buttons ("re:", bot/reengagement/buttons.py): opt
in, decline, withdraw, apply again. Routed by the codec's prefix, whatever the order of
registration."""

from __future__ import annotations

from telegram import Update
from telegram.ext import Application, CallbackQueryHandler, ContextTypes

from bot.reengagement.buttons import CODEC
from bot.reengagement.service import ReengagementService
from bot.telegram.gate import private_press
from bot.telegram.io import perform

Context = ContextTypes.DEFAULT_TYPE


def register(application: Application, reengagement: ReengagementService) -> None:  # type: ignore[type-arg]
    async def on_button(update: Update, context: Context) -> None:
        pressed = await private_press(update)
        if pressed is None:
            return
        query, person = pressed
        response = await reengagement.button(person, query.data or "")
        await perform(context.bot, person.chat_id, response, query)

    application.add_handler(CallbackQueryHandler(on_button, pattern=CODEC.pattern))
