from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.app import build_services
from bot.config import Settings
from bot.fakeapi import FakeTelegram
from bot.kernel.clock import FakeClock
from bot.services import Services


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(dt.datetime(2026, 11, 25, 9, 0, tzinfo=dt.UTC))


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(token="123456:TEST-TOKEN-fabnum-fake-api-0000000", database=tmp_path / "t.db")


@pytest.fixture
async def services(settings: Settings, clock: FakeClock) -> AsyncIterator[Services]:
    built = build_services(settings, clock)
    await built.db.connect()
    try:
        yield built
    finally:
        await built.db.close()


@pytest.fixture
async def server() -> AsyncIterator[FakeTelegram]:
    """The fake Telegram Bot API over HTTP on 127.0.0.1 (no rate limits unless a test sets them)."""
    async with FakeTelegram() as tg:
        yield tg
