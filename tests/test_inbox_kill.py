"""No update lost to a crash (issue 14): a real `python -m bot run` killed with SIGKILL three times
while 20 people screen (200 messages and presses in all).

Each person sends /start, accepts the notice, then answers the first questions (buttons and typed
answers, two typed in a row), waiting for the bot's replies as a person does. Three times, the
fake Bot API stops delivering the bot's messages (it takes each sendMessage and never answers it
nor shows it to the person), and once every person still screening has a reply held so, the bot
is killed: each of those people has an update that Telegram already forgot (the offset moved past
it) and whose reply never reached them, its answer stored or not. After the restart, every one of
them gets that reply, and in the end every person got every reply exactly once, in order.

Deterministic: the kill waits for a positive sign (a held reply in every chat still going, every
update confirmed), and a reply delivered before the hold belongs to an update its chat finished
before starting the one held (one update at a time per chat), so nothing is both delivered and
left to do at the kill.
"""

from __future__ import annotations

import asyncio
import signal
import sys
from pathlib import Path
from typing import Any

import pytest

from bot.fakeapi import FakeTelegram, FakeUser
from tests import flowscript as fs
from tests.botharness import bot_process_env

ROOT = Path(__file__).resolve().parent.parent
PEOPLE = 20
KILLS_AFTER = (40, 90, 140)  # replies delivered in all when the server starts holding them


class HoldingTelegram(FakeTelegram):
    """While `holding`, a sendMessage is taken and never answered nor delivered."""

    holding = False

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.held: set[int] = set()  # chats with a reply held

    async def _send_message(self, call: Any) -> Any:  # type: ignore[override]
        if self.holding:
            self.held.add(int(call.params.get("chat_id", 0)))
            await asyncio.get_running_loop().create_future()  # never: the bot is killed
        return await super()._send_message(call)


Step = tuple[str, str, str]  # kind ("command", "button", "text"), value, the reply awaited


def script() -> list[list[Step]]:
    """10 updates, buttons and typed answers, in turns: a person sends a turn's updates at once
    (the two typed answers in a row, as one types ahead), then waits for each reply in order."""
    steps: list[Step] = [
        ("command", "start", "Avant de commencer"),
        ("button", "J'accepte", fs.first_heading()),
    ]
    for move in fs.walk()[:8]:
        assert move.then is not None
        kind, value = next(fs.typed_or_pressed(move))
        steps.append((kind, value, move.then))
    turns: list[list[Step]] = []
    for step in steps:
        if turns and step[0] == "text" and turns[-1][-1][0] == "text":
            turns[-1].append(step)
        else:
            turns.append([step])
    assert any(len(turn) == 2 for turn in turns)
    return turns


async def person(server: HoldingTelegram, user: FakeUser, turns: list[list[Step]]) -> None:
    for turn in turns:
        seen = len(server.messages(user.id))
        for kind, value, _ in turn:
            if kind == "command":
                server.send_command(user, value)
            elif kind == "text":
                server.send_text(user, value)
            else:
                target = next(m for m in reversed(server.messages(user.id)) if m.buttons)
                server.press_button(user, target, text=value)
        for _, _, expect in turn:
            message = await server.wait_for_message(
                user.id, after=seen, timeout=60, predicate=lambda m, e=expect: e in m.plain_text
            )
            seen = server.messages(user.id).index(message) + 1


@pytest.mark.skipif(sys.platform == "win32", reason="needs SIGKILL")
async def test_every_update_answered_once_in_order_across_three_kills(tmp_path: Path) -> None:
    turns = script()
    steps = [step for turn in turns for step in turn]
    assert len(steps) * PEOPLE == 200
    async with HoldingTelegram() as server:
        users = [server.new_user(f"Personne{i}") for i in range(PEOPLE)]
        env = bot_process_env(
            server, tmp_path / "inbox.db", FABNUM_CHAT_BURST="0", FABNUM_FLOOD_UPDATES="0"
        )

        async def start() -> asyncio.subprocess.Process:
            return await asyncio.create_subprocess_exec(
                sys.executable, "-m", "bot", "run", cwd=ROOT, env=env
            )

        def delivered() -> int:
            return sum(len(server.messages(u.id)) for u in users)

        def going() -> set[int]:
            """The people whose last reply has not reached them."""
            last = steps[-1][2]
            return {
                u.id for u in users if not any(last in m.plain_text for m in server.messages(u.id))
            }

        people = [asyncio.create_task(person(server, u, turns)) for u in users]
        process = await start()
        try:
            for threshold in KILLS_AFTER:
                await server.wait_until(
                    lambda t=threshold: delivered() >= t, 30, message=f"{threshold} replies"
                )
                server.holding = True
                # every chat still going has a reply held, and Telegram forgot every update
                # (each confirmed by a getUpdates offset): without the inbox they would be lost
                await server.wait_until(
                    lambda: going() <= server.held and not server.pending_updates,
                    30,
                    message="a reply held in every chat going, every update confirmed",
                )
                process.send_signal(signal.SIGKILL)
                await process.wait()
                server.held.clear()
                server.holding = False
                process = await start()
            await asyncio.wait_for(asyncio.gather(*people), 60)
        finally:
            for task in people:
                task.cancel()
            if process.returncode is None:
                process.send_signal(signal.SIGKILL)
                await process.wait()
        for user in users:
            texts = [m.plain_text for m in server.messages(user.id)]
            at = []
            for _, _, expect in steps:
                found = [i for i, text in enumerate(texts) if expect in text]
                assert len(found) == 1, (user.id, expect, texts)  # every reply, none twice
                at.append(found[0])
            assert at == sorted(at), (user.id, texts)  # in order
