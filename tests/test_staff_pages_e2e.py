"""Issue 13 C through the fake Bot API: /staff split by topic, a card's whole history in pages,
a shortlist in pages; every message within 700 characters; non-staff pressing a forged staff
button get what any unknown button gets, and nothing changes."""

from __future__ import annotations

import datetime as dt

from bot.config import Settings
from bot.fakeapi import FakeTelegram, SentMessage
from bot.kernel.callbacks import MAX_BYTES
from bot.kernel.clock import FakeClock
from bot.pipeline.buttons import HELP_TOPICS
from tests.botharness import Chat, admin, handled, running_bot, services_of, with_staff
from tests.test_staff_service import seed_candidate

MAX = 700
TOPICS = {
    "👥 Candidats & revue": "/etape",
    "📅 Réunions": "/nouvelle_session",
    "🎓 Promos & shortlist": "/shortlist",
    "✉️ Messages aux candidats": "/ecrire",
    "📊 Anciens & rapports": "/sorties",
    "📖 Guide": "/guide",
}


def labels(message: SentMessage) -> list[str]:
    return [b.text for row in message.buttons for b in row]


def data_of(message: SentMessage) -> list[str]:
    return [b.callback_data or "" for row in message.buttons for b in row]


def now(chat: Chat, message: SentMessage) -> SentMessage:
    """The message as it is now in the chat (edits applied)."""
    return next(m for m in chat.messages if m.message_id == message.message_id)


async def press_and_wait(
    chat: Chat, message: SentMessage, label: str, contains: str, button: str | None = None
) -> SentMessage:
    """Press a button of `message`; wait until the message itself shows `contains` (and has
    a button `button`, when given); return it as it is then."""
    query = chat.server.press_button(chat.user, now(chat, message), text=label)
    await chat.server.wait_for_callback_answer(query)

    def changed() -> bool:
        current = now(chat, message)
        return contains in current.plain_text and (button is None or button in labels(current))

    await chat.server.wait_until(changed, 5, message=f"edit with {contains!r}")
    return now(chat, message)


async def test_staff_help_by_topic_and_back(
    server: FakeTelegram, settings: Settings, clock: FakeClock
) -> None:
    boss = Chat(server, server.new_user("Admin"))
    settings = with_staff(settings, admin(boss.user))
    async with running_bot(server, settings, clock):
        overview = await boss.command("staff", expect="Espace équipe")
        assert len(overview.plain_text) <= MAX
        assert "/guide : le guide de l'équipe" in overview.plain_text
        assert labels(overview) == list(TOPICS)
        assert [d.removeprefix("st:h:") for d in data_of(overview)] == list(HELP_TOPICS)
        for label, command in TOPICS.items():
            topic = await press_and_wait(boss, overview, label, command, "↩️ Retour")
            assert len(topic.plain_text) <= MAX and topic.plain_text.startswith(label)
            assert labels(topic) == ["↩️ Retour"] and "Espace équipe" not in topic.plain_text
            if label == "✉️ Messages aux candidats":
                assert "chaque candidat a son sujet" in topic.plain_text
                assert "/clore dans le sujet" in topic.plain_text
            back = await press_and_wait(boss, overview, "↩️ Retour", "Espace équipe", label)
            assert labels(back) == list(TOPICS) and back.plain_text == overview.plain_text
        assert len([m for m in boss.messages if "Espace équipe" in m.plain_text]) == 1


async def test_a_card_shows_the_latest_and_pages_the_whole_history(
    server: FakeTelegram, settings: Settings, clock: FakeClock
) -> None:
    boss = Chat(server, server.new_user("Admin"))
    settings = with_staff(settings, admin(boss.user))
    async with running_bot(server, settings, clock) as app:
        services = services_of(app)
        cid = await seed_candidate(services.candidates, clock.now(), 1001)
        reasons = [f"Raison {n:02d} " + "détaillée " * 12 for n in range(14)]
        for n, reason in enumerate(reasons):
            clock.advance(dt.timedelta(minutes=1))
            to = "interview" if n % 2 == 0 else "not_selected"
            await services.pipeline.move(cid, to=to, by=boss.user.id, at=clock.now(), reason=reason)
        for n in range(5):
            await boss.command("note", expect="Note ajoutée", args=f"{cid} Note{n} " + "mot " * 60)

        card = await boss.command("candidat", expect="Étape : Non retenu", args=str(cid))
        assert len(card.plain_text) <= MAX
        assert "Raison 13" in card.plain_text and "Raison 00" not in card.plain_text
        assert "de plus (📜 Tout l'historique)" in card.plain_text
        assert "Note4" in card.plain_text and "Note0" not in card.plain_text
        assert "📜 Tout l'historique" in labels(card) and "📝 Toutes les notes" in labels(card)
        assert all(len(d.encode()) <= MAX_BYTES for d in data_of(card))

        server.press_button(boss.user, card, text="📜 Tout l'historique")
        page = await boss.expect("Historique de #")
        seen: list[str] = []
        number = 1
        while True:
            text = page.plain_text
            assert len(text) <= MAX and f"page {number}/" in text
            seen += [r[:9] for r in reasons if r[:9] in text]
            if "Suivant ▶️" not in labels(page):
                break
            number += 1
            page = await press_and_wait(boss, page, "Suivant ▶️", f"page {number}/")
        assert seen == [r[:9] for r in reasons]  # every move, oldest first, once
        assert "accord donné" not in text and number >= 3
        page = await press_and_wait(boss, page, "◀️ Précédent", f"page {number - 1}/")
        assert len([m for m in boss.messages if "Historique de #" in m.plain_text]) == 1

        server.press_button(boss.user, page, text="🗂 Fiche")
        again = await boss.expect("Étape : Non retenu")
        assert again.plain_text == card.plain_text


async def test_a_shortlist_in_pages_and_forged_presses_by_non_staff(
    server: FakeTelegram, settings: Settings, clock: FakeClock
) -> None:
    boss = Chat(server, server.new_user("Admin"))
    lea = Chat(server, server.new_user("Léa"))
    settings = with_staff(settings, admin(boss.user))
    async with running_bot(server, settings, clock) as app:
        services = services_of(app)
        await boss.command(
            "nouvelle_cohorte", expect="créée", args="gonesse 01/03/2027 30/09/2027 12 Promo Mars"
        )
        ids = []
        for n in range(20):
            cid = await seed_candidate(
                services.candidates, clock.now(), 5000 + n, name=f"Cand{n:02d}"
            )
            await services.pipeline.move(cid, to="interview", by=1, at=clock.now())
            ids.append(cid)

        first = await boss.command("shortlist", expect="Shortlist Promo Mars", args="promo mars")
        total = int(first.plain_text.split("Page 1/")[1].split()[0])
        assert total >= 4 and labels(first)[0] == "Suivant ▶️"
        assert "📊 Mixité" in labels(first) and "📤 Shortlist (CSV)" in labels(first)
        listed: list[str] = []
        page = first
        for number in range(1, total + 1):
            text = page.plain_text
            assert len(text) <= MAX and f"Page {number}/{total}" in text
            listed += [line for line in text.splitlines() if line[:1].isdigit()]
            if number < total:
                page = await press_and_wait(boss, page, "Suivant ▶️", f"Page {number + 1}/{total}")
        assert "Mixité" in page.plain_text and "Suivant ▶️" not in labels(page)
        assert len(listed) == 20 and [int(x.split(".")[0]) for x in listed] == list(range(1, 21))
        await press_and_wait(boss, page, "◀️ Précédent", f"Page {total - 1}/{total}")
        back = await press_and_wait(boss, page, "◀️ Précédent", f"Page {total - 2}/{total}")
        assert "📊 Mixité" in labels(back)  # a page away from it: a way straight there
        mix = await press_and_wait(boss, page, "📊 Mixité", f"Page {total}/{total}")
        assert "Shortlist : 20 personnes" in mix.plain_text
        assert len([m for m in boss.messages if "Shortlist Promo Mars" in m.plain_text]) == 1

        # Léa, a candidate, replays staff buttons on a message of her own chat
        await lea.command("aide", expect="")
        mine = lea.messages[-1]
        before = mine.plain_text
        toasts = []
        for data in ("zz:unknown", "st:h:msg", "st:h", f"st:hi:{ids[0]}:0", "st:sp:1:1"):
            query = server.press_button(lea.user, mine, data=data)
            answer = await server.wait_for_callback_answer(query)
            toasts.append(str(answer.get("text") or ""))
        assert toasts[0] and set(toasts) == {toasts[0]}  # what any unknown button gets
        update = server.send_text(lea.user, "fin")
        await handled(server, app, update)
        assert now(lea, mine).plain_text == before and now(lea, mine).edit_count == 0
        assert not [m for m in lea.messages if "Historique" in m.plain_text]
        assert not [m for m in lea.messages if "Shortlist" in m.plain_text]
