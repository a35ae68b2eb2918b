"""A real `kill -9` of `python -m bot run` between the Bot API call and recording it.

The fake Bot API delivers the message, then holds the HTTP answer: the bot has sent, but not
recorded. After the kill and a restart, an at-least-once kind is sent again (two copies), an
at-most-once kind is not (one copy, marked failed "interrupted"). See docs/outbox.md.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import signal
import sys
from pathlib import Path
from typing import Any

import pytest

from bot.app import build_services
from bot.config import Settings
from bot.fakeapi import FakeTelegram
from bot.outbox.store import schedule
from tests.botharness import bot_process_env, wait_for

ROOT = Path(__file__).resolve().parent.parent


class HoldingTelegram(FakeTelegram):
    """Delivers sendMessage, then never answers while `hold` is set."""

    hold = True

    async def _send_message(self, call: Any) -> Any:  # type: ignore[override]
        result = await super()._send_message(call)
        text = str(call.params.get("text", ""))
        if self.hold and ("annulée" in text or "avais commencé" in text):
            await asyncio.sleep(3600)
        return result


async def settled(db_path: Path) -> bool:
    services = build_services(Settings(database=db_path))
    await services.db.connect(migrate=False)
    try:
        least = await services.outbox.store.by_key("least")
        rows = await services.db.fetchall(
            "SELECT state FROM outbox WHERE kind = 'screening.nudge'", ()
        )
    finally:
        await services.db.close()
    return least is not None and least.state == "sent" and [r[0] for r in rows] == ["failed"]


@pytest.mark.skipif(sys.platform == "win32", reason="needs SIGKILL")
async def test_kill_between_send_and_record(tmp_path: Path) -> None:
    db_path = tmp_path / "kill.db"
    async with HoldingTelegram() as server:
        user = server.new_user("Léa")
        server.send_command(user, "start")  # the chat is open (the bot is not running yet)
        services = build_services(Settings(database=db_path))
        await services.db.connect()
        now = dt.datetime.now(dt.UTC)
        old = now - dt.timedelta(days=2)
        candidate = await services.candidates.create(
            telegram_id=user.id,
            chat_id=user.id,
            language="fr",
            source=None,
            consent_version="x",
            now=old,
        )
        session_id = await services.sessions.admin.create_session(
            site="gonesse",
            starts_at=now + dt.timedelta(days=3),
            capacity=5,
            place="FabNum",
            address="3 rue de Paris",
        )
        async with services.db.transaction() as conn:
            await schedule(
                conn,
                key="least",
                kind="sessions.cancelled",
                chat_id=user.id,
                candidate_id=candidate.id,
                due_at=now,
                quiet_hours=False,
                payload={"session_id": session_id, "booking_id": 0},
            )
            # The planner's own key for the first nudge: the bot's nudge planner (on the real
            # clock, with a two-day-old candidate) sees it there and adds no second copy.
            await schedule(
                conn,
                key=f"screening.nudge:{candidate.id}:1",
                kind="screening.nudge",
                chat_id=user.id,
                candidate_id=candidate.id,
                due_at=now,
                quiet_hours=False,
                payload={"number": 1},
            )
        await services.db.close()
        env = bot_process_env(server, db_path)

        def count(word: str) -> int:
            return sum(word in m.plain_text for m in server.messages(user.id))

        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "run", cwd=ROOT, env=env
        )
        try:
            await server.wait_until(lambda: count("annulée") and count("avais commencé"), 30)
        finally:
            process.send_signal(signal.SIGKILL)
            await process.wait()
        server.hold = False
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "run", cwd=ROOT, env=env
        )
        try:
            await server.wait_until(lambda: count("annulée") == 2, 30)
            # the positive sign that the restarted bot is done with both rows: the first one
            # recorded as sent (after its notice and the offer that follows it), the other one
            # settled as interrupted (at start-up, before the first run)
            await wait_for(lambda: settled(db_path), 30, "both rows settled")
        finally:
            process.send_signal(signal.SIGKILL)
            await process.wait()
        assert count("annulée") == 2  # at-least-once: sent again after the crash
        assert count("avais commencé") == 1  # at-most-once: never twice
        services = build_services(Settings(database=db_path))
        await services.db.connect()
        try:
            least = await services.outbox.store.by_key("least")
            most = await services.outbox.store.by_key(f"screening.nudge:{candidate.id}:1")
            assert least is not None and least.state == "sent" and least.attempts == 2
            assert most is not None and (most.state, most.last_error) == ("failed", "interrupted")
        finally:
            await services.db.close()
