"""Real `python -m bot run` processes (issue 14): one bot per database (item 4), and the graceful
stop on SIGTERM or SIGINT (item 6): no new update, the update and the send in flight finished and
recorded, a clean exit. The time to exit is a figure of bench/flood.py, not an assert here."""

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
from bot.ops.lock import InstanceLock, is_running, lock_path
from bot.outbox.store import schedule
from tests.botharness import bot_process_env
from tests.opsharness import SECRET, WEBHOOK_URL, free_port, wait_listening

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals and flock")


async def start_bot(env: dict[str, str]) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "run", cwd=ROOT, env=env, stderr=asyncio.subprocess.PIPE
    )


async def stop_bot(process: asyncio.subprocess.Process, sig: int = signal.SIGTERM) -> bytes:
    if process.returncode is None:
        process.send_signal(sig)
    _, stderr = await asyncio.wait_for(process.communicate(), 60)
    return stderr


async def test_a_second_bot_on_the_same_database_refuses(
    server: FakeTelegram, tmp_path: Path
) -> None:
    env = bot_process_env(server, tmp_path / "one.db")
    first = await start_bot(env)
    try:
        await server.wait_until(lambda: bool(server.requests_for("deleteWebhook")), 30)
        assert is_running(tmp_path / "one.db")
        second = await start_bot(env)
        _, stderr = await asyncio.wait_for(second.communicate(), 60)
        assert second.returncode == 2
        message = stderr.decode()
        assert "another bot is already running on" in message
        assert f"(process {first.pid})" in message
        assert "Traceback" not in message
        assert first.returncode is None  # the first one is untouched
        # it still answers
        user = server.new_user("Léa")
        server.send_command(user, "start")
        await server.wait_until(lambda: bool(server.messages(user.id)), 30)
    finally:
        await stop_bot(first)
    assert first.returncode == 0
    assert not is_running(tmp_path / "one.db")  # the kernel let it go with the process
    with InstanceLock(tmp_path / "one.db"):  # and it can be taken again
        assert lock_path(tmp_path / "one.db").read_text().strip().isdigit()


async def test_lock_is_freed_by_a_kill(server: FakeTelegram, tmp_path: Path) -> None:
    env = bot_process_env(server, tmp_path / "k.db")
    process = await start_bot(env)
    await server.wait_until(lambda: bool(server.requests_for("deleteWebhook")), 30)
    process.send_signal(signal.SIGKILL)
    await process.communicate()
    assert not is_running(tmp_path / "k.db")  # no stale lock after a crash


class SlowTelegram(FakeTelegram):
    """Delivers each sendMessage at once, then holds its HTTP answer for a while: the bot is
    mid-send when the test stops it."""

    hold = 1.5

    async def _send_message(self, call: Any) -> Any:  # type: ignore[override]
        result = await super()._send_message(call)
        await asyncio.sleep(self.hold)
        return result


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
async def test_graceful_stop_finishes_what_is_in_flight(tmp_path: Path, sig: int) -> None:
    db_path = tmp_path / "stop.db"
    async with SlowTelegram() as server:
        lea = server.new_user("Léa")
        services = build_services(Settings(database=db_path))
        await services.db.connect()
        # a scheduled message due now: an alert to Léa's chat (it renders from its payload)
        async with services.db.transaction() as conn:
            now = dt.datetime.now(dt.UTC)
            await schedule(
                conn,
                key="ops.alert:backup_failed:x",
                kind="ops.alert",
                chat_id=lea.id,
                due_at=now,
                payload={"alert": "backup_failed", "facts": {"error": "OSError"}},
                bulk=False,
                quiet_hours=False,
                now=now,
            )
        await services.db.close()
        server.send_command(lea, "start")  # an update waiting for the bot
        env = bot_process_env(server, db_path, FABNUM_OUTBOX_INTERVAL="1")
        process = await start_bot(env)

        def sent(word: str) -> int:
            return sum(word in m.plain_text for m in server.messages(lea.id))

        try:
            # both sends have reached the Bot API, and neither has its answer yet
            await server.wait_until(
                lambda: sent("Avant de commencer") and sent("La sauvegarde de la base a échoué"), 30
            )
        finally:
            stderr = await stop_bot(process, sig)
        assert process.returncode == 0, stderr.decode()[-2000:]
        assert sent("Avant de commencer") == 1 and sent("La sauvegarde de la base a échoué") == 1
        assert server.pending_updates == []  # the update was confirmed: it will not come again
        services = build_services(Settings(database=db_path))
        await services.db.connect(migrate=False)
        try:
            row = await services.outbox.store.by_key("ops.alert:backup_failed:x")
            # the send in flight finished and was recorded before the exit
            assert row is not None and (row.state, row.attempts) == ("sent", 1)
            candidate = await services.candidates.by_telegram_id(lea.id)
        finally:
            await services.db.close()
        assert candidate is None  # /start only shows the notice: nothing else was half-done
        assert not is_running(db_path)


async def test_webhook_mode_process(server: FakeTelegram, tmp_path: Path) -> None:
    port = free_port()
    env = bot_process_env(
        server,
        tmp_path / "hook.db",
        FABNUM_WEBHOOK_URL=WEBHOOK_URL,
        FABNUM_WEBHOOK_SECRET=SECRET,
        FABNUM_WEBHOOK_LISTEN=f"127.0.0.1:{port}",
    )
    process = await start_bot(env)
    try:
        status, body = await wait_listening(f"http://127.0.0.1:{port}/healthz")
        assert status == 200 and body["database"] is True
        assert server.requests_for("setWebhook")
        lea = server.new_user("Léa")
        server.send_command(lea, "start")
        assert await server.deliver_webhook(f"http://127.0.0.1:{port}/tg/hook") == [200]
        await server.wait_until(lambda: bool(server.messages(lea.id)), 30)
    finally:
        stderr = await stop_bot(process)
    assert process.returncode == 0, stderr.decode()[-2000:]
    assert not server.requests_for("getUpdates")
