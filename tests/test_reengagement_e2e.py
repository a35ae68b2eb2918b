"""Re-engagement end to end, over HTTP against the local Bot API with a FakeClock.

A "not now" candidate opts in under their result; a waitlisted one opts in from the waiting-list
message; one says no thanks; one opts in then sends /stop; one of another site opts in. An admin
creates the next cohort of each site late in the evening: exactly the right people get exactly
one message, in the sending window only; a later cohort messages nobody again."""

from __future__ import annotations

import datetime as dt
from typing import Any

from bot.app import App
from bot.config import Settings
from bot.core.pipeline import Stage
from bot.fakeapi import FakeTelegram, SentMessage
from bot.kernel.clock import FakeClock
from bot.outbox.dispatcher import RunStats
from bot.reengagement.service import ASK_KIND, COHORT_KIND
from bot.services import Services
from tests import flowscript as fs
from tests.botharness import Chat, running_bot, with_staff
from tests.botharness import admin as admin_of
from tests.botharness import services_of as svc

UTC = dt.UTC
T0 = dt.datetime(2026, 11, 25, 9, 0, tzinfo=UTC)  # 10:00 in Paris
EVENING = dt.datetime(2026, 11, 25, 21, 30, tzinfo=UTC)  # 22:30 in Paris: quiet hours
MORNING = dt.datetime(2026, 11, 26, 8, 0, tzinfo=UTC)  # 09:00 in Paris: the window opens
OPT_IN = "🔔 Préviens-moi pour la prochaine promo"
NEXT = "la prochaine promo de la FabNum"


async def dispatch(app: App, clock: FakeClock, at: dt.datetime) -> RunStats:
    clock.set(at)
    return await svc(app).outbox.run_once(app.bot)


def answers(site: str, name: str, availability: str) -> dict[str, Any]:
    """Every question of the flow answered (tests/flowscript.py), as stored."""
    given = fs.profile(
        site=site,
        first_name=name,
        birth="05/2006",
        postcode="59700" if site == "marcq" else "95500",
        availability=availability,
        interests=["web"],
        followed_by="none",
        gender="no_answer",
    )
    return fs.stored(given)


async def answered(
    server: FakeTelegram, services: Services, name: str, site: str = "gonesse"
) -> tuple[Chat, int]:
    """A candidate who answered every question ("not now" for availability), at the summary."""
    chat = Chat(server, server.new_user(name))
    now = services.clock.now()
    candidate = await services.candidates.create(
        telegram_id=chat.user.id,
        chat_id=chat.user.id,
        language="fr",
        source=None,
        consent_version="2026-11-25",
        now=now,
    )
    for step, value in answers(site, name, "no").items():
        await services.candidates.save_answer(candidate.id, step, value, now)
    return chat, candidate.id


async def interviewed(server: FakeTelegram, services: Services, name: str) -> tuple[Chat, int]:
    """An eligible candidate after their interview (written directly)."""
    chat = Chat(server, server.new_user(name))
    now = services.clock.now()
    candidate = await services.candidates.create(
        telegram_id=chat.user.id,
        chat_id=chat.user.id,
        language="fr",
        source=None,
        consent_version="2026-11-25",
        now=now,
    )
    for step, value in answers("gonesse", name, "yes").items():
        await services.candidates.save_answer(candidate.id, step, value, now)
    await services.candidates.submit(candidate.id, result="eligible", reasons=[], now=now)
    await services.pipeline.move(candidate.id, to=Stage.INTERVIEW, by=1, at=now)
    return chat, candidate.id


def current(chat: Chat, message: SentMessage) -> SentMessage:
    return next(m for m in chat.messages if m.message_id == message.message_id)


async def edited(chat: Chat, message: SentMessage) -> SentMessage:
    """The message once the bot has edited it (the edit follows the reply's new messages)."""
    while (now := current(chat, message)).edit_count == message.edit_count:
        if not await chat.server.wait_for_change(5.0):
            raise AssertionError("the pressed message was not edited")
    return now


def labels(message: SentMessage) -> list[str]:
    return [b.text for row in message.buttons for b in row]


def count(chat: Chat, text: str) -> int:
    return sum(1 for m in chat.messages if text in m.plain_text)


async def outbox_rows(services: Services, kind: str) -> list[dict[str, Any]]:
    rows = await services.db.fetchall(
        "SELECT candidate_id, state, last_error FROM outbox WHERE kind = ? ORDER BY candidate_id",
        (kind,),
    )
    return [dict(r) for r in rows]


async def test_opt_in_then_one_message_when_the_next_cohort_opens(
    server: FakeTelegram, settings: Settings, clock: FakeClock
) -> None:
    clock.set(T0)
    admin = Chat(server, server.new_user("Admin"))
    settings = with_staff(settings, admin_of(admin.user))
    async with running_bot(server, settings, clock) as app:
        services = svc(app)
        january = await services.pipeline.create_cohort(
            site="gonesse",
            name="Promo Janvier",
            start=dt.date(2027, 1, 4),
            end=dt.date(2027, 6, 30),
            capacity=12,
            by=admin.user.id,
            at=T0 - dt.timedelta(days=30),
        )
        nina, nina_id = await answered(server, services, "Nina")
        ophelie, _ = await answered(server, services, "Ophélie")
        stephane, _ = await answered(server, services, "Stéphane")
        marc, _ = await answered(server, services, "Marc", site="marcq")
        walid, walid_id = await interviewed(server, services, "Walid")

        # "Not now" at the result: the question, nothing pre-ticked, /humain kept
        result = await nina.send("oui", expect="Je peux te prévenir quand la prochaine promo")
        assert "Tu n'es pas disponible pour la prochaine promo" in result.plain_text
        assert labels(result) == [OPT_IN, "Non merci", "🙋 Parler à une personne"]
        assert [b.callback_data for row in result.buttons for b in row][:2] == [
            "re:yes:r",
            "re:no:r",
        ]
        assert await services.reengagement.optin(nina_id) is None  # nothing stored yet
        await nina.press(OPT_IN, expect="C'est noté")
        assert labels(await edited(nina, result)) == ["🙋 Parler à une personne"]
        row = await services.reengagement.optin(nina_id)
        assert row is not None and row["site"] == "gonesse"
        assert row["opted_in_at"] == T0.isoformat(timespec="seconds")
        assert row["notified_cohort_id"] is None
        events = [e["kind"] for e in await services.candidates.events(nina_id)]
        assert "reengagement_opt_in" in events

        await ophelie.send("oui", expect="Je peux te prévenir")
        await ophelie.press("Non merci", expect="Pas de souci")

        await stephane.send("oui", expect="Je peux te prévenir")
        await stephane.press(OPT_IN, expect="C'est noté")
        await stephane.command("stop", expect="je ne t'enverrai plus")

        await marc.send("oui", expect="Je peux te prévenir")
        await marc.press(OPT_IN, expect="prochaine promo de Marcq-en-Barœul")

        # Waitlisted by staff: the question comes through the outbox
        await walid.command("start", expect="")
        await admin.command("etape", expect="Pour quelle promo", args=f"{walid_id} liste d'attente")
        await admin.press("Promo Janvier (04/01/2027)", expect="Liste d'attente")
        asks = await outbox_rows(services, ASK_KIND)
        assert asks == [{"candidate_id": walid_id, "state": "pending", "last_error": None}]
        await dispatch(app, clock, T0 + dt.timedelta(minutes=5))
        ask = await walid.expect("liste d'attente")
        assert "Promo Janvier" in ask.plain_text and labels(ask) == [OPT_IN, "Non merci"]
        await walid.press(OPT_IN, expect="C'est noté")
        assert labels(await edited(walid, ask)) == []
        await dispatch(app, clock, T0 + dt.timedelta(minutes=10))
        assert count(walid, "liste d'attente") == 1

        # The evening: the admin creates the next cohorts, of Marcq then of Gonesse
        clock.set(EVENING)
        done = await admin.command(
            "nouvelle_cohorte", expect="créée", args="marcq 01/03/2027 30/09/2027 12 Promo Mars"
        )
        assert "1 candidat qui attendait" in done.plain_text
        done = await admin.command(
            "nouvelle_cohorte", expect="créée", args="gonesse 06/04/2027 30/10/2027 12 Promo Avril"
        )
        assert "2 candidats qui attendaient" in done.plain_text
        assert "entre 09h00 et 20h00" in done.plain_text
        stats = await dispatch(app, clock, EVENING + dt.timedelta(minutes=1))
        assert stats.sent == 0 and stats.deferred == 3
        for chat in (nina, walid, marc, stephane, ophelie):
            assert count(chat, NEXT) == 0

        # The morning: one message each, for the right people only
        stats = await dispatch(app, clock, MORNING)
        assert stats.sent == 3
        to_nina = await nina.expect(NEXT)
        assert "Promo Avril" in to_nina.plain_text and "6 avril 2027" in to_nina.plain_text
        assert labels(to_nina) == ["🔁 Refaire ma candidature"]  # not eligible: apply again
        to_walid = await walid.expect(NEXT)
        assert "Promo Avril" in to_walid.plain_text
        assert labels(to_walid) == ["📅 Choisir une réunion"]  # eligible: the session offer
        assert [b.callback_data for row in to_walid.buttons for b in row] == ["s:offer"]
        to_marc = await marc.expect(NEXT)
        assert "Promo Mars" in to_marc.plain_text and "Promo Avril" not in to_marc.plain_text
        for chat in (stephane, ophelie):
            assert count(chat, NEXT) == 0
        sent = {r["candidate_id"] for r in await outbox_rows(services, COHORT_KIND)}
        assert nina_id in sent and walid_id in sent and len(sent) == 3

        # Later runs and a later cohort send nothing more
        await dispatch(app, clock, MORNING + dt.timedelta(hours=2))
        done = await admin.command(
            "nouvelle_cohorte", expect="créée", args="gonesse 07/09/2027 28/02/2028 12 Promo Sept"
        )
        assert "candidat" not in done.plain_text
        await dispatch(app, clock, MORNING + dt.timedelta(days=1, hours=2))
        for chat, expected in ((nina, 1), (walid, 1), (marc, 1), (stephane, 0), (ophelie, 0)):
            assert count(chat, NEXT) == expected, chat.user.first_name
        assert len(await outbox_rows(services, COHORT_KIND)) == 3
        row = await services.reengagement.optin(nina_id)
        assert row is not None and row["notified_at"] is not None
        april = await services.pipeline.find_cohort("Promo Avril")
        assert april is not None and row["notified_cohort_id"] == april.id != january.id

        # The button restarts the application, after a confirmation
        await nina.press("🔁 Refaire ma candidature", expect="Tu veux vraiment tout recommencer")


async def test_withdraw_stop_at_send_time_admitted_and_erased_are_skipped(
    server: FakeTelegram, settings: Settings, clock: FakeClock
) -> None:
    clock.set(T0)
    async with running_bot(server, settings, clock) as app:
        services = svc(app)
        await services.pipeline.create_cohort(
            site="gonesse",
            name="Promo Janvier",
            start=dt.date(2027, 1, 4),
            end=dt.date(2027, 6, 30),
            capacity=12,
            by=1,
            at=T0 - dt.timedelta(days=30),
        )
        chats = {}
        for name in ("Wanda", "Sacha", "Alix", "Emma", "Rose"):
            chat, candidate_id = await answered(server, services, name)
            await chat.send("oui", expect="Je peux te prévenir")
            await chat.press(OPT_IN, expect="C'est noté")
            chats[name] = (chat, candidate_id)

        # Wanda changes her mind from the confirmation's button
        wanda, wanda_id = chats["Wanda"]
        await wanda.press("🔕 Finalement, non merci", expect="C'est retiré")
        assert await services.reengagement.optin(wanda_id) is None
        # Emma erases her data: the opt-in goes with her
        emma, emma_id = chats["Emma"]
        await emma.command("supprimer", expect="")
        await emma.press("Oui, tout effacer", expect="")
        assert await services.candidates.by_id(emma_id) is None
        assert await services.reengagement.optin(emma_id) is None

        # The cohort is created in the evening; before the morning, Sacha sends /stop and Alix
        # is admitted (overturned, interviewed, admitted)
        clock.set(EVENING)
        april = await services.pipeline.create_cohort(
            site="gonesse",
            name="Promo Avril",
            start=dt.date(2027, 4, 6),
            end=dt.date(2027, 10, 30),
            capacity=12,
            by=1,
            at=EVENING,
        )
        assert await services.pipeline.reengaged_count(april.id) == 3  # Sacha, Alix, Rose
        sacha, _ = chats["Sacha"]
        await sacha.command("stop", expect="je ne t'enverrai plus")
        _, alix_id = chats["Alix"]
        await services.pipeline.review(alix_id, decision="overturned", by=1, at=EVENING)
        await services.pipeline.move(alix_id, to=Stage.INTERVIEW, by=1, at=EVENING)
        await services.pipeline.move(
            alix_id, to=Stage.ADMITTED, by=1, at=EVENING, cohort_id=april.id
        )

        await dispatch(app, clock, MORNING)
        rose, rose_id = chats["Rose"]
        await rose.expect(NEXT)
        for name in ("Wanda", "Sacha", "Alix"):
            assert count(chats[name][0], NEXT) == 0, name
        states = {
            r["candidate_id"]: (r["state"], r["last_error"])
            for r in await outbox_rows(services, COHORT_KIND)
        }
        assert states[rose_id] == ("sent", None)
        assert states[alix_id] == ("dropped", "not_needed")
        assert ("dropped", "stopped") in states.values()

        # Rose opts in again later (she sees the question again after re-applying "not now"):
        # a new opt-in, so the next cohort is announced to her once more
        await rose.press("🔁 Refaire ma candidature", expect="Tu veux vraiment tout recommencer")
        await rose.press("Oui, tout recommencer", expect=fs.first_heading())
        for step, value in answers("gonesse", "Rose", "no").items():
            await services.candidates.save_answer(rose_id, step, value, clock.now())
        await rose.send("oui", expect="Je peux te prévenir")
        await rose.press(OPT_IN, expect="C'est noté")
        row = await services.reengagement.optin(rose_id)
        assert row is not None and row["notified_cohort_id"] is None
        clock.set(MORNING + dt.timedelta(days=2))
        await services.pipeline.create_cohort(
            site="gonesse",
            name="Promo Sept",
            start=dt.date(2027, 9, 7),
            end=dt.date(2028, 2, 28),
            capacity=12,
            by=1,
            at=clock.now(),
        )
        await dispatch(app, clock, clock.now())
        await rose.expect("Promo Sept")
        assert count(rose, NEXT) == 2
