"""Thin Telegram handlers for staff: check the sender is staff, call the use case, perform its
response (bot/telegram/io.py: the staff member's messages and files, then the pictures, then the
messages to candidates).

Anyone not in FABNUM_STAFF_IDS gets exactly what an unknown command (or an unknown button) gets
from the candidate side (bot/telegram/gate.py), so the staff commands cannot even be discovered.
Refusals are logged with the command name only, never who sent it.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence

from telegram import Update
from telegram.ext import Application, CallbackQueryHandler, ContextTypes

from bot.config import StaffMember
from bot.kernel.actions import Response
from bot.pipeline import buttons
from bot.pipeline.service import Pipeline
from bot.services import Services
from bot.telegram.gate import private_press, register_staff_commands
from bot.telegram.io import perform

log = logging.getLogger(__name__)
Context = ContextTypes.DEFAULT_TYPE
Run = Callable[[Pipeline, StaffMember, Sequence[str]], Awaitable[Response]]

# French command, English alias (Telegram commands: lowercase letters, digits, underscores).
COMMANDS: dict[str, tuple[tuple[str, ...], Run]] = {
    "staff": (("staff",), lambda s, m, a: s.report.help(m)),
    "guide": (("guide",), lambda s, m, a: s.guide.send(m)),
    "pipeline": (("pipeline",), lambda s, m, a: s.report.pipeline(m, a)),
    "review": (("revue", "review"), lambda s, m, a: s.review.queue(m)),
    "candidate": (("candidat", "candidate"), lambda s, m, a: s.cards.find(m, " ".join(a))),
    "move": (("etape", "stage"), lambda s, m, a: s.moves.command(m, a)),
    "note": (("note",), lambda s, m, a: s.cards.note(m, a)),
    "cohorts": (("cohortes", "cohorts"), lambda s, m, a: s.cohorts.command(m)),
    "new_cohort": (("nouvelle_cohorte", "new_cohort"), lambda s, m, a: s.cohorts.create(m, a)),
    "shortlist": (("shortlist",), lambda s, m, a: s.shortlist.command(m, a)),
    "export": (("export",), lambda s, m, a: s.exports.command(m, a)),
    "digest": (("digest",), lambda s, m, a: s.digest.command(m)),
}


def register(application: Application, services: Services) -> None:  # type: ignore[type-arg]
    staff = services.staff

    register_staff_commands(application, services, staff, COMMANDS)

    async def on_button(update: Update, context: Context) -> None:
        pressed = await private_press(update)
        if pressed is None:
            return
        query, person = pressed
        member = services.settings.staff.get(person.user_id)
        if member is None:
            # Exactly what any unknown button gets on the candidate side.
            log.info("staff button refused: not staff")
            response = await services.screening.button(person, query.data or "")
        else:
            response = await staff.button(member, query.data or "")
        await perform(context.bot, person.chat_id, response, query)

    application.add_handler(CallbackQueryHandler(on_button, pattern=buttons.PATTERN))
