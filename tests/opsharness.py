"""Helpers of the operations tests (issue 14): free ports, the bot served in either mode."""

from __future__ import annotations

import asyncio
import dataclasses
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import aiohttp

from bot.app import App, build_application
from bot.config import Settings
from bot.fakeapi import FakeTelegram
from bot.kernel.clock import Clock
from bot.ops.settings import OpsSettings
from bot.telegram.serving import serving
from tests.botharness import services_of

SECRET = "s3cret_-Token"
WEBHOOK_URL = "https://bot.example.org/tg/hook"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def webhook_ops(port: int | None = None, secret: str = SECRET) -> OpsSettings:
    return OpsSettings(
        webhook_url=WEBHOOK_URL,
        webhook_listen=("127.0.0.1", port or free_port()),
        webhook_secret=secret,
    )


def listener_url(ops: OpsSettings, path: str | None = None) -> str:
    host, port = ops.webhook_listen
    return f"http://{host}:{port}{path if path is not None else ops.webhook_path}"


@asynccontextmanager
async def served_bot(
    server: FakeTelegram, settings: Settings, ops: OpsSettings, clock: Clock | None = None
) -> AsyncIterator[App]:
    """The production Application against the fake Bot API, served as `python -m bot run` does
    (bot/telegram/serving.py) in the mode `ops` says; no pacing, no flood budget, no purge job."""
    settings = dataclasses.replace(
        settings,
        token=server.token,
        api_url=server.base_url,
        chat_burst=0,
        flood_updates=0,
        ops=ops,
    )
    application = build_application(settings, clock)
    assert application.job_queue is not None
    for job in application.job_queue.get_jobs_by_name("retention_purge"):
        job.schedule_removal()
    services = services_of(application)
    async with serving(
        application, ops, services.ops.health, services.ops.heartbeat, poll_timeout=1
    ):
        yield application


async def get_json(url: str) -> tuple[int, Any]:
    async with aiohttp.ClientSession() as session, session.get(url) as response:
        return response.status, await response.json(content_type=None)


async def wait_listening(url: str, within: float = 30.0) -> tuple[int, Any]:
    """GET `url` until something listens there (a process starting up); its answer."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while True:
        try:
            return await get_json(url)
        except aiohttp.ClientConnectionError:
            if loop.time() > deadline:
                raise
            await asyncio.sleep(0.05)
