"""A forum staff chat (issue 12): one topic per candidate, end to end over HTTP.

When FABNUM_STAFF_CHAT_ID is a forum supergroup, a candidate's /humain request and everything
relayed from them land in one topic of their own ("#12 Léa"); staff write in that topic (no reply
needed) and the candidate gets it; a bare /clore there closes the conversation and the topic; the
next request reopens it; a topic deleted or closed by hand is made again or reopened. Without a
forum nothing changes (tests/test_messages_e2e.py). The topic's id goes with the person."""

from __future__ import annotations

from bot.config import Settings
from bot.fakeapi import FakeTelegram, SentMessage
from bot.kernel.clock import FakeClock
from bot.services import Services
from tests.botharness import (
    Chat,
    admin,
    dispatcher_runs,
    handled,
    running_bot,
    services_of,
    site_staff,
    wait_for,
)
from tests.test_messages_e2e import candidate, fast, in_chat, rows

GROUP = -1001234567890


async def topic_row(services: Services, cid: int) -> dict[str, object] | None:
    found = await rows_of(services, cid)
    return found[0] if found else None


async def rows_of(services: Services, cid: int) -> list[dict[str, object]]:
    found = await services.db.fetchall(
        "SELECT * FROM message_topics WHERE candidate_id = ?", (cid,)
    )
    return [dict(r) for r in found]


async def in_topic(
    server: FakeTelegram, thread_id: int | None, contains: str, after: int = 0
) -> SentMessage:
    message = await in_chat(server, GROUP, contains, after)
    assert message.thread_id == thread_id, (message.thread_id, thread_id, message.plain_text)
    return message


async def test_each_candidate_has_a_topic_where_staff_write_and_close(
    server: FakeTelegram, settings: Settings, clock: FakeClock
) -> None:
    server.make_forum(GROUP, title="Équipe FabNum")
    nadia = server.new_user("Nadia")
    settings = fast(settings, admin(nadia), staff_chat_id=GROUP)
    async with running_bot(server, settings, clock) as app:
        services = services_of(app)
        lea, lea_id = await candidate(server, services, "Léa")
        sam, sam_id = await candidate(server, services, "Sam")

        await lea.command("humain", "va t'écrire ici")
        request = await in_chat(server, GROUP, "Demande /humain")
        [topic] = server.topics(GROUP)
        assert topic["name"] == f"#{lea_id} Léa" and not topic["closed"]
        lea_topic = topic["message_thread_id"]
        assert request.thread_id == lea_topic and f"n° {lea_id}" in request.plain_text
        assert "Écris dans ce sujet pour lui répondre" in request.plain_text
        await sam.command("humain", "va t'écrire ici")
        sam_request = await in_chat(server, GROUP, f"n° {sam_id}")
        sam_topic = sam_request.thread_id
        assert sam_topic is not None and sam_topic != lea_topic
        assert len(server.topics(GROUP)) == 2

        # what Léa sends next lands in her topic: a text, a photo
        await lea.send("Je peux venir jeudi ?", "Transmis à l'équipe")
        await in_topic(server, lea_topic, "Je peux venir jeudi ?")
        server.send_photo(lea.user, caption="mon CV")
        await lea.expect("Transmis à l'équipe")
        photo = await in_topic(server, lea_topic, "mon CV")
        assert photo.photo is not None
        assert len(server.requests_for("createForumTopic")) == 2
        assert len(server.requests_for("getChat")) == 1  # asked once, then known

        # staff write in the topic, no reply needed: to that candidate only
        seen = len(server.messages(GROUP))
        server.send_group_text(nadia, GROUP, "Oui, jeudi 14 h", thread_id=lea_topic)
        told = await lea.expect("Nadia, équipe FabNum")
        assert told.plain_text == "💬 Nadia, équipe FabNum : Oui, jeudi 14 h"
        await in_topic(server, lea_topic, f"Envoyé au n° {lea_id}", seen)
        server.send_group_text(nadia, GROUP, "Bonjour Sam", thread_id=sam_topic)
        await sam.expect("Bonjour Sam")
        assert not any("Bonjour Sam" in m.plain_text for m in lea.messages)
        # someone of the group who is not staff: nothing reaches the candidate
        intruder = server.new_user("Intrus")
        update = server.send_group_text(intruder, GROUP, "coucou Léa", thread_id=lea_topic)
        await handled(server, app, update)
        assert not any("coucou" in m.plain_text for m in lea.messages)

        # a bare /clore in the topic: answered there, Léa told, the topic closed
        seen = len(server.messages(GROUP))
        server.send_group_text(nadia, GROUP, "/clore", thread_id=lea_topic)
        await in_topic(server, lea_topic, f"Conversation avec le n° {lea_id} close", seen)
        await lea.expect("La conversation avec l'équipe est close")

        async def closed() -> bool:
            row = await topic_row(services, lea_id)
            return row is not None and row["closed_at"] is not None

        await wait_for(closed, what="topic closed")
        assert [t["closed"] for t in server.topics(GROUP)] == [True, False]
        assert (await rows(services, "message_threads", lea_id))[0]["closed_by"] == nadia.id

        # her next request reopens the same topic
        seen = len(server.messages(GROUP))
        await lea.command("humain", "va t'écrire ici")
        again = await in_chat(server, GROUP, "Demande /humain", seen)
        assert again.thread_id == lea_topic and f"n° {lea_id}" in again.plain_text
        assert [t["closed"] for t in server.topics(GROUP)] == [False, False]
        assert len(server.requests_for("createForumTopic")) == 2

        # erasure: the topic's id goes with her
        await lea.command("supprimer", "")
        await lea.press("Oui", expect="")
        assert await rows_of(services, lea_id) == []
        assert await rows_of(services, sam_id) != []


async def test_a_topic_deleted_or_closed_by_hand_is_made_again_or_reopened(
    server: FakeTelegram, settings: Settings, clock: FakeClock
) -> None:
    server.make_forum(GROUP)
    nadia = server.new_user("Nadia")
    settings = fast(settings, admin(nadia), staff_chat_id=GROUP)
    async with running_bot(server, settings, clock) as app:
        services = services_of(app)
        lea, lea_id = await candidate(server, services, "Léa")
        await lea.command("humain", "va t'écrire ici")
        first = (await in_chat(server, GROUP, "Demande /humain")).thread_id
        assert first is not None

        server.delete_topic_by_user(GROUP, first)
        await lea.send("Il y a quelqu'un ?", "Transmis à l'équipe")
        moved = await in_chat(server, GROUP, "Il y a quelqu'un ?")
        assert moved.thread_id not in (None, first)
        row = await topic_row(services, lea_id)
        assert row is not None and row["thread_id"] == moved.thread_id

        server.close_topic_by_user(GROUP, moved.thread_id)
        await lea.send("Toujours là ?", "Transmis à l'équipe")
        await in_topic(server, moved.thread_id, "Toujours là ?")
        assert len(server.requests_for("reopenForumTopic")) == 1
        assert len(server.topics(GROUP)) == 2  # the deleted one and hers
        await dispatcher_runs(server, app)
        outbox = await services.db.fetchall(
            "SELECT state FROM outbox WHERE kind = 'messages.to_staff' ORDER BY id"
        )
        assert [r["state"] for r in outbox] == ["sent"] * 3


async def test_a_plain_group_or_private_chats_get_no_topic(
    server: FakeTelegram, settings: Settings, clock: FakeClock
) -> None:
    nadia = server.new_user("Nadia")
    sam = server.new_user("Sam")
    settings = fast(settings, admin(nadia), staff_chat_id=GROUP)
    async with running_bot(server, settings, clock) as app:
        services = services_of(app)
        server.send_group_text(nadia, GROUP, "bonjour")  # a supergroup, not a forum
        lea, lea_id = await candidate(server, services, "Léa")
        await lea.command("humain", "va t'écrire ici")
        request = await in_chat(server, GROUP, "Demande /humain")
        assert request.thread_id is None
        assert "Réponds à ce message pour lui écrire" in request.plain_text
        assert server.requests_for("createForumTopic") == []
        assert await topic_row(services, lea_id) is None
    # private chats: never asked
    private = fast(settings, site_staff(sam, "gonesse"), staff_chat_id=None)
    async with running_bot(server, private, clock) as app:
        services = services_of(app)
        staff = Chat(server, sam)
        await staff.command("start", "")
        bo, _ = await candidate(server, services, "Bo")
        calls = len(server.requests_for("getChat"))
        await bo.command("humain", "va t'écrire ici")
        await staff.expect("Demande /humain")
        assert len(server.requests_for("getChat")) == calls
        assert server.requests_for("createForumTopic") == []
