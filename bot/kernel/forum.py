"""Forum topics of a staff chat, and the deletion of what the bot relayed there, as features
see them (bot/telegram/forum.py talks to Telegram).

A port: bot/messages asks for a topic per candidate without importing Telegram. The
implementation raises the outbox's errors (bot/outbox/errors.py) for a network failure, a 429 or
a refusal, and these for what a topic can be.
"""

from __future__ import annotations

from typing import Protocol


class NotAForum(Exception):
    """The chat is not (or no longer) a forum supergroup."""


class TopicGone(Exception):
    """The topic was deleted, or never existed."""


class MessageGone(Exception):
    """The message to delete is not there (deleted already, or never was)."""


class Forum(Protocol):
    async def is_forum(self, chat_id: int) -> bool:
        """Whether the chat is a forum supergroup (getChat)."""
        ...

    async def create_topic(self, chat_id: int, name: str) -> int:
        """A new topic; its message_thread_id. Raises NotAForum."""
        ...

    async def close_topic(self, chat_id: int, thread_id: int) -> None:
        """Close it (already closed: fine). Raises TopicGone, NotAForum."""
        ...

    async def reopen_topic(self, chat_id: int, thread_id: int) -> None:
        """Reopen it (already open: fine). Raises TopicGone, NotAForum."""
        ...

    async def delete_topic(self, chat_id: int, thread_id: int) -> None:
        """Delete the topic and every message in it. Raises TopicGone, NotAForum."""
        ...

    async def delete_message(self, chat_id: int, message_id: int) -> None:
        """Delete one message of the chat. Raises MessageGone."""
        ...
