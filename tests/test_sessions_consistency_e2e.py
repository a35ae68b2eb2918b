"""A booking does not outlive what it was made for (issue 12, part 4): /recommencer while booked
says so and cancels the booking and its reminders; a move past the sessions does the same; the
freed seat goes to the waiting list. Through the fake Bot API, on a FakeClock."""

from __future__ import annotations

import datetime as dt

from bot.config import Settings
from bot.core.pipeline import Stage
from bot.fakeapi import FakeTelegram
from bot.kernel.clock import FakeClock
from bot.services import Services
from tests.botharness import Chat, running_bot
from tests.botharness import services_of as svc
from tests.test_sessions_e2e import dispatch, eligible, new_session


async def booked(services: Services, chat: Chat) -> int:
    await chat.command("reunion", "Choisis le créneau")
    await chat.press(chat.last_with_buttons().buttons[0][0].text, expect="C'est réservé")
    candidate = await services.candidates.by_telegram_id(chat.user.id)
    assert candidate is not None
    return candidate.id


async def pending_reminders(services: Services, candidate_id: int) -> list[str]:
    rows = await services.db.fetchall(
        "SELECT kind FROM outbox WHERE candidate_id = ? AND state = 'pending'"
        " AND kind LIKE 'sessions.reminder%' ORDER BY kind",
        (candidate_id,),
    )
    return [str(r[0]) for r in rows]


async def live_bookings(services: Services, candidate_id: int) -> int:
    row = await services.db.fetchone(
        "SELECT COUNT(*) FROM bookings WHERE candidate_id = ? AND status = 'booked'",
        (candidate_id,),
    )
    return int(row[0]) if row else 0


async def test_restart_while_booked_says_so_and_cancels_the_booking(
    server: FakeTelegram, settings: Settings, clock: FakeClock
) -> None:
    async with running_bot(server, settings, clock) as app:
        services = svc(app)
        await new_session(services, capacity=1)
        lea = await eligible(server, services, "Léa")
        lea_id = await booked(services, lea)
        assert await pending_reminders(services, lea_id) == [
            "sessions.reminder_2h",
            "sessions.reminder_j1",
        ]
        # someone waits for a seat at the (full) session
        zoe = await eligible(server, services, "Zoé")
        await zoe.command("reunion", "complètes")
        await zoe.press("Me prévenir", expect="")

        confirm = await lea.command("recommencer", expect="Tu veux vraiment tout recommencer")
        assert "vendredi 27 novembre à 14h00" in confirm.plain_text
        assert "sera annulée aussi" in confirm.plain_text
        await lea.press("Oui", expect="reparti")
        assert await live_bookings(services, lea_id) == 0
        assert await pending_reminders(services, lea_id) == []
        kinds = [e["kind"] for e in await services.candidates.events(lea_id)]
        assert kinds[-2:] == ["restarted", "session_cancelled"]

        await dispatch(app)  # the freed seat is offered to the waiting list
        await zoe.expect("place")


async def test_restart_with_nothing_booked_says_nothing_of_a_booking(
    server: FakeTelegram, settings: Settings, clock: FakeClock
) -> None:
    async with running_bot(server, settings, clock) as app:
        services = svc(app)
        lea = await eligible(server, services, "Léa")
        confirm = await lea.command("recommencer", expect="Tu veux vraiment tout recommencer")
        assert "annulée" not in confirm.plain_text


async def test_keeping_the_answers_keeps_the_booking(
    server: FakeTelegram, settings: Settings, clock: FakeClock
) -> None:
    async with running_bot(server, settings, clock) as app:
        services = svc(app)
        await new_session(services)
        lea = await eligible(server, services, "Léa")
        lea_id = await booked(services, lea)
        await lea.command("recommencer", expect="Tu veux vraiment tout recommencer")
        await lea.press("Non")
        assert await live_bookings(services, lea_id) == 1
        assert len(await pending_reminders(services, lea_id)) == 2


async def test_a_move_past_the_sessions_cancels_the_booking_and_its_reminders(
    server: FakeTelegram, settings: Settings, clock: FakeClock
) -> None:
    async with running_bot(server, settings, clock) as app:
        services = svc(app)
        await new_session(services)
        lea = await eligible(server, services, "Léa")
        lea_id = await booked(services, lea)
        # staff mark her as having come before the session took place (accepted today), then
        # decide she is not selected: the booking she still holds and its reminders go
        at = clock.now() + dt.timedelta(minutes=1)
        await services.pipeline.move(lea_id, to=Stage.ATTENDED, by=1, at=at)
        assert await live_bookings(services, lea_id) == 1  # attended: nothing cancelled yet
        await services.pipeline.move(lea_id, to=Stage.NOT_SELECTED, by=1, at=at)
        assert await live_bookings(services, lea_id) == 0
        assert await pending_reminders(services, lea_id) == []
        # the J-1 moment passes: no reminder reaches her
        clock.set(dt.datetime(2026, 11, 26, 13, 0, tzinfo=dt.UTC))
        before = len(lea.messages)
        await dispatch(app)
        assert len(lea.messages) == before
