"""One forum topic per candidate (bot/messages/topics.py), against a stub of the forum port:
detection cached then asked again, a chat that refuses topics, two messages at once making one
topic, a topic deleted or closed by hand, the topics of closed conversations closed."""

from __future__ import annotations

import asyncio
import datetime as dt

from bot.kernel.clock import FakeClock
from bot.kernel.forum import NotAForum, TopicGone
from bot.messages import rules
from bot.messages.topics import FORUM_CHECK, Topics
from bot.outbox.errors import Rejected, Unavailable
from bot.services import Services
from tests.test_staff_service import seed_candidate

GROUP = -1001234567890


class StubForum:
    def __init__(self, forum: bool = True) -> None:
        self.forum = forum
        self.asked = 0
        self.created: list[tuple[int, str]] = []
        self.closed: set[int] = set()
        self.gone: set[int] = set()
        self.refuse: Exception | None = None  # raised by create_topic and close_topic
        self.next_id = 100

    async def is_forum(self, chat_id: int) -> bool:
        self.asked += 1
        return self.forum

    async def create_topic(self, chat_id: int, name: str) -> int:
        await asyncio.sleep(0)  # let a concurrent caller in, as a real call would
        if not self.forum:
            raise NotAForum()
        if self.refuse is not None:
            raise self.refuse
        self.next_id += 1
        self.created.append((self.next_id, name))
        return self.next_id

    async def close_topic(self, chat_id: int, thread_id: int) -> None:
        if thread_id in self.gone:
            raise TopicGone()
        if self.refuse is not None:
            raise self.refuse
        self.closed.add(thread_id)

    async def reopen_topic(self, chat_id: int, thread_id: int) -> None:
        if thread_id in self.gone:
            raise TopicGone()
        self.closed.discard(thread_id)


async def topics_of(services: Services, clock: FakeClock, forum: StubForum) -> Topics:
    return Topics(store=services.messages.store, forum=forum, clock=clock)


def test_topic_names_are_plain_and_short() -> None:
    assert rules.topic_name(12, "Léa") == "#12 Léa"
    assert rules.topic_name(12, "  Anne \n Marie ") == "#12 Anne Marie"
    assert rules.topic_name(12, "") == "#12"
    assert len(rules.topic_name(12, "x" * 300)) == rules.TOPIC_NAME_MAX


async def test_detection_is_cached_then_asked_again_and_private_chats_never(
    services: Services, clock: FakeClock
) -> None:
    forum = StubForum()
    topics = await topics_of(services, clock, forum)
    cid = await seed_candidate(services.candidates, clock.now(), 1001)
    assert await topics.thread_for(1001, cid, "Léa") is None  # a private chat
    assert forum.asked == 0
    thread = await topics.thread_for(GROUP, cid, "Léa")
    assert thread == 101 and forum.created == [(101, f"#{cid} Léa")]
    assert await topics.thread_for(GROUP, cid, "Léa") == thread
    assert forum.asked == 1 and len(forum.created) == 1
    assert await topics.candidate_in(GROUP, thread) == cid
    assert await topics.candidate_in(GROUP, 999) is None
    clock.advance(FORUM_CHECK)
    forum.forum = False  # the group stopped being a forum
    assert await topics.thread_for(GROUP, cid, "Léa") is None
    assert forum.asked == 2
    assert (
        await Topics(store=services.messages.store, forum=None, clock=clock).thread_for(
            GROUP, cid, "Léa"
        )
        is None
    )


async def test_a_refused_topic_sends_to_the_chat_itself(
    services: Services, clock: FakeClock
) -> None:
    forum = StubForum()
    topics = await topics_of(services, clock, forum)
    cid = await seed_candidate(services.candidates, clock.now(), 1001)
    assert await topics.is_forum(GROUP)
    forum.forum = False  # getChat said forum, createForumTopic says not: plain from now on
    assert await topics.thread_for(GROUP, cid, "Léa") is None
    assert not await topics.is_forum(GROUP) and forum.asked == 1
    topics2 = await topics_of(services, clock, StubForum())
    topics2_forum = topics2.forum
    assert isinstance(topics2_forum, StubForum)
    topics2_forum.refuse = Rejected("not enough rights to create a topic")
    assert await topics2.thread_for(GROUP, cid, "Léa") is None  # this time in the chat
    topics2_forum.refuse = None
    assert await topics2.thread_for(GROUP, cid, "Léa") is not None  # tried again next time


async def test_two_messages_at_once_make_one_topic(services: Services, clock: FakeClock) -> None:
    forum = StubForum()
    topics = await topics_of(services, clock, forum)
    cid = await seed_candidate(services.candidates, clock.now(), 1001)
    both = await asyncio.gather(
        topics.thread_for(GROUP, cid, "Léa"), topics.thread_for(GROUP, cid, "Léa")
    )
    assert both[0] == both[1] and len(forum.created) == 1


async def test_deleted_or_closed_by_hand(services: Services, clock: FakeClock) -> None:
    forum = StubForum()
    topics = await topics_of(services, clock, forum)
    cid = await seed_candidate(services.candidates, clock.now(), 1001)
    thread = await topics.thread_for(GROUP, cid, "Léa")
    assert thread is not None
    assert not await topics.refused(GROUP, cid, "Bad Request: message is too long")
    assert not await topics.refused(GROUP, cid + 1, "Message thread not found")  # no topic
    # deleted: forgotten, then made again
    assert await topics.refused(GROUP, cid, "Message thread not found")
    assert await services.messages.store.topic(cid, GROUP) is None
    again = await topics.thread_for(GROUP, cid, "Léa")
    assert again is not None and again != thread
    # closed by hand: reopened at the next message
    forum.closed.add(again)
    assert await topics.refused(GROUP, cid, "Topic_closed")
    stored = await services.messages.store.topic(cid, GROUP)
    assert stored is not None and stored.closed
    assert await topics.thread_for(GROUP, cid, "Léa") == again and again not in forum.closed
    # closed, then deleted: a new one
    forum.closed.add(again)
    await topics.refused(GROUP, cid, "TOPIC_CLOSED")
    forum.gone.add(again)
    third = await topics.thread_for(GROUP, cid, "Léa")
    assert third not in (None, thread, again)
    # no longer a forum: plain, and sent again
    assert await topics.refused(GROUP, cid, "Bad Request: the chat is not a forum")
    assert await topics.thread_for(GROUP, cid, "Léa") is None


async def test_topics_of_closed_conversations_are_closed(
    services: Services, clock: FakeClock
) -> None:
    forum = StubForum()
    topics = await topics_of(services, clock, forum)
    ids = [await seed_candidate(services.candidates, clock.now(), 1001 + i) for i in range(4)]
    threads = [await topics.thread_for(GROUP, cid, "X") for cid in ids]
    # the first has an open conversation: its topic stays open
    async with services.db.transaction() as conn:
        await services.messages.store.create_thread(conn, ids[0], clock.now())
    forum.gone.add(threads[1] or 0)  # deleted by hand: forgotten
    assert await topics.close_idle() == 2
    assert forum.closed == {threads[2], threads[3]}
    assert await services.messages.store.topic(ids[1], GROUP) is None
    assert await topics.close_idle() == 0  # done once
    # a network failure leaves it for the next run; a refusal is not tried again
    clock.advance(dt.timedelta(minutes=1))
    opened = await seed_candidate(services.candidates, clock.now(), 2001)
    await topics.thread_for(GROUP, opened, "Y")
    forum.refuse = Unavailable()
    assert await topics.close_idle() == 0
    assert await services.messages.store.topics_to_close() != []
    forum.refuse = Rejected("not enough rights to manage topics")
    assert await topics.close_idle() == 0
    assert await services.messages.store.topics_to_close() == []
