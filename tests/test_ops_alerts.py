"""Alerts to people (issue 14, item 7): to the staff group or the admins, at most one per kind per
hour on the injected clock, no personal data; an error in a handler reaches the staff group
through the fake Bot API."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json

import pytest
from telegram import Update
from telegram.error import Forbidden, TimedOut
from telegram.ext import CommandHandler, ContextTypes

from bot.config import Settings, StaffMember
from bot.fakeapi import FakeTelegram
from bot.kernel.clock import FakeClock
from bot.ops.alerts import Alerts, safe_facts
from bot.outbox.store import FAILED, schedule
from bot.services import Services
from bot.telegram.serving import alert_error, feature_of
from tests.botharness import handled, running_bot, services_of, with_staff

STAFF_GROUP = -1001234567890


def alerts_of(services: Services, settings: Settings) -> Alerts:
    """The service's own Alerts with other settings (who is told)."""
    a = services.ops.alerts
    return Alerts(
        db=a.db,
        store=a.store,
        renderer=a.renderer,
        clock=a.clock,
        settings=settings,
        liveness=a.liveness,
    )


async def alert_rows(services: Services) -> list[tuple[int, str, dict[str, object]]]:
    rows = await services.db.fetchall(
        "SELECT chat_id, payload FROM outbox WHERE kind = 'ops.alert' ORDER BY id", ()
    )
    return [(int(r[0]), json.loads(r[1])["alert"], json.loads(r[1])["facts"]) for r in rows]


async def test_one_alert_per_kind_per_hour(
    services: Services, settings: Settings, clock: FakeClock
) -> None:
    alerts = alerts_of(services, dataclasses.replace(settings, staff_chat_id=STAFF_GROUP))
    assert await alerts.raise_alert("backup_failed", {"error": "OSError", "step": "copy"})
    clock.advance(dt.timedelta(minutes=59))
    assert not await alerts.raise_alert("backup_failed", {"error": "OSError"})  # within the hour
    assert await alerts.raise_alert("job_error", {"job": "outbox", "error": "KeyError"})  # other
    clock.advance(dt.timedelta(minutes=1))
    assert await alerts.raise_alert("backup_failed", {"error": "PermissionError"})
    assert await alert_rows(services) == [
        (STAFF_GROUP, "backup_failed", {"error": "OSError", "step": "copy"}),
        (STAFF_GROUP, "job_error", {"job": "outbox", "error": "KeyError"}),
        (STAFF_GROUP, "backup_failed", {"error": "PermissionError"}),
    ]
    # the limit holds across a restart: a new Alerts reads the last one from the outbox
    clock.advance(dt.timedelta(minutes=30))
    assert not await alerts_of(services, alerts.settings).raise_alert("backup_failed", {})
    with pytest.raises(ValueError, match="unknown alert kind"):
        await alerts.raise_alert("disk_full", {})


async def test_admins_private_chats_without_a_staff_group(
    services: Services, settings: Settings
) -> None:
    staff = with_staff(
        settings,
        StaffMember(11, "admin"),
        StaffMember(12, "admin"),
        StaffMember(13, "staff", frozenset({"gonesse"})),
    )
    alerts = alerts_of(services, staff)
    assert alerts.targets() == [11, 12]  # admins only
    assert await alerts.raise_alert("handler_error", {"update_id": 5, "error": "KeyError"})
    assert [chat for chat, _, _ in await alert_rows(services)] == [11, 12]
    nobody = alerts_of(services, settings)
    assert nobody.targets() == []
    assert not await nobody.raise_alert("job_error", {})  # logged, nobody to tell


def test_no_personal_data_in_facts() -> None:
    assert safe_facts(
        {
            "update_id": 42,
            "error": "KeyError",
            "feature": "Léa Martin",  # a name: accents
            "job": "x\ny",  # newlines
            "kinds": "a" * 201,  # too long
            "first_name": "Lea",  # an unknown key
            "count": 3.0,
            "step": True,
        }
    ) == {"update_id": 42, "error": "KeyError", "count": 3, "step": "true"}


async def test_api_down_and_outbox_failures_watched(
    services: Services, settings: Settings, clock: FakeClock
) -> None:
    alerts = alerts_of(services, dataclasses.replace(settings, staff_chat_id=STAFF_GROUP))
    start = clock.now()
    alerts.liveness.api_failed()
    clock.advance(dt.timedelta(minutes=4, seconds=59))
    assert await alerts.watch(clock.now()) == 0
    clock.advance(dt.timedelta(seconds=1))
    assert await alerts.watch(clock.now()) == 1
    assert await alerts.watch(clock.now()) == 0  # once per hour
    alerts.liveness.api_ok()
    # rows failing for good after the start: counted by kind and reason; a blocked person and
    # the alerts themselves are not failures to tell
    async with services.db.transaction() as conn:
        for key, kind in (("a", "sessions.reminder"), ("b", "sessions.reminder"), ("c", "x.y")):
            await schedule(conn, key=key, kind=kind, chat_id=1, due_at=start, now=start)
        await schedule(conn, key="d", kind="x.y", chat_id=2, due_at=start, now=start)
    for key, reason in (("a", "bad_request"), ("b", "bad_request"), ("c", "timeout_unknown")):
        row = await services.outbox.store.by_key(key)
        assert row is not None
        await services.outbox.store.finish(row.id, FAILED, clock.now(), reason)
    row = await services.outbox.store.by_key("d")
    assert row is not None
    await services.outbox.store.finish(row.id, FAILED, clock.now(), "forbidden")
    clock.advance(dt.timedelta(seconds=5))
    assert await alerts.watch(clock.now()) == 1
    assert (await alert_rows(services))[-1] == (
        STAFF_GROUP,
        "outbox_failed",
        {
            "count": 3,
            "kinds": "sessions.reminder 2, x.y 1",
            "reasons": "bad_request 2, timeout_unknown 1",
        },
    )
    assert await alerts.watch(clock.now()) == 0  # told already
    assert [kind for _, kind, _ in await alert_rows(services)] == ["api_down", "outbox_failed"]
    assert (await alert_rows(services))[0][2] == {"minutes": 5}


def test_feature_of_an_error() -> None:
    def raise_in(module: str) -> BaseException:
        code = compile("def boom():\n    raise KeyError('x')\n", module, "exec")
        namespace: dict[str, object] = {"__name__": module}
        exec(code, namespace)
        try:
            namespace["boom"]()  # type: ignore[operator]
        except KeyError as exc:
            return exc
        raise AssertionError

    assert feature_of(raise_in("bot.sessions.booking")) == "sessions"
    assert feature_of(raise_in("bot.telegram.io")) == "bot"
    assert feature_of(None) == "bot"


async def test_an_error_in_a_handler_reaches_the_staff_group(
    server: FakeTelegram, settings: Settings, clock: FakeClock
) -> None:
    staff_chat = STAFF_GROUP
    settings = dataclasses.replace(settings, staff_chat_id=staff_chat, outbox_interval=0.2)
    async with running_bot(server, settings, clock) as app:
        server.send_group_text(server.new_user("Nadia"), STAFF_GROUP, "bonjour")  # a known group

        async def boom(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
            raise KeyError("Léa Martin")  # a text the alert must not carry

        app.add_handler(CommandHandler("boom", boom), group=-50)
        user = server.new_user("Léa")
        first = server.send_command(user, "boom")
        await server.wait_until(lambda: bool(server.messages(staff_chat)), 10)
        (message,) = server.messages(staff_chat)
        assert "erreur" in message.plain_text
        assert f"Mise à jour : {first}" in message.plain_text
        assert "KeyError" in message.plain_text
        assert "Léa" not in message.plain_text and "Martin" not in message.plain_text
        second = server.send_command(user, "boom")  # again within the hour: no second alert
        await handled(server, app, second)  # its error handler ran (it is awaited in line)
        rows = await alert_rows(services_of(app))
        assert len(rows) == 1


async def test_a_job_error_alert(services: Services, settings: Settings) -> None:
    alerts = alerts_of(services, dataclasses.replace(settings, staff_chat_id=STAFF_GROUP))

    class FakeJob:
        name = "retention_purge"

    await alert_error(alerts, None, RuntimeError("x"), FakeJob())  # type: ignore[arg-type]
    # Telegram's network trouble and a blocked person are not bugs: no alert (api_down tells)
    await alert_error(alerts, None, TimedOut(), None)
    await alert_error(alerts, None, Forbidden("Forbidden: bot was blocked by the user"), None)
    assert await alert_rows(services) == [
        (STAFF_GROUP, "job_error", {"job": "retention_purge", "error": "RuntimeError"})
    ]
