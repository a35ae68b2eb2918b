"""A row rendered as several messages (a long weekly digest): sent one by one, each recorded, so
that a retry after a 429, a network error or a crash never sends one of them twice."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from zoneinfo import ZoneInfo

from bot.core.schedule import Window
from bot.kernel.actions import Response, Send
from bot.kernel.clock import FakeClock
from bot.outbox.dispatcher import Dispatcher
from bot.outbox.errors import TooManyRequests, Unavailable
from bot.outbox.kinds import MessageKind
from bot.outbox.store import PARTS_SENT, OutboxRow, OutboxStore, schedule
from bot.services import Services

CHAT = 4242


async def four_parts(row: OutboxRow) -> Response:
    response = Response()
    for n in range(1, 5):
        response.send(f"partie {n}")
    return response


class FlakyChat:
    """A Bot API that fails the calls numbered in `failures` (counting every call) once."""

    def __init__(self, failures: dict[int, Exception]) -> None:
        self.failures = failures
        self.calls = 0
        self.received: list[str] = []

    async def perform(
        self, bot: object, chat_id: int, response: Response, bulk: bool
    ) -> Sequence[int]:
        self.calls += 1
        failure = self.failures.pop(self.calls, None)
        if failure is not None:
            raise failure
        texts = [a.text for a in response.actions if isinstance(a, Send)]
        self.received.extend(texts)
        return list(range(len(self.received) - len(texts), len(self.received)))


def dispatcher(services: Services, clock: FakeClock, chat: FlakyChat) -> Dispatcher:
    return Dispatcher(
        store=OutboxStore(services.db),
        clock=clock,
        window=Window.parse("00:00-00:00"),
        timezone=ZoneInfo("Europe/Paris"),
        perform=chat.perform,
        kinds=[MessageKind("test.parts", four_parts)],
        backoff_base=dt.timedelta(seconds=1),
    )


async def add(services: Services, clock: FakeClock, key: str) -> None:
    async with services.db.transaction() as conn:
        await schedule(
            conn, key=key, kind="test.parts", chat_id=CHAT, due_at=clock.now(), bulk=False
        )


async def test_a_429_then_a_network_error_mid_row_send_no_part_twice(
    services: Services, clock: FakeClock
) -> None:
    chat = FlakyChat({2: TooManyRequests(3), 4: Unavailable()})
    outbox = dispatcher(services, clock, chat)
    await add(services, clock, "digest:parts")
    await outbox.run_once(None)
    row = await outbox.store.by_key("digest:parts")
    assert row is not None and row.state == "pending" and row.payload[PARTS_SENT] == 1
    assert chat.received == ["partie 1"]
    clock.advance(dt.timedelta(seconds=3))
    await outbox.run_once(None)  # part 2 goes, part 3 meets a network error
    assert chat.received == ["partie 1", "partie 2"]
    clock.advance(dt.timedelta(minutes=5))
    await outbox.run_once(None)
    assert chat.received == ["partie 1", "partie 2", "partie 3", "partie 4"]
    row = await outbox.store.by_key("digest:parts")
    assert row is not None and row.state == "sent" and row.payload[PARTS_SENT] == 4
    await outbox.run_once(None)
    assert len(chat.received) == 4


async def test_a_crash_mid_row_resumes_after_the_last_part_recorded(
    services: Services, clock: FakeClock
) -> None:
    chat = FlakyChat({})
    outbox = dispatcher(services, clock, chat)
    await add(services, clock, "digest:crash")
    row = await outbox.store.by_key("digest:crash")
    assert row is not None and await outbox.store.claim(row.id, clock.now())
    # the process sent two parts, recorded them, then died: the row stays 'sending'
    await outbox.store.parts_sent(row.id, 2)
    restarted = dispatcher(services, clock, chat)
    await restarted.run_once(None)  # recovery puts it back to pending, at its due time
    await restarted.run_once(None)
    assert chat.received == ["partie 3", "partie 4"]
    done = await outbox.store.by_key("digest:crash")
    assert done is not None and done.state == "sent"


async def test_a_row_of_one_message_is_sent_as_before(services: Services, clock: FakeClock) -> None:
    chat = FlakyChat({})

    async def one(row: OutboxRow) -> Response:
        return Response().send("seul")

    outbox = Dispatcher(
        store=OutboxStore(services.db),
        clock=clock,
        window=Window.parse("00:00-00:00"),
        timezone=ZoneInfo("Europe/Paris"),
        perform=chat.perform,
        kinds=[MessageKind("test.parts", one)],
    )
    await add(services, clock, "one")
    await outbox.run_once(None)
    row = await outbox.store.by_key("one")
    assert chat.received == ["seul"] and row is not None and PARTS_SENT not in row.payload
