"""The forum port (bot/kernel/forum.py) over the Bot API: getChat, createForumTopic,
closeForumTopic, reopenForumTopic, deleteForumTopic, deleteMessage. Telegram's errors come back in
the outbox's words (a topic is created while a row is rendered) or as NotAForum / TopicGone /
MessageGone."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TimedOut
from telegram.ext import ExtBot

from bot.kernel.forum import MessageGone, NotAForum, TopicGone
from bot.outbox.errors import Rejected, TooManyRequests, Unavailable, Unreachable
from bot.telegram.limiter import retry_seconds

log = logging.getLogger(__name__)

NOT_A_FORUM = ("not a forum", "chat_not_forum")
GONE = ("topic_id_invalid", "topic_deleted", "thread not found")
UNCHANGED = "topic_not_modified"
MESSAGE_GONE = ("message to delete not found", "message_id_invalid")


@asynccontextmanager
async def _translated() -> AsyncIterator[None]:
    try:
        yield
    except Forbidden as error:
        raise Unreachable() from error
    except RetryAfter as error:
        raise TooManyRequests(retry_seconds(error)) from error
    except BadRequest as error:
        text = error.message.lower()
        if any(words in text for words in NOT_A_FORUM):
            raise NotAForum() from error
        if any(words in text for words in GONE):
            raise TopicGone() from error
        raise Rejected(error.message) from error
    except (TimedOut, NetworkError) as error:
        raise Unavailable() from error


class BotForum:
    def __init__(self, bot: ExtBot[Any]) -> None:
        self.bot = bot

    async def is_forum(self, chat_id: int) -> bool:
        async with _translated():
            chat = await self.bot.get_chat(chat_id)
        return bool(chat.is_forum)

    async def create_topic(self, chat_id: int, name: str) -> int:
        async with _translated():
            topic = await self.bot.create_forum_topic(chat_id, name)
        return int(topic.message_thread_id)

    async def close_topic(self, chat_id: int, thread_id: int) -> None:
        await self._set(chat_id, thread_id, close=True)

    async def reopen_topic(self, chat_id: int, thread_id: int) -> None:
        await self._set(chat_id, thread_id, close=False)

    async def _set(self, chat_id: int, thread_id: int, *, close: bool) -> None:
        try:
            async with _translated():
                if close:
                    await self.bot.close_forum_topic(chat_id, thread_id)
                else:
                    await self.bot.reopen_forum_topic(chat_id, thread_id)
        except Rejected as error:
            if UNCHANGED not in error.description.lower():
                raise

    async def delete_topic(self, chat_id: int, thread_id: int) -> None:
        async with _translated():
            await self.bot.delete_forum_topic(chat_id, thread_id)

    async def delete_message(self, chat_id: int, message_id: int) -> None:
        try:
            async with _translated():
                await self.bot.delete_message(chat_id, message_id)
        except Rejected as error:
            if any(words in error.description.lower() for words in MESSAGE_GONE):
                raise MessageGone() from error
            raise
