"""`make demo`: the real bot and the local Bot API in one process; you chat in the terminal.

Nothing leaves this machine: the bot talks to bot.fakeapi on 127.0.0.1, on its own database
(data/demo.db unless FABNUM_DEMO_DATABASE says otherwise).
"""

from __future__ import annotations

import dataclasses
import os
import sys
from pathlib import Path

from bot.app import build_application, polling
from bot.config import Settings
from bot.fakeapi import FakeTelegram
from bot.fakeapi.terminal import chat_in_terminal


def demo_database(fresh: bool) -> Path:
    database = Path(os.environ.get("FABNUM_DEMO_DATABASE", "data/demo.db"))
    if fresh:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{database}{suffix}").unlink(missing_ok=True)
    return database


async def run_demo(settings: Settings, *, fresh: bool = False) -> None:
    database = demo_database(fresh)
    async with FakeTelegram() as server:
        demo_settings = dataclasses.replace(
            settings, token=server.token, api_url=server.base_url, database=database
        )
        application = build_application(demo_settings)
        async with polling(application, poll_timeout=5):
            out = sys.stdout
            out.write(
                "FabNum Bot demo: you are a candidate chatting with the bot.\n"
                "Type a number to press that button, text to answer, /aide for the commands,"
                " /quit to leave.\n"
                f"(database: {database}; `python -m bot demo --fresh` starts over)\n\n"
            )
            user = server.new_user("Camille", language_code=settings.language)
            server.send_command(user, "start")
            # Show the welcome and the notice before reading the first line of input.
            await server.wait_for_message(user.id, after=0, predicate=lambda m: bool(m.buttons))
            await chat_in_terminal(server, user, out=out)
