"""End to end over HTTP against the local Bot API, with an injected clock: staff mark a cohort's
exit -> J0 survey -> answers -> reminders after 3 and 7 days -> call list -> +3 months survey;
/stop and a blocked alumnus; /sorties with its chart and funders' report; non-staff refused."""

from __future__ import annotations

import datetime as dt

from bot.app import App
from bot.config import Settings
from bot.core.pipeline import Stage
from bot.db.database import Database
from bot.db.unit_of_work import UnitOfWork
from bot.fakeapi import FakeTelegram, FakeUser
from bot.kernel.clock import FakeClock
from bot.pipeline.store import PipelineStore
from bot.screening.store import CandidateStore
from tests.botharness import Chat, running_bot, services_of, with_staff
from tests.botharness import admin as admin_of

START = dt.datetime(2027, 6, 30, 7, 0, tzinfo=dt.UTC)  # 09:00 in Paris


async def seed(settings: Settings, clock: FakeClock, users: list[FakeUser]) -> list[int]:
    """Learners in training in cohort "Promo Test" at Gonesse."""
    db = Database(settings.database)
    await db.connect()
    try:
        store, pipeline = CandidateStore(db), PipelineStore(db, UnitOfWork(db))
        at = clock.now() - dt.timedelta(days=200)
        cohort = await pipeline.create_cohort(
            site="gonesse",
            name="Promo Test",
            start=dt.date(2027, 1, 4),
            end=dt.date(2027, 6, 30),
            capacity=12,
            by=1,
            at=at,
        )
        ids = []
        for user in users:
            c = await store.create(
                telegram_id=user.id,
                chat_id=user.id,
                language="fr",
                source=None,
                consent_version="v",
                now=at,
            )
            for step, value in (("site", "gonesse"), ("first_name", user.first_name)):
                await store.save_answer(c.id, step, value, at)
            await store.submit(c.id, result="eligible", reasons=[], now=at)
            await pipeline.move(c.id, to=Stage.INTERVIEW, by=1, at=at)
            await pipeline.move(c.id, to=Stage.ADMITTED, by=1, at=at, cohort_id=cohort.id)
            await pipeline.move(c.id, to=Stage.IN_TRAINING, by=1, at=at)
            ids.append(c.id)
        return ids
    finally:
        await db.close()


async def dispatch(app: App, clock: FakeClock, to: dt.datetime) -> None:
    clock.set(to)
    await services_of(app).outbox.run_once(app.bot)


def paris(day: dt.date, hour: int = 10) -> dt.datetime:
    from zoneinfo import ZoneInfo

    return dt.datetime(day.year, day.month, day.day, hour, tzinfo=ZoneInfo("Europe/Paris"))


async def test_exit_surveys_reminders_calls_and_outcomes(
    server: FakeTelegram, settings: Settings, clock: FakeClock
) -> None:
    clock.set(START)
    admin = Chat(server, server.new_user("Admin"))
    users = [server.new_user(n) for n in ("Awa", "Bilal", "Chloé")]
    await seed(settings, clock, users)
    settings = with_staff(settings, admin_of(admin.user))
    awa, bilal, chloe = (Chat(server, u) for u in users)
    async with running_bot(server, settings, clock) as app:
        for chat in (awa, bilal, chloe):
            await chat.command("start", expect="")
        server.block_bot(chloe.user)

        await admin.command("sortie", expect="Enregistrer des sorties")
        await admin.command("sortie", expect="Je ne trouve pas cette cohorte", args="Promo X")
        await admin.command(
            "sortie", expect="Cette date n'existe pas", args="Promo Test 31/02/2027"
        )
        done = await admin.command("sortie", expect="3 sorties", args="promo test 30/06/2027")
        assert "30/06/2027" in done.plain_text and "+12 mois" in done.plain_text
        await admin.command("sortie", expect="déjà enregistrées", args="Promo Test 30/06/2027")

        # J0, 10:00 in Paris
        await dispatch(app, clock, paris(dt.date(2027, 6, 30)))
        await awa.expect("Ta formation à la FabNum se termine")
        question = await awa.expect("Aujourd'hui, tu es plutôt")
        assert len(question.buttons) == 10
        assert all(row[0].callback_data.startswith("fu:0:situation:") for row in question.buttons)
        await bilal.expect("Aujourd'hui, tu es plutôt")
        await awa.press("💼 CDI", expect="Dans quel domaine")
        domain = awa.last_with_buttons()
        await awa.press("💻 Numérique", expect="La FabNum t'a aidé")
        # its button pressed again (issue 14): the current question again, nobody left stuck
        again = server.press_button(awa.user, domain, text="💻 Numérique")
        assert "déjà noté" in str((await server.wait_for_callback_answer(again)).get("text"))
        await awa.expect("La FabNum t'a aidé")
        await awa.press("👍 Oui, beaucoup", expect="On peut te recontacter")
        await awa.press("Non merci", expect="Merci beaucoup")

        # reminders after 3 and 7 days for Bilal only; Chloé blocked the bot
        seen_awa = len(awa.messages)
        await dispatch(app, clock, paris(dt.date(2027, 7, 3)))
        await bilal.expect("Petit rappel")
        await dispatch(app, clock, paris(dt.date(2027, 7, 7)))
        await bilal.expect("Petit rappel")
        assert len(awa.messages) == seen_awa
        calls = await admin.command("appels", expect="À appeler")  # blocked: call at once
        assert "Chloé" in calls.plain_text and "Bilal" not in calls.plain_text
        await dispatch(app, clock, paris(dt.date(2027, 7, 10)))
        calls = await admin.command("appels", expect="À appeler")
        assert "Bilal" in calls.plain_text and "Chloé" in calls.plain_text
        assert "a bloqué le bot" in calls.plain_text and "Awa" not in calls.plain_text

        # Bilal answers late, from the J0 survey's buttons: he leaves the call list
        await bilal.press("🔎 Je cherche un travail", expect="La FabNum t'a aidé")
        calls = await admin.command("appels", expect="À appeler")
        assert "Bilal" not in calls.plain_text

        # /stop (what issue 3's command stores): no more surveys for Bilal
        await services_of(app).db.execute(
            "UPDATE candidates SET nudges_stopped_at = ? WHERE telegram_id = ?",
            (clock.now().isoformat(), bilal.user.id),
        )
        seen_bilal = len(bilal.messages)
        await dispatch(app, clock, paris(dt.date(2027, 9, 30)))
        await awa.expect("Ça fait 3 mois")
        plus3 = await awa.expect("Aujourd'hui, tu es plutôt")
        assert plus3.buttons[0][0].callback_data == "fu:3:situation:cdi"
        assert len(bilal.messages) == seen_bilal

        report = await admin.command("sorties", expect="Sorties", args="Promo Test")
        text = report.plain_text
        # 3 alumni: nothing but "< 5" and "n/d" (2 of 3 answered, 1 positive, not shown)
        assert "À la sortie : < 5/< 5 ont répondu (n/d)" in text
        assert "Sorties positives : n/d des répondants, n/d de tous les sortants" in text
        assert "67 %" not in text and "33 %" not in text
        assert "+3 mois : < 5/< 5 ont répondu" in text
        document = await admin.expect("Rapport pour les financeurs")
        assert document.document is not None
        assert document.document.content.startswith(b"<!DOCTYPE html>")
        photo = await admin.expect("Réponses et sorties positives")
        assert photo.photo is not None and photo.photo.startswith(b"\x89PNG")
        await admin.command("sorties", expect="Pas encore de résultats", args="1999")

        # not staff: exactly the unknown-command answer
        unknown = await awa.command("nimportequoi", expect="")
        refused = await awa.command("sorties", expect="")
        assert refused.plain_text == unknown.plain_text
        forged = server.press_button(awa.user, awa.last_with_buttons(), data="fu:9:situation:cdi")
        await server.wait_for_callback_answer(forged)
