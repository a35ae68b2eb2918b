"""Thin Telegram handlers for staff: check the sender is staff, call the service, act on its reply.

Anyone not in FABNUM_STAFF_IDS gets exactly what an unknown command (or an unknown button) gets
from the candidate side, so the staff commands cannot even be discovered. Refusals are logged
with the command name only, never who sent it.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Coroutine, Sequence
from typing import Any

from telegram import InputFile, Update
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, ContextTypes, filters

from bot.config import StaffMember
from bot.pipeline.service import StaffReply, StaffService
from bot.services import Services
from bot.telegram.gate import private_press, staff_sender
from bot.telegram.io import perform

log = logging.getLogger(__name__)
Context = ContextTypes.DEFAULT_TYPE
Handler = Callable[[Update, Context], Coroutine[Any, Any, None]]
Run = Callable[[StaffService, StaffMember, Sequence[str]], Awaitable[StaffReply]]
PRIVATE = filters.ChatType.PRIVATE
NEW_MESSAGE = filters.UpdateType.MESSAGE

# French command, English alias (Telegram commands: lowercase letters, digits, underscores).
COMMANDS: dict[str, tuple[tuple[str, ...], Run]] = {
    "staff": (("staff",), lambda s, m, a: s.help(m)),
    "pipeline": (("pipeline",), lambda s, m, a: s.pipeline_report(m, a)),
    "review": (("revue", "review"), lambda s, m, a: s.review_queue(m)),
    "candidate": (("candidat", "candidate"), lambda s, m, a: s.find(m, " ".join(a))),
    "move": (("etape", "stage"), lambda s, m, a: s.move_command(m, a)),
    "note": (("note",), lambda s, m, a: s.note(m, a)),
    "cohorts": (("cohortes", "cohorts"), lambda s, m, a: s.cohorts(m)),
    "new_cohort": (("nouvelle_cohorte", "new_cohort"), lambda s, m, a: s.new_cohort(m, a)),
    "shortlist": (("shortlist",), lambda s, m, a: s.shortlist(m, a)),
    "export": (("export",), lambda s, m, a: s.export(m, a)),
    "digest": (("digest",), lambda s, m, a: s.digest(m)),
}


async def send_reply(context: Context, chat_id: int, reply: StaffReply, query: Any = None) -> None:
    """The staff member's messages, then photos, then the messages to candidates."""
    await perform(context.bot, chat_id, reply.response, query)
    for png, caption in reply.photos:
        await context.bot.send_photo(
            chat_id,
            photo=InputFile(png, filename="fabnum-pipeline.png"),
            caption=caption or None,
            parse_mode=ParseMode.HTML,
        )
    for candidate_chat, response in reply.notify:
        try:
            await perform(context.bot, candidate_chat, response)
        except (Forbidden, BadRequest) as exc:
            # Blocked the bot or deleted the account: staff see the review done anyway.
            log.warning("candidate notification not delivered: %s", type(exc).__name__)


def register(application: Application, services: Services) -> None:  # type: ignore[type-arg]
    staff = services.staff

    def command(name: str, run: Run) -> Handler:
        async def handler(update: Update, context: Context) -> None:
            sender = await staff_sender(update, context, services, name)
            if sender is None:
                return
            person, member = sender
            staff.bot_username = staff.bot_username or context.bot.username
            reply = await run(staff, member, tuple(context.args or ()))
            await send_reply(context, person.chat_id, reply)

        return handler

    for name, (names, run) in COMMANDS.items():
        application.add_handler(
            CommandHandler(names, command(name, run), filters=PRIVATE & NEW_MESSAGE)
        )

    async def on_button(update: Update, context: Context) -> None:
        pressed = await private_press(update)
        if pressed is None:
            return
        query, person = pressed
        member = staff.member(person.user_id)
        if member is None:
            # Exactly what any unknown button gets on the candidate side.
            log.info("staff button refused: not staff")
            response = await services.screening.button(person, query.data or "")
            await perform(context.bot, person.chat_id, response, query)
            return
        reply = await staff.button(member, query.data or "")
        await send_reply(context, person.chat_id, reply, query)

    application.add_handler(CallbackQueryHandler(on_button, pattern=r"^st:"))
