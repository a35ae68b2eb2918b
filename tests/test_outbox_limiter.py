"""The rate limiter: replies first, bulk takes what is left, per-chat pacing, 429 handling.

Rate limits are about real seconds, so these tests wait a little real time (at most ~3 s each);
schedules elsewhere use the injected clock.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import AsyncIterator
from typing import Any

import pytest
from telegram.error import RetryAfter

from bot.config import Settings
from bot.fakeapi import FakeTelegram, RateLimits
from bot.kernel.clock import FakeClock
from bot.telegram.limiter import PriorityRateLimiter, SkippedOptional
from tests import flowscript as fs
from tests.botharness import Chat, running_bot


class Recorder:
    """A stand-in for the HTTP call: records when each call went out, can answer 429 first."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, float]] = []
        self.fail_first: dict[str, int] = {}

    def call(self, name: str) -> Any:
        async def send() -> bool:
            loop = asyncio.get_running_loop()
            if self.fail_first.get(name, 0) > 0:
                self.fail_first[name] -= 1
                raise RetryAfter(1)
            self.calls.append((name, loop.time()))
            return True

        return send


async def request(
    limiter: PriorityRateLimiter, recorder: Recorder, name: str, chat_id: int, bulk: bool
) -> Any:
    return await limiter.process_request(
        recorder.call(name),
        (),
        {},
        "sendMessage",
        {"chat_id": chat_id},
        {"bulk": True} if bulk else None,
    )


async def test_a_429_on_a_reply_does_not_pause_bulk() -> None:
    limiter = PriorityRateLimiter(chat_burst=1)
    recorder = Recorder()
    recorder.fail_first["reply"] = 1
    loop = asyncio.get_running_loop()
    start = loop.time()
    reply = asyncio.create_task(request(limiter, recorder, "reply", 1, bulk=False))
    await asyncio.sleep(0.05)  # the reply has drawn its 429 and waits for its retry
    await asyncio.gather(*(request(limiter, recorder, f"bulk{i}", 100 + i, True) for i in range(5)))
    bulk_done = loop.time() - start
    await reply
    sent = dict(recorder.calls)
    assert bulk_done < 0.9, "bulk waited for the reply's retry_after"
    assert sent["reply"] - start >= 1.0  # the reply itself honoured retry_after
    assert limiter.retry_after_count == 1


async def test_a_429_on_bulk_pauses_bulk_but_not_replies() -> None:
    limiter = PriorityRateLimiter(chat_burst=1)
    recorder = Recorder()
    recorder.fail_first["bulk0"] = 1
    loop = asyncio.get_running_loop()
    start = loop.time()
    first = asyncio.create_task(request(limiter, recorder, "bulk0", 100, bulk=True))
    await asyncio.sleep(0.05)
    second = asyncio.create_task(request(limiter, recorder, "bulk1", 101, bulk=True))
    await request(limiter, recorder, "reply", 1, bulk=False)
    reply_at = loop.time() - start
    await asyncio.gather(first, second)
    sent = dict(recorder.calls)
    assert reply_at < 0.5
    assert sent["bulk1"] - start >= 1.0  # paused by bulk0's retry_after
    assert sent["bulk0"] - start >= 1.0


@pytest.mark.parametrize("burst", [1, 3])
async def test_replies_in_one_chat_are_paced_after_the_burst(burst: int) -> None:
    limiter = PriorityRateLimiter(chat_burst=burst)
    recorder = Recorder()
    loop = asyncio.get_running_loop()
    start = loop.time()
    for i in range(burst + 1):
        await request(limiter, recorder, f"r{i}", 7, bulk=False)
    times = [at - start for _, at in recorder.calls]
    assert all(at < 0.3 for at in times[:burst])  # the burst goes at once
    assert times[burst] >= 1.0  # the next one waits for the chat, it does not draw a 429
    await request(limiter, recorder, "other chat", 8, bulk=False)
    assert recorder.calls[-1][1] - recorder.calls[-2][1] < 0.3  # other chats are not slowed


async def test_burst_zero_never_delays_a_reply_but_bulk_to_that_chat_waits() -> None:
    limiter = PriorityRateLimiter(chat_burst=0)
    recorder = Recorder()
    loop = asyncio.get_running_loop()
    start = loop.time()
    for i in range(4):
        await request(limiter, recorder, f"r{i}", 7, bulk=False)
    assert loop.time() - start < 0.3
    await request(limiter, recorder, "bulk", 7, bulk=True)
    assert loop.time() - start >= 0.9


# ----------------------------------------------------------------- against the fake Bot API
@pytest.fixture
async def strict_server() -> AsyncIterator[FakeTelegram]:
    """Telegram's limits read strictly: 1 message/s per chat with no burst at all."""
    limits = RateLimits(overall_per_second=30, per_chat_per_second=1, per_chat_burst=1)
    async with FakeTelegram(rate_limits=limits) as tg:
        yield tg


async def test_button_answers_under_strict_limits_draw_no_429_and_skip_the_tidy_up_edit(
    strict_server: FakeTelegram, settings: Settings, clock: FakeClock
) -> None:
    """1 message/s per chat and a person answering every 1.1 s leave room for the next question
    only: the "✅ Gonesse" edit is skipped, and the old buttons still answer (as stale)."""
    server = strict_server
    settings = dataclasses.replace(settings, chat_burst=1)
    async with running_bot(server, settings, clock):
        user = server.new_user("Inès")
        chat = Chat(server, user)
        await chat.command("start", "Avant de commencer")
        await asyncio.sleep(1.1)  # a person reads
        await chat.press("J'accepte", expect=fs.first_heading())
        question = chat.last_with_buttons()
        await asyncio.sleep(1.1)
        await chat.press("Gonesse", expect="quel mois")
        await asyncio.sleep(1.1)
        query = server.press_button(user, question, text="Marcq-en-Barœul")  # the old buttons
        answer = await server.wait_for_callback_answer(query)
        await asyncio.sleep(1.1)
        await chat.send("06/2005", expect="prénom")
    assert server.stats.too_many_requests == 0
    assert "plus actif" in (answer.get("text") or "")
    assert not any("✅ Gonesse" in m.plain_text for m in chat.messages)


async def test_with_the_default_burst_the_edit_follows_the_next_question(
    settings: Settings, clock: FakeClock
) -> None:
    """Burst 3 and a person taking 2.5 s per answer: room for the question and the tick."""
    limits = RateLimits(overall_per_second=30, per_chat_per_second=1, per_chat_burst=3)
    async with FakeTelegram(rate_limits=limits) as server:
        assert settings.chat_burst == 3
        async with running_bot(server, settings, clock):
            chat = Chat(server, server.new_user("Inès"))
            await chat.command("start", "Avant de commencer")
            await asyncio.sleep(2.5)  # the chat's bucket drains
            await chat.press("J'accepte", expect=fs.first_heading())
            await asyncio.sleep(2.5)  # the chat's bucket drains
            await chat.press("Gonesse", expect="quel mois")
            await server.wait_until(
                lambda: any("✅ Gonesse" in m.plain_text for m in chat.messages), timeout=5
            )
        assert server.stats.too_many_requests == 0
        sent = server.requests_for("sendMessage")
        sends = [r for r in sent if "quel mois" in r.params.get("text", "")]
        edits = [
            r
            for r in server.requests_for("editMessageText")
            if "Gonesse" in r.params.get("text", "")
        ]
        assert len(sends) == 1 and len(edits) == 1
        assert sends[0].time < edits[0].time


async def test_an_optional_call_is_skipped_only_when_its_chat_is_full() -> None:
    limiter = PriorityRateLimiter(chat_burst=1)
    recorder = Recorder()
    await request(limiter, recorder, "question", 7, bulk=False)
    with pytest.raises(SkippedOptional):
        await limiter.process_request(
            recorder.call("edit"), (), {}, "editMessageText", {"chat_id": 7}, {"optional": True}
        )
    await limiter.process_request(
        recorder.call("edit elsewhere"),
        (),
        {},
        "editMessageText",
        {"chat_id": 8},
        {"optional": True},
    )
    assert [name for name, _ in recorder.calls] == ["question", "edit elsewhere"]


async def test_an_optional_call_is_skipped_when_the_overall_bucket_is_full() -> None:
    limiter = PriorityRateLimiter(overall_per_second=3, chat_burst=0)
    recorder = Recorder()
    for chat in (1, 2, 3):  # three replies in three chats fill 3 msg/s
        await request(limiter, recorder, f"q{chat}", chat, bulk=False)
    with pytest.raises(SkippedOptional):
        await limiter.process_request(
            recorder.call("edit"), (), {}, "editMessageText", {"chat_id": 4}, {"optional": True}
        )
    assert [name for name, _ in recorder.calls] == ["q1", "q2", "q3"]
