"""A bare PTB echo bot, the baseline of bench/screening.py: `echo_bot.py TOKEN BASE_URL`."""

from __future__ import annotations

import sys
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import ApplicationBuilder, CallbackQueryHandler, MessageHandler, filters

KEYBOARD = InlineKeyboardMarkup([[InlineKeyboardButton("again", callback_data="x")]])


async def echo_text(update: Update, context: Any) -> None:
    assert update.effective_message is not None
    await update.effective_message.reply_text(
        update.effective_message.text or "?", reply_markup=KEYBOARD
    )


async def echo_button(update: Update, context: Any) -> None:
    query = update.callback_query
    assert query is not None and update.effective_chat is not None
    await query.answer()
    await context.bot.send_message(
        update.effective_chat.id, query.data or "?", reply_markup=KEYBOARD
    )


def main() -> None:
    token, base_url = sys.argv[1], sys.argv[2]
    application = (
        ApplicationBuilder().token(token).base_url(base_url).concurrent_updates(True).build()
    )
    application.add_handler(MessageHandler(filters.ALL, echo_text))
    application.add_handler(CallbackQueryHandler(echo_button))
    application.run_polling(allowed_updates=Update.ALL_TYPES)


if __name__ == "__main__":
    main()
