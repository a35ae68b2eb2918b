"""The terminal chat client, driven by a list of lines against a tiny real PTB application."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from collections.abc import AsyncIterator, Iterable, Sequence
from pathlib import Path
from typing import Any

import pytest
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, ReplyKeyboardMarkup, Update
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from bot.fakeapi import FakeTelegram, SentDocument, SentMessage, chat_in_terminal
from bot.fakeapi.terminal import lines_from_stdin, render_message, save_file
from tests.botharness import PINNED_TIME_SETTINGS

SITES = InlineKeyboardMarkup(
    [
        [
            InlineKeyboardButton("Gonesse", callback_data="site:Gonesse"),
            InlineKeyboardButton("Marcq-en-Barœul", callback_data="site:Marcq-en-Barœul"),
        ],
        [InlineKeyboardButton("Aide", callback_data="help")],
    ]
)


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.message is not None
    await update.message.reply_html("Bonjour <b>Léa</b> &amp; co !\nChoisis ton site :")
    await update.message.reply_text("Sites :", reply_markup=SITES)


async def choose(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    assert query is not None and query.data is not None
    if query.data == "help":
        await query.answer("Écris-moi simplement.", show_alert=True)
        return
    await query.answer()
    await query.edit_message_text(f"Site choisi : {query.data.split(':', 1)[1]}")


async def text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message = update.message
    assert message is not None and message.text is not None
    if message.text == "doc":
        await message.reply_document(b'{"ok": true}', filename="export.json")
    elif message.text == "oui/non":
        await message.reply_text("Alors ?", reply_markup=ReplyKeyboardMarkup([["Oui", "Non"]]))
    else:
        await message.reply_text(f"echo: {message.text}")


@pytest.fixture
async def tg() -> AsyncIterator[FakeTelegram]:
    async with FakeTelegram() as server:
        yield server


@pytest.fixture
async def app(tg: FakeTelegram) -> AsyncIterator[Application[Any, Any, Any, Any, Any, Any]]:
    application: Application[Any, Any, Any, Any, Any, Any] = (
        ApplicationBuilder().token(tg.token).base_url(tg.base_url).build()
    )
    application.add_handler(CommandHandler("start", start))
    application.add_handler(CallbackQueryHandler(choose))
    application.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, text))
    async with application:
        await application.start()
        assert application.updater is not None
        await application.updater.start_polling(poll_interval=0, timeout=1)
        try:
            yield application
        finally:
            await application.updater.stop()
            await application.stop()


async def feed(lines: Iterable[str]) -> AsyncIterator[str]:
    for line in lines:
        yield line


async def test_conversation_from_lines(
    tg: FakeTelegram, app: Application[Any, Any, Any, Any, Any, Any]
) -> None:
    user = tg.new_user()
    out = io.StringIO()
    script = ["/start", "3", "", "9", "1", "salut", "doc", "oui/non", "2", "/quit", "jamais lu"]
    await chat_in_terminal(tg, user, feed(script), out, reply_timeout=3, settle=0.1)
    shown = out.getvalue()

    assert "FabNum: Bonjour Léa & co !\n        Choisis ton site :" in shown
    assert "  [1] Gonesse   [2] Marcq-en-Barœul\n  [3] Aide" in shown
    assert "FabNum: (modifié) Site choisi : Gonesse" in shown
    assert "echo: 9" in shown  # no button 9: the number is sent as text
    assert "(alerte: Écris-moi simplement.)" in shown
    assert "FabNum: echo: salut" in shown
    assert "[document: export.json, 12 octets]" in shown
    assert "  [1] Oui   [2] Non" in shown
    assert "FabNum: echo: Non" in shown  # reply keyboard buttons send their text
    assert "jamais lu" not in shown
    assert "> " not in shown.replace("vous: ", "")  # no prompt when input is not a tty
    # the order of the conversation is deterministic
    order = [
        "vous: /start",
        "Sites :",
        "vous: 3",
        "(alerte",
        "vous: 9",
        "echo: 9",
        "vous: 1",
        "(modifié)",
        "vous: salut",
        "echo: salut",
    ]
    positions = [shown.index(piece) for piece in order]
    assert positions == sorted(positions)
    assert [m["text"] for m in tg.user_messages(user.chat_id)] == [
        "/start",
        "9",
        "salut",
        "doc",
        "oui/non",
        "Non",
    ]


async def test_no_reply_and_end_of_input(tg: FakeTelegram) -> None:
    user = tg.new_user()
    out = io.StringIO()
    await chat_in_terminal(tg, user, feed(["allô ?"]), out, reply_timeout=0.2, settle=0.05)
    assert "vous: allô ?" in out.getvalue()
    assert "(pas de réponse du bot après 0.2 s)" in out.getvalue()
    assert tg.user_messages(user.chat_id)[0]["text"] == "allô ?"


def test_render_message() -> None:
    message = SentMessage(
        message_id=1,
        chat_id=1,
        text="",
        plain_text="Ton export",
        document=SentDocument("data.json", b"x" * 1234, "application/json"),
        reply_markup={"inline_keyboard": [[{"text": "OK", "callback_data": "ok"}]]},
    )
    assert render_message(message, name="Bot") == (
        "Bot: [document: data.json, 1234 octets]\n     Ton export\n  [1] OK"
    )
    assert render_message(message, edited=True, name="B").startswith("B: (modifié) [document")


async def test_lines_from_stdin(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO("un\ndeux\r\n\ntrois"))
    assert [line async for line in lines_from_stdin()] == ["un", "deux", "", "trois"]


# ------------------------------------------------------------- the demo, as `make demo` runs it
ROOT = Path(__file__).resolve().parent.parent
# /start, the notice, then an eligible screening (tests/flowscript.py's ELIGIBLE), a session.
APPLY = [
    "1",  # ✅ J'accepte
    "1",  # Gonesse
    "06/2005",
    "Léa",
    "4",  # Rien de tout ça
    "1",  # Aucun diplôme
    "3",  # il y a plus d'1 an
    "95500",
    "1",  # disponible
    "1",  # tick 💻 Coder
    "7",  # ➡️ Valider
    "1",  # Mission Locale
    "1",  # Femme
    "12",  # ✅ C'est bon, j'envoie
    "1",  # the first session offered
    "/quit",
]


def run_demo(tmp_path: Path, lines: Sequence[str], *args: str) -> str:
    """`python -m bot demo` in a subprocess, its input piped; returns what it printed."""
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("FABNUM_", "TELEGRAM_"))},
        **PINNED_TIME_SETTINGS,
        "FABNUM_ENV_FILE": str(tmp_path / "none.env"),
        "FABNUM_DEMO_DATABASE": str(tmp_path / "demo.db"),
        "FABNUM_DEMO_FILES": str(tmp_path / "files"),
    }
    done = subprocess.run(
        [sys.executable, "-m", "bot", "demo", *args],
        input="\n".join(lines) + "\n",
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    assert "Traceback" not in done.stderr, done.stderr
    return done.stdout


def in_order(shown: str, *pieces: str) -> None:
    """Each piece appears after the previous one (first occurrences: a line typed before its
    question was shown would fail)."""
    position = -1
    for piece in pieces:
        found = shown.find(piece, position + 1)
        assert found > position, (piece, pieces)
        assert shown.index(piece) == found or piece.startswith("vous: 1"), (piece, pieces)
        position = found


def test_piped_demo_applies_and_books_then_runs_again(tmp_path: Path) -> None:
    shown = run_demo(tmp_path, APPLY, "--fresh")
    assert "You are a candidate (user id 1001)" in shown
    assert str(tmp_path / "demo.db") in shown
    assert "6 example information sessions, 2 cohorts" in shown  # 3 per site, dated from today
    # Each line is read once the bot is idle: it answers the question shown, never an old one.
    in_order(shown, "quel mois", "vous: 06/2005", "Quel est ton prénom", "vous: Léa")
    in_order(shown, "code postal", "vous: 95500", "4 jours par semaine")
    in_order(shown, "Tes réponses", "vous: 12", "est bien envoyée", "Choisis le créneau")
    in_order(shown, "Choisis le créneau", "vous: 1\n", "C'est réservé")
    assert "Il n'y a pas encore de réunion" not in shown  # the demo database has sessions
    assert "(le bot n'a pas fini" not in shown
    # An edit is one short line: the 20-line notice is shown once.
    assert shown.count("Tu es d'accord pour continuer") == 1
    assert "FabNum: (modifié) ✅ J'accepte" in shown
    assert "FabNum: (modifié)\n  [1] ✅ 💻 Coder" in shown  # a tick: the buttons only
    assert "• Code postal : 95500" in shown and "• Ce qui te plaît : 💻 Coder" in shown

    # Again, on the same database: /start now gives the person's status, whatever it is.
    again = run_demo(tmp_path, ["2", "1", "/mes_donnees"])
    in_order(again, "vous: /start", "Ta réunion", "vous: 2", "Choisis le créneau", "vous: 1")
    assert "C'est changé" in again
    assert "added to the demo database" not in again  # upcoming sessions: nothing added
    assert b'"95500"' in saved_file(again, "mes-donnees").read_bytes()
    assert "Il n'y a pas encore de réunion" not in again


def test_staff_demo_reaches_the_pipeline_and_saves_files(tmp_path: Path) -> None:
    lines = ["/pipeline", "/export", "1", "/export", "2"]
    shown = run_demo(tmp_path, lines, "--fresh", "--staff")
    assert "You are a staff admin (user id 1002" in shown
    in_order(shown, "vous: /staff", "Espace équipe", "vous: /pipeline", "Pipeline tous sites")
    assert saved_file(shown, "pipeline-").read_bytes().startswith(b"\xef\xbb\xbf")  # as sent
    chart = next(line for line in shown.splitlines() if "[photo: " in line)
    assert chart.startswith("FabNum: [photo: ")
    assert Path(chart.split("→ ")[1].rstrip("]")).read_bytes().startswith(b"\x89PNG")


def saved_file(shown: str, prefix: str) -> Path:
    """The file the terminal says it saved, checked to be in the demo files folder."""
    line = next(line for line in shown.splitlines() if f"FabNum: [document: {prefix}" in line)
    path = Path(line.split("→ ")[1].rstrip("]"))
    assert path.parent.name == "files" and path.is_file()
    return path


def test_save_file_keeps_a_different_file_of_the_same_name(tmp_path: Path) -> None:
    first = save_file(tmp_path / "out", "export.csv", b"a")
    assert save_file(tmp_path / "out", "export.csv", b"a") == first  # the same file again
    second = save_file(tmp_path / "out", "../export.csv", b"b")  # never outside the folder
    assert (first.name, second.name) == ("export.csv", "export-2.csv")
    assert (first.read_bytes(), second.read_bytes()) == (b"a", b"b")
