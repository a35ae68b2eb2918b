"""/guide: staff get the staff guide (docs/guide-equipe.md) as an HTML document they can open on
a phone; /staff points to it; a candidate gets the unknown command's answer and no file."""

from __future__ import annotations

import re

from bot.config import Settings
from bot.fakeapi import FakeTelegram
from bot.kernel.actions import Send, SendFile
from bot.kernel.clock import FakeClock
from bot.pipeline.guide import FILENAME, GUIDE_FILE, Guide, markdown_to_html
from tests.botharness import (
    Chat,
    admin,
    handled,
    running_bot,
    services_of,
    site_staff,
    with_staff,
)


def test_the_guide_is_in_the_repository_in_french() -> None:
    text = GUIDE_FILE.read_text(encoding="utf-8")
    assert text.startswith("# Guide de l'équipe")
    assert "FABNUM_STAFF_IDS" in text and "/revue" in text and "/guide" in text
    page = markdown_to_html(text)
    targets = re.findall(r'href="#([^"]+)"', page)
    anchors = set(re.findall(r'<h[1-4] id="([^"]+)"', page))
    assert len(targets) >= 10 and set(targets) <= anchors  # the table of contents leads somewhere


def test_markdown_becomes_one_escaped_html_page() -> None:
    page = markdown_to_html(
        "# Titre <b>\n\nUn **gras** et `code` et [lien](https://t.me/x)"
        " et [fichier](../README.md).\n"
        "suite du paragraphe\n\n- un\n- deux\n  continué\n\n1. premier\n\n> Conseil <i>\n\n"
        "```\nbot: Bonjour <script>\n\nvous: /staff\n```\n"
    )
    assert page.startswith("<!DOCTYPE html>") and "<title>Titre &lt;b&gt;</title>" in page
    assert '<h1 id="titre-b">Titre &lt;b&gt;</h1>' in page
    assert "<p>Un <strong>gras</strong> et <code>code</code> et " in page
    assert '<a href="https://t.me/x">lien</a> et fichier. suite du paragraphe</p>' in page
    assert "<ul><li>un</li><li>deux continué</li></ul>\n<ol><li>premier</li></ol>" in page
    assert "<blockquote><p>Conseil &lt;i&gt;</p></blockquote>" in page
    assert "<pre>bot: Bonjour &lt;script&gt;\n\nvous: /staff</pre>" in page
    assert "<script>" not in page and "<b>" not in page


async def test_staff_get_the_guide_as_a_document_and_candidates_do_not(
    server: FakeTelegram, settings: Settings, clock: FakeClock
) -> None:
    member_user = server.new_user("Sam")
    boss = server.new_user("Admin")
    candidate_user = server.new_user("Camille")
    server._open_private(boss)  # wrote to the bot before: the staff menu needs its chat
    settings = with_staff(settings, site_staff(member_user, "gonesse"), admin(boss))
    async with running_bot(server, settings, clock) as application:
        member = Chat(server, member_user)
        help_message = await member.command("staff", "Espace équipe")
        assert "/guide : le guide de l'équipe" in (help_message.plain_text or "")
        sent = await member.command("guide", "guide de l'équipe")
        assert sent.document is not None
        assert sent.document.filename == FILENAME == "guide-equipe.html"
        page = sent.document.content.decode("utf-8")
        assert page == markdown_to_html(GUIDE_FILE.read_text(encoding="utf-8"))
        assert "<h1 " in page and "Guide de l&#x27;équipe" in page and "/revue" in page
        staff_menu = [c["command"] for c in server.commands({"type": "chat", "chat_id": boss.id})]
        assert "guide" in staff_menu

        candidate = Chat(server, candidate_user)
        update = server.send_command(candidate_user, "guide")
        await candidate.expect("Je ne connais pas cette commande")
        await handled(server, application, update)
        assert all(m.document is None for m in candidate.messages)
        everyone = [c["command"] for c in server.commands({"type": "all_private_chats"})]
        assert "guide" not in everyone


async def test_a_missing_guide_is_said_in_one_line(
    server: FakeTelegram, settings: Settings, clock: FakeClock
) -> None:
    user = server.new_user("Sam")
    settings = with_staff(settings, admin(user))
    async with running_bot(server, settings, clock) as application:
        staff = services_of(application).staff
        member = settings.staff[user.id]
        missing = await Guide(staff.ctx, GUIDE_FILE.with_name("absent.md")).send(member)
        present = await staff.guide.send(member)
    [said] = missing.actions
    assert isinstance(said, Send) and "pas disponible" in said.text
    [document] = present.actions
    assert isinstance(document, SendFile) and document.filename == FILENAME
