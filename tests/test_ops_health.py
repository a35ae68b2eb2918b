"""Health and status (issue 14, item 2): GET /healthz in polling mode (FABNUM_HEALTH_LISTEN), the
rules of 200 and 503, the last Bot API success through the request wrapper, `python -m bot status`.
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import sys
from pathlib import Path

from bot.app import build_services
from bot.config import Settings
from bot.fakeapi import FakeTelegram
from bot.kernel.clock import FakeClock
from bot.kernel.rendering import Renderer
from bot.ops.health import Health, Liveness, read_heartbeat
from bot.ops.health_store import OutboxCounts
from bot.ops.lock import InstanceLock
from bot.ops.service import status_text
from bot.ops.settings import OpsSettings
from bot.outbox.store import schedule
from bot.services import Services
from bot.telegram.liveness import TrackedRequest
from tests.botharness import Chat, bot_process_env, services_of, wait_for
from tests.opsharness import free_port, get_json, served_bot

ROOT = Path(__file__).resolve().parent.parent
NOW = dt.datetime(2026, 11, 25, 9, 0, tzinfo=dt.UTC)


def health(due: int, last_ok: dt.datetime | None, database: bool = True) -> Health:
    counts = OutboxCounts(due=due, pending=due + 3, failed=1) if database else None
    return Health(NOW, database, counts, last_ok, None)


def test_when_it_is_unhealthy() -> None:
    recent, old = NOW - dt.timedelta(minutes=4), NOW - dt.timedelta(minutes=6)
    assert health(0, recent).http_status == 200
    assert health(0, old).http_status == 200  # nothing due: an idle bot is fine
    assert health(0, None).http_status == 200
    assert health(5, recent).http_status == 200
    assert health(5, old).http_status == 503  # rows wait and nothing reaches Telegram
    assert health(5, None).http_status == 503
    assert health(0, recent, database=False).http_status == 503
    assert health(5, recent).as_json() == {
        "ok": True,
        "database": True,
        "outbox": {"due": 5, "pending": 8, "failed": 1},
        "last_api_success": "2026-11-25T08:56:00+00:00",
        "last_update": None,
        "now": "2026-11-25T09:00:00+00:00",
    }


async def add_due_row(services: Services, key: str, due: dt.datetime) -> None:
    async with services.db.transaction() as conn:
        await schedule(
            conn, key=key, kind="no.such.kind", chat_id=1, due_at=due, quiet_hours=False, now=due
        )


async def test_healthz_in_polling_mode(
    server: FakeTelegram, settings: Settings, clock: FakeClock
) -> None:
    ops = OpsSettings(health_listen=("127.0.0.1", free_port()))
    url = f"http://127.0.0.1:{ops.health_listen[1]}/healthz"  # type: ignore[index]
    settings = dataclasses.replace(settings, outbox_interval=3600)  # rows stay due
    async with served_bot(server, settings, ops, clock) as app:
        services = services_of(app)
        status, body = await get_json(url)
        assert status == 200 and body["ok"] and body["database"]
        assert body["last_api_success"] == NOW.isoformat()  # getMe, on the injected clock
        assert body["last_update"] is None
        lea = Chat(server, server.new_user("Léa"))
        await lea.command("start", expect="Avant de commencer")
        status, body = await get_json(url)
        assert body["last_update"] == NOW.isoformat()

        await add_due_row(services, "late", NOW - dt.timedelta(hours=1))
        await add_due_row(services, "later", NOW + dt.timedelta(days=1))
        status, body = await get_json(url)
        assert (status, body["outbox"]) == (200, {"due": 1, "pending": 2, "failed": 0})
        # six minutes later with no Bot API success while a row is due: 503
        services.ops.liveness.last_api_ok = NOW - dt.timedelta(minutes=6)
        status, body = await get_json(url)
        assert (status, body["ok"]) == (503, False)
        services.ops.liveness.last_api_ok = NOW
        # the database gone: 503
        await services.db.close()
        status, body = await get_json(url)
        assert (status, body["database"], body["outbox"]) == (503, False, None)
        await services.db.connect()


async def test_request_wrapper_notes_successes_and_failures(server: FakeTelegram) -> None:
    clock = FakeClock(NOW)
    liveness = Liveness(clock)
    request = TrackedRequest(liveness, connection_pool_size=1)
    await request.initialize()
    try:
        url = f"{server.base_url}{server.token}/getMe"
        await request.post(url)
        assert liveness.last_api_ok == NOW and liveness.api_failing_for() is None
        server.inject_fault("getMe", status=502, times=2)
        clock.advance(dt.timedelta(minutes=1))
        for _ in range(2):
            try:
                await request.post(url)
            except Exception as exc:  # PTB's NetworkError for a 502
                assert type(exc).__name__ == "NetworkError"
            clock.advance(dt.timedelta(minutes=3))
        assert liveness.last_api_ok == NOW
        assert liveness.api_failing_for() == dt.timedelta(minutes=6)
        server.inject_fault("getMe", status=400)  # the API answers: it is up
        try:
            await request.post(url)
        except Exception as exc:
            assert type(exc).__name__ == "BadRequest"
        assert liveness.api_failing_for() is None and liveness.last_api_ok == clock.now()
    finally:
        await request.shutdown()
    # a connection refused is a failure too
    dead = TrackedRequest(liveness, connection_pool_size=1)
    await dead.initialize()
    try:
        try:
            await dead.post(f"http://127.0.0.1:{free_port()}/bot{server.token}/getMe")
        except Exception as exc:
            assert type(exc).__name__ == "NetworkError"
        assert liveness.api_failing_for() == dt.timedelta(0)
    finally:
        await dead.shutdown()


async def test_status_for_a_person(
    server: FakeTelegram, settings: Settings, clock: FakeClock
) -> None:
    renderer = Renderer()
    text, well = await status_text(settings, clock, renderer)  # no database yet
    assert not well
    assert "Le bot ne tourne pas" in text and "Base de données : injoignable" in text
    services = build_services(settings, clock)
    await services.db.connect()
    await add_due_row(services, "due", NOW)
    await services.db.close()
    text, well = await status_text(settings, clock, renderer)
    assert "Base de données : joignable" in text
    assert "1 à envoyer maintenant, 1 en attente, 0 en échec définitif" in text
    assert "Dernier appel réussi à Telegram : inconnu" in text
    # the running bot writes the facts of the process in the heartbeat file
    with InstanceLock(settings.database):  # as `python -m bot run` holds it
        async with served_bot(server, settings, OpsSettings(), clock) as app:
            heartbeat = services_of(app).ops.heartbeat
            await wait_for(lambda: _written(settings), 10, "heartbeat written at start-up")
            text, well = await status_text(settings, clock, renderer)
            assert "Bot en marche : oui (long polling)" in text
            assert "Dernier appel réussi à Telegram : 25/11/2026 10:00:00" in text  # Paris time
            assert heartbeat.path.name == "t.db.health.json"
    facts = read_heartbeat(settings.database)
    assert facts["last_api_success"] == NOW and facts["last_update"] is None


async def _written(settings: Settings) -> bool:
    return read_heartbeat(settings.database)["written_at"] is not None


async def test_status_command(server: FakeTelegram, tmp_path: Path) -> None:
    env = bot_process_env(server, tmp_path / "s.db")
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "status", cwd=ROOT, env=env, stdout=asyncio.subprocess.PIPE
    )
    stdout, _ = await process.communicate()
    assert process.returncode == 1  # not running
    assert "Le bot ne tourne pas sur cette base." in stdout.decode()
    assert "&" not in stdout.decode()
