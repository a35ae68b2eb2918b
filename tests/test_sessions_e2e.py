"""Information sessions end to end: the real Application over HTTP, the fake Bot API, a FakeClock.

No sleeping for due times: the clock moves, then the test runs the dispatcher itself.
"""

from __future__ import annotations

import asyncio
import datetime as dt

from bot.app import App
from bot.config import Settings
from bot.fakeapi import FakeTelegram, FakeUser
from bot.kernel.clock import FakeClock
from bot.outbox.dispatcher import RunStats
from bot.services import Services
from tests import flowscript as fs
from tests.botharness import Chat, handled, running_bot, site_staff, with_staff
from tests.botharness import admin as admin_of
from tests.botharness import services_of as svc
from tests.test_screening_e2e import begin, through_questions

UTC = dt.UTC
# The conftest clock: Wednesday 25/11/2026 09:00 UTC (10:00 in Paris).
FRIDAY_14H = dt.datetime(2026, 11, 27, 13, 0, tzinfo=UTC)  # Friday 14:00 in Paris
MONDAY_10H = dt.datetime(2026, 11, 30, 9, 0, tzinfo=UTC)


async def dispatch(app: App) -> RunStats:
    return await svc(app).outbox.run_once(app.bot)


async def new_session(
    services: Services,
    starts_at: dt.datetime = FRIDAY_14H,
    capacity: int = 10,
    site: str = "gonesse",
) -> int:
    return await services.sessions.admin.create_session(
        site=site,
        starts_at=starts_at,
        capacity=capacity,
        place="FabNum Gonesse",
        address="3 rue de Paris, 95500 Gonesse",
    )


async def eligible(server: FakeTelegram, services: Services, name: str) -> Chat:
    """A candidate who went through screening and was found eligible (written directly)."""
    user = server.new_user(name)
    now = services.clock.now()
    candidate = await services.candidates.create(
        telegram_id=user.id,
        chat_id=user.id,
        language="fr",
        source=None,
        consent_version="2026-11-25",
        now=now,
    )
    await services.candidates.save_answer(candidate.id, "site", "gonesse", now)
    await services.candidates.save_answer(candidate.id, "first_name", name, now)
    await services.candidates.submit(candidate.id, result="eligible", reasons=[], now=now)
    return Chat(server, user)


async def events(services: Services, user: FakeUser) -> list[str]:
    candidate = await services.candidates.by_telegram_id(user.id)
    assert candidate is not None
    return [e["kind"] for e in await services.candidates.events(candidate.id)]


async def test_eligible_result_offers_sessions_then_booking_and_reminders(
    server: FakeTelegram, settings: Settings, clock: FakeClock
) -> None:
    async with running_bot(server, settings, clock) as app:
        services = svc(app)
        await new_session(services)
        await new_session(services, MONDAY_10H)
        user = server.new_user("Léa")
        chat = Chat(server, user)
        await begin(chat)
        await through_questions(chat)
        await chat.press("C'est bon", expect="Bravo")
        offer = await chat.expect("Choisis le créneau")
        labels = [b.text for row in offer.buttons for b in row]
        assert labels[0].startswith("📅 ven. 27/11 14h00")  # 51 h ahead: first
        await chat.press(labels[0], expect="C'est réservé")
        assert "vendredi 27 novembre à 14h00" in chat.messages[-1].plain_text
        assert "session_booked" in await events(services, user)

        # Nothing before J-1; at J-1 (Thursday 14:00 Paris) the reminder with buttons.
        await dispatch(app)
        clock.set(dt.datetime(2026, 11, 26, 12, 59, tzinfo=UTC))
        await dispatch(app)
        assert "Rappel" not in chat.messages[-1].plain_text
        clock.set(dt.datetime(2026, 11, 26, 13, 0, tzinfo=UTC))
        await dispatch(app)
        await chat.expect("Rappel : ta réunion")
        await chat.press("👍 Je viens")
        await dispatch(app)
        # J-1 evening: confirmed, so no flag to staff (no staff configured anyway)
        clock.set(dt.datetime(2026, 11, 27, 11, 0, tzinfo=UTC))  # 2 h before
        await dispatch(app)
        soon = await chat.expect("C'est bientôt")
        assert "3 rue de Paris" in soon.plain_text
        assert soon.buttons[0][0].url is not None
        await dispatch(app)
        texts = [m.plain_text for m in chat.messages]
        assert sum("Rappel : ta réunion" in t for t in texts) == 1
        assert sum("C'est bientôt" in t for t in texts) == 1


async def test_two_presses_on_the_last_seat(
    server: FakeTelegram, settings: Settings, clock: FakeClock
) -> None:
    async with running_bot(server, settings, clock) as app:
        services = svc(app)
        session_id = await new_session(services, capacity=1)
        chats = [await eligible(server, services, f"C{i}") for i in range(4)]
        for chat in chats:
            await chat.command("reunion", "Choisis le créneau")
        queries = [
            server.press_button(c.user, c.last_with_buttons(), data=f"s:book:{session_id}")
            for c in chats
        ]
        await asyncio.gather(*(server.wait_for_callback_answer(q) for q in queries))
        await handled(server, app, *(server.update_id_of(q) for q in queries))
        booked = await services.db.fetchall(
            "SELECT candidate_id FROM bookings WHERE session_id = ? AND status = 'booked'",
            (session_id,),
        )
        assert len(booked) == 1
        answers = [server.callback_answers[q]["text"] for q in queries]
        assert answers.count("Cette réunion est complète") == 3
        full = [c for c in chats if any("complètes" in m.plain_text for m in c.messages)]
        assert len(full) == 3  # the others are offered the waitlist


async def test_concurrent_bookings_never_exceed_capacity(
    services: Services, server: FakeTelegram
) -> None:
    session_id = await new_session(services, capacity=3)
    chats = [await eligible(server, services, f"C{i}") for i in range(12)]
    candidates = [await services.candidates.by_telegram_id(c.user.id) for c in chats]

    async def one(candidate: object) -> bool:
        from bot.sessions.store import SeatTaken

        try:
            await services.sessions.booking.book(candidate, session_id, services.clock.now())  # type: ignore[arg-type]
        except SeatTaken:
            return False
        return True

    results = await asyncio.gather(*(one(c) for c in candidates))
    assert sum(results) == 3
    session = await services.sessions.store.session(session_id)
    assert session is not None and session.booked == 3


async def test_waitlist_change_and_cancel(
    server: FakeTelegram, settings: Settings, clock: FakeClock
) -> None:
    async with running_bot(server, settings, clock) as app:
        services = svc(app)
        first = await new_session(services, capacity=1)
        a = await eligible(server, services, "Ana")
        b = await eligible(server, services, "Bob")
        await a.command("reunion", "Choisis le créneau")
        await a.press("📅 ven. 27/11 14h00 · 1 place", expect="C'est réservé")
        await b.command("reunion", "complètes")
        await b.press("⏳ Me prévenir quand une place se libère", expect="Je te préviens")
        # Ana moves to a new session: her seat frees, Bob is told (through the outbox).
        second = await new_session(services, MONDAY_10H, capacity=5)
        await dispatch(app)
        await b.expect("une nouvelle réunion vient d'être ajoutée")  # news too
        await a.command("reunion", "Ta réunion d'information")
        await a.press("🔁 Changer de créneau", expect="Choisis le créneau")
        await a.press("📅 lun. 30/11 10h00 · 5 places", expect="C'est changé")
        await dispatch(app)  # Ana's seat on Friday is free: Bob is told again
        await b.expect("une place s'est libérée")
        await b.press("📅 ven. 27/11 14h00 · 1 place", expect="C'est réservé")
        assert (await services.sessions.store.session(first)) is not None
        # Ana cancels: her reminders are cancelled with the booking
        await a.command("reunion", "Ta réunion")
        await a.press("❌ Annuler", expect="vraiment annuler")
        await a.press("Oui, annuler ma place", expect="C'est annulé")
        pending = await services.db.fetchall(
            "SELECT state FROM outbox WHERE candidate_id = (SELECT id FROM candidates"
            " WHERE telegram_id = ?) AND kind LIKE 'sessions.reminder%'",
            (a.user.id,),
        )
        assert pending and all(r[0] == "cancelled" for r in pending)
        kinds = await events(services, a.user)
        assert kinds.count("session_booked") == 2 and "session_cancelled" in kinds
        assert second


async def test_staff_commands_cancel_and_attendance(
    server: FakeTelegram, settings: Settings, clock: FakeClock
) -> None:
    admin = server.new_user("Admin")
    local = server.new_user("Marcq staff")
    settings = with_staff(settings, admin_of(admin), site_staff(local, "marcq"))
    async with running_bot(server, settings, clock) as app:
        services = svc(app)
        staff = Chat(server, admin)
        # a candidate may not use staff commands: same answer as an unknown command
        outsider = await eligible(server, services, "Zoé")
        await outsider.command(
            "nouvelle_session", "Je ne connais pas", args="gonesse 27/11 14:00 9 X"
        )
        await staff.command(
            "nouvelle_session",
            "Réunion #1 créée",
            args="gonesse 27/11 14:00 2 FabNum Gonesse ; 3 rue de Paris, 95500 Gonesse",
        )
        marcq = Chat(server, local)
        await marcq.command(
            "nouvelle_session", "pas dans les tiens", args="gonesse 28/11 14:00 2 Salle ; rue"
        )
        await staff.command("nouvelle_session", "Usage", args="gonesse")
        # two candidates book, then staff cancels the session
        a = await eligible(server, services, "Ana")
        b = await eligible(server, services, "Bob")
        for chat in (a, b):
            await chat.command("reunion", "Choisis le créneau")
            await chat.press(
                "📅 ven. 27/11 14h00 · 2 places" if chat is a else "📅 ven. 27/11 14h00 · 1 place",
                expect="C'est réservé",
            )
        await new_session(services, MONDAY_10H)
        await staff.command("sessions", "Réunions d'information")
        await marcq.command("sessions", "Aucune réunion")  # site staff see their sites only
        await staff.press("❌", expect="Annuler la réunion #1")
        await staff.press("Oui, annuler la réunion", expect="2 candidats prévenus")
        await dispatch(app)
        for chat in (a, b):
            await chat.expect("est annulée par l'équipe")
            await chat.expect("Choisis le créneau")  # offered the others
        # attendance after the Monday session: Ana books it, doesn't come
        await a.press("📅 lun. 30/11 10h00 · 10 places", expect="C'est réservé")
        clock.set(MONDAY_10H + dt.timedelta(hours=2))
        await staff.command("sessions", "Réunions d'information")
        await staff.press("👥 lun. 30/11 10h00", expect="Ana")
        await staff.press("❌ absent·e")
        await dispatch(app)
        await a.expect("On ne t'a pas vu·e")
        assert "session_absent" in await events(services, a.user)
        assert "session_cancelled" in await events(services, b.user)


async def test_nudges_stop_and_start(
    server: FakeTelegram, settings: Settings, clock: FakeClock
) -> None:
    async with running_bot(server, settings, clock) as app:
        services = svc(app)
        user = server.new_user("Léa")
        chat = Chat(server, user)
        await begin(chat)
        await chat.press("Gonesse", expect="quel mois")  # then silence
        clock.advance(dt.timedelta(hours=23))
        await dispatch(app)
        assert "avais commencé" not in chat.messages[-1].plain_text
        clock.advance(dt.timedelta(hours=1, minutes=1))
        await dispatch(app)
        await chat.expect("avais commencé ta candidature")
        await chat.press("▶️ Reprendre", expect="quel mois")
        # the second one after 72 h of silence since the last contact
        clock.advance(dt.timedelta(hours=72))
        await dispatch(app)
        await chat.expect("Tes réponses sont gardées")
        clock.advance(dt.timedelta(days=10))
        await dispatch(app)
        nudges = [m for m in chat.messages if "avais commencé" in m.plain_text]
        assert len(nudges) == 2  # never more than two

        # /stop: a later scheduled message to this person is dropped, /start resumes
        other = server.new_user("Sam")
        sam = Chat(server, other)
        await begin(sam)
        await sam.command("stop", "je ne t'enverrai plus")
        clock.advance(dt.timedelta(days=2))
        await dispatch(app)
        assert not any("avais commencé" in m.plain_text for m in sam.messages)
        assert "nudges_stopped" in await events(services, other)
        await sam.command("start", fs.first_heading())
        assert "nudges_resumed" in await events(services, other)


async def test_restart_sends_each_due_message_once(
    server: FakeTelegram, settings: Settings, clock: FakeClock
) -> None:
    async with running_bot(server, settings, clock) as app:
        services = svc(app)
        await new_session(services)
        chats = [await eligible(server, services, f"C{i}") for i in range(3)]
        for chat in chats:
            await chat.command("reunion", "Choisis le créneau")
            await chat.press(chat.last_with_buttons().buttons[0][0].text, expect="C'est réservé")
    # the bot is down while both reminders fall due; the J-1 one is still useful
    clock.set(dt.datetime(2026, 11, 27, 10, 0, tzinfo=UTC))  # 11:00 Paris, 3 h before
    async with running_bot(server, settings, clock) as app:
        await server.wait_until(
            lambda: all(any("Rappel" in m.plain_text for m in c.messages) for c in chats),
            timeout=10,
        )
        clock.set(dt.datetime(2026, 11, 27, 11, 0, tzinfo=UTC))
        await dispatch(app)
        await dispatch(app)
    async with running_bot(server, settings, clock) as app:
        await dispatch(app)
    for chat in chats:
        texts = [m.plain_text for m in chat.messages]
        assert sum("Rappel : ta réunion" in t for t in texts) == 1
        assert sum("C'est bientôt" in t for t in texts) == 1


async def test_no_session_at_all_the_team_will_propose_dates_and_the_person_hears_of_them(
    server: FakeTelegram, settings: Settings, clock: FakeClock
) -> None:
    async with running_bot(server, settings, clock) as app:
        services = svc(app)
        lea = await eligible(server, services, "Léa")
        offer = await lea.command("reunion", "l'équipe va proposer des dates")
        labels = [b.text for row in offer.buttons for b in row]
        assert labels == ["🔔 Me prévenir quand une date est fixée"]
        assert "place se libère" not in offer.plain_text
        await lea.press("🔔 Me prévenir quand une date est fixée", expect="date de réunion est")
        # A date is set: the person is told (through the outbox) and can book.
        await new_session(services, MONDAY_10H)
        await dispatch(app)
        await lea.expect("une nouvelle réunion vient d'être ajoutée")
        # Full sessions are another matter: a seat may free up.
        bob = await eligible(server, services, "Bob")
        await services.sessions.admin.edit_session(
            (await services.sessions.store.upcoming("gonesse", clock.now()))[0].id, capacity=1
        )
        await lea.press("📅 lun. 30/11 10h00", expect="C'est réservé")
        full = await bob.command("reunion", "complètes")
        assert [b.text for row in full.buttons for b in row] == [
            "⏳ Me prévenir quand une place se libère"
        ]
