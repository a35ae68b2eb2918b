"""Blocked, then back: the messages still ahead return, those that fell due meanwhile do not."""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest

from bot.alumni.rules import SURVEY_KIND
from bot.config import Settings
from bot.fakeapi import FakeTelegram
from bot.kernel.clock import FakeClock
from bot.outbox.store import schedule
from bot.reachability import store as people
from bot.services import Services
from tests.botharness import running_bot
from tests.test_sessions_e2e import FRIDAY_14H, dispatch, eligible, new_session, svc
from tests.test_staff_service import seed_candidate

UTC = dt.UTC


async def test_unblocking_brings_back_the_reminders_still_ahead(
    server: FakeTelegram, settings: Settings, clock: FakeClock
) -> None:
    async with running_bot(server, settings, clock) as app:
        services = svc(app)
        session_id = await new_session(services)  # Friday 14:00 Paris
        chat = await eligible(server, services, "Léa")
        await chat.command("reunion", "Choisis le créneau")
        labels = [b.text for row in chat.last_with_buttons().buttons for b in row]
        await chat.press(labels[0], expect="C'est réservé")
        candidate = await services.candidates.by_telegram_id(chat.user.id)
        assert candidate is not None
        # A message that will have fallen due by the time they come back.
        async with services.db.transaction() as conn:
            await schedule(
                conn,
                key="test:soon",
                kind="test.soon",
                chat_id=chat.user.id,
                candidate_id=candidate.id,
                due_at=clock.now() + dt.timedelta(hours=1),
                now=clock.now(),
            )

        server.block_bot(chat.user)
        await wait_for_state(services, candidate.id, unreachable=True)
        rows = await services.db.fetchall(
            "SELECT kind, state, last_error FROM outbox WHERE candidate_id = ?", (candidate.id,)
        )
        assert {r[0] for r in rows if r[1] == "cancelled" and r[2] == "unreachable"} >= {
            "sessions.reminder_j1",
            "sessions.reminder_2h",
            "test.soon",
        }

        clock.advance(dt.timedelta(hours=3))  # Wednesday 13:00 Paris: test.soon is past
        server.unblock_bot(chat.user)
        await wait_for_state(services, candidate.id, unreachable=False)
        rows = await services.db.fetchall(
            "SELECT kind, state FROM outbox WHERE candidate_id = ?", (candidate.id,)
        )
        states = {str(r[0]): str(r[1]) for r in rows}
        assert states["sessions.reminder_j1"] == "pending"
        assert states["sessions.reminder_2h"] == "pending"
        assert states["test.soon"] == "cancelled"
        kinds = [e["kind"] for e in await services.candidates.events(candidate.id)]
        assert kinds[-2:] == ["unreachable", "reachable"]

        # The J-1 reminder arrives on time, once.
        clock.set(dt.datetime(2026, 11, 26, 13, 0, tzinfo=UTC))
        await dispatch(app)
        await chat.expect("Rappel : ta réunion")
        await dispatch(app)
        assert sum("Rappel : ta réunion" in m.plain_text for m in chat.messages) == 1
        assert session_id > 0


async def test_a_row_superseded_while_blocked_does_not_come_back(
    settings: Settings, clock: FakeClock, server: FakeTelegram
) -> None:
    async with running_bot(server, settings, clock) as app:
        services = svc(app)
        chat = await eligible(server, services, "Inès")
        candidate = await services.candidates.by_telegram_id(chat.user.id)
        assert candidate is not None
        due = FRIDAY_14H - dt.timedelta(days=1)
        async with services.db.transaction() as conn:
            await schedule(
                conn,
                key="r:old",
                kind="sessions.reminder_j1",
                subject="booking:1",
                chat_id=chat.user.id,
                candidate_id=candidate.id,
                due_at=due,
                now=clock.now(),
            )
        await people.mark_unreachable(
            services.db, chat_id=chat.user.id, now=clock.now(), cause="test"
        )
        async with services.db.transaction() as conn:  # staff moved the session meanwhile
            await schedule(
                conn,
                key="r:new",
                kind="sessions.reminder_j1",
                subject="booking:1",
                chat_id=chat.user.id,
                candidate_id=candidate.id,
                due_at=due + dt.timedelta(hours=2),
                now=clock.now(),
            )
        restored = await people.mark_reachable(services.db, chat_id=chat.user.id, now=clock.now())
        rows = await services.db.fetchall(
            "SELECT key, state FROM outbox WHERE candidate_id = ? ORDER BY id", (candidate.id,)
        )
        assert restored == 0
        assert [(str(r[0]), str(r[1])) for r in rows] == [
            ("r:old", "cancelled"),
            ("r:new", "pending"),
        ]


async def wait_for_state(services: Services, candidate_id: int, *, unreachable: bool) -> None:
    """The my_chat_member update is handled in the bot's own time: poll the database briefly."""
    for _ in range(100):
        state = await people.reachability(services.db, candidate_id)
        if state is not None and state.unreachable == unreachable:
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"candidate never became unreachable={unreachable}")


async def test_an_alumnus_who_unblocks_gets_the_next_surveys(
    server: FakeTelegram, settings: Settings, clock: FakeClock
) -> None:
    async with running_bot(server, settings, clock) as app:
        services = svc(app)
        user = server.new_user("Bilal")
        server._open_private(user)
        cid = await seed_candidate(services.candidates, clock.now(), user.id, name="Bilal")
        assert await services.alumni.exits.mark_exit(
            cid, site="gonesse", cohort="Promo Test", exit_date=clock.now().date()
        )
        server.block_bot(user)
        await wait_for_state(services, cid, unreachable=True)
        pending = await services.db.fetchone(
            "SELECT count(*) FROM outbox WHERE candidate_id = ? AND state = 'pending'", (cid,)
        )
        assert pending is not None and pending[0] == 0

        clock.advance(dt.timedelta(days=20))  # J0 and its reminders fell due meanwhile
        server.unblock_bot(user)
        await wait_for_state(services, cid, unreachable=False)
        rows = await services.db.fetchall(
            "SELECT json_extract(payload, '$.m') AS m, state FROM outbox"
            " WHERE candidate_id = ? AND kind = ?",
            (cid, SURVEY_KIND),
        )
        back = {int(r["m"]) for r in rows if r["state"] == "pending"}
        assert back == {3, 6, 12}  # the surveys still ahead; J0's are not sent late
        assert len([r for r in rows if r["state"] == "pending"]) == 9  # surveys and reminders

        clock.set(dt.datetime(2027, 2, 25, 9, 0, tzinfo=UTC))  # exit + 3 months, 10:00 Paris
        seen = len(server.messages(user.id))
        await dispatch(app)
        message = await server.wait_for_message(user.id, after=seen, timeout=5)
        assert "3 mois" in message.plain_text


async def test_a_failing_body_still_closes_the_database(
    server: FakeTelegram, settings: Settings, clock: FakeClock
) -> None:
    """Otherwise aiosqlite's non-daemon thread keeps the process (a failing test suite) alive."""
    with pytest.raises(LookupError):
        async with running_bot(server, settings, clock) as app:
            services = svc(app)
            raise LookupError("a failing test")
    with pytest.raises(RuntimeError, match="connect"):
        _ = services.db.conn
