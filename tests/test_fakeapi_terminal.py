"""The terminal chat client, driven by a list of lines against a tiny real PTB application."""

from __future__ import annotations

import io
import sys
from collections.abc import AsyncIterator, Iterable
from typing import Any

import pytest
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, ReplyKeyboardMarkup, Update
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from bot.fakeapi import FakeTelegram, SentDocument, SentMessage, chat_in_terminal
from bot.fakeapi.terminal import lines_from_stdin, render_message

SITES = InlineKeyboardMarkup(
    [
        [
            InlineKeyboardButton("Gonesse", callback_data="site:Gonesse"),
            InlineKeyboardButton("Marcq-en-Barœul", callback_data="site:Marcq-en-Barœul"),
        ],
        [InlineKeyboardButton("Aide", callback_data="help")],
    ]
)


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.message is not None
    await update.message.reply_html("Bonjour <b>Léa</b> &amp; co !\nChoisis ton site :")
    await update.message.reply_text("Sites :", reply_markup=SITES)


async def choose(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    assert query is not None and query.data is not None
    if query.data == "help":
        await query.answer("Écris-moi simplement.", show_alert=True)
        return
    await query.answer()
    await query.edit_message_text(f"Site choisi : {query.data.split(':', 1)[1]}")


async def text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message = update.message
    assert message is not None and message.text is not None
    if message.text == "doc":
        await message.reply_document(b'{"ok": true}', filename="export.json")
    elif message.text == "oui/non":
        await message.reply_text("Alors ?", reply_markup=ReplyKeyboardMarkup([["Oui", "Non"]]))
    else:
        await message.reply_text(f"echo: {message.text}")


@pytest.fixture
async def tg() -> AsyncIterator[FakeTelegram]:
    async with FakeTelegram() as server:
        yield server


@pytest.fixture
async def app(tg: FakeTelegram) -> AsyncIterator[Application[Any, Any, Any, Any, Any, Any]]:
    application: Application[Any, Any, Any, Any, Any, Any] = (
        ApplicationBuilder().token(tg.token).base_url(tg.base_url).build()
    )
    application.add_handler(CommandHandler("start", start))
    application.add_handler(CallbackQueryHandler(choose))
    application.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, text))
    async with application:
        await application.start()
        assert application.updater is not None
        await application.updater.start_polling(poll_interval=0, timeout=1)
        try:
            yield application
        finally:
            await application.updater.stop()
            await application.stop()


async def feed(lines: Iterable[str]) -> AsyncIterator[str]:
    for line in lines:
        yield line


async def test_conversation_from_lines(
    tg: FakeTelegram, app: Application[Any, Any, Any, Any, Any, Any]
) -> None:
    user = tg.new_user()
    out = io.StringIO()
    script = ["/start", "3", "", "9", "1", "salut", "doc", "oui/non", "2", "/quit", "jamais lu"]
    await chat_in_terminal(tg, user, feed(script), out, reply_timeout=3, settle=0.1)
    shown = out.getvalue()

    assert "FabNum: Bonjour Léa & co !\n        Choisis ton site :" in shown
    assert "  [1] Gonesse   [2] Marcq-en-Barœul\n  [3] Aide" in shown
    assert "FabNum: (modifié) Site choisi : Gonesse" in shown
    assert "echo: 9" in shown  # no button 9: the number is sent as text
    assert "(alerte: Écris-moi simplement.)" in shown
    assert "FabNum: echo: salut" in shown
    assert "[document: export.json, 12 octets]" in shown
    assert "  [1] Oui   [2] Non" in shown
    assert "FabNum: echo: Non" in shown  # reply keyboard buttons send their text
    assert "jamais lu" not in shown
    assert "> " not in shown.replace("vous: ", "")  # no prompt when input is not a tty
    # the order of the conversation is deterministic
    order = [
        "vous: /start",
        "Sites :",
        "vous: 3",
        "(alerte",
        "vous: 9",
        "echo: 9",
        "vous: 1",
        "(modifié)",
        "vous: salut",
        "echo: salut",
    ]
    positions = [shown.index(piece) for piece in order]
    assert positions == sorted(positions)
    assert [m["text"] for m in tg.user_messages(user.chat_id)] == [
        "/start",
        "9",
        "salut",
        "doc",
        "oui/non",
        "Non",
    ]


async def test_no_reply_and_end_of_input(tg: FakeTelegram) -> None:
    user = tg.new_user()
    out = io.StringIO()
    await chat_in_terminal(tg, user, feed(["allô ?"]), out, reply_timeout=0.2, settle=0.05)
    assert "vous: allô ?" in out.getvalue()
    assert "(pas de réponse du bot après 0.2 s)" in out.getvalue()
    assert tg.user_messages(user.chat_id)[0]["text"] == "allô ?"


def test_render_message() -> None:
    message = SentMessage(
        message_id=1,
        chat_id=1,
        text="",
        plain_text="Ton export",
        document=SentDocument("data.json", b"x" * 1234, "application/json"),
        reply_markup={"inline_keyboard": [[{"text": "OK", "callback_data": "ok"}]]},
    )
    assert render_message(message, name="Bot") == (
        "Bot: [document: data.json, 1234 octets]\n     Ton export\n  [1] OK"
    )
    assert render_message(message, edited=True, name="B").startswith("B: (modifié) [document")


async def test_lines_from_stdin(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO("un\ndeux\r\n\ntrois"))
    assert [line async for line in lines_from_stdin()] == ["un", "deux", "", "trois"]
