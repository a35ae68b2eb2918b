"""Notes on a candidate's card: cut on the card, all of them in pages, a cap on a note's length
(issue 10, item 9). No message may exceed Telegram's 4,096 characters."""

from __future__ import annotations

import datetime as dt

from bot.config import Settings
from bot.fakeapi import FakeTelegram
from bot.fakeapi.html_check import check_telegram_html
from bot.kernel.actions import Response, Send, Toast
from bot.kernel.clock import FakeClock
from bot.kernel.rendering import plain_length
from bot.pipeline.cards import NOTE_MAX
from bot.pipeline.views import card_notes, note_pages
from bot.services import Services
from tests.botharness import Chat, admin, running_bot, with_staff
from tests.botharness import services_of as svc
from tests.test_staff_service import ADMIN, MARCQ, buttons, seed_candidate, texts

TELEGRAM_MAX = 4096


def note(n: int, size: int) -> dict[str, object]:
    return {"at": f"{n:02d}/12/2026 10:00", "by": 500, "text": f"N{n:02d} " + "x" * (size - 4)}


def sends(reply: Response) -> list[Send]:
    return [a for a in reply.actions if isinstance(a, Send)]


def test_card_notes_newest_first_within_the_budget() -> None:
    notes = [note(n, 300) for n in (9, 8, 7, 6)]  # newest first
    card = card_notes(notes, 700)
    assert [str(n["text"])[:3] for n in card.shown] == ["N09", "N08"]
    assert (card.more, card.cut, card.complete) == (2, False, False)
    small = card_notes([note(n, 20) for n in range(8)], 700, limit=5)
    assert len(small.shown) == 5 and small.more == 3
    assert card_notes([note(1, 700)], 700).complete
    assert card_notes([], 700) == card_notes([], 700) and card_notes([], 700).complete


def test_a_note_longer_than_the_card_budget_is_cut() -> None:
    card = card_notes([note(2, 1000), note(1, 10)], 700)
    [shown] = card.shown
    assert len(str(shown["text"])) == 700 and str(shown["text"]).endswith("…")
    assert (card.more, card.cut) == (1, True)


def test_note_pages_hold_every_note_whole_in_order() -> None:
    notes = [note(n, 1000) for n in range(10, 0, -1)]
    pages = note_pages(notes, 3500)
    assert [len(p) for p in pages] == [3, 3, 3, 1]
    assert [n for p in pages for n in p] == notes
    assert note_pages([note(1, 5000)], 3500) == [[note(1, 5000)]]  # never an empty page
    assert note_pages([], 3500) == []


def test_plain_length_counts_what_telegram_counts() -> None:
    assert plain_length("<b>L&amp;a</b> &lt;3") == len("L&a <3")


async def test_a_card_with_long_notes_fits_and_pages_show_them_all(
    services: Services, clock: FakeClock
) -> None:
    staff = services.staff
    cid = await seed_candidate(services.candidates, clock.now(), 1001)
    typed = []
    for n in range(9):
        clock.advance(dt.timedelta(minutes=1))
        text = f"Note{n} " + "&<é " * 248  # 1,000 characters, HTML-escaped on the card
        assert len(text) <= NOTE_MAX
        typed.append(text)
        assert "Note ajoutée" in texts(await staff.cards.note(ADMIN, [str(cid), *text.split(" ")]))
    stored = [" ".join(t.split()) for t in typed]
    card = await staff.cards.find(ADMIN, str(cid))
    [message] = sends(card)
    shown = check_telegram_html(message.text)
    assert plain_length(message.text) == len(shown) < TELEGRAM_MAX
    assert "Note8" in shown and "Note7" not in shown  # the newest, cut
    assert "8 notes de plus" in shown
    assert buttons(card)["📝 Toutes les notes"] == f"st:nl:{cid}:0"

    seen: list[str] = []
    data: str | None = f"st:nl:{cid}:0"
    while data is not None:
        page = await staff.button(ADMIN, data)
        [message] = sends(page)
        plain = check_telegram_html(message.text)
        assert len(plain) <= TELEGRAM_MAX
        seen.extend(t for t in reversed(stored) if t in plain)
        data = buttons(page).get("⏩ Notes plus anciennes")
    assert seen == stored[::-1]  # every note, whole, newest first, once
    assert "page 9/9" in plain  # a note of 1,000 characters has a page of its own

    for stale in (f"st:nl:{cid}:9", f"st:nl:{cid}:x", "st:nl:99999:0"):
        reply = await staff.button(ADMIN, stale)
        assert isinstance(reply.actions[0], Toast) and not sends(reply)
    other_site = await staff.button(MARCQ, f"st:nl:{cid}:0")
    assert not sends(other_site)  # a Gonesse candidate is not found for Marcq staff


async def test_short_notes_need_no_button(services: Services, clock: FakeClock) -> None:
    cid = await seed_candidate(services.candidates, clock.now(), 1001)
    await services.staff.cards.note(ADMIN, [str(cid), "A", "rappeler"])
    card = await services.staff.cards.find(ADMIN, str(cid))
    assert "A rappeler" in texts(card) and "de plus" not in texts(card)
    assert "📝 Toutes les notes" not in buttons(card)


async def test_a_note_too_long_is_refused_and_shown_back(
    services: Services, clock: FakeClock
) -> None:
    cid = await seed_candidate(services.candidates, clock.now(), 1001)
    words = ["<b>mot&</b>"] * 200  # 2,399 characters
    reply = await services.staff.cards.note(ADMIN, [str(cid), *words])
    explain, back = sends(reply)
    assert "2399 caractères, 1000 au maximum" in check_telegram_html(explain.text)
    assert "pas enregistrée" in check_telegram_html(explain.text)
    assert check_telegram_html(back.text) == f"/note {cid} " + " ".join(words)
    events = await services.candidates.events(cid)
    assert not [e for e in events if e["kind"] == "note"]
    exact = ["y" * NOTE_MAX]
    assert "Note ajoutée" in texts(await services.staff.cards.note(ADMIN, [str(cid), *exact]))


async def test_long_notes_through_the_bot_api(
    server: FakeTelegram, settings: Settings, clock: FakeClock
) -> None:
    """The fake Bot API refuses any message over 4,096 characters, like Telegram."""
    boss = Chat(server, server.new_user("Admin"))
    settings = with_staff(settings, admin(boss.user))
    async with running_bot(server, settings, clock) as app:
        services = svc(app)
        cid = await seed_candidate(services.candidates, clock.now(), 1001)
        for n in range(6):
            text = f"Suivi{n} " + "détail " * 140
            await boss.command("note", expect="Note ajoutée", args=f"{cid} {text}")
        too_long = "trop " * 300
        await boss.command("note", expect="pas enregistrée", args=f"{cid} {too_long}")
        echoed = await boss.expect(f"/note {cid} trop trop")
        assert echoed.plain_text == f"/note {cid} " + too_long.strip()

        card = await boss.command("candidat", expect="notes de plus", args=str(cid))
        assert "Suivi5" in card.plain_text and "Suivi0" not in card.plain_text
        server.press_button(boss.user, card, text="Toutes les notes")
        page = await boss.expect("page 1/6")
        together = page.plain_text
        for number in range(2, 7):
            server.press_button(boss.user, page, text="Notes plus anciennes")
            page = await boss.expect(f"page {number}/6")
            together += page.plain_text
        assert all(f"Suivi{n} " in together for n in range(6))
        assert not page.buttons
