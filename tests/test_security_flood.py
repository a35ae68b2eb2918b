"""One person can no longer freeze the bot for everyone (issue 10): a chat's backlog holds one
slot at most, a person has a budget of updates, foreign groups are left, a stop drops backlogs."""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import logging
import signal
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from telegram import Chat as TgChat
from telegram import Message, Update, User
from telegram.ext import TypeHandler

from bot.config import ConfigError, Settings, load_settings
from bot.fakeapi import FakeTelegram, RateLimits
from bot.kernel.clock import FakeClock
from bot.kernel.rendering import Renderer
from bot.telegram.flood import FloodGuard, Verdict
from bot.telegram.update_processor import PerChatUpdateProcessor
from tests.botharness import Chat, admin, bot_process_env, handled, running_bot, with_staff

ROOT = Path(__file__).resolve().parent.parent
SLOW = "Doucement 🙂"
LIMITS = RateLimits(overall_per_second=30, per_chat_per_second=1, per_chat_burst=3)


@pytest.fixture
async def paced_server() -> AsyncIterator[FakeTelegram]:
    """A fake Bot API with Telegram's limits: the bot keeps its pacing (1 message/s per chat)."""
    async with FakeTelegram(rate_limits=LIMITS) as tg:
        yield tg


def processor_of(application: object) -> PerChatUpdateProcessor:
    processor = application.update_processor  # type: ignore[attr-defined]
    assert isinstance(processor, PerChatUpdateProcessor)
    return processor


def slow_downs(server: FakeTelegram, chat_id: int) -> int:
    return sum(SLOW in m.plain_text for m in server.messages(chat_id))


# -- a chat's backlog never delays another chat -----------------------------------------------


async def test_a_flooding_chat_does_not_delay_another_person(
    paced_server: FakeTelegram, settings: Settings, clock: FakeClock
) -> None:
    server = paced_server
    # No budget here: the worst case, a backlog of 300 updates paced at 1 reply/s per chat.
    async with running_bot(server, settings, clock) as application:
        processor = processor_of(application)
        flooder = server.new_user("Flo")
        for i in range(300):
            server.send_text(flooder, f"message {i}")
        await server.wait_until(lambda: processor.queued >= 200, 10, message="flood queued")
        other = Chat(server, server.new_user("Léa"))
        await other.command("start", "Avant de commencer")
        # The other person's reply came while the flooder's backlog is still almost whole.
        assert processor.queued >= 200
        assert len(server.messages(flooder.id)) < 100
        assert processor.current_concurrent_updates <= 2  # one slot per chat at most
    assert processor.queued == 0  # the stop dropped the backlog


async def test_order_within_a_chat_stays_strict_under_a_backlog(
    server: FakeTelegram, settings: Settings, clock: FakeClock
) -> None:
    async with running_bot(server, settings, clock) as application:
        processor = processor_of(application)
        user = server.new_user("Léa")
        started: list[int] = []

        async def record(update: Update, context: object) -> None:
            if update.effective_chat is not None and update.effective_chat.id == user.id:
                started.append(update.update_id)

        application.add_handler(TypeHandler(Update, record), group=-1)  # runs first, in order
        ids = [server.send_text(user, f"m{i}") for i in range(30)]
        await handled(server, application, *ids, within=30)
        assert started == ids
        assert processor.queued == 0


# -- the budget -------------------------------------------------------------------------------


async def test_budget_drops_beyond_twenty_and_says_doucement_once_a_minute(
    server: FakeTelegram,
    settings: Settings,
    clock: FakeClock,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO)
    async with running_bot(server, settings, clock, flood=True) as application:
        flooder = server.new_user("Floriane")
        ids = [server.send_text(flooder, f"salut {i}") for i in range(25)]
        await handled(server, application, *ids)
        await server.wait_until(lambda: slow_downs(server, flooder.id) == 1, 5, message="doucement")
        # Each text before consent gets one short line with the notice's buttons, per update
        # handled; the 5 others never reached a handler.
        answered = [m for m in server.messages(flooder.id) if SLOW not in m.plain_text]
        assert len(answered) == 20

        # 30 s later the window is free again: 20 more handled, 1 dropped, no second "doucement"
        # within the minute.
        clock.advance(dt.timedelta(seconds=30))
        more = [server.send_text(flooder, f"encore {i}") for i in range(21)]
        await handled(server, application, *more)
        other = Chat(server, server.new_user("Léa"))
        await other.command("start", "Avant de commencer")  # a positive sign: the bot is free
        assert slow_downs(server, flooder.id) == 1
        assert len([m for m in server.messages(flooder.id) if SLOW not in m.plain_text]) == 40

        # A minute after the first "doucement", the next drop says it again.
        clock.advance(dt.timedelta(seconds=31))
        again = [server.send_text(flooder, f"toujours {i}") for i in range(21)]
        await handled(server, application, *again)
        await server.wait_until(lambda: slow_downs(server, flooder.id) == 2, 5, message="2nd")
    reports = [r.getMessage() for r in caplog.records if r.name == "bot.telegram.flood"]
    assert [r.startswith(f"flood: user {flooder.id} over budget") for r in reports] == [True] * 2
    assert "1 update(s) dropped" in reports[0] and "6 update(s) dropped" in reports[1]
    assert "flood: 7 update(s) dropped over budget in all" in caplog.text
    assert "Floriane" not in caplog.text and "salut" not in caplog.text


async def test_dropped_presses_are_answered_and_staff_have_no_budget(
    server: FakeTelegram, settings: Settings, clock: FakeClock
) -> None:
    staff_user = server.new_user("Sam")
    settings = with_staff(settings, admin(staff_user))
    async with running_bot(server, settings, clock, flood=True) as application:
        presser = Chat(server, server.new_user("Paul"))
        await presser.command("start", "Avant de commencer")  # 1 update of the budget
        notice = presser.last_with_buttons()
        queries = [server.press_button(presser.user, notice, text="J'accepte") for _ in range(24)]
        for query in queries:  # every spinner stops, handled or dropped
            await server.wait_for_callback_answer(query)
        await handled(server, application, *(server.update_id_of(q) for q in queries))
        await server.wait_until(lambda: slow_downs(server, presser.user.id) == 1, 5)
        dropped = [server.callback_answers[q] for q in queries[19:]]
        assert all(a["text"] is None for a in dropped)

        staff = Chat(server, staff_user)
        ids = [server.send_command(staff_user, "staff") for _ in range(30)]
        await handled(server, application, *ids)
        assert len(staff.messages) == 30 and slow_downs(server, staff_user.id) == 0


def test_budget_is_a_sliding_window_on_the_injected_clock(settings: Settings) -> None:
    clock = FakeClock(dt.datetime(2026, 11, 25, 9, 0, tzinfo=dt.UTC))
    guard = FloodGuard(settings, clock, Renderer())
    user = User(7, "Léa", is_bot=False)
    chat = TgChat(7, "private")

    def text(n: int) -> Update:
        message = Message(n, clock.now(), chat, from_user=user, text="x")
        return Update(n, message=message)

    verdicts = [guard.check(text(n)) for n in range(22)]
    assert [v.verdict for v in verdicts].count(Verdict.RUN) == 20
    assert [v.warn for v in verdicts[20:]] == [True, False]
    clock.advance(dt.timedelta(seconds=9.9))
    assert guard.check(text(30)).verdict is Verdict.DROP
    clock.advance(dt.timedelta(seconds=0.1))  # the first 20 are 10 s old now
    assert guard.check(text(31)).verdict is Verdict.RUN
    off = FloodGuard(dataclasses.replace(settings, flood_updates=0), clock, Renderer())
    assert all(off.check(text(n)).runs for n in range(100))


def test_flood_settings() -> None:
    defaults = load_settings({}, env_file=None)
    assert (defaults.flood_updates, defaults.flood_seconds) == (20, 10.0)
    settings = load_settings(
        {"FABNUM_FLOOD_UPDATES": "0", "FABNUM_FLOOD_SECONDS": "30"}, env_file=None
    )
    assert (settings.flood_updates, settings.flood_seconds) == (0, 30.0)
    for env in (
        {"FABNUM_FLOOD_UPDATES": "-1"},
        {"FABNUM_FLOOD_UPDATES": "many"},
        {"FABNUM_FLOOD_SECONDS": "0"},
        {"FABNUM_FLOOD_SECONDS": "soon"},
    ):
        key = next(iter(env))
        with pytest.raises(ConfigError, match=key) as info:
            load_settings(env, env_file=None)
        assert "\n" not in str(info.value)


# -- groups -----------------------------------------------------------------------------------


async def test_groups_are_left_but_not_the_staff_chat(
    server: FakeTelegram, settings: Settings, clock: FakeClock
) -> None:
    member = server.new_user("Sam")
    settings = with_staff(settings, admin(member), staff_chat_id=-100500)
    async with running_bot(server, settings, clock, flood=True) as application:
        user = server.new_user("Zoé")
        # Added to a basic group: the bot says why and leaves at once.
        added = server.add_bot_to_group(user, -42, group_type="group")
        await server.wait_until(lambda: server.left_group(-42), 5, message="left -42")
        notice = server.messages(-42)
        assert len(notice) == 1 and "je quitte ce groupe" in notice[0].plain_text

        # A supergroup flooding 50 commands (all fetched before the leave): one message, one
        # leaveChat, nothing else.
        flood = [server.send_group_text(user, -100777, "/start") for _ in range(50)]
        await server.wait_until(lambda: server.left_group(-100777), 5, message="left -100777")
        await handled(server, application, added, *flood)
        assert len(server.messages(-100777)) == 1
        assert len(server.requests_for("leaveChat")) == 2

        # Added back later: it leaves again (its earlier departure is no reason to stay).
        again = server.add_bot_to_group(user, -42, group_type="group")
        await server.wait_until(lambda: server.left_group(-42), 5, message="left -42 again")
        await handled(server, application, again)
        assert len(server.messages(-42)) == 2
        assert len(server.requests_for("leaveChat")) == 3

        # The staff chat stays: a command there gets the usual line, and no leaveChat.
        in_staff_chat = server.send_group_text(member, -100500, "/start")
        await server.wait_for_message(-100500, after=0)
        await handled(server, application, in_staff_chat)
        assert "message privé" in server.messages(-100500)[0].plain_text
        assert not server.left_group(-100500)
        assert len(server.requests_for("leaveChat")) == 3
    assert all(r.status == 200 for r in server.requests_for("leaveChat"))


# -- stopping ---------------------------------------------------------------------------------


@pytest.mark.skipif(sys.platform == "win32", reason="needs SIGTERM")
async def test_sigterm_does_not_wait_for_a_flooded_backlog(
    server: FakeTelegram, tmp_path: Path
) -> None:
    # No budget (the worst case: every update queued) and the default pacing of 1 reply/s per
    # chat: handling this backlog would take minutes.
    env = bot_process_env(server, tmp_path / "flooded.db", FABNUM_FLOOD_UPDATES="0")
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "run",
        cwd=ROOT,
        env=env,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        flooder = server.new_user("Xavière")
        for i in range(500):
            server.send_text(flooder, f"message {i}")
        await server.wait_for_message(flooder.id, after=3, timeout=30)  # paced replies under way
        process.send_signal(signal.SIGTERM)
        stopped = time.monotonic()
        assert process.stderr is not None
        _, stderr = await asyncio.wait_for(process.communicate(), 15)
        elapsed = time.monotonic() - stopped
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    assert process.returncode == 0, stderr.decode()
    assert elapsed < 15
    assert len(server.messages(flooder.id)) < 100
    log = stderr.decode()
    assert "queued update(s) dropped" in log and "Xavière" not in log
