"""The fake Bot API: a user's reply to a bot message (private and group) arrives with the
message it answers, as Telegram nests it; a photo a user sent is re-sent elsewhere by file_id."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup

from bot.fakeapi import FakeTelegram

CLOSE = InlineKeyboardMarkup([[InlineKeyboardButton("🔒 Clore", callback_data="msg:close:1")]])


@pytest.fixture
async def tg() -> AsyncIterator[FakeTelegram]:
    async with FakeTelegram() as server:
        yield server


@pytest.fixture
async def bot(tg: FakeTelegram) -> AsyncIterator[Bot]:
    async with Bot(tg.token, base_url=tg.base_url, base_file_url=tg.base_file_url) as b:
        yield b


async def test_a_reply_carries_the_message_it_answers(tg: FakeTelegram, bot: Bot) -> None:
    nadia = tg.new_user("Nadia")
    tg.send_group_text(nadia, -100555, "bonjour")
    relayed = await bot.send_message(-100555, "<b>Demande</b> n° 1", "HTML", reply_markup=CLOSE)
    tg.send_group_text(nadia, -100555, "Je m'en occupe", reply_to=relayed.message_id)
    tg.send_text(nadia, "salut")
    private = await bot.send_message(nadia.id, "Message n° 2")
    tg.send_text(nadia, "Réponse", reply_to=private.message_id)
    updates = await bot.get_updates()
    replies = [u.message for u in updates if u.message and u.message.reply_to_message]
    assert [(m.chat.id, m.text) for m in replies] == [
        (-100555, "Je m'en occupe"),
        (nadia.id, "Réponse"),
    ]
    group_reply = replies[0].reply_to_message
    assert group_reply is not None and group_reply.message_id == relayed.message_id
    assert group_reply.text == "Demande n° 1" and group_reply.reply_markup == CLOSE
    assert group_reply.from_user is not None and group_reply.from_user.id == tg.bot_id
    with pytest.raises(ValueError, match="no message 999"):
        tg.send_text(nadia, "?", reply_to=999)


async def test_a_users_photo_is_resent_by_file_id(tg: FakeTelegram, bot: Bot) -> None:
    lea, sam = tg.new_user("Léa"), tg.new_user("Sam")
    tg.send_photo(lea, b"\xff\xd8\xff the picture", caption="mon CV")
    tg.send_text(sam, "salut")
    updates = await bot.get_updates()
    photo = next(u.message for u in updates if u.message and u.message.photo)
    sent = await bot.send_photo(
        sam.id, photo.photo[-1].file_id, caption="<i>relayé</i>", parse_mode="HTML"
    )
    assert sent.photo and sent.caption == "relayé"
    last = tg.last_message(sam.id)
    assert last is not None and last.photo == b"\xff\xd8\xff the picture"
