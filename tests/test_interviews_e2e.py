"""Interviews (issue 12, parts 2 and 4), end to end over HTTP on a FakeClock: staff set one with
/entretien by buttons or typed, the candidate gets it and answers each button, staff are told and
see the answer on the card, J-1 and H-2 reminders arrive at their local times, a new interview
replaces the planned one, "not selected" cancels it, /statut shows it, non-staff cannot."""

from __future__ import annotations

import datetime as dt

from bot.app import App
from bot.config import Settings
from bot.core.pipeline import Stage
from bot.fakeapi import FakeTelegram, SentMessage
from bot.kernel.clock import FakeClock
from bot.services import Services
from tests.botharness import Chat, admin, handled, running_bot, site_staff, with_staff
from tests.botharness import services_of as svc
from tests.test_sessions_e2e import eligible

UTC = dt.UTC


async def dispatch(app: App) -> None:
    await svc(app).outbox.run_once(app.bot)


def labels(message: SentMessage) -> list[str]:
    return [b.text for row in message.buttons for b in row]


async def candidate_id(services: Services, chat: Chat) -> int:
    found = await services.candidates.by_telegram_id(chat.user.id)
    assert found is not None
    return found.id


async def known(server: FakeTelegram, services: Services, name: str) -> Chat:
    """An eligible candidate who has written to the bot (it cannot write first)."""
    chat = await eligible(server, services, name)
    await chat.command("statut", expect="candidature est validée")
    return chat


async def pending_reminders(services: Services, cid: int) -> list[str]:
    rows = await services.db.fetchall(
        "SELECT kind, subject FROM outbox WHERE candidate_id = ? AND state = 'pending'"
        " AND kind LIKE 'interviews.%' ORDER BY kind",
        (cid,),
    )
    return [f"{r[0]} {r[1]}" for r in rows]


async def statuses(services: Services, cid: int) -> list[str]:
    rows = await services.db.fetchall(
        "SELECT status FROM interviews WHERE candidate_id = ? ORDER BY id", (cid,)
    )
    return [str(r[0]) for r in rows]


async def test_staff_set_an_interview_by_buttons_the_candidate_comes_and_is_reminded(
    server: FakeTelegram, settings: Settings, clock: FakeClock
) -> None:
    nadia = server.new_user("Nadia")
    async with running_bot(server, with_staff(settings, admin(nadia)), clock) as app:
        services = svc(app)
        staff = Chat(server, nadia)
        lea = await known(server, services, "Léa")
        cid = await candidate_id(services, lea)

        # Wednesday 25 November, 10:00 Paris: the next five working days, then the hours.
        days = await staff.command("entretien", expect="Quel jour ?", args=str(cid))
        assert labels(days) == [
            "jeudi 26 novembre",
            "vendredi 27 novembre",
            "lundi 30 novembre",
            "mardi 1er décembre",
            "mercredi 2 décembre",
        ]
        await staff.press("vendredi 27 novembre")
        hours = await staff.expect("à quelle heure ?")
        assert labels(hours) == [f"{h:02d}h00" for h in range(9, 18)]
        await staff.press("14h00")
        place = await staff.expect("Au site : FabNum Gonesse, 3 rue de Paris, 95500 Gonesse")
        assert f"/entretien {cid} 27/11 14:00 lieu ; adresse" in place.plain_text
        await staff.press("✅ Au site")
        done = await staff.expect("Entretien fixé pour #")
        assert "vendredi 27 novembre à 14h00" in done.plain_text
        assert "→ Entretien" in done.plain_text  # moved from eligible
        assert await services.pipeline.stage_of(cid) is Stage.INTERVIEW

        invite = await lea.expect("L'équipe te propose un entretien vendredi 27 novembre à 14h00")
        assert "FabNum Gonesse, 3 rue de Paris" in invite.plain_text
        assert labels(invite) == ["👍 Je viens", "🔄 Changer", "❌ Je ne peux pas"]
        status = await lea.command("statut", expect="Ton entretien : vendredi 27 novembre à 14h00")
        assert "📍 FabNum Gonesse, 3 rue de Paris, 95500 Gonesse" in status.plain_text
        assert labels(status)[:3] == ["👍 Je viens", "🔄 Changer", "❌ Je ne peux pas"]

        await lea.press("👍 Je viens", expect="on t'attend vendredi 27 novembre à 14h00")
        told = await staff.expect("vient.")
        assert f"#{cid} Léa" in told.plain_text and "ven. 27/11 14h00" in told.plain_text
        card = await staff.command(
            "candidat", expect="🗣 Entretien : 27/11/2026 14:00", args=str(cid)
        )
        assert "FabNum Gonesse · 👍 vient" in card.plain_text
        assert await statuses(services, cid) == ["confirmed"]

        # J-1 at Thursday 14:00 Paris (13:00 UTC), not a minute before; H-2 at Friday 12:00.
        clock.set(dt.datetime(2026, 11, 26, 12, 59, tzinfo=UTC))
        await dispatch(app)
        assert not any("Rappel" in m.plain_text for m in lea.messages)
        clock.set(dt.datetime(2026, 11, 26, 13, 0, tzinfo=UTC))
        await dispatch(app)
        reminder = await lea.expect("Rappel : ton entretien, c'est vendredi 27 novembre à 14h00")
        assert labels(reminder) == ["👍 Je viens", "🔄 Changer", "❌ Je ne peux pas"]
        clock.set(dt.datetime(2026, 11, 27, 10, 59, tzinfo=UTC))
        await dispatch(app)
        assert not any("C'est bientôt" in m.plain_text for m in lea.messages)
        clock.set(dt.datetime(2026, 11, 27, 11, 0, tzinfo=UTC))
        await dispatch(app)
        soon = await lea.expect("C'est bientôt : ton entretien commence vendredi 27 novembre")
        assert soon.buttons[0][0].url is not None
        await dispatch(app)
        texts = [m.plain_text for m in lea.messages]
        assert sum("Rappel : ton entretien" in t for t in texts) == 1
        assert sum("C'est bientôt" in t for t in texts) == 1
        # Once its time has passed, /statut no longer gives it as the next step's date.
        clock.set(dt.datetime(2026, 11, 27, 13, 1, tzinfo=UTC))
        after = await lea.command("statut", expect="un entretien avec l'équipe")
        assert "Ton entretien" not in after.plain_text


async def test_typed_interview_change_replace_and_cannot_come_tell_staff(
    server: FakeTelegram, settings: Settings, clock: FakeClock
) -> None:
    nadia = server.new_user("Nadia")
    async with running_bot(server, with_staff(settings, admin(nadia)), clock) as app:
        services = svc(app)
        staff = Chat(server, nadia)
        lea = await known(server, services, "Léa")
        cid = await candidate_id(services, lea)

        await staff.command(
            "entretien",
            expect="Entretien fixé",
            args=f"{cid} 02/12 10:00 Mairie ; 1 place du Marché",
        )
        invite = await lea.expect("entretien mercredi 2 décembre à 10h00")
        assert "Mairie, 1 place du Marché" in invite.plain_text
        first = await pending_reminders(services, cid)
        assert len(first) == 2
        # The same command again (sent twice): nothing changes, the candidate is not told again.
        again = server.send_command(
            nadia, "entretien", f"{cid} 02/12 10:00 Mairie ; 1 place du Marché"
        )
        await handled(server, app, again)
        assert await statuses(services, cid) == ["planned"]
        assert sum("propose un entretien" in m.plain_text for m in lea.messages) == 1

        await lea.press("🔄 Changer", expect="l'équipe va te proposer un autre moment")
        told = await staff.expect("demande un autre moment")
        assert f"/entretien {cid}" in told.plain_text
        await staff.command("candidat", expect="🔄 demande à changer", args=str(cid))

        # A new time, typed without a place: the site's. It replaces the planned one.
        done = await staff.command("entretien", expect="Entretien fixé", args=f"{cid} 03/12 11h")
        assert "remplace l'entretien prévu" in done.plain_text
        assert "→ Entretien" not in done.plain_text  # already at the interview stage
        moved = await lea.expect("Ton entretien change : ce n'est plus mercredi 2 décembre à 10h00")
        assert "c'est jeudi 3 décembre à 11h00" in moved.plain_text
        assert "FabNum Gonesse" in moved.plain_text
        assert await statuses(services, cid) == ["cancelled", "planned"]
        second = await pending_reminders(services, cid)
        assert len(second) == 2 and not set(first) & set(second)

        # The first invitation's buttons are dead; the new one's work.
        # (pressed from the message as it was sent: its buttons were removed since)
        coming = invite.buttons[0][0].callback_data
        stale = server.press_button(lea.user, invite, data=coming)
        await server.wait_for_callback_answer(stale)
        assert await statuses(services, cid) == ["cancelled", "planned"]
        await lea.press("❌ Je ne peux pas", expect="l'entretien est annulé")
        await staff.expect("ne peut pas venir")
        assert await statuses(services, cid) == ["cancelled", "declined"]
        assert await pending_reminders(services, cid) == []
        # pressed again (issue 14): the reply again, not a bare notice; the staff told once
        cannot = next(b.callback_data for row in moved.buttons for b in row if "❌" in b.text)
        server.press_button(lea.user, moved, data=cannot)
        await handled(server, app, server.stats.updates_enqueued)  # ids count from 1
        await lea.expect("l'entretien est annulé")
        assert sum("ne peut pas venir" in m.plain_text for m in staff.messages) == 1
        await staff.command("candidat", expect="❌ ne peut pas", args=str(cid))
        status = await lea.command("statut", expect="un entretien avec l'équipe")
        assert "Ton entretien" not in status.plain_text


async def test_not_selected_cancels_the_interview_and_its_reminders(
    server: FakeTelegram, settings: Settings, clock: FakeClock
) -> None:
    nadia = server.new_user("Nadia")
    async with running_bot(server, with_staff(settings, admin(nadia)), clock) as app:
        services = svc(app)
        staff = Chat(server, nadia)
        lea = await known(server, services, "Léa")
        cid = await candidate_id(services, lea)
        await staff.command("entretien", expect="Entretien fixé", args=f"{cid} 27/11 14:00")
        invite = await lea.expect("vendredi 27 novembre à 14h00")
        assert len(await pending_reminders(services, cid)) == 2

        await services.pipeline.move(cid, to=Stage.NOT_SELECTED, by=nadia.id, at=clock.now())
        assert await pending_reminders(services, cid) == []
        assert await statuses(services, cid) == ["cancelled"]
        await lea.command("statut", expect="n'a pas été retenue")
        # the invitation's button: no longer active
        coming = invite.buttons[0][0].callback_data
        await server.wait_for_callback_answer(server.press_button(lea.user, invite, data=coming))
        assert await statuses(services, cid) == ["cancelled"]

        seen = len(lea.messages)
        clock.set(dt.datetime(2026, 11, 26, 13, 0, tzinfo=UTC))
        await dispatch(app)
        clock.set(dt.datetime(2026, 11, 27, 11, 0, tzinfo=UTC))
        await dispatch(app)
        assert not [m for m in lea.messages[seen:] if "entretien" in m.plain_text]


async def test_only_staff_of_the_site_set_interviews_in_the_candidates_language(
    server: FakeTelegram, settings: Settings, clock: FakeClock
) -> None:
    nadia, marc = server.new_user("Nadia"), server.new_user("Marc")
    members = (admin(nadia), site_staff(marc, "marcq"))
    async with running_bot(server, with_staff(settings, *members), clock) as app:
        services = svc(app)
        sam = await known(server, services, "Sam")
        cid = await candidate_id(services, sam)
        await services.candidates.update(cid, clock.now(), language="en")

        # Not staff: the unknown-command answer, and a forged staff button does nothing.
        await sam.command("entretien", expect="I don't know that command", args=str(cid))
        await sam.command("interview", expect="I don't know that command", args=str(cid))
        # Staff of another site: as if the candidate did not exist.
        other = Chat(server, marc)
        await other.command("entretien", expect="Aucun candidat", args=f"{cid} 27/11 14:00")
        assert await statuses(services, cid) == []
        # Bad arguments get the usage.
        staff = Chat(server, nadia)
        await staff.command("entretien", expect="Écris : /entretien", args="")
        await staff.command("entretien", expect="Date non comprise", args=f"{cid} 32/13 14:00")
        await staff.command("entretien", expect="déjà passé", args=f"{cid} 25/11/2026 09:00")

        await staff.command("interview", expect="Entretien fixé", args=f"{cid} 27/11 14:00")
        invite = await sam.expect("The team offers you an interview Friday 27 November at 14:00")
        assert labels(invite) == ["👍 I'm coming", "🔄 Change", "❌ I can't come"]
        await sam.command("status", expect="Your interview: Friday 27 November at 14:00")


async def test_no_interview_for_a_candidate_still_to_review(
    server: FakeTelegram, settings: Settings, clock: FakeClock
) -> None:
    nadia = server.new_user("Nadia")
    async with running_bot(server, with_staff(settings, admin(nadia)), clock) as app:
        services = svc(app)
        zoe = server.new_user("Zoé")
        now = clock.now()
        created = await services.candidates.create(
            telegram_id=zoe.id,
            chat_id=zoe.id,
            language="fr",
            source=None,
            consent_version="2026-11-25",
            now=now,
        )
        await services.candidates.save_answer(created.id, "site", "gonesse", now)
        await services.candidates.submit(created.id, result="review", reasons=[], now=now)
        staff = Chat(server, nadia)
        await staff.command("entretien", expect="Pas d'entretien possible", args=str(created.id))
        update = server.send_command(zoe, "entretien", str(created.id))
        await handled(server, app, update)
        assert await statuses(services, created.id) == []
