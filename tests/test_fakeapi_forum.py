"""The fake Bot API's forum topics, as a real Bot sees them over HTTP: getChat's is_forum,
createForumTopic, message_thread_id on sends and in updates, closing, reopening, deleting, and
Telegram's errors for each; and the bot's port over them (bot/telegram/forum.py)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from telegram.error import BadRequest
from telegram.ext import ExtBot

from bot.fakeapi import FakeTelegram
from bot.kernel.forum import MessageGone, NotAForum, TopicGone
from bot.outbox.errors import Rejected
from bot.telegram.forum import BotForum

GROUP = -1009876543210


@pytest.fixture
async def bot(server: FakeTelegram) -> AsyncIterator[ExtBot[Any]]:
    async with ExtBot(
        server.token, base_url=server.base_url, base_file_url=server.base_file_url
    ) as b:
        yield b


async def test_topics_of_a_forum_supergroup(server: FakeTelegram, bot: ExtBot[Any]) -> None:
    nadia = server.new_user("Nadia")
    server.send_group_text(nadia, GROUP, "bonjour")
    assert (await bot.get_chat(GROUP)).is_forum is not True
    with pytest.raises(BadRequest, match=r"(?i)not a forum"):
        await bot.create_forum_topic(GROUP, "#1 Léa")
    server.make_forum(GROUP)
    assert (await bot.get_chat(GROUP)).is_forum is True
    topic = await bot.create_forum_topic(GROUP, "#1 Léa")
    with pytest.raises(BadRequest, match=r"(?i)topic_title_empty"):
        await bot.create_forum_topic(GROUP, " ")
    thread = topic.message_thread_id
    sent = await bot.send_message(GROUP, "dans le sujet", message_thread_id=thread)
    assert sent.message_thread_id == thread and sent.is_topic_message
    photo = await bot.send_photo(GROUP, b"\x89PNG fake", message_thread_id=thread)
    assert photo.message_thread_id == thread
    assert server.last_message(GROUP) is not None
    assert server.last_message(GROUP).thread_id == thread  # type: ignore[union-attr]
    plain = await bot.send_message(GROUP, "hors sujet")
    assert plain.message_thread_id is None

    # a member writes in the topic: like Telegram, it answers the topic's first message
    server.send_group_text(nadia, GROUP, "je m'en occupe", thread_id=thread)
    server.send_group_text(nadia, GROUP, "précisément", thread_id=thread, reply_to=sent.message_id)
    updates = [u.message for u in await bot.get_updates() if u.message]
    in_topic = [m for m in updates if m.is_topic_message]
    assert [m.text for m in in_topic] == ["je m'en occupe", "précisément"]
    assert all(m.message_thread_id == thread for m in in_topic)
    first, second = in_topic
    assert first.reply_to_message is not None
    assert first.reply_to_message.forum_topic_created is not None
    assert first.reply_to_message.message_id == thread
    assert second.reply_to_message is not None
    assert second.reply_to_message.message_id == sent.message_id

    # closed: sending fails until it is reopened; closing twice is "not modified"
    assert await bot.close_forum_topic(GROUP, thread)
    with pytest.raises(BadRequest, match=r"(?i)topic_not_modified"):
        await bot.close_forum_topic(GROUP, thread)
    with pytest.raises(BadRequest, match=r"(?i)topic_closed"):
        await bot.send_message(GROUP, "fermé", message_thread_id=thread)
    assert await bot.reopen_forum_topic(GROUP, thread)
    await bot.send_message(GROUP, "rouvert", message_thread_id=thread)
    # deleted (by the bot or by hand): the thread is not found any more
    assert await bot.delete_forum_topic(GROUP, thread)
    with pytest.raises(BadRequest, match=r"(?i)message thread not found"):
        await bot.send_message(GROUP, "supprimé", message_thread_id=thread)
    with pytest.raises(BadRequest, match=r"(?i)topic_id_invalid"):
        await bot.reopen_forum_topic(GROUP, thread)
    other = (await bot.create_forum_topic(GROUP, "#2 Sam")).message_thread_id
    server.close_topic_by_user(GROUP, other)
    server.delete_topic_by_user(GROUP, other)
    assert [(t["name"], t["closed"], t["deleted"]) for t in server.topics(GROUP)] == [
        ("#1 Léa", False, True),
        ("#2 Sam", True, True),
    ]
    with pytest.raises(ValueError, match="no topic"):
        server.send_group_text(nadia, GROUP, "?", thread_id=other)


async def test_the_bots_forum_port_speaks_in_its_own_errors(
    server: FakeTelegram, bot: ExtBot[Any]
) -> None:
    forum = BotForum(bot)
    nadia = server.new_user("Nadia")
    server.send_group_text(nadia, GROUP, "bonjour")
    assert not await forum.is_forum(GROUP)
    with pytest.raises(NotAForum):
        await forum.create_topic(GROUP, "#1 Léa")
    server.make_forum(GROUP)
    assert await forum.is_forum(GROUP)
    thread = await forum.create_topic(GROUP, "#1 Léa")
    await forum.close_topic(GROUP, thread)
    await forum.close_topic(GROUP, thread)  # already closed: fine
    await forum.reopen_topic(GROUP, thread)
    await forum.reopen_topic(GROUP, thread)  # already open: fine
    server.delete_topic_by_user(GROUP, thread)
    with pytest.raises(TopicGone):
        await forum.reopen_topic(GROUP, thread)
    with pytest.raises(TopicGone):
        await forum.close_topic(GROUP, thread)


async def test_deleting_a_topic_deletes_its_messages_and_the_port_says_what_is_gone(
    server: FakeTelegram, bot: ExtBot[Any]
) -> None:
    forum = BotForum(bot)
    server.make_forum(GROUP)
    nadia = server.new_user("Nadia")
    thread = await forum.create_topic(GROUP, "#1 Léa")
    inside = await bot.send_message(GROUP, "dans le sujet", message_thread_id=thread)
    outside = await bot.send_message(GROUP, "dans le général")
    server.send_group_text(nadia, GROUP, "réponse", thread_id=thread)
    await forum.delete_topic(GROUP, thread)
    deleted = {m.plain_text: m.deleted for m in server.messages(GROUP)}
    assert deleted == {"dans le sujet": True, "dans le général": False}
    with pytest.raises(MessageGone):
        await forum.delete_message(GROUP, inside.message_id)
    with pytest.raises(TopicGone):
        await forum.delete_topic(GROUP, thread)
    await forum.delete_message(GROUP, outside.message_id)
    assert all(m.deleted for m in server.messages(GROUP))
    with pytest.raises(MessageGone):
        await forum.delete_message(GROUP, outside.message_id)
    server.inject_fault(
        "deleteMessage", status=400, description="Bad Request: message can't be deleted"
    )
    with pytest.raises(Rejected):
        await forum.delete_message(GROUP, 999)
