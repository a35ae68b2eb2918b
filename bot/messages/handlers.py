"""Thin PTB handlers of the staff-candidate threads (bot/messages/service.py does the work).

- group -20: every update from a staff member stores their first name (how candidates see them).
- group -10: a staff member's Telegram reply to a relayed message, and a candidate's message while
  a thread is open, are taken here (ApplicationHandlerStop); anything else goes on to the
  screening's handlers in group 0 as before.
- In a forum staff chat, a staff member's text in a candidate's topic goes to the candidate (no
  reply needed), and a bare /clore there closes that conversation and its topic.
- /ecrire (/write), /clore (/close): staff only, through the gate (anyone else: unknown command);
  /clore also in a staff group (by anyone else there: ignored).
- "msg:" buttons: staff of the candidate's site; anyone else gets the unknown button's answer.
"""

from __future__ import annotations

from telegram import Message, Update
from telegram.ext import (
    Application,
    ApplicationHandlerStop,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    TypeHandler,
    filters,
)

from bot.kernel.actions import Response
from bot.messages.buttons import MESSAGES
from bot.services import Services
from bot.telegram.gate import NEW_MESSAGE, PRIVATE, person_of, staff_sender
from bot.telegram.io import perform

Context = ContextTypes.DEFAULT_TYPE
# Handler groups run in increasing order, before the features' group 0; these leave the groups
# near 0 free (a test records every update in group -1).
REMEMBER_GROUP, RELAY_GROUP = -20, -10
RELAYABLE = (filters.TEXT & ~filters.COMMAND) | filters.PHOTO | filters.Document.ALL


def register(application: Application, services: Services) -> None:  # type: ignore[type-arg]
    messaging = services.messages

    def kick(context: Context) -> None:
        """Send the queued message now rather than at the outbox's next run."""
        context.application.create_task(
            services.outbox.run_once(context.bot, lambda: context.application.running)
        )

    async def remember(update: Update, context: Context) -> None:
        user = update.effective_user
        if user is not None and user.id in services.settings.staff and not user.is_bot:
            await messaging.remember_staff(user.id, user.first_name)

    async def relay(update: Update, context: Context) -> None:
        message, chat, person = update.effective_message, update.effective_chat, person_of(update)
        if message is None or chat is None or person is None:
            return
        response: Response | None = None
        member = services.settings.staff.get(person.user_id)
        replied = message.reply_to_message
        topic = message.message_thread_id if message.is_topic_message else None
        if member is not None and replied is not None and message.text is not None:
            response = await messaging.staff_reply(
                member, chat.id, replied.message_id, message.text, message.message_id
            )
        if response is None and member is not None and topic is not None and message.text:
            response = await messaging.staff_in_topic(
                member, chat.id, topic, message.text, message.message_id
            )
        if response is None and chat.type == "private":
            media: tuple[str, str] | None = None
            if message.photo:
                media = ("photo", message.photo[-1].file_id)
            elif message.document is not None:
                media = ("document", message.document.file_id)
            text = message.text if media is None else message.caption
            response = await messaging.from_candidate(person, text=text, media=media)
        if response is None:
            return  # not for a thread: the screening's handlers take it
        response.thread_id = topic  # the answer in the topic it was written in
        await perform(context.bot, chat.id, response)
        kick(context)
        raise ApplicationHandlerStop

    application.add_handler(TypeHandler(Update, remember), group=REMEMBER_GROUP)
    application.add_handler(
        MessageHandler(NEW_MESSAGE & (PRIVATE | filters.ChatType.GROUPS) & RELAYABLE, relay),
        group=RELAY_GROUP,
    )

    async def write(update: Update, context: Context) -> None:
        sender = await staff_sender(update, context, services, "ecrire")
        message = update.effective_message
        if sender is None or message is None:
            return
        person, member = sender
        args = (message.text or "").partition(" ")[2]
        await perform(context.bot, person.chat_id, await messaging.write(member, args))
        kick(context)

    async def close(update: Update, context: Context) -> None:
        sender = await staff_sender(update, context, services, "clore")
        if sender is None:
            return
        person, member = sender
        response = await messaging.close(member, " ".join(context.args or ()))
        await perform(context.bot, person.chat_id, response)
        await messaging.tidy_topics()
        kick(context)

    async def close_in_group(update: Update, context: Context) -> None:
        message, chat, person = update.effective_message, update.effective_chat, person_of(update)
        if message is None or chat is None or person is None:
            return
        member = services.settings.staff.get(person.user_id)
        if member is None:
            return  # not staff: nothing, as for any command in a group
        topic = message.message_thread_id if message.is_topic_message else None
        args = " ".join(context.args or ())
        response = await messaging.close_in_group(member, chat.id, topic, args)
        response.thread_id = topic
        await perform(context.bot, chat.id, response)  # before its topic closes
        await messaging.tidy_topics()
        kick(context)

    application.add_handler(CommandHandler(("ecrire", "write"), write, PRIVATE & NEW_MESSAGE))
    application.add_handler(CommandHandler(("clore", "close"), close, PRIVATE & NEW_MESSAGE))
    application.add_handler(
        CommandHandler(("clore", "close"), close_in_group, filters.ChatType.GROUPS & NEW_MESSAGE)
    )

    async def pressed(update: Update, context: Context) -> None:
        query, chat, person = update.callback_query, update.effective_chat, person_of(update)
        if query is None or chat is None or person is None:
            return
        member = services.settings.staff.get(person.user_id)
        if member is None:  # not staff: what any unknown button gets (in a group: nothing)
            if chat.type != "private":
                await query.answer()
                return
            response = await services.screening.button(person, query.data or "")
            await perform(context.bot, person.chat_id, response, query)
            return
        response = await messaging.close_pressed(member, query.data or "")
        pressed_in = query.message
        if isinstance(pressed_in, Message) and pressed_in.is_topic_message:
            response.thread_id = pressed_in.message_thread_id  # the answer in that topic
        await perform(context.bot, chat.id, response, query)
        await messaging.tidy_topics()
        kick(context)

    application.add_handler(CallbackQueryHandler(pressed, pattern=MESSAGES.pattern))
