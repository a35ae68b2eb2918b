"""One forum topic per candidate when a staff chat is a forum supergroup.

- Detection: getChat's `is_forum`, asked when a message is first relayed to a group chat and
  again after FORUM_CHECK (a group can be turned into a forum, or back); a refused topic
  ("the chat is not a forum") marks it plain at once. Private chats are never forums.
- A candidate's messages to staff go to their topic, created at the first one ("#12 Léa") and
  stored (message_topics), so later ones land in the same place; a closed topic is reopened; one
  deleted by hand is created again (Telegram says "message thread not found" or
  TOPIC_ID_INVALID: the outbox row is retried once the topic is forgotten).
- When a conversation closes (/clore, the button, 14 days of silence), its topic is closed.
- Without a forum, nothing changes: one message per request, answered by a Telegram reply.

Ids only in the logs; the topic's name holds the candidate's number and first name, like the
relayed messages themselves.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging

from bot.kernel.clock import Clock
from bot.kernel.forum import Forum, NotAForum, TopicGone
from bot.messages import rules
from bot.messages.store import MessageStore, Topic
from bot.outbox.errors import Rejected, SendFailed, TooManyRequests, Unavailable

log = logging.getLogger(__name__)

FORUM_CHECK = dt.timedelta(hours=1)
GONE = ("thread not found", "topic_id_invalid", "topic_deleted")
CLOSED = "topic_closed"
NOT_A_FORUM = ("not a forum", "chat_not_forum")


class Topics:
    def __init__(self, *, store: MessageStore, forum: Forum | None, clock: Clock) -> None:
        self.store = store
        self.forum = forum
        self.clock = clock
        self._forums: dict[int, tuple[bool, dt.datetime]] = {}  # chat -> (is a forum, asked at)
        self._locks: dict[tuple[int, int], asyncio.Lock] = {}

    async def is_forum(self, chat_id: int) -> bool:
        if self.forum is None or chat_id > 0:  # private chats have no topics
            return False
        now = self.clock.now()
        known = self._forums.get(chat_id)
        if known is not None and now - known[1] < FORUM_CHECK:
            return known[0]
        answer = await self.forum.is_forum(chat_id)  # outbox errors: the row is retried
        self._forums[chat_id] = (answer, now)
        log.info("chat %s: forum %s", chat_id, answer)
        return answer

    async def thread_for(self, chat_id: int, candidate_id: int, first_name: str) -> int | None:
        """The candidate's topic in this chat, created or reopened if need be; None: not a forum
        (their messages go to the chat itself)."""
        if self.forum is None or not await self.is_forum(chat_id):
            return None
        lock = self._locks.setdefault((chat_id, candidate_id), asyncio.Lock())
        async with lock:  # two messages relayed at once make one topic
            topic = await self.store.topic(candidate_id, chat_id)
            if topic is not None and not topic.closed:
                return topic.thread_id
            if topic is not None:
                try:
                    await self.forum.reopen_topic(chat_id, topic.thread_id)
                    await self.store.set_topic_closed(topic, None)
                    return topic.thread_id
                except TopicGone:
                    log.info("chat %s: topic %s gone, another one", chat_id, topic.thread_id)
                except NotAForum:
                    self._plain(chat_id)
                    return None
                except Rejected:  # no right to reopen it: a new one
                    log.warning("chat %s: topic %s not reopened", chat_id, topic.thread_id)
            try:
                thread_id = await self.forum.create_topic(
                    chat_id, rules.topic_name(candidate_id, first_name)
                )
            except NotAForum:
                self._plain(chat_id)
                return None
            except Rejected:  # no right to manage topics: in the chat itself this time
                log.warning("chat %s: no topic created for candidate %s", chat_id, candidate_id)
                return None
            await self.store.save_topic(candidate_id, chat_id, thread_id, self.clock.now())
            log.info("chat %s: topic %s for candidate %s", chat_id, thread_id, candidate_id)
            return thread_id

    def _plain(self, chat_id: int) -> None:
        """The chat refused a topic: not a forum (asked again after FORUM_CHECK)."""
        self._forums[chat_id] = (False, self.clock.now())

    async def candidate_in(self, chat_id: int, thread_id: int) -> int | None:
        topic = await self.store.topic_in(chat_id, thread_id)
        return topic.candidate_id if topic is not None else None

    async def refused(self, chat_id: int, candidate_id: int, description: str) -> bool:
        """A 400 on a message sent to a topic: forget what made it fail (a topic deleted or
        closed by hand, a chat no longer a forum); True when sending again may work."""
        text = description.lower()
        topic = await self.store.topic(candidate_id, chat_id)
        if any(words in text for words in NOT_A_FORUM):
            self._plain(chat_id)
            return True
        if topic is None:
            return False
        if any(words in text for words in GONE):
            await self.store.forget_topic(topic)
            return True
        if CLOSED in text:
            await self.store.set_topic_closed(topic, self.clock.now())
            return True
        return False

    async def close_idle(self) -> int:
        """Close the topics of candidates whose conversation is closed; returns how many."""
        if self.forum is None:
            return 0
        closed = 0
        for topic in await self.store.topics_to_close():
            closed += int(await self._close(topic))
        return closed

    async def _close(self, topic: Topic) -> bool:
        assert self.forum is not None
        try:
            await self.forum.close_topic(topic.chat_id, topic.thread_id)
        except (TopicGone, NotAForum):
            await self.store.forget_topic(topic)
            return False
        except (TooManyRequests, Unavailable):
            return False  # tried again at the next run
        except SendFailed as error:  # refused (no right to manage topics): left open, not retried
            log.warning(
                "chat %s: topic %s not closed (%s)",
                topic.chat_id,
                topic.thread_id,
                type(error).__name__,
            )
            await self.store.set_topic_closed(topic, self.clock.now())
            return False
        await self.store.set_topic_closed(topic, self.clock.now())
        return True
