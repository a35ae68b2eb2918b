"""The outbox through the real Application and the local Bot API, with an injected clock."""

from __future__ import annotations

import datetime as dt
from typing import Any

from bot.app import App
from bot.config import Settings
from bot.fakeapi import FakeTelegram, FakeUser
from bot.kernel.actions import Response
from bot.kernel.clock import FakeClock
from bot.outbox.dispatcher import RunStats
from bot.outbox.kinds import MessageKind
from bot.outbox.store import OutboxRow, cancel, schedule
from bot.services import Services
from tests.botharness import Chat, running_bot, services_of
from tests.test_screening_e2e import begin

UTC = dt.UTC


async def hello(row: OutboxRow) -> Response | None:
    if row.payload.get("skip"):
        return None
    return Response().send(f"Bonjour n°{row.payload.get('n', 0)}")


REPAIRS: list[str] = []  # what the "test.repair" kind was told of its 400s


async def repair(row: OutboxRow, description: str) -> bool:
    """A kind that can repair a 400 (as a relay forgets a forum topic deleted by hand)."""
    REPAIRS.append(description)
    return "repairable" in description.lower()


# The outbox's own test kinds, given to the dispatcher at construction like every feature's.
TEST_KINDS = [
    MessageKind("test.hello", hello),
    MessageKind("test.once", hello, at_most_once=True),
    MessageKind("test.repair", hello, rejected=repair),
]


async def run(app: App) -> RunStats:
    return await services_of(app).outbox.run_once(app.bot)


async def add(services: Services, **kwargs: Any) -> bool:
    async with services.db.transaction() as conn:
        return await schedule(conn, **kwargs)


async def state(services: Services, key: str) -> tuple[str, str | None, int]:
    row = await services.outbox.store.by_key(key)
    assert row is not None
    return row.state, row.last_error, row.attempts


async def opened(server: FakeTelegram, user: FakeUser) -> None:
    """The person starts the bot (Telegram only lets a bot write to people who did)."""
    server.send_command(user, "start")
    await server.wait_for_message(user.id, after=0, predicate=lambda m: "Avant" in m.plain_text)


def texts(server: FakeTelegram, chat_id: int) -> list[str]:
    return [m.plain_text for m in server.messages(chat_id)]


async def test_due_rows_are_sent_once_and_keys_are_unique(
    server: FakeTelegram, settings: Settings, clock: FakeClock
) -> None:
    user = server.new_user()
    async with running_bot(server, settings, clock, kinds=TEST_KINDS) as app:
        await opened(server, user)
        services = services_of(app)
        now = clock.now()  # 09:00 UTC = 10:00 Paris, inside the window
        later = now + dt.timedelta(hours=1)
        assert await add(
            services, key="k1", kind="test.hello", chat_id=user.id, due_at=later, payload={"n": 1}
        )
        assert not await add(
            services, key="k1", kind="test.hello", chat_id=user.id, due_at=now, payload={"n": 99}
        )
        await run(app)
        assert "Bonjour n°1" not in texts(server, user.id)
        clock.advance(dt.timedelta(hours=1))
        stats = await run(app)
        assert stats.sent == 1
        await run(app)
        assert texts(server, user.id).count("Bonjour n°1") == 1
        assert (await state(services, "k1"))[0] == "sent"
        # cancel() only touches pending rows, by subject
        await add(
            services,
            key="k2",
            kind="test.hello",
            chat_id=user.id,
            due_at=later,
            subject="booking:1",
        )
        await add(
            services,
            key="k3",
            kind="test.hello",
            chat_id=user.id,
            due_at=later,
            subject="booking:1",
        )
        async with services.db.transaction() as conn:
            assert await cancel(conn, reason="booking_cancelled", subject="booking:1") == 2
            assert await cancel(conn, reason="again", subject="booking:1") == 0
            assert await cancel(conn, reason="sent", key="k1") == 0
        assert await state(services, "k2") == ("cancelled", "booking_cancelled", 0)


async def test_not_after_quiet_hours_and_render_none(
    server: FakeTelegram, settings: Settings, clock: FakeClock
) -> None:
    user = server.new_user()
    clock.set(dt.datetime(2026, 11, 25, 21, 0, tzinfo=UTC))  # 22:00 in Paris: quiet
    async with running_bot(server, settings, clock, kinds=TEST_KINDS) as app:
        await opened(server, user)
        services = services_of(app)
        now = clock.now()
        await add(
            services, key="night", kind="test.hello", chat_id=user.id, due_at=now, payload={"n": 1}
        )
        await add(
            services,
            key="late",
            kind="test.hello",
            chat_id=user.id,
            due_at=now,
            payload={"n": 2},
            not_after=now + dt.timedelta(hours=2),
        )
        await add(
            services,
            key="interactive",
            kind="test.hello",
            chat_id=user.id,
            due_at=now,
            payload={"n": 3},
            quiet_hours=False,
        )
        await add(
            services,
            key="expired",
            kind="test.hello",
            chat_id=user.id,
            due_at=now - dt.timedelta(hours=3),
            not_after=now - dt.timedelta(hours=1),
        )
        await add(
            services,
            key="skip",
            kind="test.hello",
            chat_id=user.id,
            due_at=now,
            payload={"skip": True},
            quiet_hours=False,
        )
        stats = await run(app)
        assert texts(server, user.id).count("Bonjour n°3") == 1
        assert "Bonjour n°1" not in texts(server, user.id)
        assert await state(services, "late") == ("dropped", "quiet_hours_too_late", 0)
        assert await state(services, "expired") == ("dropped", "expired", 0)
        assert (await state(services, "skip"))[:2] == ("dropped", "not_needed")
        assert stats.deferred == 1
        row = await services.outbox.store.by_key("night")
        assert row is not None and row.state == "pending"
        assert row.due_at == dt.datetime(2026, 11, 26, 8, 0, tzinfo=UTC)  # 09:00 in Paris
        clock.set(dt.datetime(2026, 11, 26, 8, 0, tzinfo=UTC))
        await run(app)
        assert texts(server, user.id).count("Bonjour n°1") == 1


async def test_429_then_success_and_5xx_backoff(
    server: FakeTelegram, settings: Settings, clock: FakeClock
) -> None:
    user = server.new_user()
    async with running_bot(server, settings, clock, kinds=TEST_KINDS) as app:
        await opened(server, user)
        services = services_of(app)
        now = clock.now()
        server.inject_fault("sendMessage", status=429, retry_after=1, chat_id=user.id)
        await add(
            services, key="a", kind="test.hello", chat_id=user.id, due_at=now, payload={"n": 1}
        )
        await run(app)
        assert texts(server, user.id).count("Bonjour n°1") == 1  # the limiter retried
        assert await state(services, "a") == ("sent", None, 1)

        server.inject_fault("sendMessage", status=502, times=2, chat_id=user.id)
        await add(
            services, key="b", kind="test.hello", chat_id=user.id, due_at=now, payload={"n": 2}
        )
        await run(app)
        row = await services.outbox.store.by_key("b")
        assert row is not None and row.state == "pending" and row.attempts == 1
        assert row.due_at == now + dt.timedelta(seconds=30)
        clock.advance(dt.timedelta(seconds=30))
        await run(app)
        row = await services.outbox.store.by_key("b")
        assert row is not None and row.state == "pending" and row.attempts == 2
        assert row.due_at == clock.now() + dt.timedelta(seconds=60)  # exponential
        clock.advance(dt.timedelta(seconds=60))
        await run(app)
        assert await state(services, "b") == ("sent", "network", 3)
        assert texts(server, user.id).count("Bonjour n°2") == 1

        # bounded: a chat that always fails gives up after max_attempts
        server.inject_fault("sendMessage", status=500, times=100, chat_id=user.id)
        await add(services, key="c", kind="test.hello", chat_id=user.id, due_at=clock.now())
        for _ in range(6):
            await run(app)
            clock.advance(dt.timedelta(hours=1))
        assert await state(services, "c") == ("failed", "network_gave_up", 5)
        server.clear_faults()


async def test_403_marks_unreachable_and_cancels_pending(
    server: FakeTelegram, settings: Settings, clock: FakeClock
) -> None:
    user = server.new_user()
    chat = Chat(server, user)
    async with running_bot(server, settings, clock, kinds=TEST_KINDS) as app:
        services = services_of(app)
        await begin(chat)
        candidate = await services.candidates.by_telegram_id(user.id)
        assert candidate is not None
        now = clock.now()
        await add(
            services,
            key="x",
            kind="test.hello",
            chat_id=user.id,
            due_at=now,
            candidate_id=candidate.id,
        )
        await add(
            services,
            key="y",
            kind="test.hello",
            chat_id=user.id,
            due_at=now + dt.timedelta(days=1),
            candidate_id=candidate.id,
        )
        server.deactivate_user(user)
        await run(app)
        assert await state(services, "x") == ("failed", "forbidden", 1)
        assert await state(services, "y") == ("cancelled", "unreachable", 0)
        events = [e["kind"] for e in await services.candidates.events(candidate.id)]
        assert "unreachable" in events


async def test_a_400_the_kind_repaired_is_tried_again_within_max_attempts(
    server: FakeTelegram, settings: Settings, clock: FakeClock
) -> None:
    user = server.new_user()
    REPAIRS.clear()
    async with running_bot(server, settings, clock, kinds=TEST_KINDS) as app:
        await opened(server, user)
        services = services_of(app)
        server.inject_fault(
            "sendMessage", status=400, description="Bad Request: repairable", chat_id=user.id
        )
        await add(services, key="r", kind="test.repair", chat_id=user.id, due_at=clock.now())
        await run(app)
        assert await state(services, "r") == ("pending", "repaired", 1)
        await run(app)  # due at once, no back-off
        assert await state(services, "r") == ("sent", "repaired", 2)
        assert texts(server, user.id).count("Bonjour n°0") == 1
        # a 400 the kind cannot repair fails the row, as for any kind
        server.inject_fault(
            "sendMessage", status=400, description="Bad Request: hopeless", chat_id=user.id
        )
        await add(services, key="h", kind="test.repair", chat_id=user.id, due_at=clock.now())
        await run(app)
        assert await state(services, "h") == ("failed", "bad_request", 1)
        # repaired again and again: bounded by max_attempts
        server.inject_fault(
            "sendMessage",
            status=400,
            description="Bad Request: repairable",
            times=100,
            chat_id=user.id,
        )
        await add(services, key="l", kind="test.repair", chat_id=user.id, due_at=clock.now())
        for _ in range(6):
            await run(app)
        assert await state(services, "l") == ("failed", "repaired_gave_up", 5)
        assert REPAIRS[:2] == ["Repairable", "Hopeless"]
        server.clear_faults()
