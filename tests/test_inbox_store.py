"""The inbox (issue 14): written once per update_id, marked applied in the transaction of the
handler's changes (never by a rolled-back one), done, taken up once in order at start, pruned
after a day, and erased with the person (pending rows included)."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from bot.inbox.service import KEEP, MAX_ATTEMPTS
from bot.kernel.clock import FakeClock
from bot.services import Services

LEA = 1001


def payload(update_id: int, chat_id: int = LEA, text: str = "Léa") -> str:
    return json.dumps({"update_id": update_id, "message": {"chat": {"id": chat_id}, "text": text}})


async def states(services: Services) -> dict[int, str]:
    rows = await services.db.fetchall("SELECT update_id, state FROM inbox ORDER BY update_id")
    return {int(r["update_id"]): str(r["state"]) for r in rows}


async def test_an_update_is_written_once(services: Services) -> None:
    inbox = services.inbox
    assert await inbox.record(7, LEA, payload(7))
    assert not await inbox.record(7, LEA, payload(7))  # delivered again: not handled twice
    assert not await inbox.record(7, LEA, payload(7, text="other"))  # pending: the first kept
    assert await states(services) == {7: "pending"}
    await inbox.done(7)
    assert not await inbox.record(7, LEA, payload(7))  # done, delivered again: not twice
    # the same id, something else (ids start again, or are picked at random): a new update
    assert await inbox.record(7, LEA, payload(7, text="other"))
    assert await states(services) == {7: "pending"}


async def test_applied_with_the_changes_of_its_handler_only(services: Services) -> None:
    inbox = services.inbox
    for update_id in (1, 2, 3, 4):
        await inbox.record(update_id, LEA, payload(update_id))
    candidate = await services.candidates.create(
        telegram_id=LEA,
        chat_id=LEA,
        language="fr",
        source=None,
        consent_version="x",
        now=services.clock.now(),
    )
    token = inbox.applying.enter(1)
    try:  # a transaction of the handler of update 1: it commits, so does the mark
        await services.candidates.save_answer(candidate.id, "site", "gonesse", services.clock.now())
    finally:
        inbox.applying.leave(token)
    token = inbox.applying.enter(2)
    try:  # a transaction of the handler of update 2 rolled back: still pending
        with pytest.raises(RuntimeError):
            async with services.db.transaction() as conn:
                await conn.execute(
                    "UPDATE candidates SET language = 'en' WHERE id = ?", (candidate.id,)
                )
                raise RuntimeError("handler failed")
    finally:
        inbox.applying.leave(token)
    token = inbox.applying.enter(3)
    try:  # a statement outside any transaction commits with its mark too
        await services.db.execute(
            "UPDATE candidates SET language = 'fr' WHERE id = ?", (candidate.id,)
        )
    finally:
        inbox.applying.leave(token)
    # no update being handled (a job, the outbox): nothing marked
    await services.candidates.save_answer(candidate.id, "site", "sarcelles", services.clock.now())
    assert await states(services) == {1: "applied", 2: "pending", 3: "applied", 4: "pending"}
    await inbox.done(1)
    assert (await states(services))[1] == "done"


async def test_taken_up_once_in_order_then_given_up(services: Services) -> None:
    inbox = services.inbox
    for update_id in (5, 3, 4, 9):
        await inbox.record(update_id, LEA if update_id != 9 else None, payload(update_id))
    token = inbox.applying.enter(4)
    try:
        await services.db.execute("UPDATE inbox SET received_at = received_at WHERE 0")
    finally:
        inbox.applying.leave(token)
    await inbox.done(9)
    entries = await inbox.take_up()
    assert [e.update_id for e in entries] == [3, 4, 5]
    assert [e.applied for e in entries] == [False, True, False]
    assert inbox.to_resume == {4}  # answered with where the person stands, not handled again
    for _ in range(MAX_ATTEMPTS - 1):  # a crash loop: each start takes them up again...
        assert [e.update_id for e in await inbox.take_up()] == [3, 4, 5]
    assert await inbox.take_up() == []  # ...until they are given up
    assert set((await states(services)).values()) == {"done"}


async def test_done_updates_are_pruned_after_a_day(services: Services, clock: FakeClock) -> None:
    inbox = services.inbox
    for update_id in (1, 2, 3):
        await inbox.record(update_id, LEA, payload(update_id))
    await inbox.done(1)
    clock.advance(dt.timedelta(hours=12))
    await inbox.done(2)
    clock.advance(KEEP - dt.timedelta(hours=12) + dt.timedelta(seconds=1))
    assert await inbox.prune() == 1
    assert await states(services) == {2: "done", 3: "pending"}  # never a pending one
    clock.advance(dt.timedelta(hours=12))
    assert await inbox.prune() == 1
    assert await states(services) == {3: "pending"}


async def test_erased_with_the_person_pending_rows_included(services: Services) -> None:
    inbox = services.inbox
    await inbox.record(1, LEA, payload(1))
    await inbox.record(2, LEA, payload(2))
    await inbox.record(3, 2002, payload(3, chat_id=2002, text="Zoé"))
    await inbox.done(1)
    candidate = await services.candidates.create(
        telegram_id=LEA,
        chat_id=LEA,
        language="fr",
        source=None,
        consent_version="x",
        now=services.clock.now(),
    )
    await services.candidates.erase(candidate.id, services.clock.now(), "asked")
    assert await states(services) == {3: "pending"}
