"""Run the real Application against the local fake Bot API over HTTP, and talk to it as a person."""

from __future__ import annotations

import asyncio
import dataclasses
import os
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from bot.app import App, build_application
from bot.config import Settings, StaffMember
from bot.fakeapi import FakeTelegram, FakeUser, SentMessage
from bot.kernel.clock import Clock
from bot.outbox.kinds import MessageKind
from bot.services import Services
from bot.telegram.serving import polling
from bot.telegram.update_processor import PerChatUpdateProcessor

# What depends on the time in a `python -m bot` subprocess, which runs on the real clock: pinned so
# that the test gives the same result at any hour, on any day, in any TZ. Scheduled messages may
# go at any hour; the nudges keep their defaults (tests give their candidates the planner's keys).
PINNED_TIME_SETTINGS = {
    "TZ": "UTC",
    "FABNUM_TIMEZONE": "Europe/Paris",
    "FABNUM_QUIET_HOURS": "00:00-00:00",
    "FABNUM_NUDGES": "24h,72h",
    "FABNUM_REMINDERS": "24h,2h",
    "FABNUM_DIGEST_DAY": "lundi",
    "FABNUM_DIGEST_HOUR": "8",
    "FABNUM_PURGE_HOUR": "3",
    # no daily backup: a run that crosses 03:00 under libfaketime would make a backups folder
    # (tests of the daily backup set its time themselves)
    "FABNUM_BACKUP_HOUR": "off",
}


def bot_process_env(server: FakeTelegram, database: Path, **extra: str) -> dict[str, str]:
    """The environment of a `python -m bot` subprocess pointed at the fake Bot API.

    Nothing of the developer's own FABNUM_* settings or .env leaks in; the time-dependent
    settings are pinned (PINNED_TIME_SETTINGS)."""
    inherited = {k: v for k, v in os.environ.items() if not k.startswith(("FABNUM_", "TELEGRAM_"))}
    return {
        **inherited,
        **PINNED_TIME_SETTINGS,
        "TELEGRAM_BOT_TOKEN": server.token,
        "TELEGRAM_API_URL": server.base_url,
        "FABNUM_DATABASE": str(database),
        "FABNUM_LOG_LEVEL": "WARNING",
        "FABNUM_ENV_FILE": str(database.parent / "none.env"),
        **extra,
    }


def admin(user: FakeUser) -> StaffMember:
    """A staff member of every site."""
    return StaffMember(user.id, "admin")


def site_staff(user: FakeUser, *sites: str) -> StaffMember:
    """A staff member of the sites named, and only those."""
    return StaffMember(user.id, "staff", frozenset(sites))


def with_staff(settings: Settings, *members: StaffMember, **changes: Any) -> Settings:
    """The settings with these staff members (and any other field given, e.g. staff_chat_id)."""
    return dataclasses.replace(settings, staff={m.user_id: m for m in members}, **changes)


@asynccontextmanager
async def running_bot(
    server: FakeTelegram,
    settings: Settings,
    clock: Clock | None = None,
    *,
    flood: bool = False,
    kinds: Sequence[MessageKind] = (),
) -> AsyncIterator[App]:
    """Build the Application exactly as production does, only pointed at the fake server.

    A fake server without rate limits gets no pacing of replies (chat_burst=0): its scripted
    people answer in milliseconds, and pacing them at 1 message/s would only slow the suite.
    Tests of pacing give the server limits (bot/fakeapi RateLimits) and keep the setting.
    Likewise the per-person flood budget (20 updates per 10 s) is off unless `flood=True`: a
    scripted person sends a whole screening at one instant of a FakeClock that does not move.
    """
    burst = settings.chat_burst if server.rate_limits is not None else 0
    budget = settings.flood_updates if flood else 0
    settings = dataclasses.replace(
        settings,
        token=server.token,
        api_url=server.base_url,
        chat_burst=burst,
        flood_updates=budget,
    )
    application = build_application(settings, clock, kinds)
    # The daily purge job fires on the wall clock, not on the test's clock: a test run at 03:00
    # would purge mid-test. Purge tests call services.retention.run with their own clock instead.
    assert application.job_queue is not None
    # The daily backup likewise (tests of backups run it themselves).
    for name in ("retention_purge", "daily_backup"):
        for job in application.job_queue.get_jobs_by_name(name):
            job.schedule_removal()
    async with polling(application, poll_timeout=1):
        yield application


async def wait_for(
    condition: Callable[[], Awaitable[bool]], within: float = 10.0, what: str = ""
) -> None:
    """Wait until an async check (a database query, say) is true: a positive sign, polled."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while not await condition():
        if loop.time() > deadline:
            raise AssertionError(f"{what or 'condition'} not met within {within}s")
        await asyncio.sleep(0.02)


def services_of(application: App) -> Services:
    services: Services = application.bot_data["services"]
    return services


async def dispatcher_runs(server: FakeTelegram, application: App, runs: int = 2) -> None:
    """Wait until the outbox dispatcher has gone through `runs` more complete runs."""
    outbox = services_of(application).outbox
    target = outbox.completed_runs + runs
    await server.wait_until(
        lambda: outbox.completed_runs >= target, 10, message=f"{runs} dispatcher runs"
    )


async def handled(
    server: FakeTelegram,
    application: App,
    *update_ids: int,
    within: float = 10.0,
) -> None:
    """Wait until the bot has finished handling these updates (its handlers returned or failed).

    The positive sign a test waits for before it asserts that an update made the bot say nothing:
    waiting a fixed time instead proves nothing on a slow machine.
    """
    processor = application.update_processor
    assert isinstance(processor, PerChatUpdateProcessor)
    await server.wait_until(
        lambda: all(u in processor.recently_handled for u in update_ids),
        within,
        message=f"updates {update_ids} not handled within {within}s",
    )


class Chat:
    """One candidate's private chat with the bot."""

    def __init__(self, server: FakeTelegram, user: FakeUser) -> None:
        self.server = server
        self.user = user
        self.seen = 0

    @property
    def messages(self) -> list[SentMessage]:
        return self.server.messages(self.user.id)

    async def expect(self, contains: str, within: float = 5.0) -> SentMessage:
        """Wait for a new bot message containing `contains` (plain text)."""
        message = await self.server.wait_for_message(
            self.user.id,
            after=self.seen,
            timeout=within,
            predicate=lambda m: contains in (m.plain_text or m.caption or ""),
        )
        self.seen = self.messages.index(message) + 1
        return message

    async def send(self, text: str, expect: str) -> SentMessage:
        self.server.send_text(self.user, text)
        return await self.expect(expect)

    async def command(self, command: str, expect: str, args: str = "") -> SentMessage:
        self.server.send_command(self.user, command, args)
        return await self.expect(expect)

    def last_with_buttons(self) -> SentMessage:
        for message in reversed(self.messages):
            if message.buttons and not message.deleted:
                return message
        raise AssertionError("no message with buttons")

    async def press(self, button_text: str, expect: str | None = None) -> str:
        message = self.last_with_buttons()
        query_id = self.server.press_button(self.user, message, text=button_text)
        await self.server.wait_for_callback_answer(query_id)
        if expect is not None:
            await self.expect(expect)
        return query_id
