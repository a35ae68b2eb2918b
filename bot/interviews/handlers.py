"""Thin Telegram handlers for interviews: /entretien (/interview) and the "iv:" buttons."""

from __future__ import annotations

from telegram import Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, ContextTypes

from bot.interviews.buttons import INTERVIEWS, candidate_press, is_staff, staff_press
from bot.interviews.feature import Interviews
from bot.services import Services
from bot.telegram.gate import NEW_MESSAGE, PRIVATE, private_press, staff_sender
from bot.telegram.io import perform

Context = ContextTypes.DEFAULT_TYPE


def register(application: Application, services: Services, interviews: Interviews) -> None:  # type: ignore[type-arg]
    async def entretien(update: Update, context: Context) -> None:
        sender = await staff_sender(update, context, services, "entretien")
        if sender is not None:
            person, member = sender
            response = await interviews.planning.command(member, list(context.args or []))
            await perform(context.bot, person.chat_id, response)

    async def on_button(update: Update, context: Context) -> None:
        pressed = await private_press(update)
        if pressed is None:
            return
        query, person = pressed
        data = query.data or ""
        member = services.settings.staff.get(person.user_id)
        if is_staff(data):
            if member is None:
                # what any unknown button gets: staff buttons cannot even be discovered
                response = await services.screening.button(person, data)
            else:
                response = await interviews.planning.button(member, staff_press(data))
        else:
            response = await interviews.answers.button(person, candidate_press(data))
        await perform(context.bot, person.chat_id, response, query)

    application.add_handler(
        CommandHandler(["entretien", "interview"], entretien, filters=PRIVATE & NEW_MESSAGE)
    )
    application.add_handler(CallbackQueryHandler(on_button, pattern=INTERVIEWS.pattern))
