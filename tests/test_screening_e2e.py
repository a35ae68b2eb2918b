"""End to end: the real PTB Application, over HTTP, against the local fake Bot API."""

from __future__ import annotations

import asyncio
import json
import signal
import sys
from pathlib import Path

import pytest

from bot.config import Settings
from bot.db.database import Database
from bot.fakeapi import FakeTelegram
from bot.kernel.clock import FakeClock
from bot.screening.store import CandidateStore
from tests import flowscript as fs
from tests.botharness import Chat, bot_process_env, handled, running_bot

NASTY = '<b>Léa & "Zoé"</b>'
ROOT = Path(__file__).resolve().parent.parent


async def stored(settings: Settings, user_id: int) -> tuple[dict[str, object], dict[str, object]]:
    db = Database(settings.database)
    await db.connect()
    try:
        store = CandidateStore(db)
        candidate = await store.by_telegram_id(user_id)
        assert candidate is not None
        answers = await store.answers(candidate.id)
        return dict(candidate.__dict__), answers.complete
    finally:
        await db.close()


async def count_rows(settings: Settings, table: str) -> int:
    db = Database(settings.database)
    await db.connect()
    try:
        row = await db.fetchone(f"SELECT count(*) FROM {table}")
        return int(row[0]) if row else 0
    finally:
        await db.close()


async def begin(chat: Chat, source: str = "") -> None:
    await chat.command("start", "Avant de commencer", args=source)
    await chat.press("J'accepte", expect=fs.first_heading())


async def through_questions(chat: Chat, *, qualification: str = "none") -> None:
    """Every question (tests/flowscript.py walks the flow), up to the summary."""
    given = fs.profile(qualification=qualification, gender="no_answer")
    await fs.answer(chat, given, last="Tes réponses")


async def test_eligible_path_with_bad_input_on_the_way(
    server: FakeTelegram, settings: Settings, clock: FakeClock
) -> None:
    async with running_bot(server, settings, clock):
        user = server.new_user("Léa")
        chat = Chat(server, user)
        lea = fs.profile(first_name=NASTY, interests=["programming", "web"], gender="femme")
        await begin(chat, source="mission-locale-gonesse")
        await fs.answer(chat, lea, stop="first_name")
        # bad input of every kind: each gets a short answer and the current question again
        server.send_sticker(user)
        await chat.expect("Je ne peux lire que du texte")
        await chat.expect("prénom")
        server.send_photo(user)
        await chat.expect("prénom")
        server.send_voice(user)
        await chat.expect("prénom")
        server.send_location(user)
        await chat.expect("prénom")
        server.send_document(user)
        await chat.expect("prénom")
        await chat.send("x" * 3000, expect="un peu long")
        await chat.send("😀😀😀", expect="des lettres")
        await chat.command("nimportequoi", expect="Je ne connais pas cette commande")
        await chat.expect("prénom")
        await fs.answer(chat, lea, start="first_name", through="first_name")
        assert f"Merci {NASTY}" in chat.messages[-1].plain_text  # the question after the name
        current = fs.WORDING_FR[str(fs.next_key("first_name", lea))]
        first = server.messages(user.id)[0]
        query = server.press_button(user, first, data="ans:site:atlantis")  # forged
        answer = await server.wait_for_callback_answer(query)
        assert "plus actif" in (answer.get("text") or "")
        await chat.expect(current)
        query = server.press_button(user, first, data="zzz:1")  # no feature's: the fallback
        answer = await server.wait_for_callback_answer(query)
        assert "plus actif" in (answer.get("text") or "")
        await chat.expect(current)
        my_message = server.sent_by_user(user.id)[-1]  # the first name typed
        server.edit_text(user, my_message["message_id"], "Zoé")
        await chat.expect("modifié un message")
        await fs.answer(chat, lea, after="first_name", stop="qualification")
        await chat.send("aucun", expect=fs.then("qualification", lea))
        await fs.answer(chat, lea, after="qualification", stop="postcode")
        await chat.send("quatre-vingt-quinze", expect="5 chiffres")
        await chat.send("95 500", expect=fs.then("postcode", lea))
        await fs.answer(chat, lea, after="postcode", last="Tes réponses")
        summary = chat.messages[-1].plain_text
        assert NASTY in summary and "Coder, 🌐 Sites web" in summary
        await chat.press("C'est bon", expect="Bravo")
    candidate, answers = await stored(settings, user.id)
    assert candidate["result"] == "eligible" and candidate["source"] == "mission-locale-gonesse"
    assert answers["first_name"] == NASTY
    assert answers["birth"] == "2005-06"
    assert answers["interests"] == ["programming", "web"]
    # Every HTTP call the bot made was accepted by the (strict) fake API.
    refused = [r for r in server.requests if r.status != 200]
    assert refused == [], refused[:3]


async def test_english_path_to_orientation(
    server: FakeTelegram, settings: Settings, clock: FakeClock
) -> None:
    async with running_bot(server, settings, clock):
        user = server.new_user("Sam", language_code="en")
        chat = Chat(server, user)
        await chat.command("start", "Avant de commencer")
        await chat.press("English", expect="Before")
        sam = fs.profile(
            site="marcq",
            first_name="Sam",
            birth="march 2008",
            situation="studying",
            qualification="higher",
            postcode="59700",
            availability="no",
            interests=[],
            followed_by="none",
            gender="autre",
        )
        await chat.press("I agree", expect=fs.first_heading(sam))
        await fs.answer(chat, sam, "en", last="Your answers")
        await chat.press("send it", expect="not a final decision")
        assert "Mission Locale Métropole Lilloise" in chat.messages[-1].plain_text
    candidate, _ = await stored(settings, user.id)
    assert candidate["result"] == "oriented" and candidate["review_status"] == "pending"
    assert candidate["language"] == "en"
    reasons = candidate["result_reasons"]
    assert isinstance(reasons, list)
    assert {"qualification_higher", "availability_no", "situation_studying"} <= set(reasons)


async def test_review_path_and_human_request(
    server: FakeTelegram, settings: Settings, clock: FakeClock
) -> None:
    async with running_bot(server, settings, clock):
        chat = Chat(server, server.new_user("Inès"))
        await begin(chat)
        await through_questions(chat, qualification="bac")
        await chat.press("C'est bon", expect="Une personne de l'équipe va la regarder")
        await chat.command("humain", expect="une personne de l'équipe va t'écrire")
        await chat.send("et maintenant ?", expect="déjà envoyée")
    candidate, _ = await stored(settings, chat.user.id)
    assert candidate["result"] == "review" and candidate["human_requested_at"]


async def test_edit_from_summary(
    server: FakeTelegram, settings: Settings, clock: FakeClock
) -> None:
    async with running_bot(server, settings, clock):
        chat = Chat(server, server.new_user())
        await begin(chat)
        await through_questions(chat)
        await chat.press("✏️ Code postal", expect="Ta réponse actuelle")
        await chat.send("95190", expect="Tes réponses")
        assert "95190" in chat.messages[-1].plain_text
        await chat.press("✏️ Prénom", expect="prénom")
        await chat.send("Lou", expect="Tes réponses")
        assert "Lou" in chat.messages[-1].plain_text


async def test_my_data_and_delete(
    server: FakeTelegram, settings: Settings, clock: FakeClock
) -> None:
    async with running_bot(server, settings, clock):
        chat = Chat(server, server.new_user())
        given = fs.profile(first_name=NASTY)
        await begin(chat)
        await fs.answer(chat, given, through="first_name")
        await chat.command("mes_donnees", expect="Tout ce que je sais sur toi")
        document = await server.wait_for_message(
            chat.user.id, after=chat.seen, predicate=lambda m: m.document is not None
        )
        assert document.document is not None
        data = json.loads(document.document.content)
        assert data["answers"] == fs.stored_through("first_name", given)
        assert data["answers"]["first_name"] == NASTY
        chat.seen = chat.messages.index(document) + 1
        await chat.command("supprimer", expect="tout effacer")
        await chat.press("Oui, tout effacer", expect="C'est fait")
        await chat.command("my_data", expect="rien enregistré")
    assert await count_rows(settings, "candidates") == 0


async def test_restart_mid_flow_continues_where_it_was(
    server: FakeTelegram, settings: Settings, clock: FakeClock
) -> None:
    user = server.new_user()
    chat = Chat(server, user)
    given = fs.profile(birth="05/2006")
    async with running_bot(server, settings, clock):
        await begin(chat)
        await fs.answer(chat, given, stop="first_name")
    # a new Application on the same database file
    async with running_bot(server, settings, clock):
        await fs.answer(chat, given, start="first_name", through="first_name")
        assert fs.then("first_name", given) in chat.messages[-1].plain_text
        await chat.command("start", "Re-bonjour Léa")
        await chat.expect(fs.then("first_name", given))
    _, answers = await stored(settings, user.id)
    assert answers == fs.stored_through("first_name", given)
    assert answers["birth"] == "2006-05"


async def test_updates_of_one_chat_are_handled_in_order(
    server: FakeTelegram, settings: Settings, clock: FakeClock
) -> None:
    async with running_bot(server, settings, clock):
        chat = Chat(server, server.new_user())
        await begin(chat)
        question = chat.last_with_buttons()
        given = fs.profile(birth="04/2004")
        first, *others = fs.moves_between(given, through="birth")
        # press a button and type the next answers before the bot had time to answer the first
        server.press_button(chat.user, question, text=fs.as_text(first))
        for move in others:
            server.send_text(chat.user, fs.as_text(move))
        await chat.expect(fs.then("birth", given))
    _, answers = await stored(settings, chat.user.id)
    assert answers == fs.stored_through("birth", given)
    assert answers["birth"] == "2004-04"


async def test_many_candidates_at_once_keep_their_own_state(
    server: FakeTelegram, settings: Settings, clock: FakeClock
) -> None:
    async with running_bot(server, settings, clock):
        chats = [Chat(server, server.new_user(f"Cand{i}")) for i in range(12)]
        await asyncio.gather(*(begin(c) for c in chats))
        await asyncio.gather(*(fs.answer(c, stop="first_name") for c in chats))

        async def named(i: int, chat: Chat) -> None:
            given = fs.profile(first_name=f"Prénom{i}")
            await fs.answer(chat, given, start="first_name", through="first_name")
            assert f"Merci Prénom{i}" in chat.messages[-1].plain_text  # the next question

        await asyncio.gather(*(named(i, c) for i, c in enumerate(chats)))
    for i, c in enumerate(chats):
        _, answers = await stored(settings, c.user.id)
        assert answers["first_name"] == f"Prénom{i}"


async def test_groups_and_channels(
    server: FakeTelegram, settings: Settings, clock: FakeClock
) -> None:
    async with running_bot(server, settings, clock) as application:
        user = server.new_user()
        first = server.send_group_text(user, -100123, "/start")
        server.send_group_text(user, -100123, "bonjour tout le monde")  # queued before it left
        message = await server.wait_for_message(-100123, after=0)
        assert "message privé" in message.plain_text and "je quitte ce groupe" in message.plain_text
        await server.wait_until(lambda: server.left_group(-100123), 5, message="left the group")
        post = server.send_channel_post(-100999, "hello")
        # every update up to the post, the bot's own "left" my_chat_member included
        await handled(server, application, *range(first, post + 1))
        assert len(server.messages(-100123)) == 1
        assert len(server.requests_for("leaveChat")) == 1
        assert server.messages(-100999) == []
    assert await count_rows(settings, "candidates") == 0


@pytest.mark.skipif(sys.platform == "win32", reason="needs SIGKILL")
async def test_kill_9_mid_flow_loses_no_acknowledged_answer(
    server: FakeTelegram, tmp_path: Path
) -> None:
    env = bot_process_env(server, tmp_path / "killed.db")

    async def start() -> asyncio.subprocess.Process:
        return await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "run", cwd=ROOT, env=env
        )

    user = server.new_user()
    chat = Chat(server, user)
    given = fs.profile(birth="02/2003")
    after_birth = fs.moves_between(given, after="birth")[0]
    process = await start()
    try:
        server.send_command(user, "start")
        await chat.expect("Avant de commencer", within=30)
        await chat.press("J'accepte", expect=fs.first_heading())
        await fs.answer(chat, given, through="birth")
    finally:
        process.send_signal(signal.SIGKILL)
        await process.wait()
    process = await start()
    try:
        server.send_text(user, fs.as_text(after_birth))  # typed, even for a button question
        await chat.expect(fs.then(after_birth.key, given), within=30)
        assert fs.then(after_birth.key, given) in chat.messages[-1].plain_text
    finally:
        process.send_signal(signal.SIGKILL)
        await process.wait()
    settings = Settings(database=tmp_path / "killed.db")
    _, answers = await stored(settings, user.id)
    assert answers == fs.stored_through(after_birth.key, given)
    assert answers["birth"] == "2003-02"
