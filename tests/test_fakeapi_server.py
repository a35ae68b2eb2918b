"""The fake Telegram server, driven over HTTP by python-telegram-bot's real Bot/Application."""

from __future__ import annotations

import asyncio
import datetime as dt
import time
import warnings
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from telegram import (
    Bot,
    BotCommand,
    BotCommandScopeAllPrivateChats,
    BotCommandScopeChat,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    MenuButtonCommands,
    Message,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
    Update,
)
from telegram.error import (
    BadRequest,
    Conflict,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TelegramError,
)
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from bot.fakeapi import (
    FakeTelegram,
    HtmlParseError,
    InlineButton,
    RateLimits,
    check_telegram_html,
    html_to_plain,
    parse_telegram_html,
)

# RetryAfter's own constructor reads its deprecated int-valued attribute.
pytestmark = pytest.mark.filterwarnings(
    "ignore:Deprecated since version v22.2.*retry_after:telegram.warnings.PTBDeprecationWarning"
)

SITES = InlineKeyboardMarkup(
    [
        [
            InlineKeyboardButton("Gonesse", callback_data="site:gonesse"),
            InlineKeyboardButton("Marcq-en-Barœul", callback_data="site:marcq"),
        ],
        [InlineKeyboardButton("Le site web", url="https://example.org/fabnum")],
    ]
)


@pytest.fixture
async def tg() -> AsyncIterator[FakeTelegram]:
    async with FakeTelegram() as server:
        yield server


@pytest.fixture
async def bot(tg: FakeTelegram) -> AsyncIterator[Bot]:
    async with Bot(tg.token, base_url=tg.base_url, base_file_url=tg.base_file_url) as b:
        yield b


def seconds(value: Any) -> float:
    return value.total_seconds() if isinstance(value, dt.timedelta) else float(value)


def retry_after_of(exc: RetryAfter) -> float:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return seconds(exc.retry_after)


# -- basics -----------------------------------------------------------------------------------


async def test_get_me_and_urls(tg: FakeTelegram, bot: Bot) -> None:
    assert tg.base_url.startswith("http://127.0.0.1:") and tg.base_url.endswith("/bot")
    assert tg.base_file_url == tg.base_url.replace("/bot", "/file/bot")
    assert tg.bot_id == 123456
    me = await bot.get_me()
    assert me.id == tg.bot_id
    assert me.is_bot and me.username == "fabnum_test_bot" and me.first_name == "FabNum"
    assert me.can_join_groups is True
    assert me.can_read_all_group_messages is False
    assert me.supports_inline_queries is False
    assert tg.requests[0].method == "getMe" and tg.requests[0].status == 200
    assert tg.stats.requests["getMe"] == 2  # Bot.initialize() called it first


async def test_raw_http_token_method_and_param_encodings(tg: FakeTelegram) -> None:
    user = tg.new_user()
    tg.send_text(user, "salut")
    async with aiohttp.ClientSession() as http:
        async with http.get(f"{tg.base_url}999:wrong/getMe") as resp:
            assert resp.status == 401
            assert await resp.json() == {
                "ok": False,
                "error_code": 401,
                "description": "Unauthorized",
            }
        async with http.post(f"{tg.base_url}{tg.token}/sendTelepathy") as resp:
            assert resp.status == 404
            assert (await resp.json())["description"] == "Not Found"
        async with http.get(f"{tg.base_url}{tg.token}/GETME") as resp:
            assert (await resp.json())["result"]["username"] == "fabnum_test_bot"
        # JSON body with a real object as reply_markup
        payload = {
            "chat_id": user.chat_id,
            "text": "json",
            "reply_markup": {"inline_keyboard": [[{"text": "A", "callback_data": "a"}]]},
        }
        async with http.post(f"{tg.base_url}{tg.token}/sendMessage", json=payload) as resp:
            body = await resp.json()
            assert body["ok"] is True
            assert body["result"]["reply_markup"]["inline_keyboard"][0][0]["text"] == "A"
            assert isinstance(body["result"]["date"], int)
            assert body["result"]["chat"] == {
                "id": user.id,
                "type": "private",
                "first_name": "Léa",
            }
        # query string, text that looks like a number stays a string
        params = {"chat_id": str(user.chat_id), "text": "42"}
        async with http.get(f"{tg.base_url}{tg.token}/sendMessage", params=params) as resp:
            assert (await resp.json())["result"]["text"] == "42"
    assert [m.text for m in tg.messages(user.chat_id)] == ["json", "42"]
    assert tg.requests[-1].params == {"chat_id": user.chat_id, "text": "42"}


async def test_send_message_with_inline_keyboard(tg: FakeTelegram, bot: Bot) -> None:
    user = tg.new_user("Léa", username="lea_b")
    tg.send_text(user, "bonjour")
    msg = await bot.send_message(
        user.chat_id, "<b>Choisis</b> ton site :", parse_mode="HTML", reply_markup=SITES
    )
    assert isinstance(msg, Message)
    assert msg.text == "Choisis ton site :"
    assert msg.entities[0].type == "bold" and msg.entities[0].length == len("Choisis")
    assert msg.text_html == "<b>Choisis</b> ton site :"
    assert msg.from_user is not None and msg.from_user.id == tg.bot_id
    assert msg.reply_markup == SITES
    sent = tg.last_message(user.chat_id)
    assert sent is not None
    assert sent.message_id == msg.message_id == 2  # the user's message was #1
    assert sent.text == "<b>Choisis</b> ton site :"
    assert sent.plain_text == "Choisis ton site :"
    assert sent.parse_mode == "HTML"
    assert sent.buttons == [
        [InlineButton("Gonesse", "site:gonesse"), InlineButton("Marcq-en-Barœul", "site:marcq")],
        [InlineButton("Le site web", None, "https://example.org/fabnum")],
    ]
    assert sent.edit_count == 0 and not sent.deleted
    assert tg.stats.messages_delivered == 1


async def test_reply_keyboards(tg: FakeTelegram, bot: Bot) -> None:
    user = tg.new_user()
    tg.send_text(user, "hello")
    kb = ReplyKeyboardMarkup([[KeyboardButton("Oui"), "Non"]], one_time_keyboard=True)
    msg = await bot.send_message(user.chat_id, "Tu confirmes ?", reply_markup=kb)
    assert msg.reply_markup is None  # Telegram only echoes inline keyboards
    assert tg.messages(user.chat_id)[0].keyboard == [["Oui", "Non"]]
    await bot.send_message(user.chat_id, "Merci", reply_markup=ReplyKeyboardRemove())
    last = tg.last_message(user.chat_id)
    assert last is not None and last.reply_markup == {"remove_keyboard": True}


async def test_unreachable_chats(tg: FakeTelegram, bot: Bot) -> None:
    stranger = tg.new_user("Tom")
    with pytest.raises(BadRequest, match=r"(?i)chat not found"):
        await bot.send_message(stranger.chat_id, "coucou")
    with pytest.raises(BadRequest, match=r"(?i)chat not found"):
        await bot.send_message(-100123, "coucou")
    seen_in_group = tg.new_user("Zoé")
    tg.send_group_text(seen_in_group, -100777, "salut le groupe")
    with pytest.raises(Forbidden, match="can't initiate conversation"):
        await bot.send_message(seen_in_group.chat_id, "coucou")
    group_msg = await bot.send_message(-100777, "Bonjour le groupe")
    assert group_msg.chat.type == "supergroup"

    user = tg.new_user()
    tg.send_text(user, "hello")
    tg.block_bot(user)
    with pytest.raises(Forbidden, match="bot was blocked by the user"):
        await bot.send_message(user.chat_id, "coucou")
    tg.unblock_bot(user)
    await bot.send_message(user.chat_id, "re")
    tg.deactivate_user(user)
    with pytest.raises(Forbidden, match="user is deactivated"):
        await bot.send_message(user.chat_id, "coucou")

    updates = await bot.get_updates()
    kinds = [u.my_chat_member.new_chat_member.status for u in updates if u.my_chat_member]
    assert kinds == ["kicked", "member"]


async def test_leave_chat(tg: FakeTelegram, bot: Bot) -> None:
    user = tg.new_user("Zoé")
    tg.send_group_text(user, -100777, "salut le groupe")
    tg.send_group_text(user, -42, "salut", group_type="group")
    await bot.send_message(-100777, "Bonjour le groupe")
    assert not tg.left_group(-100777)

    assert await bot.leave_chat(-100777) is True
    assert tg.left_group(-100777)
    with pytest.raises(Forbidden, match="bot is not a member of the supergroup chat"):
        await bot.send_message(-100777, "encore là ?")
    with pytest.raises(Forbidden, match="bot is not a member of the supergroup chat"):
        await bot.leave_chat(-100777)
    assert await bot.leave_chat(-42) is True
    with pytest.raises(Forbidden, match="bot is not a member of the group chat"):
        await bot.send_message(-42, "encore là ?")
    with pytest.raises(ValueError, match="add_bot_to_group"):
        tg.send_group_text(user, -42, "tu es parti ?", group_type="group")
    tg.send_text(user, "hello")
    with pytest.raises(BadRequest, match="can't be changed in private chats"):
        await bot.leave_chat(user.chat_id)
    with pytest.raises(BadRequest, match=r"(?i)chat not found"):
        await bot.leave_chat(-100999)
    assert len(tg.messages(-100777)) == 1  # nothing was delivered after the leave

    # The bot's own departures come back as my_chat_member updates (member -> left); a user
    # adding it back sends left -> member, and the group works again.
    tg.add_bot_to_group(user, -42, group_type="group")
    assert not tg.left_group(-42)
    tg.send_group_text(user, -42, "re", group_type="group")
    await bot.send_message(-42, "Re-bonjour")
    updates = await bot.get_updates()
    changes = [
        (
            u.my_chat_member.chat.id,
            u.my_chat_member.from_user.id,
            u.my_chat_member.new_chat_member.status,
        )
        for u in updates
        if u.my_chat_member is not None
    ]
    assert changes == [
        (-100777, tg.bot_id, "left"),
        (-42, tg.bot_id, "left"),
        (-42, user.id, "member"),
    ]
    assert [u.message.text for u in updates if u.message is not None][-1] == "re"


# -- getUpdates -----------------------------------------------------------------------------


async def test_get_updates_offset_limit_and_long_polling(tg: FakeTelegram, bot: Bot) -> None:
    assert await bot.get_updates(timeout=0) == ()
    user = tg.new_user()

    started = time.monotonic()
    polls = tg.stats.requests["getUpdates"]
    poll = asyncio.create_task(bot.get_updates(timeout=5))
    await tg.wait_until(lambda: tg.stats.requests["getUpdates"] > polls)  # the server holds it
    assert not poll.done()
    update_id = tg.send_text(user, "réveille-toi")
    updates = await asyncio.wait_for(poll, 2)
    assert time.monotonic() - started < 1.5
    assert [u.update_id for u in updates] == [update_id]
    assert updates[0].message is not None and updates[0].message.text == "réveille-toi"
    assert updates[0].message.from_user is not None
    assert updates[0].message.from_user.language_code == "fr"

    # nothing confirmed yet: the same update comes back
    assert [u.update_id for u in await bot.get_updates()] == [update_id]

    ids = [tg.send_text(user, f"m{i}") for i in range(3)]
    assert [u.update_id for u in await bot.get_updates(limit=2)] == [update_id, ids[0]]
    remaining = await bot.get_updates(offset=ids[0] + 1)
    assert [u.update_id for u in remaining] == ids[1:]
    assert [u["update_id"] for u in tg.pending_updates] == ids[1:]
    assert await bot.get_updates(offset=ids[-1] + 1) == ()
    assert tg.pending_updates == []

    # a timeout with nothing to deliver really waits
    started = time.monotonic()
    assert await bot.get_updates(timeout=1) == ()
    assert time.monotonic() - started >= 0.9

    # negative offset keeps only the last updates
    ids = [tg.send_text(user, f"n{i}") for i in range(3)]
    assert [u.update_id for u in await bot.get_updates(offset=-1)] == ids[-1:]


async def test_get_updates_allowed_updates_and_conflicts(tg: FakeTelegram, bot: Bot) -> None:
    user = tg.new_user()
    tg.send_text(user, "texte")
    assert await bot.get_updates(allowed_updates=["callback_query"]) == ()
    assert len(await bot.get_updates(allowed_updates=[])) == 1

    # a second bot instance polling at the same time: the older long poll gets 409
    polls = tg.stats.requests["getUpdates"]
    first = asyncio.create_task(bot.get_updates(offset=100, timeout=5))
    await tg.wait_until(lambda: tg.stats.requests["getUpdates"] > polls)  # the first poll waits
    async with Bot(tg.token, base_url=tg.base_url) as second:
        assert await second.get_updates(timeout=0) == ()
    with pytest.raises(Conflict, match="terminated by other getUpdates"):
        await asyncio.wait_for(first, 2)

    assert await bot.set_webhook("https://example.org/hook")
    info = await bot.get_webhook_info()
    assert info.url == "https://example.org/hook"
    with pytest.raises(Conflict, match="webhook is active"):
        await bot.get_updates()
    assert tg.webhook_url == "https://example.org/hook"
    tg.send_text(user, "pendant le webhook")
    assert await bot.delete_webhook(drop_pending_updates=True)
    assert tg.pending_updates == []
    assert (await bot.get_webhook_info()).url == ""


async def test_user_side_updates_parse_in_ptb(tg: FakeTelegram, bot: Bot) -> None:
    user = tg.new_user("Léa", last_name="Martin", username="leam")
    tg.send_command(user, "start", "ref42")
    tg.send_command(user, "/aide")
    tg.send_sticker(user)
    tg.send_photo(user)
    tg.send_voice(user)
    tg.send_location(user)
    tg.send_document(user, "cv.pdf", b"%PDF-1.4 mon cv")
    tg.send_contact(user)
    first_id = tg.user_messages(user.chat_id)[0]["message_id"]
    tg.edit_text(user, first_id, "/start ref43")
    tg.send_group_text(user, -42, "dans le groupe", group_type="group")
    tg.send_channel_post(-1001, "annonce")
    updates = await bot.get_updates()
    assert len(updates) == 11
    msgs = [u.effective_message for u in updates]
    assert all(m is not None for m in msgs)
    start = updates[0].message
    assert start is not None and start.text == "/start ref42"
    assert start.entities[0].type == "bot_command" and start.entities[0].length == 6
    assert updates[1].message is not None and updates[1].message.text == "/aide"
    assert updates[2].message is not None and updates[2].message.sticker is not None
    assert updates[3].message is not None and len(updates[3].message.photo) == 2
    assert updates[4].message is not None and updates[4].message.voice is not None
    loc = updates[5].message.location if updates[5].message else None
    assert loc is not None and (loc.latitude, loc.longitude) == (48.99, 2.45)
    doc = updates[6].message.document if updates[6].message else None
    assert doc is not None and doc.file_name == "cv.pdf" and doc.mime_type == "application/pdf"
    contact = updates[7].message.contact if updates[7].message else None
    assert contact is not None and contact.user_id == user.id
    edited = updates[8].edited_message
    assert edited is not None and edited.text == "/start ref43" and edited.edit_date is not None
    assert edited.message_id == first_id
    group = updates[9].message
    assert group is not None and group.chat.type == "group" and group.chat.id == -42
    post = updates[10].channel_post
    assert post is not None and post.chat.type == "channel" and post.sender_chat is not None

    # the bot can download what the user sent
    assert doc is not None
    file = await bot.get_file(doc.file_id)
    assert bytes(await file.download_as_bytearray()) == b"%PDF-1.4 mon cv"


# -- callback queries ----------------------------------------------------------------------


async def test_press_button_and_answer_callback_query(tg: FakeTelegram, bot: Bot) -> None:
    user = tg.new_user()
    tg.send_text(user, "hello")
    await bot.get_updates(offset=-1)
    await bot.send_message(user.chat_id, "Choisis", reply_markup=SITES)
    sent = tg.last_message(user.chat_id)
    assert sent is not None

    query_id = tg.press_button(user, sent, text="Marcq")  # unique substring
    updates = await bot.get_updates(offset=(await bot.get_updates())[0].update_id)
    query = updates[-1].callback_query
    assert query is not None
    assert query.id == query_id
    assert query.data == "site:marcq"
    assert query.from_user.id == user.id
    assert query.chat_instance
    assert isinstance(query.message, Message)
    assert query.message.message_id == sent.message_id
    assert query.message.reply_markup == SITES

    assert await bot.answer_callback_query(query.id, text="Noté !", show_alert=True)
    answer = await tg.wait_for_callback_answer(query_id, timeout=1)
    assert answer["text"] == "Noté !" and answer["show_alert"] is True
    with pytest.raises(BadRequest, match=r"(?i)query is too old"):
        await bot.answer_callback_query(query.id)
    with pytest.raises(BadRequest, match=r"(?i)query id is invalid"):
        await bot.answer_callback_query("123")

    by_index = tg.press_button(user, sent.message_id, index=0)
    forged = tg.press_button(user, sent, data="admin:drop-all")
    updates = await bot.get_updates(offset=updates[-1].update_id + 1)
    cqs = [u.callback_query for u in updates if u.callback_query]
    assert [(q.id, q.data) for q in cqs] == [(by_index, "site:gonesse"), (forged, "admin:drop-all")]

    with pytest.raises(ValueError, match="no button"):
        tg.press_button(user, sent, text="Lille")
    with pytest.raises(ValueError, match="no callback_data"):
        tg.press_button(user, sent, text="Le site web")
    with pytest.raises(ValueError, match="out of range"):
        tg.press_button(user, sent, index=3)
    with pytest.raises(TypeError):
        tg.press_button(user, sent)
    with pytest.raises(AssertionError, match="not answered"):
        await tg.wait_for_callback_answer(by_index, timeout=0.05)


# -- edits and deletions -------------------------------------------------------------------


async def test_edit_and_delete(tg: FakeTelegram, bot: Bot) -> None:
    user = tg.new_user()
    tg.send_text(user, "hello")
    msg = await bot.send_message(user.chat_id, "Choisis", reply_markup=SITES)

    edited = await bot.edit_message_text(
        "Site : <b>Gonesse</b>",
        chat_id=user.chat_id,
        message_id=msg.message_id,
        parse_mode="HTML",
        reply_markup=SITES,
    )
    assert isinstance(edited, Message)
    assert edited.text == "Site : Gonesse" and edited.edit_date is not None
    state = tg.messages(user.chat_id)[0]
    assert state.text == "Site : <b>Gonesse</b>" and state.edit_count == 1 and state.buttons

    with pytest.raises(BadRequest, match=r"(?i)message is not modified"):
        await bot.edit_message_text(
            "Site : <b>Gonesse</b>",
            chat_id=user.chat_id,
            message_id=msg.message_id,
            parse_mode="HTML",
            reply_markup=SITES,
        )
    # editMessageText without reply_markup removes the inline keyboard, like Telegram
    await bot.edit_message_text(
        "Site : <b>Gonesse</b>", chat_id=user.chat_id, message_id=msg.message_id, parse_mode="HTML"
    )
    state = tg.messages(user.chat_id)[0]
    assert state.buttons == [] and state.edit_count == 2

    small = InlineKeyboardMarkup([[InlineKeyboardButton("Retour", callback_data="back")]])
    again = await bot.edit_message_reply_markup(
        chat_id=user.chat_id, message_id=msg.message_id, reply_markup=small
    )
    assert isinstance(again, Message) and again.reply_markup == small
    with pytest.raises(BadRequest, match=r"(?i)message is not modified"):
        await bot.edit_message_reply_markup(
            chat_id=user.chat_id, message_id=msg.message_id, reply_markup=small
        )
    assert tg.messages(user.chat_id)[0].buttons == [[InlineButton("Retour", "back")]]

    with pytest.raises(BadRequest, match=r"(?i)message to edit not found"):
        await bot.edit_message_text("x", chat_id=user.chat_id, message_id=999)
    with pytest.raises(BadRequest, match=r"(?i)message to edit not found"):
        await bot.edit_message_reply_markup(chat_id=user.chat_id, message_id=999)

    assert await bot.delete_message(user.chat_id, msg.message_id)
    assert tg.messages(user.chat_id)[0].deleted
    assert tg.last_message(user.chat_id) is None
    with pytest.raises(BadRequest, match=r"(?i)message to delete not found"):
        await bot.delete_message(user.chat_id, msg.message_id)
    with pytest.raises(BadRequest, match=r"(?i)message to edit not found"):
        await bot.edit_message_text("x", chat_id=user.chat_id, message_id=msg.message_id)
    assert tg.stats.messages_edited == 3 and tg.stats.messages_deleted == 1


# -- files ------------------------------------------------------------------------------------


async def test_send_document_and_photo(tg: FakeTelegram, bot: Bot) -> None:
    user = tg.new_user()
    tg.send_text(user, "hello")
    payload = b'{"candidats": 3}'
    msg = await bot.send_document(
        user.chat_id,
        document=payload,
        filename="export.json",
        caption="<i>Export</i> du jour",
        parse_mode="HTML",
    )
    assert msg.document is not None
    assert msg.document.file_name == "export.json"
    assert msg.document.file_size == len(payload)
    assert msg.caption == "Export du jour"
    sent = tg.last_message(user.chat_id)
    assert sent is not None and sent.document is not None
    assert sent.document.filename == "export.json"
    assert sent.document.content == payload
    assert sent.document.mime_type == "application/json"
    assert sent.caption == "<i>Export</i> du jour" and sent.plain_text == "Export du jour"
    assert tg.requests[-1].files["document"].content == payload

    again = await bot.send_document(user.chat_id, document=msg.document.file_id)
    assert again.document is not None and again.document.file_id == msg.document.file_id

    png = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + (64).to_bytes(4, "big") * 2 + b"rest"
    photo = await bot.send_photo(user.chat_id, photo=png, caption="Plan")
    assert photo.photo[-1].width == 64 and photo.photo[-1].height == 64
    last = tg.last_message(user.chat_id)
    assert last is not None and last.photo == png and last.caption == "Plan"

    with pytest.raises(BadRequest, match=r"(?i)wrong file identifier"):
        await bot.send_document(user.chat_id, document="not-a-file-id")
    with pytest.raises(BadRequest, match=r"(?i)caption is too long"):
        await bot.send_document(user.chat_id, document=b"x", filename="a.txt", caption="x" * 1025)


# -- validation -------------------------------------------------------------------------------


async def test_html_and_length_validation(tg: FakeTelegram, bot: Bot) -> None:
    user = tg.new_user()
    tg.send_text(user, "hello")
    escaped = "&lt;b&gt;Léa &amp; &quot;Zoé&quot;&lt;/b&gt;"
    msg = await bot.send_message(user.chat_id, escaped, parse_mode="HTML")
    assert msg.text == '<b>Léa & "Zoé"</b>'
    last = tg.last_message(user.chat_id)
    assert last is not None and last.text == escaped and last.plain_text == '<b>Léa & "Zoé"</b>'

    with pytest.raises(BadRequest, match=r"(?i)can't parse entities") as info:
        await bot.send_message(user.chat_id, "<Tom & Jerry>", parse_mode="HTML")
    assert "byte offset 0" in str(info.value)
    # the same text without parse_mode is fine
    await bot.send_message(user.chat_id, "<Tom & Jerry>")

    with pytest.raises(BadRequest, match=r"(?i)message is too long"):
        await bot.send_message(user.chat_id, "a" * 4097)
    await bot.send_message(user.chat_id, "é" * 4096)
    # tags and entities do not count
    await bot.send_message(user.chat_id, "<b>" + "a" * 4095 + "&amp;</b>", parse_mode="HTML")
    with pytest.raises(BadRequest, match=r"(?i)message text is empty"):
        await bot.send_message(user.chat_id, "<b>  </b>", parse_mode="HTML")
    with pytest.raises(BadRequest, match=r"(?i)message text is empty"):
        await bot.send_message(user.chat_id, "")
    assert len(tg.messages(user.chat_id)) == 4
    assert sum(1 for r in tg.requests if r.status == 400) == 4


async def test_callback_data_and_button_validation(tg: FakeTelegram, bot: Bot) -> None:
    user = tg.new_user()
    tg.send_text(user, "hello")

    def kb(data: str) -> InlineKeyboardMarkup:
        return InlineKeyboardMarkup([[InlineKeyboardButton("B", callback_data=data)]])

    await bot.send_message(user.chat_id, "ok", reply_markup=kb("é" * 32))  # 64 bytes
    with pytest.raises(BadRequest, match=r"(?i)button_data_invalid"):
        await bot.send_message(user.chat_id, "ko", reply_markup=kb("x" * 65))
    with pytest.raises(BadRequest, match=r"(?i)button_data_invalid"):
        await bot.send_message(user.chat_id, "ko", reply_markup=kb("é" * 32 + "x"))
    bad_url = InlineKeyboardMarkup([[InlineKeyboardButton("B", url="not a url")]])
    with pytest.raises(BadRequest, match=r"(?i)button_url_invalid"):
        await bot.send_message(user.chat_id, "ko", reply_markup=bad_url)
    assert len(tg.messages(user.chat_id)) == 1


def test_html_checker_unit() -> None:
    assert check_telegram_html("a <b>b <i>c</i></b> &#233;&#xe9; &gt;") == "a b c éé >"
    assert check_telegram_html('<a href="https://x.org/?a=1&amp;b=2">lien</a>') == "lien"
    assert check_telegram_html('<span class="tg-spoiler">s</span><tg-spoiler>t</tg-spoiler>')
    assert check_telegram_html("<blockquote expandable>q</blockquote>") == "q"
    assert check_telegram_html('<tg-emoji emoji-id="5368324170671202286">👍</tg-emoji>') == "👍"
    assert check_telegram_html('<pre><code class="language-python">x = 1</code></pre>')
    assert check_telegram_html("a > b") == "a > b"

    parsed = parse_telegram_html('😀 <b>gras</b> <a href="https://x.org">l</a>')
    assert parsed.entities == [
        {"offset": 3, "length": 4, "type": "bold"},
        {"offset": 8, "length": 1, "type": "text_link", "url": "https://x.org"},
    ]
    pre = parse_telegram_html('<pre><code class="language-py">x</code></pre>')
    assert pre.entities == [{"offset": 0, "length": 1, "type": "pre", "language": "py"}]

    cases = {
        "<Tom & Jerry>": 'Unsupported start tag "tom" at byte offset 0',
        "é <br>": 'Unsupported start tag "br" at byte offset 3',
        "Tom & Jerry": "at byte offset 4",
        "&nbsp;": "at byte offset 0",
        "<b>x</i>": 'Unmatched end tag at byte offset 4, expected "</b>", found "</i>"',
        "x</b>": "Unexpected end tag at byte offset 1",
        "<b>x": 'Can\'t find end tag corresponding to start tag "b" at byte offset 0',
        "<b": "Unclosed start tag at byte offset 0",
        "<span>x</span>": 'Tag "span" must have class "tg-spoiler"',
        '<a href="x>y': "Unclosed start tag",
    }
    for text, expected in cases.items():
        with pytest.raises(HtmlParseError) as info:
            check_telegram_html(text)
        assert expected in info.value.description, (text, info.value.description)

    assert html_to_plain("<b>ok</b> &amp;") == "ok &"
    assert html_to_plain("<weird>x</weird> & y") == "x & y"


# -- faults, delays, rate limits -----------------------------------------------------------


async def test_fault_injection(tg: FakeTelegram, bot: Bot) -> None:
    user = tg.new_user()
    tg.send_text(user, "hello")

    tg.inject_fault("sendMessage", status=429, retry_after=7)
    with pytest.raises(RetryAfter) as info:
        await bot.send_message(user.chat_id, "a")
    assert retry_after_of(info.value) == 7
    assert tg.requests[-1].status == 429

    tg.inject_fault(None, status=403)
    with pytest.raises(Forbidden, match="bot was blocked by the user"):
        await bot.send_message(user.chat_id, "b")

    tg.inject_fault("sendmessage", status=500, times=2)
    for _ in range(2):
        with pytest.raises(NetworkError, match="Internal Server Error") as err:
            await bot.send_message(user.chat_id, "c")
        assert not isinstance(err.value, BadRequest)
    tg.inject_fault(status=502)
    with pytest.raises(NetworkError, match="Bad Gateway"):
        await bot.get_me()

    other = tg.new_user("Zoé")
    tg.send_text(other, "hi")
    tg.inject_fault("sendMessage", status=400, description="Bad Request: custom", chat_id=other.id)
    await bot.send_message(user.chat_id, "pas concerné")
    with pytest.raises(BadRequest, match=r"(?i)custom"):
        await bot.send_message(other.chat_id, "concerné")

    # a method-less fault never hits getUpdates
    tg.inject_fault(status=500)
    assert len(await bot.get_updates()) == 2
    tg.clear_faults()
    await bot.send_message(user.chat_id, "ok")
    assert [m.text for m in tg.messages(user.chat_id)] == ["pas concerné", "ok"]
    assert tg.stats.faults_injected == 6
    assert tg.stats.too_many_requests == 1


async def test_delay(tg: FakeTelegram, bot: Bot) -> None:
    user = tg.new_user()
    tg.send_text(user, "hello")
    tg.set_delay("sendMessage", 0.3)
    started = time.monotonic()
    await bot.send_message(user.chat_id, "lent")
    assert time.monotonic() - started >= 0.3
    tg.set_delay("sendMessage", 0)
    started = time.monotonic()
    await bot.send_message(user.chat_id, "rapide")
    assert time.monotonic() - started < 0.3


async def test_rate_limits() -> None:
    limits = RateLimits(overall_per_second=3, per_chat_per_second=1, per_chat_burst=1)
    async with (
        FakeTelegram(rate_limits=limits) as tg,
        Bot(tg.token, base_url=tg.base_url) as bot,
    ):
        users = [tg.new_user(f"U{i}") for i in range(5)]
        for user in users:
            tg.send_text(user, "hello")
        await bot.send_message(users[0].chat_id, "1")
        with pytest.raises(RetryAfter) as info:
            await bot.send_message(users[0].chat_id, "2")  # same chat, same second
        assert retry_after_of(info.value) >= 1
        assert len(tg.messages(users[0].chat_id)) == 1
        await bot.send_message(users[1].chat_id, "1")
        await bot.send_message(users[2].chat_id, "1")
        with pytest.raises(RetryAfter):
            await bot.send_message(users[3].chat_id, "1")  # 4th message in one second overall
        assert tg.stats.rate_limited == 2 and tg.stats.too_many_requests == 2
        assert tg.stats.messages_delivered == 3
        assert [r.status for r in tg.requests_for("sendMessage")] == [200, 429, 200, 200, 429]


# -- commands, menu, misc -------------------------------------------------------------------


async def test_commands_menu_and_chat_actions(tg: FakeTelegram, bot: Bot) -> None:
    user = tg.new_user()
    tg.send_text(user, "hello")
    commands = [BotCommand("start", "Commencer"), BotCommand("aide", "Aide")]
    assert await bot.set_my_commands(commands)
    assert await bot.set_my_commands(
        [BotCommand("start", "Start")], scope=BotCommandScopeAllPrivateChats(), language_code="en"
    )
    assert await bot.get_my_commands() == tuple(commands)
    assert [c.command for c in await bot.get_my_commands(language_code="en")] == []
    en = await bot.get_my_commands(scope=BotCommandScopeAllPrivateChats(), language_code="en")
    assert [c.description for c in en] == ["Start"]
    assert tg.commands()[1] == {"command": "aide", "description": "Aide"}
    assert await bot.delete_my_commands()
    assert await bot.get_my_commands() == ()
    with pytest.raises(BadRequest, match=r"(?i)bot_command_invalid"):
        await bot.set_my_commands([BotCommand("Start!", "x")])
    scoped = BotCommandScopeChat(user.chat_id)
    await bot.set_my_commands([BotCommand("admin", "Admin")], scope=scoped)
    assert tg.commands({"type": "chat", "chat_id": user.chat_id})[0]["command"] == "admin"

    assert await bot.set_chat_menu_button(menu_button=MenuButtonCommands())
    assert tg.menu_button() == {"type": "commands"}
    assert await bot.send_chat_action(user.chat_id, "typing")
    with pytest.raises(BadRequest):
        await bot.send_chat_action(user.chat_id, "dancing")
    assert (await bot.get_chat(user.chat_id)).first_name == "Léa"
    assert await bot.close()
    assert await bot.log_out()


async def test_wait_helpers(tg: FakeTelegram, bot: Bot) -> None:
    user = tg.new_user()
    tg.send_text(user, "hello")
    await bot.send_message(user.chat_id, "premier")

    async def later() -> None:
        await asyncio.sleep(0.05)
        await bot.send_message(user.chat_id, "deuxième")

    task = asyncio.create_task(later())
    msg = await tg.wait_for_message(user.chat_id, after=1, timeout=2)
    assert msg.text == "deuxième"
    await task
    with pytest.raises(AssertionError, match="deuxième"):
        await tg.wait_for_message(
            user.chat_id, after=0, timeout=0.05, predicate=lambda m: "troisième" in m.text
        )
    await tg.wait_until(lambda: tg.stats.requests["sendMessage"] == 2, timeout=1)
    with pytest.raises(AssertionError):
        await tg.wait_until(lambda: False, timeout=0.05)


async def test_http_control_endpoints(tg: FakeTelegram, bot: Bot) -> None:
    async with aiohttp.ClientSession() as http:
        async with http.post(f"{tg.url}/_fake/users", json={"first_name": "Max"}) as resp:
            user = (await resp.json())["result"]
        assert user["first_name"] == "Max" and user["chat_id"] == user["id"]
        body = {"user_id": user["id"], "text": "bonjour"}
        async with http.post(f"{tg.url}/_fake/send_text", json=body) as resp:
            update_id = (await resp.json())["result"]["update_id"]
        (update,) = await bot.get_updates()
        assert update.update_id == update_id
        sent = await bot.send_message(user["chat_id"], "Choisis", reply_markup=SITES)
        body = {"user_id": user["id"], "message_id": sent.message_id, "data": "site:gonesse"}
        async with http.post(f"{tg.url}/_fake/press_button", json=body) as resp:
            query_id = (await resp.json())["result"]["callback_query_id"]
        async with http.get(f"{tg.url}/_fake/messages", params={"chat_id": user["id"]}) as resp:
            messages = (await resp.json())["result"]
    assert messages[0]["plain_text"] == "Choisis"
    assert messages[0]["buttons"][0][0] == {
        "text": "Gonesse",
        "callback_data": "site:gonesse",
        "url": None,
    }
    updates = await bot.get_updates(offset=update_id + 1)
    assert updates[0].callback_query is not None and updates[0].callback_query.id == query_id


async def test_wrong_token_with_ptb(tg: FakeTelegram) -> None:
    wrong = Bot("999:nope", base_url=tg.base_url)
    with pytest.raises(InvalidToken):
        await wrong.get_me()
    with pytest.raises(TelegramError):
        await wrong.initialize()


# -- a real PTB Application end to end ------------------------------------------------------


async def test_real_application_end_to_end(tg: FakeTelegram) -> None:
    async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.message is not None
        await update.message.reply_html("Bienvenue <b>à FabNum</b> !", reply_markup=SITES)

    async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.message is not None and update.message.text is not None
        await update.message.reply_text(f"echo: {update.message.text}")

    async def choose(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        assert query is not None and query.data is not None
        await query.answer("C'est noté")
        await query.edit_message_text(f"Site choisi : {query.data.split(':')[1]}")

    app: Application[Any, Any, Any, Any, Any, Any] = (
        ApplicationBuilder().token(tg.token).base_url(tg.base_url).build()
    )
    app.add_handler(CommandHandler("start", start))
    app.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, echo))
    app.add_handler(CallbackQueryHandler(choose))
    async with app:
        await app.start()
        assert app.updater is not None
        await app.updater.start_polling(poll_interval=0, timeout=1)
        try:
            user = tg.new_user()
            tg.send_command(user, "start")
            welcome = await tg.wait_for_message(user.chat_id, after=0)
            assert welcome.plain_text == "Bienvenue à FabNum !"
            assert welcome.buttons[0][0].callback_data == "site:gonesse"

            tg.send_text(user, "salut")
            reply = await tg.wait_for_message(user.chat_id, after=1)
            assert reply.text == "echo: salut"

            query_id = tg.press_button(user, welcome, text="Gonesse")
            answer = await tg.wait_for_callback_answer(query_id)
            assert answer["text"] == "C'est noté"
            edited = await tg.wait_for_message(
                user.chat_id, after=0, predicate=lambda m: m.edit_count == 1
            )
            assert edited.text == "Site choisi : gonesse" and edited.buttons == []
        finally:
            await app.updater.stop()
            await app.stop()
    assert tg.stats.requests["getUpdates"] >= 2
    assert tg.pending_updates == []
