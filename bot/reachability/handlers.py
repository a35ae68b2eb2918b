"""The thin Telegram handler of reachability: a person blocks or unblocks the bot."""

from __future__ import annotations

from telegram import Update
from telegram.ext import Application, ChatMemberHandler, ContextTypes

from bot.reachability import store
from bot.services import Services

Context = ContextTypes.DEFAULT_TYPE


def register(application: Application, services: Services) -> None:  # type: ignore[type-arg]
    async def member(update: Update, context: Context) -> None:
        change = update.my_chat_member
        if change is None or change.chat.type != "private":
            return
        status = change.new_chat_member.status
        now = services.clock.now()
        if status in ("kicked", "left"):
            await store.mark_unreachable(
                services.db, chat_id=change.chat.id, now=now, cause="blocked"
            )
        elif status == "member":
            await store.mark_reachable(services.db, chat_id=change.chat.id, now=now)

    application.add_handler(ChatMemberHandler(member, ChatMemberHandler.MY_CHAT_MEMBER))
