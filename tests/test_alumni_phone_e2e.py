"""End to end over HTTP against the local Bot API, with an injected clock: staff note an answer
taken by phone. Exit -> J0 survey unanswered -> reminders -> day 10 on /appels and in the weekly
digest -> site staff press "📞 Noter sa réponse" and the survey's buttons -> the person leaves
the call list, pending reminders are cancelled, /sorties counts the CDI as a positive exit.
Staff of another site and non-staff are refused; forged buttons change nothing."""

from __future__ import annotations

import datetime as dt
import json

from bot.config import Settings
from bot.fakeapi import FakeTelegram
from bot.kernel.clock import FakeClock
from bot.services import Services
from tests.botharness import Chat, running_bot, services_of, site_staff, with_staff
from tests.botharness import admin as admin_of
from tests.test_alumni_e2e import START, dispatch, paris, seed

GROUP = -1001234567890


async def followup_row(services: Services, candidate_id: int) -> dict[str, object]:
    row = await services.db.fetchone(
        "SELECT * FROM followups WHERE candidate_id = ? AND milestone = 0", (candidate_id,)
    )
    assert row is not None
    return dict(row)


async def outbox_states(services: Services, candidate_id: int) -> list[str]:
    rows = await services.db.fetchall(
        "SELECT state FROM outbox WHERE subject = ? ORDER BY key", (f"fu:{candidate_id}:0",)
    )
    return [str(r["state"]) for r in rows]


async def toast(server: FakeTelegram, chat: Chat, data: str) -> str:
    """A forged press with `data` on the chat's last message; the notice shown."""
    message = chat.messages[-1]
    query = server.press_button(chat.user, message, data=data)
    answer = await server.wait_for_callback_answer(query)
    return str(answer["text"] or "")


async def test_staff_note_a_phone_answer_from_the_call_list(
    server: FakeTelegram, settings: Settings, clock: FakeClock
) -> None:
    clock.set(START)
    admin = Chat(server, server.new_user("Admin"))
    gonesse = Chat(server, server.new_user("Gaëlle"))  # staff of the learners' site
    marcq = Chat(server, server.new_user("Marc"))  # staff of another site
    users = [server.new_user(n) for n in ("Awa", "Bilal", "Chloé", "Dan")]
    awa_id, bilal_id, chloe_id, dan_id = await seed(settings, clock, users)
    settings = with_staff(
        settings,
        admin_of(admin.user),
        site_staff(gonesse.user, "gonesse"),
        site_staff(marcq.user, "marcq"),
        staff_chat_id=GROUP,
    )
    awa, bilal, chloe, dan = (Chat(server, u) for u in users)
    async with running_bot(server, settings, clock) as app:
        services = services_of(app)
        for chat in (awa, bilal, chloe, dan, gonesse, marcq):
            await chat.command("start", expect="")
        server.block_bot(chloe.user)
        server.send_group_text(admin.user, GROUP, "bonjour")  # the bot is in the staff group
        await admin.command("sortie", expect="4 sorties", args="Promo Test 30/06/2027")

        # J0: Awa answers in Telegram, Bilal and Dan stay silent, Chloé blocked the bot
        await dispatch(app, clock, paris(dt.date(2027, 6, 30)))
        await awa.expect("Aujourd'hui, tu es plutôt")
        await bilal.expect("Aujourd'hui, tu es plutôt")
        await awa.press("🔎 Je cherche un travail", expect="La FabNum t'a aidé")

        await dan.expect("Aujourd'hui, tu es plutôt")

        # Chloé is on the call list at once
        calls = await gonesse.command("appels", expect="À appeler")
        assert "Chloé" in calls.plain_text and "Bilal" not in calls.plain_text
        assert [b.text for row in calls.buttons for b in row] == [
            f"📞 Noter sa réponse · Chloé #{chloe_id} · sortie"
        ]

        # staff of another site: the same notice as for someone who does not exist
        other = await marcq.command("appels", expect="Personne à appeler")
        assert not other.buttons
        refused = await toast(server, marcq, f"fu:p:{chloe_id}:0")
        assert refused == await toast(server, marcq, "fu:p:999999:0")
        assert "Je ne trouve pas cette personne" in refused
        assert await toast(server, marcq, f"fu:p:{chloe_id}:0:situation:cdi") == refused
        assert (await followup_row(services, chloe_id))["answered_at"] is None

        # not staff: exactly what any unknown button gets; nothing changes
        unknown = await toast(server, awa, "zz:1")
        assert await toast(server, awa, f"fu:p:{chloe_id}:0:situation:cdi") == unknown
        assert await toast(server, awa, f"fu:p:{chloe_id}:0") == unknown
        assert (await followup_row(services, chloe_id))["answered_at"] is None

        # Gaëlle reaches Chloé by phone the next day: job seeking, the FabNum helped a bit
        clock.set(paris(dt.date(2027, 7, 1)))
        await gonesse.press(f"Chloé #{chloe_id}", expect="Réponse par téléphone")
        await gonesse.expect("Aujourd'hui, tu es plutôt")
        await gonesse.press("🔎 Je cherche un travail", expect="La FabNum t'a aidé")
        await gonesse.press("🙂 Un peu", expect="On peut te recontacter")
        await gonesse.press("Non merci", expect="Réponse de Chloé")
        chloe_row = await followup_row(services, chloe_id)
        assert chloe_row["answered_via"] == "call" and chloe_row["answered_by"] == gonesse.user.id
        assert chloe_row["situation"] == "job_seeking"
        assert "pending" not in await outbox_states(services, chloe_id)
        assert json.loads(str(chloe_row["answers"])) == {
            "situation": "job_seeking",
            "helped": "a_bit",
            "contact": "no",
        }

        # Dan phoned the programme himself: typed fallback, his pending reminders are cancelled
        assert (await outbox_states(services, dan_id)).count("pending") == 2
        await gonesse.command("reponse", expect="Noter une réponse prise au téléphone", args="#1")
        await gonesse.command(
            "reponse", expect="Noter une réponse", args=f"#{dan_id} +5 cdi"
        )  # no +5 survey
        await gonesse.command(
            "reponse", expect="CDD de 6 mois ou plus", args=f"#{dan_id} sortie cdd_long"
        )
        await gonesse.expect("Dans quel domaine")
        assert (await outbox_states(services, dan_id)).count("pending") == 0
        dan_row = await followup_row(services, dan_id)
        assert dan_row["answered_via"] == "call" and dan_row["situation"] == "cdd_long"
        await marcq.command("reponse", expect="Je ne trouve pas", args=f"#{dan_id} sortie cdi")
        assert (await followup_row(services, dan_id))["situation"] == "cdd_long"

        # reminders after 3 and 7 days for Bilal only
        seen_dan = len(dan.messages)
        await dispatch(app, clock, paris(dt.date(2027, 7, 3)))
        await bilal.expect("Petit rappel")
        await dispatch(app, clock, paris(dt.date(2027, 7, 7)))
        await bilal.expect("Petit rappel")
        assert len(dan.messages) == seen_dan

        # day 10: Bilal on /appels, with the day his survey went out, and in the weekly digest
        await dispatch(app, clock, paris(dt.date(2027, 7, 10)))
        calls = await gonesse.command("appels", expect="À appeler")
        assert f"#{bilal_id} Bilal · Promo Test · sortie · depuis le 30/06/2027" in (
            calls.plain_text
        )
        for name in ("Awa", "Chloé", "Dan"):
            assert name not in calls.plain_text
        await dispatch(app, clock, paris(dt.date(2027, 7, 12), 8) + dt.timedelta(seconds=1))
        digest = await server.wait_for_message(
            GROUP, after=0, timeout=5, predicate=lambda m: "Anciens à appeler" in m.plain_text
        )
        assert "Anciens à appeler : 1" in digest.plain_text
        assert f"Bilal #{bilal_id} · Promo Test · sortie · pas de réponse depuis le 30/06/2027" in (
            digest.plain_text
        )
        assert "Chloé" not in digest.plain_text and "Awa" not in digest.plain_text

        # Gaëlle notes Bilal's answer by phone: a CDI in the digital sector
        await gonesse.press(f"Bilal #{bilal_id}", expect="Réponse par téléphone")
        question = await gonesse.expect("Aujourd'hui, tu es plutôt")
        assert question.buttons[0][0].callback_data == f"fu:p:{bilal_id}:0:situation:cdi"
        await gonesse.press("💼 CDI", expect="Dans quel domaine")
        # a forged answer to a question not asked yet changes nothing
        stale = await toast(server, gonesse, f"fu:p:{bilal_id}:0:contact:story")
        assert "plus actif" in stale
        await gonesse.press("💻 Numérique", expect="La FabNum t'a aidé")
        await gonesse.press("👍 Oui, beaucoup", expect="On peut te recontacter")
        await gonesse.press("Non merci")
        done = await gonesse.expect("Réponse de Bilal")
        assert "notée : 💼 CDI" in done.plain_text and "/appels" in done.plain_text
        bilal_row = await followup_row(services, bilal_id)
        assert bilal_row["answered_via"] == "call" and bilal_row["answered_by"] == gonesse.user.id
        assert bilal_row["situation"] == "cdi"
        audit = await services.db.fetchall(
            "SELECT staff_id, detail FROM staff_audit WHERE action = 'followup_call'"
            " AND candidate_id = ?",
            (bilal_id,),
        )
        assert [(r["staff_id"], json.loads(r["detail"])) for r in audit] == [
            (gonesse.user.id, {"milestone": 0})
        ]

        # the same button again, or for someone who answered in Telegram: nothing to note
        noted = await toast(server, gonesse, f"fu:p:{bilal_id}:0")
        assert "déjà notée par téléphone" in noted
        answered = await toast(server, gonesse, f"fu:p:{awa_id}:0")
        assert "Awa a déjà répondu dans Telegram" in answered
        assert (await followup_row(services, awa_id))["answered_via"] == "bot"

        calls = await gonesse.command("appels", expect="Personne à appeler")
        assert not calls.buttons

        # /sorties counts the phone answers: 4/4 answered; Bilal's CDI and Dan's long CDD are
        # the positive exits
        # (4 alumni: /sorties itself only says "< 5", so the figures behind it are checked)
        report = await admin.command("sorties", expect="Sorties", args="Promo Test")
        assert "À la sortie : < 5/< 5 ont répondu (n/d)" in report.plain_text
        counts = await services.alumni.store.outcome_counts(clock.now(), cohort="Promo Test")
        ((_, milestones),) = counts.items()
        due, categories = milestones[0]
        assert due == 4 and sum(categories.values()) == 4
        assert categories["cdi"] == 1 and categories["cdd_long"] == 1

        # not staff: /appels is an unknown command
        unknown_command = await awa.command("nimportequoi", expect="")
        refused_command = await awa.command("appels", expect="")
        assert refused_command.plain_text == unknown_command.plain_text
