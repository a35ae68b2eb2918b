"""Thin Telegram handlers for information sessions and /stop."""

from __future__ import annotations

from telegram import Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, ContextTypes

from bot.services import Services
from bot.sessions.buttons import SESSIONS, is_staff
from bot.sessions.feature import Sessions
from bot.telegram.gate import NEW_MESSAGE, PRIVATE, person_of, staff_sender
from bot.telegram.io import perform

Context = ContextTypes.DEFAULT_TYPE


def register(application: Application, services: Services, sessions: Sessions) -> None:  # type: ignore[type-arg]
    private = PRIVATE & NEW_MESSAGE

    async def reunion(update: Update, context: Context) -> None:
        person = person_of(update)
        if person is not None:
            await perform(context.bot, person.chat_id, await sessions.booking.reunion(person))

    async def stop(update: Update, context: Context) -> None:
        person = person_of(update)
        if person is not None:
            await perform(context.bot, person.chat_id, await sessions.booking.stop(person))

    async def staff_list(update: Update, context: Context) -> None:
        sender = await staff_sender(update, context, services, "sessions")
        if sender is not None:
            person, _ = sender
            await perform(context.bot, person.chat_id, await sessions.admin.staff_sessions(person))

    async def staff_new(update: Update, context: Context) -> None:
        sender = await staff_sender(update, context, services, "nouvelle_session")
        if sender is not None:
            person, _ = sender
            response = await sessions.admin.staff_new(person, list(context.args or []))
            await perform(context.bot, person.chat_id, response)

    async def staff_edit(update: Update, context: Context) -> None:
        sender = await staff_sender(update, context, services, "modifier_session")
        if sender is not None:
            person, _ = sender
            response = await sessions.admin.staff_edit(person, list(context.args or []))
            await perform(context.bot, person.chat_id, response)

    async def on_button(update: Update, context: Context) -> None:
        query = update.callback_query
        person = person_of(update)
        if query is None or person is None or update.effective_chat is None:
            return
        data = query.data or ""
        if update.effective_chat.type != "private" and not staff_chat_press(
            update.effective_chat.id, person.user_id, data
        ):
            # A candidate's session button only works in their private chat: a press (or a
            # forged one) in a group books nothing and posts nothing there.
            await query.answer()
            return
        if is_staff(data) and person.user_id not in services.settings.staff:
            # what any unknown button gets: staff buttons cannot even be discovered
            response = await services.screening.button(person, data)
        else:
            response = await sessions.button(person, data)
        await perform(context.bot, person.chat_id, response, query)

    def staff_chat_press(chat_id: int, user_id: int, data: str) -> bool:
        """Staff buttons (the J-1 list's 👥) also work in the staff group chat, for staff."""
        return (
            chat_id == services.settings.staff_chat_id
            and user_id in services.settings.staff
            and is_staff(data)
        )

    application.add_handler(CommandHandler(["reunion", "session"], reunion, filters=private))
    application.add_handler(CommandHandler(["stop"], stop, filters=private))
    application.add_handler(CommandHandler(["sessions"], staff_list, filters=private))
    application.add_handler(
        CommandHandler(["nouvelle_session", "new_session"], staff_new, filters=private)
    )
    application.add_handler(
        CommandHandler(["modifier_session", "edit_session"], staff_edit, filters=private)
    )
    application.add_handler(CallbackQueryHandler(on_button, pattern=SESSIONS.pattern))
