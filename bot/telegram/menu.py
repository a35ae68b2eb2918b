"""The command menus Telegram shows: one per language for every private chat, and in each staff
member's own chat the staff commands too (descriptions are labels.j2's `menu.*`)."""

from __future__ import annotations

import logging

from telegram import Bot, BotCommand, BotCommandScopeAllPrivateChats, BotCommandScopeChat
from telegram.error import TelegramError

from bot.config import Settings
from bot.kernel.rendering import Renderer

log = logging.getLogger(__name__)

# Commands in Telegram's menu, per language: (command, key of its description in labels.j2).
MENU: dict[str, list[tuple[str, str]]] = {
    "fr": [
        ("start", "menu.start"),
        ("statut", "menu.status"),
        ("aide", "menu.help"),
        ("annuler", "menu.pause"),
        ("recommencer", "menu.restart"),
        ("humain", "menu.human"),
        ("mes_donnees", "menu.my_data"),
        ("supprimer", "menu.delete"),
        ("langue", "menu.language"),
        ("reunion", "menu.session"),
        ("stop", "menu.stop"),
    ],
    "en": [
        ("start", "menu.start"),
        ("status", "menu.status"),
        ("help", "menu.help"),
        ("cancel", "menu.pause"),
        ("restart", "menu.restart"),
        ("human", "menu.human"),
        ("my_data", "menu.my_data"),
        ("delete", "menu.delete"),
        ("language", "menu.language"),
        ("reunion", "menu.session"),
        ("stop", "menu.stop"),
    ],
}
# Added in each staff member's own chat (the French command names work in both languages).
STAFF_MENU: list[tuple[str, str]] = [
    ("staff", "menu.staff"),
    ("guide", "menu.guide"),
    ("pipeline", "menu.pipeline"),
    ("revue", "menu.review"),
    ("candidat", "menu.candidate"),
    ("sessions", "menu.sessions"),
    ("entretien", "menu.interview"),
    ("cohortes", "menu.cohorts"),
    ("shortlist", "menu.shortlist"),
    ("sorties", "menu.outcomes"),
    ("appels", "menu.calls"),
    ("export", "menu.export"),
    ("ecrire", "menu.write"),
    ("clore", "menu.close"),
    ("message", "menu.decision_message"),
]


async def set_commands(bot: Bot, renderer: Renderer, settings: Settings) -> None:
    """The command menus: every private chat's, per language; staff members' own chats get the
    staff commands too."""

    def menu(language: str, commands: list[tuple[str, str]]) -> list[BotCommand]:
        return [BotCommand(c, renderer.label(language, key)) for c, key in commands]

    scope = BotCommandScopeAllPrivateChats()
    for language, commands in MENU.items():
        await bot.set_my_commands(
            menu(language, commands),
            scope=scope,
            language_code=None if language == "fr" else language,
        )
    language = settings.language if settings.language in MENU else "fr"
    staff_menu = menu(language, MENU[language] + STAFF_MENU)
    for user_id in settings.staff:
        try:  # a chat scope needs a chat: a staff member who never wrote to the bot has none
            await bot.set_my_commands(staff_menu, scope=BotCommandScopeChat(user_id))
        except TelegramError as exc:
            log.info("staff menu not set for one staff member: %s", type(exc).__name__)
