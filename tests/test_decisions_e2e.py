"""Every staff decision reaches the candidate (issue 12, part 2), end to end over HTTP.

Consequential decisions (orientation confirmed, admitted, not selected) first come back to the
staff member who made them as a preview with ✉️ Envoyer / ✏️ Modifier / 🚫 Ne pas envoyer; only
Envoyer sends, through the outbox. Starting the training and the exit are told at once. Texts
are in the candidate's language; a candidate cannot press the staff buttons."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Awaitable, Callable

import pytest

from bot.config import Settings
from bot.core.pipeline import Stage
from bot.fakeapi import FakeTelegram, FakeUser, SentMessage
from bot.fakeapi.html_check import check_telegram_html
from bot.kernel.clock import FakeClock
from bot.kernel.rendering import format_date
from bot.pipeline.models import Cohort
from bot.services import Services
from tests.botharness import (
    Chat,
    admin,
    dispatcher_runs,
    running_bot,
    services_of,
    wait_for,
    with_staff,
)
from tests.test_staff_service import seed_candidate

PREVIEW = {"fr": "Voici le message pour", "en": "Here is the message for"}
SEND, EDIT, DROP = "✉️ Envoyer", "✏️ Modifier", "🚫 Ne pas envoyer"
UNKNOWN_BUTTON = "Ce bouton n'est plus actif : voici où on en est."
MAX_MESSAGE = 700  # characters a candidate reads in one message (the project's rule)


def fast(settings: Settings, *members: object) -> Settings:
    return with_staff(dataclasses.replace(settings, outbox_interval=0.2), *members)  # type: ignore[arg-type]


async def in_chat(server: FakeTelegram, chat_id: int, contains: str, after: int = 0) -> SentMessage:
    return await server.wait_for_message(
        chat_id, after=after, timeout=10.0, predicate=lambda m: contains in (m.plain_text or "")
    )


async def candidate(
    server: FakeTelegram, services: Services, name: str, language: str = "fr", **seed: object
) -> tuple[Chat, int]:
    user = server.new_user(name)
    cid = await seed_candidate(
        services.candidates,
        services.clock.now(),
        user.id,
        name=name,
        **seed,  # type: ignore[arg-type]
    )
    await services.db.execute("UPDATE candidates SET language = ? WHERE id = ?", (language, cid))
    chat = Chat(server, user)
    await chat.command("start", "")  # a bot can only write to people who started it
    return chat, cid


async def cohort(services: Services, by: int) -> Cohort:
    start = services.clock.now().date() + dt.timedelta(days=30)
    return await services.pipeline.create_cohort(
        site="gonesse",
        name="Promo Printemps",
        start=start,
        end=start + dt.timedelta(days=120),
        capacity=12,
        by=by,
        at=services.clock.now(),
    )


async def preview(server: FakeTelegram, staff: FakeUser, name: str, after: int) -> SentMessage:
    message = await in_chat(server, staff.id, f"Voici le message pour {name}", after)
    assert [b.text for row in message.buttons for b in row] == [SEND, EDIT, DROP]
    return message


async def press(server: FakeTelegram, staff: FakeUser, message: SentMessage, text: str) -> None:
    await server.wait_for_callback_answer(server.press_button(staff, message, text=text))


async def told(chat: Chat, contains: str) -> str:
    message = await chat.expect(contains, within=10.0)
    plain = check_telegram_html(message.text or "")
    assert len(plain) <= MAX_MESSAGE, plain
    return plain


async def decision_rows(services: Services, cid: int) -> list[tuple[str, str]]:
    rows = await services.db.fetchall(
        "SELECT kind, state FROM decision_messages WHERE candidate_id = ? ORDER BY id", (cid,)
    )
    return [(str(r["kind"]), str(r["state"])) for r in rows]


@pytest.mark.parametrize("language", ["fr", "en"])
async def test_each_decision_reaches_the_candidate_in_their_language(
    server: FakeTelegram, settings: Settings, clock: FakeClock, language: str
) -> None:
    nadia = server.new_user("Nadia")
    async with running_bot(server, fast(settings, admin(nadia)), clock) as app:
        services = services_of(app)
        staff = Chat(server, nadia)
        await staff.command("start", "")
        promo = await cohort(services, nadia.id)
        en = language == "en"

        # admitted: the cohort, its start, the place, what to bring, whom to contact
        lea, lea_id = await candidate(server, services, "Léa", language)
        await services.pipeline.move(lea_id, to=Stage.INTERVIEW, by=nadia.id, at=clock.now())
        seen = len(staff.messages)
        await staff.command("etape", "Pour quelle promo", args=f"{lea_id} admis")
        await staff.press("Promo Printemps")
        await press(server, nadia, await preview(server, nadia, "Léa", seen), SEND)
        text = await told(lea, "admitted" if en else "admis·e")
        start = format_date(promo.start_date, "en" if en else "fr")  # 25 décembre 2026
        assert "Promo Printemps" in text and start in text
        assert "FabNum Gonesse" in text  # the site's address (sites.toml)
        assert ("Bring" if en else "À apporter") in text

        # not selected: kind words, a referral, and the re-engagement opt-in buttons
        sam, sam_id = await candidate(server, services, "Sam", language)
        await services.pipeline.move(sam_id, to=Stage.INTERVIEW, by=nadia.id, at=clock.now())
        seen = len(staff.messages)
        await staff.command("etape", "→", args=f"{sam_id} not_selected")
        await press(server, nadia, await preview(server, nadia, "Sam", seen), SEND)
        text = await told(sam, "was not selected" if en else "n'a pas été retenue")
        assert "Mission Locale Val d'Oise Est" in text
        opt_in = "🔔 Préviens-moi pour la prochaine promo"
        if not en:
            await sam.press(opt_in, "C'est noté")
            optin = await services.reengagement.optin(sam_id)
            assert optin is not None

        # orientation confirmed (over 25): France Travail, never the Mission Locale
        max_, max_id = await candidate(
            server, services, "Max", language, result="review", answers={"birth": "1995-01"}
        )
        seen = len(staff.messages)
        await staff.command("revue", "")
        item = await in_chat(server, nadia.id, f"#{max_id} Max", seen)
        await press(server, nadia, item, "✅ Confirmer l'orientation")
        await press(server, nadia, await preview(server, nadia, "Max", seen), SEND)
        text = await told(max_, "France Travail")
        assert "Mission Locale" not in text and "francetravail.fr" in text

        # starts training, then the exit: told at once, no preview
        seen = len(staff.messages)
        await services.pipeline.move(lea_id, to=Stage.IN_TRAINING, by=nadia.id, at=clock.now())
        await told(lea, "Welcome to the training" if en else "Bienvenue en formation")
        await services.alumni.exits.command(services.settings.staff[nadia.id], [f"#{lea_id}"])
        await told(lea, "3, 6" if en else "3, 6 et 12 mois")
        await dispatcher_runs(server, app)
        assert not any("Voici le message" in m.plain_text for m in staff.messages[seen:])

        assert await decision_rows(services, lea_id) == [
            ("admitted", "sent"),
            ("in_training", "sent"),
            ("exited", "sent"),
        ]
        audit = await services.pipeline.audit_log(lea_id)
        sent = [a for a in audit if a["action"] == "decision_message"]
        assert [a["detail"] for a in sent] == [
            {"message": "admitted"},
            {"message": "in_training"},
            {"message": "exited"},
        ]
        assert {a["staff_id"] for a in sent} == {nadia.id}
        # the card shows the latest; its whole history (pages of 700 characters) shows them all
        seen = len(staff.messages)
        await staff.command("candidat", "", args=str(lea_id))
        card = await in_chat(server, nadia.id, "Historique", seen)
        assert f"✉️ message envoyé : sortie (par {nadia.id})" in card.plain_text
        server.press_button(nadia, card, text="📜 Tout l'historique")
        page = await in_chat(server, nadia.id, "Historique de", seen + 1)
        history = page.plain_text
        while "Suivant ▶️" in [b.text for row in page.buttons for b in row]:
            before = page.plain_text
            server.press_button(nadia, page, text="Suivant ▶️")

            def turned(message_id: int = page.message_id, old: str = before) -> bool:
                now = next(m for m in server.messages(nadia.id) if m.message_id == message_id)
                return now.plain_text != old

            await server.wait_until(turned, 5, message="next page of the history")
            page = next(m for m in server.messages(nadia.id) if m.message_id == page.message_id)
            history += page.plain_text
        for shown in ("admission", "entrée en formation", "sortie"):
            assert f"✉️ message envoyé : {shown} (par {nadia.id})" in history


async def test_a_refused_preview_sends_nothing_and_modifier_changes_the_text(
    server: FakeTelegram, settings: Settings, clock: FakeClock
) -> None:
    nadia = server.new_user("Nadia")
    async with running_bot(server, fast(settings, admin(nadia)), clock) as app:
        services = services_of(app)
        staff = Chat(server, nadia)
        await staff.command("start", "")
        await cohort(services, nadia.id)
        lea, lea_id = await candidate(server, services, "Léa")
        await services.pipeline.move(lea_id, to=Stage.INTERVIEW, by=nadia.id, at=clock.now())

        # 🚫 Ne pas envoyer: the preview says so, nothing reaches Léa
        seen = len(staff.messages)
        await services.pipeline.move(lea_id, to=Stage.NOT_SELECTED, by=nadia.id, at=clock.now())
        shown = await preview(server, nadia, "Léa", seen)
        await press(server, nadia, shown, DROP)
        await wait_for(_edited(server, nadia.id, shown.message_id, "Non envoyé"), what="edited")
        await dispatcher_runs(server, app)
        assert await decision_rows(services, lea_id) == [("not_selected", "dropped")]
        assert not any("retenue" in m.plain_text for m in lea.messages)
        row = await services.db.fetchone("SELECT COUNT(*) FROM outbox WHERE kind = 'decision.send'")
        assert row is not None and row[0] == 0
        audit = [a["action"] for a in await services.pipeline.audit_log(lea_id)]
        assert "decision_message_dropped" in audit and "decision_message" not in audit

        # ✏️ Modifier, then /message: a new preview with the typed text, which Envoyer sends
        sam, sam_id = await candidate(server, services, "Sam")
        await services.pipeline.move(sam_id, to=Stage.INTERVIEW, by=nadia.id, at=clock.now())
        seen = len(staff.messages)
        await services.pipeline.move(sam_id, to=Stage.NOT_SELECTED, by=nadia.id, at=clock.now())
        shown = await preview(server, nadia, "Sam", seen)
        await press(server, nadia, shown, EDIT)
        await in_chat(server, nadia.id, f"/message {sam_id}", seen)
        mine = "Sam, merci <vraiment> & à bientôt.\nOn se revoit à la prochaine promo ?"
        seen = len(staff.messages)
        await staff.command("message", "", args=f"{sam_id} {mine}")
        edited = await preview(server, nadia, "Sam", seen)
        assert mine in edited.plain_text and "pas été retenue" not in edited.plain_text
        await press(server, nadia, edited, SEND)
        got = await sam.expect("merci <vraiment>", within=10.0)
        assert got.plain_text == mine
        # the first preview's buttons no longer send anything
        await press(server, nadia, shown, SEND)
        await dispatcher_runs(server, app)
        assert [m.plain_text for m in sam.messages].count(mine) == 1
        assert await decision_rows(services, sam_id) == [("not_selected", "sent")]


def _edited(
    server: FakeTelegram, chat_id: int, message_id: int, contains: str
) -> Callable[[], Awaitable[bool]]:
    async def check() -> bool:
        return any(
            m.message_id == message_id and contains in m.plain_text
            for m in server.messages(chat_id)
        )

    return check


async def test_candidates_cannot_press_decision_buttons(
    server: FakeTelegram, settings: Settings, clock: FakeClock
) -> None:
    nadia = server.new_user("Nadia")
    async with running_bot(server, fast(settings, admin(nadia)), clock) as app:
        services = services_of(app)
        await Chat(server, nadia).command("start", "")
        lea, lea_id = await candidate(server, services, "Léa")
        mallory, _ = await candidate(server, services, "Mallory")
        await services.pipeline.move(lea_id, to=Stage.INTERVIEW, by=nadia.id, at=clock.now())
        await services.pipeline.move(lea_id, to=Stage.NOT_SELECTED, by=nadia.id, at=clock.now())
        await preview(server, nadia, "Léa", 0)
        draft = await services.decisions.store.latest_draft(lea_id)
        assert draft is not None
        await mallory.command("message", "Je ne connais pas cette commande", args=f"{lea_id} x")
        target = mallory.messages[-1]
        for data in (f"dec:s:{draft.id}", f"dec:d:{draft.id}", f"dec:e:{draft.id}", "dec:s:x"):
            query = server.press_button(mallory.user, target, data=data)
            answer = await server.wait_for_callback_answer(query)
            assert answer.get("text") == UNKNOWN_BUTTON
        await dispatcher_runs(server, app)
        assert await decision_rows(services, lea_id) == [("not_selected", "draft")]
        assert not any("retenue" in m.plain_text for m in lea.messages)
        assert not any("Léa" in m.plain_text for m in mallory.messages)


async def test_an_overturn_in_revue_is_previewed_and_waiting_drafts_are_in_revue_and_the_digest(
    server: FakeTelegram, settings: Settings, clock: FakeClock
) -> None:
    nadia = server.new_user("Nadia")
    async with running_bot(server, fast(settings, admin(nadia)), clock) as app:
        services = services_of(app)
        staff = Chat(server, nadia)
        await staff.command("start", "")
        alix, alix_id = await candidate(
            server, services, "Alix", result="oriented", reasons=["qualification_higher"]
        )
        seen = len(staff.messages)
        await staff.command("revue", "")
        item = await in_chat(server, nadia.id, f"#{alix_id} Alix", seen)
        await press(server, nadia, item, "↩️ Renverser : éligible")
        first = await preview(server, nadia, "Alix", seen)
        assert "Bonne nouvelle Alix" in first.plain_text
        assert await services.pipeline.stage_of(alix_id) is Stage.ELIGIBLE
        await dispatcher_runs(server, app)
        assert not any("Bonne nouvelle" in m.plain_text for m in alix.messages)

        # a draft the bot made itself (no one to preview it) waits too
        bo, bo_id = await candidate(server, services, "Bo")
        await services.pipeline.move(bo_id, to=Stage.INTERVIEW, by=nadia.id, at=clock.now())
        await services.pipeline.move(bo_id, to=Stage.NOT_SELECTED, by=0, at=clock.now())
        await dispatcher_runs(server, app)

        # /digest counts them; /revue shows each preview again, with its buttons
        seen = len(staff.messages)
        await staff.command("digest", "")
        await in_chat(server, nadia.id, "Messages de décision en attente d'envoi : 2", seen)
        seen = len(staff.messages)
        await staff.command("revue", "")
        await in_chat(server, nadia.id, "Messages de décision en attente : 2", seen)
        again = await preview(server, nadia, "Alix", seen)
        bos = await preview(server, nadia, "Bo", seen)
        await press(server, nadia, bos, DROP)
        await press(server, nadia, again, SEND)
        told_alix = await alix.expect("Bonne nouvelle Alix", within=10.0)
        assert [b.text for row in told_alix.buttons for b in row] == ["📅 Choisir une réunion"]
        await alix.press("📅 Choisir une réunion", expect="")
        # the first preview's buttons do nothing more; nothing reached Bo
        await press(server, nadia, first, SEND)
        await dispatcher_runs(server, app)
        assert [m.plain_text for m in alix.messages].count(told_alix.plain_text) == 1
        assert not any("retenue" in m.plain_text for m in bo.messages)
        assert await decision_rows(services, alix_id) == [("overturned", "sent")]
        assert await decision_rows(services, bo_id) == [("not_selected", "dropped")]
        seen = len(staff.messages)
        await staff.command("revue", "Rien à relire")
        await dispatcher_runs(server, app)
        assert not any("Messages de décision" in m.plain_text for m in staff.messages[seen:])
        audit = await services.pipeline.audit_log(alix_id)
        assert [a["detail"] for a in audit if a["action"] == "decision_message"] == [
            {"message": "overturned"}
        ]


@pytest.mark.parametrize(
    ("language", "news", "offer"),
    [("fr", "Bonne nouvelle Alix", "📅 Choisir une réunion"), ("en", "Good news Alix", "📅")],
)
async def test_the_overturn_message_is_in_the_candidates_language(
    server: FakeTelegram, settings: Settings, clock: FakeClock, language: str, news: str, offer: str
) -> None:
    nadia = server.new_user("Nadia")
    async with running_bot(server, fast(settings, admin(nadia)), clock) as app:
        services = services_of(app)
        await Chat(server, nadia).command("start", "")
        alix, alix_id = await candidate(
            server, services, "Alix", language, result="oriented", reasons=["qualification_higher"]
        )
        await services.pipeline.review(alix_id, decision="overturned", by=nadia.id, at=clock.now())
        shown = await preview(server, nadia, "Alix", 0)
        assert news in shown.plain_text  # staff read it in the candidate's language
        await press(server, nadia, shown, SEND)
        text = await told(alix, news)
        message = alix.messages[-1]
        assert news in text and message.buttons[0][0].text.startswith(offer)
        assert message.buttons[0][0].callback_data == "s:offer"
        await dispatcher_runs(server, app)
