"""Forged session buttons: another site's session, and presses in a group (issue 10, item 6).

Through the fake Bot API with the real Application: the press carries callback data the bot never
offered this candidate, on a message the bot really sent.
"""

from __future__ import annotations

from bot.config import Settings
from bot.fakeapi import FakeTelegram
from bot.kernel.clock import FakeClock
from bot.services import Services
from tests.botharness import admin, handled, running_bot, with_staff
from tests.botharness import services_of as svc
from tests.test_sessions_e2e import MONDAY_10H, eligible, new_session

GROUP = -100555


async def bookings(services: Services) -> list[tuple[int, int]]:
    rows = await services.db.fetchall("SELECT session_id, candidate_id FROM bookings")
    return [(int(r[0]), int(r[1])) for r in rows]


async def test_forged_book_of_another_sites_session_is_refused(
    server: FakeTelegram, settings: Settings, clock: FakeClock
) -> None:
    async with running_bot(server, settings, clock) as app:
        services = svc(app)
        own = await new_session(services)
        other = await new_session(services, MONDAY_10H, site="marcq")
        chat = await eligible(server, services, "Léa")  # a Gonesse candidate
        offer = await chat.command("reunion", "Choisis le créneau")
        assert all(f"s:book:{other}" != b.callback_data for r in offer.buttons for b in r)

        query = server.press_button(chat.user, offer, data=f"s:book:{other}")
        answer = await server.wait_for_callback_answer(query)
        assert answer["text"] == "Ce bouton n'est plus actif"  # like any stale button
        await chat.expect("Choisis le créneau")  # offered their own site's sessions again
        assert await bookings(services) == []
        candidate = await services.candidates.by_telegram_id(chat.user.id)
        assert candidate is not None
        kinds = [e["kind"] for e in await services.candidates.events(candidate.id)]
        assert "session_booked" not in kinds

        # Their own site's session still books, and a forged move to the other site is refused
        # without touching the booking they have.
        await chat.press("📅 ven. 27/11 14h00", expect="C'est réservé")
        booked = chat.messages[-1]
        query = server.press_button(chat.user, booked, data=f"s:book:{other}")
        answer = await server.wait_for_callback_answer(query)
        assert answer["text"] == "Ce bouton n'est plus actif"
        await chat.expect("Ta réunion d'information")
        rows = await services.db.fetchall("SELECT session_id, status FROM bookings")
        assert [(int(r[0]), r[1]) for r in rows] == [(own, "booked")]


async def test_session_buttons_do_nothing_in_a_group(
    server: FakeTelegram, settings: Settings, clock: FakeClock
) -> None:
    async with running_bot(server, settings, clock) as app:
        services = svc(app)
        session_id = await new_session(services)
        chat = await eligible(server, services, "Léa")
        await chat.command("reunion", "Choisis le créneau")  # a booking she may make
        server.send_group_text(chat.user, GROUP, "/reunion")
        in_group = await server.wait_for_message(GROUP, after=0, timeout=5)  # "write in private"
        before = len(server.messages(GROUP))
        actions = [f"s:book:{session_id}", "s:wait", "s:offer", "s:chg:1", "s:cxy:1", "s:yes:1"]
        queries = [server.press_button(chat.user, in_group, data=data) for data in actions]
        for query in queries:
            answer = await server.wait_for_callback_answer(query)
            assert not answer.get("text")
        await handled(server, app, *(server.update_id_of(q) for q in queries))
        assert await bookings(services) == []
        waiting = await services.db.fetchall("SELECT candidate_id FROM waitlist")
        assert waiting == []
        assert len(server.messages(GROUP)) == before  # nothing posted in the group


async def test_staff_list_button_still_works_in_the_staff_group(
    server: FakeTelegram, settings: Settings, clock: FakeClock
) -> None:
    """The J-1 flag goes to FABNUM_STAFF_CHAT_ID with a 👥 button: staff may press it there,
    anyone else in that group gets nothing."""
    boss = server.new_user("Admin")
    settings = with_staff(settings, admin(boss), staff_chat_id=GROUP)
    async with running_bot(server, settings, clock) as app:
        services = svc(app)
        session_id = await new_session(services)
        chat = await eligible(server, services, "Léa")
        await chat.command("reunion", "Choisis le créneau")
        await chat.press("📅 ven. 27/11 14h00", expect="C'est réservé")
        server.send_group_text(boss, GROUP, "bonjour")  # the bot is in the staff group
        server.send_group_text(chat.user, GROUP, "/reunion")
        flag = await server.wait_for_message(GROUP, after=0, timeout=5)
        stranger = server.press_button(chat.user, flag, data=f"s:ls:{session_id}")
        await server.wait_for_callback_answer(stranger)
        await handled(server, app, server.update_id_of(stranger))
        count = len(server.messages(GROUP))
        query = server.press_button(boss, flag, data=f"s:ls:{session_id}")
        await server.wait_for_callback_answer(query)
        listing = await server.wait_for_message(GROUP, after=count, timeout=5)
        assert "Léa" in listing.plain_text
        assert len(server.messages(GROUP)) == count + 1
