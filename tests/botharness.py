"""Run the real Application against the local fake Bot API over HTTP, and talk to it as a person."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from bot.app import App, build_application, polling
from bot.clock import Clock
from bot.config import Settings
from bot.fakeapi import FakeTelegram, FakeUser, SentMessage


@asynccontextmanager
async def running_bot(
    server: FakeTelegram, settings: Settings, clock: Clock | None = None
) -> AsyncIterator[App]:
    """Build the Application exactly as production does, only pointed at the fake server.

    A fake server without rate limits gets no pacing of replies (chat_burst=0): its scripted
    people answer in milliseconds, and pacing them at 1 message/s would only slow the suite.
    Tests of pacing give the server limits (bot/fakeapi RateLimits) and keep the setting.
    """
    burst = settings.chat_burst if server.rate_limits is not None else 0
    settings = dataclasses.replace(
        settings, token=server.token, api_url=server.base_url, chat_burst=burst
    )
    application = build_application(settings, clock)
    async with polling(application, poll_timeout=1):
        yield application


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
