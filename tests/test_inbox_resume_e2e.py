"""The reply a crash kept from going out reaches the person after a restart, and a button of a
question already answered answers with the current question (issue 14).

As tried by a new user: a SIGKILL while she was screening left her answer to question 4 ("🙌 Rien
de tout ça") stored and question 5 never sent; pressing the button again only said "déjà noté".
Here the crash is reproduced exactly: the update is in the inbox, its handler's change committed
(so it is marked applied), its reply never sent, and Telegram still has it (not confirmed).
"""

from __future__ import annotations

import pytest
from telegram import Update

from bot.app import build_services
from bot.config import Settings
from bot.fakeapi import FakeTelegram, SentMessage
from bot.inbox.handlers import ResumedHandler, payload_of
from bot.kernel.clock import FakeClock
from bot.kernel.person import Person
from tests import flowscript as fs
from tests.botharness import Chat, handled, running_bot

HELP = "Comment ça marche"


async def crash_after_commit(
    settings: Settings, clock: FakeClock, update: dict[str, object], person: Person
) -> None:
    """What the killed bot did: the update written to the inbox, its handler's change committed
    (marked applied with it), the reply not sent."""
    services = build_services(settings, clock)
    await services.db.connect()
    try:
        inbox = services.inbox
        update_id = int(str(update["update_id"]))
        payload = payload_of(Update.de_json(update, None))  # as the bot writes it
        assert await inbox.record(update_id, person.chat_id, payload)
        token = inbox.applying.enter(update_id)
        try:
            if "callback_query" in update:
                query = update["callback_query"]
                assert isinstance(query, dict)
                await services.screening.button(person, str(query["data"]))
            else:
                message = update["message"]
                assert isinstance(message, dict)
                await services.screening.text(person, str(message["text"]))
        finally:
            inbox.applying.leave(token)
        assert await inbox.store.state_of(update_id) == "applied"
    finally:
        await services.db.close()


async def answered_events(settings: Settings, clock: FakeClock, user_id: int, step: str) -> int:
    services = build_services(settings, clock)
    await services.db.connect()
    try:
        candidate = await services.candidates.by_telegram_id(user_id)
        assert candidate is not None
        events = await services.candidates.events(candidate.id)
        return sum(
            1 for e in events if e["kind"] == "answered" and (e["detail"] or {}).get("step") == step
        )
    finally:
        await services.db.close()


@pytest.mark.parametrize("step", ["situation", "birth"])  # a button pressed, a text typed
async def test_the_reply_a_crash_kept_back_reaches_the_person_once(
    server: FakeTelegram, settings: Settings, clock: FakeClock, step: str
) -> None:
    user = server.new_user("Léa")
    chat = Chat(server, user)
    async with running_bot(server, settings, clock):
        await chat.command("start", "Avant de commencer")
        await chat.press("J'accepte", expect=fs.first_heading())
        await fs.answer(chat, stop=step)
    question: SentMessage = chat.messages[-1]
    assert fs.heading(step) in question.plain_text
    move = fs.moves_between(start=step, through=step)[0]
    if move.typed is not None:
        update_id = server.send_text(user, move.typed)
    else:
        server.press_button(user, question, text=move.presses[0])
        update_id = server.pending_updates[-1]["update_id"]
    update = next(u for u in server.pending_updates if u["update_id"] == update_id)
    await crash_after_commit(settings, clock, update, Person(user.id, user.id))
    assert await answered_events(settings, clock, user.id, step) == 1
    following = fs.then(step)
    assert not any(following in m.plain_text for m in chat.messages)

    async with running_bot(server, settings, clock) as application:
        # taken up from the inbox at start, and delivered again by Telegram (not confirmed)
        await chat.expect(following)
        await handled(server, application, update_id)
        # a later update of the chat is handled after the copy Telegram delivered again (one
        # chat's updates in order): that copy was not handled twice
        helped = await chat.command("aide", expect=HELP)  # (it shows the question again)
        assert not server.pending_updates
        before = chat.messages[: chat.messages.index(helped)]
        assert sum(following in m.plain_text for m in before) == 1
        if move.typed is None:
            # the button of the question answered, pressed again: the current question again
            query_id = server.press_button(user, question, text=move.presses[0])
            answer = await server.wait_for_callback_answer(query_id)
            assert "déjà noté" in str(answer.get("text"))
            await chat.expect(following)
    assert await answered_events(settings, clock, user.id, step) == 1  # stored once
    services = build_services(settings, clock)
    await services.db.connect()
    try:
        assert await services.inbox.store.state_of(update_id) == "done"
    finally:
        await services.db.close()


async def test_only_the_updates_to_resume_are_caught(settings: Settings, clock: FakeClock) -> None:
    """The resume handler matches nothing else: the other handlers of its group and the next
    ones see every other update (a TypeHandler of all updates would hide them in its group)."""

    async def callback(update: Update, context: object) -> None:
        return None

    inbox = build_services(settings, clock).inbox
    inbox.to_resume.add(5)
    handler = ResumedHandler(inbox, callback)
    assert handler.check_update(Update(5))
    assert not handler.check_update(Update(6))
    assert not handler.check_update(object())
