"""/modifier_session end to end: the real Application over HTTP, the fake Bot API, a FakeClock.

Staff move a session: the booked candidate is told through the outbox, their reminders arrive at
the new time and never at the old one. Seats never go below those booked; more seats tell the
waitlist. Anyone else gets the unknown-command answer.
"""

from __future__ import annotations

import asyncio
import datetime as dt

from bot.config import Settings
from bot.fakeapi import FakeTelegram, FakeUser
from bot.kernel.clock import FakeClock
from bot.services import Services
from bot.sessions.rules import EditOutcome
from tests.botharness import Chat, running_bot, site_staff, with_staff
from tests.botharness import admin as as_admin
from tests.test_sessions_e2e import FRIDAY_14H, dispatch, eligible, events, new_session, svc

UTC = dt.UTC
# The conftest clock: Wednesday 25/11/2026 09:00 UTC (10:00 in Paris). Sessions on Friday 27/11
# 14:00 Paris; moved to Saturday 28/11 15:00 Paris (14:00 UTC).
SATURDAY_15H = dt.datetime(2026, 11, 28, 14, 0, tzinfo=UTC)


async def book_first(chat: Chat) -> None:
    await chat.command("reunion", "Choisis le créneau")
    await chat.press(chat.last_with_buttons().buttons[0][0].text, expect="C'est réservé")


async def reminders(services: Services, user: FakeUser) -> list[tuple[str, str, str]]:
    """(kind, state, due_at) of the candidate's reminder rows, oldest first."""
    rows = await services.db.fetchall(
        "SELECT kind, state, due_at FROM outbox WHERE candidate_id = (SELECT id FROM candidates"
        " WHERE telegram_id = ?) AND kind LIKE 'sessions.reminder%' ORDER BY id",
        (user.id,),
    )
    return [(r[0], r[1], r[2]) for r in rows]


def count(chat: Chat, text: str) -> int:
    return sum(text in m.plain_text for m in chat.messages)


async def test_moved_session_candidate_told_and_reminded_at_the_new_time_only(
    server: FakeTelegram, settings: Settings, clock: FakeClock
) -> None:
    admin = server.new_user("Admin")
    async with running_bot(server, with_staff(settings, as_admin(admin)), clock) as app:
        services = svc(app)
        session_id = await new_session(services, FRIDAY_14H)
        ana = await eligible(server, services, "Ana")
        await book_first(ana)
        await dispatch(app)
        staff = Chat(server, admin)
        reply = await staff.command(
            "modifier_session", "modifiée", args=f"{session_id} 28/11 15:00"
        )
        assert "samedi 28 novembre à 15h00" in reply.plain_text
        assert "1 inscrit prévenu" in reply.plain_text

        await dispatch(app)
        told = await ana.expect("est déplacée")
        assert "vendredi 27 novembre à 14h00" in told.plain_text  # what she knew
        assert "samedi 28 novembre à 15h00" in told.plain_text  # the new time
        labels = [b.text for row in told.buttons for b in row]
        assert "🔁 Changer de créneau" in labels and "❌ Annuler" in labels
        assert "session_changed" in await events(services, ana.user)

        # the old reminders are cancelled, the new ones planned for Saturday 15:00
        rows = await reminders(services, ana.user)
        assert [r[1] for r in rows[:2]] == ["cancelled", "cancelled"]
        assert [(r[0], r[1], r[2]) for r in rows[2:]] == [
            ("sessions.reminder_j1", "pending", "2026-11-27T14:00:00+00:00"),
            ("sessions.reminder_2h", "pending", "2026-11-28T12:00:00+00:00"),
        ]

        # the staff flag (who did not confirm) moves to the new J-1 evening, 19:30 Paris
        flags = await services.db.fetchall(
            "SELECT state, due_at FROM outbox WHERE kind = 'sessions.unconfirmed' ORDER BY id"
        )
        assert [(r[0], r[1]) for r in flags] == [
            ("cancelled", "2026-11-26T18:30:00+00:00"),
            ("pending", "2026-11-27T18:30:00+00:00"),
        ]

        # the old J-1 time (Thursday 14:00 Paris) and the old 2 h time pass: nothing
        clock.set(dt.datetime(2026, 11, 26, 13, 0, tzinfo=UTC))
        await dispatch(app)
        clock.set(dt.datetime(2026, 11, 27, 11, 0, tzinfo=UTC))
        await dispatch(app)
        clock.set(dt.datetime(2026, 11, 27, 13, 59, tzinfo=UTC))
        await dispatch(app)
        assert count(ana, "Rappel") == 0 and count(ana, "C'est bientôt") == 0

        # the new J-1 (Friday 15:00 Paris), with the new date
        clock.set(dt.datetime(2026, 11, 27, 14, 0, tzinfo=UTC))
        await dispatch(app)
        reminder = await ana.expect("Rappel : ta réunion")
        assert "samedi 28 novembre à 15h00" in reminder.plain_text
        await ana.press("👍 Je viens")
        clock.set(dt.datetime(2026, 11, 28, 12, 0, tzinfo=UTC))  # 13:00 Paris, 2 h before
        await dispatch(app)
        await ana.expect("C'est bientôt")
        await dispatch(app)
        assert count(ana, "Rappel : ta réunion") == 1
        assert count(ana, "C'est bientôt") == 1
        assert count(ana, "est déplacée") == 1


async def test_seats_never_below_booked_and_more_seats_tell_the_waitlist(
    server: FakeTelegram, settings: Settings, clock: FakeClock
) -> None:
    admin = server.new_user("Admin")
    async with running_bot(server, with_staff(settings, as_admin(admin)), clock) as app:
        services = svc(app)
        session_id = await new_session(services, capacity=2)
        for name in ("Ana", "Cy"):
            await book_first(await eligible(server, services, name))
        bob = await eligible(server, services, "Bob")
        await bob.command("reunion", "complètes")
        await bob.press("⏳ Me prévenir quand une place se libère", expect="Je te préviens")

        staff = Chat(server, admin)
        refused = await staff.command(
            "modifier_session", "déjà réservées", args=f"{session_id} places 1"
        )
        assert "2 places sont déjà réservées" in refused.plain_text
        session = await services.sessions.store.session(session_id)
        assert session is not None and session.capacity == 2
        await staff.command("modifier_session", "Rien à changer", args=f"{session_id} places 2")
        await staff.command("modifier_session", "entre 1 et 500", args=f"{session_id} places 0")

        grown = await staff.command("modifier_session", "modifiée", args=f"{session_id} places 3")
        assert "2/3 places" in grown.plain_text
        assert "1 personne en liste d'attente prévenue" in grown.plain_text
        assert "inscrit prévenu" not in grown.plain_text  # seats only: nobody to tell
        await dispatch(app)
        await bob.expect("il y a maintenant plus de places")
        await bob.press("📅 ven. 27/11 14h00 · 1 place", expect="C'est réservé")


async def test_only_staff_of_the_site_may_edit(
    server: FakeTelegram, settings: Settings, clock: FakeClock
) -> None:
    admin = server.new_user("Admin")
    marcq_user = server.new_user("Marcq staff")
    async with running_bot(
        server, with_staff(settings, as_admin(admin), site_staff(marcq_user, "marcq")), clock
    ) as app:
        services = svc(app)
        session_id = await new_session(services, capacity=5)
        outsider = await eligible(server, services, "Zoé")
        for command in ("modifier_session", "edit_session"):
            await outsider.command(command, "Je ne connais pas", args=f"{session_id} places 9")
        marcq = Chat(server, marcq_user)
        await marcq.command("modifier_session", "introuvable", args=f"{session_id} places 9")
        session = await services.sessions.store.session(session_id)
        assert session is not None and session.capacity == 5

        # staff: usage without arguments, the session's card with the number only, typos
        staff = Chat(server, admin)
        await staff.command("modifier_session", "Pour modifier une réunion")
        await staff.command("modifier_session", "Pour la modifier", args=str(session_id))
        await staff.command("modifier_session", "Pour modifier", args=f"{session_id} demain")
        await staff.command(
            "modifier_session", "Cette date est passée", args=f"{session_id} 24/11/2026 10:00"
        )
        await staff.command("modifier_session", "introuvable", args="999 places 3")


async def test_edit_button_place_change_and_moving_back(
    server: FakeTelegram, settings: Settings, clock: FakeClock
) -> None:
    admin = server.new_user("Admin")
    async with running_bot(server, with_staff(settings, as_admin(admin)), clock) as app:
        services = svc(app)
        session_id = await new_session(services)
        ana = await eligible(server, services, "Ana")
        await book_first(ana)
        before = await reminders(services, ana.user)

        staff = Chat(server, admin)
        await staff.command("sessions", "Réunions d'information")
        card = await staff.press("✏️", expect=f"/modifier_session {session_id} 04/12 15:00")
        assert card
        # a new place only: Ana is told, her reminders stay (they show the place when sent)
        await staff.command(
            "modifier_session",
            "modifiée",
            args=f"{session_id} lieu Salle 2 ; 5 rue Jean Jaurès, 95500 Gonesse",
        )
        await dispatch(app)
        told = await ana.expect("Changement de lieu")
        assert "5 rue Jean Jaurès" in told.plain_text
        assert await reminders(services, ana.user) == before

        # moved, then moved back before the message went out (at night: held to the morning)
        clock.set(dt.datetime(2026, 11, 25, 21, 0, tzinfo=UTC))  # 22:00 Paris
        await staff.command("modifier_session", "modifiée", args=f"{session_id} 16h")
        await staff.command("modifier_session", "modifiée", args=f"{session_id} 14h")
        clock.set(dt.datetime(2026, 11, 26, 8, 0, tzinfo=UTC))  # 09:00 Paris
        await dispatch(app)
        assert count(ana, "est déplacée") == 0  # back at the time she knows: nothing to say
        pending = [r for r in await reminders(services, ana.user) if r[1] == "pending"]
        assert pending == [
            ("sessions.reminder_j1", "pending", "2026-11-26T13:00:00+00:00"),
            ("sessions.reminder_2h", "pending", "2026-11-27T11:00:00+00:00"),
        ]
        clock.set(dt.datetime(2026, 11, 26, 13, 0, tzinfo=UTC))
        await dispatch(app)
        await ana.expect("Rappel : ta réunion")
        assert count(ana, "Rappel") == 1


async def test_shrinking_while_people_book_never_overbooks(
    services: Services, server: FakeTelegram
) -> None:
    """Seats are checked inside the edit's BEGIN IMMEDIATE as in the booking's: whatever the
    order, the session never holds more people than seats."""
    from bot.sessions.store import SeatTaken

    session_id = await new_session(services, capacity=6)
    chats = [await eligible(server, services, f"C{i}") for i in range(8)]
    candidates = [await services.candidates.by_telegram_id(c.user.id) for c in chats]

    async def book(candidate: object) -> str:
        try:
            await services.sessions.booking.book(candidate, session_id, services.clock.now())  # type: ignore[arg-type]
        except SeatTaken:
            return "full"
        return "booked"

    results = await asyncio.gather(
        *(book(c) for c in candidates[:2]),
        services.sessions.admin.edit_session(session_id, capacity=3),
        *(book(c) for c in candidates[2:]),
    )
    session = await services.sessions.store.session(session_id)
    assert session is not None
    outcome = results[2]
    assert isinstance(outcome, EditOutcome)
    assert session.booked <= session.capacity
    assert results.count("booked") == session.booked
    if outcome.status == "edited":
        assert session.capacity == 3
    else:
        assert outcome.status == "below_booked" and session.capacity == 6
