"""Thin Telegram handlers for the alumni follow-up (issue 5).

Alumni press "fu:" buttons; staff use /sortie (/exit), /sorties (/outcomes) and /appels (/calls),
and the "fu:p:" buttons under /appels (or /reponse, /answer) to note an answer taken by phone.
Anyone not in FABNUM_STAFF_IDS gets exactly what an unknown command or button gets from the
candidate side (bot/telegram/gate.py).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence

from telegram import Update
from telegram.ext import Application, CallbackQueryHandler, ContextTypes

from bot.alumni import buttons
from bot.alumni.buttons import CallAnswer, SurveyAnswer
from bot.alumni.service import Alumni
from bot.config import StaffMember
from bot.kernel.actions import Response
from bot.services import Services
from bot.telegram.gate import private_press, register_staff_commands
from bot.telegram.io import perform

log = logging.getLogger(__name__)

Context = ContextTypes.DEFAULT_TYPE
Run = Callable[[Alumni, StaffMember, Sequence[str]], Awaitable[Response]]

COMMANDS: dict[str, tuple[tuple[str, ...], Run]] = {
    "exit": (("sortie", "exit"), lambda s, m, a: s.exits.command(m, a)),
    "outcomes": (("sorties", "outcomes"), lambda s, m, a: s.outcomes.command(m, a)),
    "calls": (("appels", "calls"), lambda s, m, a: s.calls.calls_command(m)),
    "answer": (("reponse", "answer"), lambda s, m, a: s.calls.answer_command(m, a)),
}


def register(application: Application, services: Services) -> None:  # type: ignore[type-arg]
    alumni = services.alumni

    register_staff_commands(application, services, alumni, COMMANDS)

    async def on_button(update: Update, context: Context) -> None:
        pressed = await private_press(update)
        if pressed is None:
            return
        query, person = pressed
        data = query.data or ""
        button = buttons.decode(data)
        response: Response | None = None
        if buttons.is_call(data):  # staff noting a phone answer
            member = services.settings.staff.get(person.user_id)
            if member is None:
                log.info("phone answer button refused: not staff")
            else:
                call = button if isinstance(button, CallAnswer) else None
                response = await alumni.calls.call_button(member, call)
        elif isinstance(button, SurveyAnswer):
            response = await alumni.surveys.button(person.user_id, button)
        if response is None:  # not a survey of this person: what any unknown button gets
            response = await services.screening.button(person, data)
        await perform(context.bot, person.chat_id, response, query)

    application.add_handler(CallbackQueryHandler(on_button, pattern=buttons.PATTERN))
