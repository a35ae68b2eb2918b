"""Erased means erased in the staff chats too, end to end over HTTP (the fake Bot API).

What the bot relayed from a person to staff (their /humain request, texts, photos, documents)
goes when they are erased (/supprimer, the retention purge): in a forum staff chat their topic is
deleted (deleteForumTopic takes its messages with it); in a plain group each relayed message is
deleted (deleteMessage). The deletion is an outbox row written in the erasure's transaction that
holds ids only; what Telegram refuses (no rights, a message too old) is told to staff by an
`erasure_by_hand` alert naming ids; what is gone already is done. Someone with nothing in a staff
chat costs no extra row and no extra call."""

from __future__ import annotations

import datetime as dt
import json

from bot.config import Settings
from bot.fakeapi import FakeTelegram
from bot.kernel.clock import FakeClock
from bot.messages.cleanup import ERASE
from bot.services import Services
from tests.botharness import Chat, admin, handled, running_bot, services_of, wait_for
from tests.test_messages_e2e import candidate, fast, in_chat

GROUP = -1001234567890


async def erase_rows(services: Services) -> list[dict[str, object]]:
    found = await services.db.fetchall("SELECT * FROM outbox WHERE kind = ? ORDER BY id", (ERASE,))
    return [dict(r) for r in found]


async def relays(services: Services, cid: int, count: int) -> list[int]:
    """The ids of what was relayed from this candidate, once `count` are recorded."""

    async def ids() -> list[int]:
        found = await services.db.fetchall(
            "SELECT r.message_id FROM message_relays r JOIN message_threads t"
            " ON t.id = r.thread_id WHERE t.candidate_id = ? ORDER BY r.message_id",
            (cid,),
        )
        return [int(r[0]) for r in found]

    async def enough() -> bool:
        return len(await ids()) >= count

    await wait_for(enough, what=f"{count} relays recorded")
    return await ids()


async def all_done(services: Services, count: int) -> list[dict[str, object]]:
    async def done() -> bool:
        found = await erase_rows(services)
        return len(found) == count and all(r["state"] == "sent" for r in found)

    await wait_for(done, what="erasure rows done")
    return await erase_rows(services)


async def talks_to_staff(chat: Chat, server: FakeTelegram, text: str) -> None:
    await chat.command("humain", "va t'écrire ici")
    await chat.send(text, "Transmis à l'équipe")
    await in_chat(server, GROUP, text)


async def erase_by_request(chat: Chat) -> None:
    await chat.command("supprimer", "")
    await chat.press("Oui", expect="")


async def test_supprimer_deletes_the_persons_forum_topic_and_nothing_else(
    server: FakeTelegram, settings: Settings, clock: FakeClock
) -> None:
    server.make_forum(GROUP, title="Équipe FabNum")
    nadia = server.new_user("Nadia")
    settings = fast(settings, admin(nadia), staff_chat_id=GROUP)
    async with running_bot(server, settings, clock) as app:
        services = services_of(app)
        lea, lea_id = await candidate(server, services, "Léa")
        sam, _ = await candidate(server, services, "Sam")
        await talks_to_staff(lea, server, "Je peux venir jeudi ?")
        await talks_to_staff(sam, server, "Et moi vendredi ?")
        lea_relays = await relays(services, lea_id, 2)
        lea_topic, sam_topic = (t["message_thread_id"] for t in server.topics(GROUP))

        await erase_by_request(lea)
        # written with the erasure: ids only, linked to nobody
        [row] = await all_done(services, 1)
        assert row["chat_id"] == GROUP and row["candidate_id"] is None
        assert json.loads(str(row["payload"])) == {"topic": lea_topic, "messages": lea_relays}
        assert "Léa" not in json.dumps(row, default=str) and str(lea.user.id) not in str(row)

        topics = {t["message_thread_id"]: t["deleted"] for t in server.topics(GROUP)}
        assert topics == {lea_topic: True, sam_topic: False}
        gone = {m.plain_text: m.deleted for m in server.messages(GROUP) if m.plain_text}
        assert [text for text, deleted in gone.items() if deleted and "Léa" in text] != []
        assert not any(deleted for text, deleted in gone.items() if "Sam" in text)
        assert len(server.requests_for("deleteForumTopic")) == 1
        assert not any("à la main" in m.plain_text for m in server.messages(GROUP))

        # Sam stays reachable in his topic; erasing him deletes his topic in turn
        await erase_by_request(sam)
        await all_done(services, 2)
        assert all(t["deleted"] for t in server.topics(GROUP))
        assert await services.db.fetchall("SELECT * FROM message_topics") == []


async def test_the_retention_purge_deletes_the_topic_too(
    server: FakeTelegram, settings: Settings, clock: FakeClock
) -> None:
    server.make_forum(GROUP)
    nadia = server.new_user("Nadia")
    settings = fast(settings, admin(nadia), staff_chat_id=GROUP)
    async with running_bot(server, settings, clock) as app:
        services = services_of(app)
        lea, lea_id = await candidate(server, services, "Léa")
        await candidate(server, services, "Sam")  # never wrote to staff: nothing to delete
        await talks_to_staff(lea, server, "Je peux venir jeudi ?")
        await relays(services, lea_id, 2)
        [topic] = server.topics(GROUP)

        clock.advance(dt.timedelta(days=2 * 366 + 1))  # 24 months without contact
        assert await services.retention.run() == 2
        [row] = await all_done(services, 1)
        assert row["candidate_id"] is None
        assert [t["deleted"] for t in server.topics(GROUP)] == [True]
        assert topic["message_thread_id"] == json.loads(str(row["payload"]))["topic"]


async def test_someone_with_nothing_in_a_staff_chat_costs_nothing_more(
    server: FakeTelegram, settings: Settings, clock: FakeClock
) -> None:
    server.make_forum(GROUP)
    nadia = server.new_user("Nadia")
    settings = fast(settings, admin(nadia), staff_chat_id=GROUP)
    async with running_bot(server, settings, clock) as app:
        services = services_of(app)
        sam, sam_id = await candidate(server, services, "Sam")
        await erase_by_request(sam)
        assert await services.candidates.by_id(sam_id) is None
        assert await erase_rows(services) == []
        assert server.requests_for("deleteForumTopic") == []
        assert server.requests_for("deleteMessage") == []


async def test_a_plain_group_gets_each_relay_deleted_and_a_refusal_told_by_ids(
    server: FakeTelegram, settings: Settings, clock: FakeClock
) -> None:
    nadia = server.new_user("Nadia")
    settings = fast(settings, admin(nadia), staff_chat_id=GROUP)
    async with running_bot(server, settings, clock) as app:
        services = services_of(app)
        server.send_group_text(nadia, GROUP, "bonjour l'équipe")  # a plain supergroup
        lea, lea_id = await candidate(server, services, "Léa")
        await talks_to_staff(lea, server, "Je peux venir jeudi ?")
        await lea.send("Et mon CV", "Transmis à l'équipe")
        await in_chat(server, GROUP, "Et mon CV")
        first, *others = await relays(services, lea_id, 3)
        # Telegram refuses the oldest (too old, say): the others go
        server.inject_fault(
            "deleteMessage",
            status=400,
            description="Bad Request: message can't be deleted",
            chat_id=GROUP,
        )
        seen = len(server.messages(GROUP))
        await erase_by_request(lea)
        [row] = await all_done(services, 1)
        assert json.loads(str(row["payload"])) == {"topic": None, "messages": [first, *others]}
        deleted = {m.message_id: m.deleted for m in server.messages(GROUP)}
        assert [deleted[i] for i in (first, *others)] == [False, True, True]

        alert = await in_chat(server, GROUP, "à la main", after=seen)
        assert f"les messages n° {first}." in alert.plain_text
        assert "Léa" not in alert.plain_text and "jeudi" not in alert.plain_text


async def test_a_topic_the_bot_may_not_delete_is_told_with_its_link(
    server: FakeTelegram, settings: Settings, clock: FakeClock
) -> None:
    server.make_forum(GROUP)
    nadia = server.new_user("Nadia")
    settings = fast(settings, admin(nadia), staff_chat_id=GROUP)
    async with running_bot(server, settings, clock) as app:
        services = services_of(app)
        lea, lea_id = await candidate(server, services, "Léa")
        await talks_to_staff(lea, server, "Je peux venir jeudi ?")
        await relays(services, lea_id, 2)
        [topic] = server.topics(GROUP)
        thread = topic["message_thread_id"]
        server.inject_fault(
            "deleteForumTopic",
            status=400,
            description="Bad Request: not enough rights to manage topics",
        )
        seen = len(server.messages(GROUP))
        await erase_by_request(lea)
        await all_done(services, 1)
        alert = await in_chat(server, GROUP, "à la main", after=seen)
        assert f"le sujet n° {thread} et tous ses messages" in alert.plain_text
        link = f'href="https://t.me/c/1234567890/{thread}"'
        assert link in alert.text
        # a second erasure is told too (this alert is never held back for an hour)
        sam, sam_id = await candidate(server, services, "Sam")
        await talks_to_staff(sam, server, "Et moi vendredi ?")
        await relays(services, sam_id, 2)
        server.inject_fault(
            "deleteForumTopic",
            status=400,
            description="Bad Request: not enough rights to manage topics",
        )
        seen = len(server.messages(GROUP))
        await erase_by_request(sam)
        await all_done(services, 2)
        await in_chat(server, GROUP, "à la main", after=seen)


async def test_a_topic_deleted_by_hand_first_or_a_telegram_outage_are_no_trouble(
    server: FakeTelegram, settings: Settings, clock: FakeClock
) -> None:
    server.make_forum(GROUP)
    nadia = server.new_user("Nadia")
    settings = fast(settings, admin(nadia), staff_chat_id=GROUP)
    async with running_bot(server, settings, clock) as app:
        services = services_of(app)
        lea, lea_id = await candidate(server, services, "Léa")
        sam, sam_id = await candidate(server, services, "Sam")
        await talks_to_staff(lea, server, "Je peux venir jeudi ?")
        await talks_to_staff(sam, server, "Et moi vendredi ?")
        await relays(services, lea_id, 2)
        await relays(services, sam_id, 2)
        lea_topic, sam_topic = (t["message_thread_id"] for t in server.topics(GROUP))

        server.delete_topic_by_user(GROUP, lea_topic)  # staff were quicker
        await erase_by_request(lea)
        await all_done(services, 1)

        # Telegram fails once: the row waits and is tried again
        server.inject_fault("deleteForumTopic", status=502, description="Bad Gateway")
        await erase_by_request(sam)

        async def waiting() -> bool:
            rows = await erase_rows(services)
            return len(rows) == 2 and rows[1]["state"] == "pending" and rows[1]["attempts"] == 1

        await wait_for(waiting, what="row to be retried")
        clock.advance(dt.timedelta(minutes=5))
        await all_done(services, 2)
        assert [t["deleted"] for t in server.topics(GROUP)] == [True, True]
        assert sam_topic is not None
        assert not any("à la main" in m.plain_text for m in server.messages(GROUP))


async def test_staff_replies_in_a_plain_group_go_with_the_person_and_lead_nowhere(
    server: FakeTelegram, settings: Settings, clock: FakeClock
) -> None:
    nadia = server.new_user("Nadia")
    settings = fast(settings, admin(nadia), staff_chat_id=GROUP)
    async with running_bot(server, settings, clock) as app:
        services = services_of(app)
        server.send_group_text(nadia, GROUP, "bonjour l'équipe")
        lea, lea_id = await candidate(server, services, "Léa")
        await lea.command("humain", "va t'écrire ici")
        request = await in_chat(server, GROUP, "Demande /humain")
        await relays(services, lea_id, 1)
        server.send_group_text(
            nadia, GROUP, "Léa, viens jeudi avec ton CV", reply_to=request.message_id
        )
        await lea.expect("viens jeudi avec ton CV")
        [relayed, staff_message] = await relays(services, lea_id, 2)
        assert relayed == request.message_id and staff_message > relayed
        # a reply to the staff member's own message is not a way to the candidate
        seen = len(lea.messages)
        aside = server.send_group_text(nadia, GROUP, "noté", reply_to=staff_message)
        await handled(server, app, aside)
        assert len(lea.messages) == seen

        await erase_by_request(lea)
        [row] = await all_done(services, 1)
        assert json.loads(str(row["payload"]))["messages"] == [relayed, staff_message]
        deleted = [int(r.params["message_id"]) for r in server.requests_for("deleteMessage")]
        assert deleted == [relayed, staff_message]
        assert not any("à la main" in m.plain_text for m in server.messages(GROUP))
