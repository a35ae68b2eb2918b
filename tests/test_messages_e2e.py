"""Staff and candidates write to each other through the bot (issue 12), end to end over HTTP:
/humain reaches the staff chat, staff answer by a Telegram reply or /ecrire, the candidate
answers (text and a photo), staff close the thread (command, button, 14 days of silence), the
messages go with the person on erasure, and nobody else can read or write through any of it."""

from __future__ import annotations

import dataclasses
import datetime as dt

from bot.config import Settings
from bot.fakeapi import FakeTelegram, SentMessage
from bot.kernel.clock import FakeClock
from bot.messages.buttons import MESSAGES, CloseThread
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
    with_staff,
)
from tests.test_staff_service import seed_candidate

GROUP = -1001234567890


def fast(settings: Settings, *members: object, **changes: object) -> Settings:
    base = dataclasses.replace(settings, outbox_interval=0.2)
    return with_staff(base, *members, **changes)  # type: ignore[arg-type]


async def in_chat(
    server: FakeTelegram, chat_id: int, contains: str, after: int = 0, within: float = 10.0
) -> SentMessage:
    return await server.wait_for_message(
        chat_id,
        after=after,
        timeout=within,
        predicate=lambda m: contains in (m.plain_text or m.caption or ""),
    )


async def recorded(services: Services, chat_id: int, message: SentMessage) -> SentMessage:
    """Wait until the bot recorded where it relayed a message (it does so right after the
    send): a reply typed faster than that would not find its thread."""

    async def known() -> bool:
        return (
            await services.messages.store.thread_of_relay(chat_id, message.message_id) is not None
        )

    await wait_for(known, what="relay recorded")
    return message


async def rows(services: Services, table: str, candidate_id: int) -> list[dict[str, object]]:
    found = await services.db.fetchall(
        f"SELECT * FROM {table} WHERE candidate_id = ? ORDER BY id", (candidate_id,)
    )
    return [dict(r) for r in found]


async def candidate(
    server: FakeTelegram, services: Services, name: str = "Léa"
) -> tuple[Chat, int]:
    user = server.new_user(name)
    cid = await seed_candidate(services.candidates, services.clock.now(), user.id, name=name)
    return Chat(server, user), cid


async def test_human_request_reply_answer_photo_and_close_through_the_staff_group(
    server: FakeTelegram, settings: Settings, clock: FakeClock
) -> None:
    nadia = server.new_user("Nadia")
    settings = fast(settings, admin(nadia), staff_chat_id=GROUP)
    async with running_bot(server, settings, clock) as app:
        services = services_of(app)
        server.send_group_text(nadia, GROUP, "bonjour l'équipe")  # the bot can write there
        lea, cid = await candidate(server, services, "<b>Léa</b>")

        await lea.command("humain", "va t'écrire ici")
        request = await recorded(services, GROUP, await in_chat(server, GROUP, "Demande /humain"))
        assert f"n° {cid}" in request.plain_text and "<b>Léa</b>" in request.plain_text
        assert "Éligible" in request.plain_text  # the stage
        assert [b.text for row in request.buttons for b in row] == ["🔒 Clore"]
        candidate_row = await services.candidates.by_id(cid)
        assert candidate_row is not None and candidate_row.human_requested_at is not None

        # staff answer by replying to the relayed message in the group
        seen = len(server.messages(GROUP))
        server.send_group_text(
            nadia, GROUP, "Bonjour <Léa> & bienvenue", reply_to=request.message_id
        )
        told = await lea.expect("Nadia, équipe FabNum")
        assert told.plain_text == "💬 Nadia, équipe FabNum : Bonjour <Léa> & bienvenue"
        await in_chat(server, GROUP, f"Envoyé au n° {cid}", after=seen)

        # the candidate answers: text, then a photo
        await lea.send("Merci, jeudi ça me va", "Transmis à l'équipe")
        answer = await recorded(
            services, GROUP, await in_chat(server, GROUP, "Merci, jeudi ça me va", after=seen)
        )
        assert "💬 Message" in answer.plain_text
        server.send_photo(lea.user, caption="mon CV")
        await lea.expect("Transmis à l'équipe")
        photo = await in_chat(server, GROUP, "mon CV", after=seen)
        assert photo.photo is not None and "🖼 Photo" in photo.plain_text

        # a reply to the relayed answer reaches the candidate too
        server.send_group_text(nadia, GROUP, "Parfait, à jeudi", reply_to=answer.message_id)
        await lea.expect("Parfait, à jeudi")

        # 🔒 Clore under a relayed message: the candidate is told; what they type then goes to
        # the screening as before, not to staff
        query = server.press_button(nadia, photo, text="🔒 Clore")
        await server.wait_for_callback_answer(query)
        await in_chat(server, GROUP, "close", after=seen)
        await lea.expect("La conversation avec l'équipe est close")
        relayed = len(server.messages(GROUP))
        update = server.send_text(lea.user, "encore un mot")
        await handled(server, app, update)
        assert len(server.messages(GROUP)) == relayed

        messages = await rows(services, "messages", cid)
        assert [(m["direction"], m["kind"]) for m in messages] == [
            ("from_candidate", "request"),
            ("to_candidate", "text"),
            ("from_candidate", "text"),
            ("from_candidate", "photo"),
            ("to_candidate", "text"),
            ("to_candidate", "closed"),
        ]
        await dispatcher_runs(server, app)
        states = [m["state"] for m in await rows(services, "messages", cid)]
        assert states == ["sent"] * 6
        assert messages[1]["staff_id"] == nadia.id
        threads = await rows(services, "message_threads", cid)
        assert threads[0]["closed_by"] == nadia.id and threads[0]["close_reason"] == "staff"


async def test_without_a_group_each_site_staff_member_gets_it_in_private_and_ecrire_works(
    server: FakeTelegram, settings: Settings, clock: FakeClock
) -> None:
    sam = server.new_user("Sam")  # gonesse staff
    other = server.new_user("Olga")  # marcq staff: not told, cannot write
    settings = fast(settings, site_staff(sam, "gonesse"), site_staff(other, "marcq"))
    async with running_bot(server, settings, clock) as app:
        services = services_of(app)
        staff = Chat(server, sam)
        olga = Chat(server, other)
        await staff.command("start", "")
        await olga.command("start", "")
        lea, cid = await candidate(server, services)
        await lea.command("humain", "va t'écrire ici")
        relayed = await recorded(services, sam.id, await staff.expect("Demande /humain"))

        # a Telegram reply in the private chat
        server.send_text(sam, "On se parle demain ?", reply_to=relayed.message_id)
        await lea.expect("💬 Sam, équipe FabNum : On se parle demain ?")
        await staff.expect(f"Envoyé au n° {cid}")
        # /ecrire <number> <text>, on several lines
        await staff.command("ecrire", f"Envoyé au n° {cid}", args=f"#{cid} Ligne 1\nLigne 2")
        told = await lea.expect("Ligne 1")
        assert "Ligne 2" in told.plain_text
        await staff.command("ecrire", "/ecrire <numéro> <texte>")
        # another site's staff: as if the number did not exist; and the request never reached them
        await olga.command("ecrire", f"Aucun candidat n° {cid}", args=f"{cid} coucou")
        await olga.command("clore", f"Aucun candidat n° {cid}", args=str(cid))
        assert not any("Demande /humain" in m.plain_text for m in olga.messages)

        await staff.command("clore", f"Conversation avec le n° {cid} close", args=str(cid))
        await lea.expect("close")
        await staff.command("clore", "Pas de conversation ouverte", args=str(cid))


async def test_a_thread_closes_after_14_days_of_silence(
    server: FakeTelegram, settings: Settings, clock: FakeClock
) -> None:
    sam = server.new_user("Sam")
    settings = fast(settings, admin(sam))
    async with running_bot(server, settings, clock) as app:
        services = services_of(app)
        await Chat(server, sam).command("start", "")
        lea, cid = await candidate(server, services)
        await lea.command("humain", "va t'écrire ici")
        await lea.send("Vous êtes là ?", "Transmis à l'équipe")
        clock.advance(dt.timedelta(days=13, hours=23))
        await dispatcher_runs(server, app)
        assert (await rows(services, "message_threads", cid))[0]["closed_at"] is None
        clock.advance(dt.timedelta(hours=1))
        await lea.expect("La conversation avec l'équipe est close")
        thread = (await rows(services, "message_threads", cid))[0]
        assert thread["close_reason"] == "silence" and thread["closed_by"] is None


async def test_candidates_cannot_write_or_close_through_staff_commands_or_forged_buttons(
    server: FakeTelegram, settings: Settings, clock: FakeClock
) -> None:
    sam = server.new_user("Sam")
    settings = fast(settings, admin(sam))
    async with running_bot(server, settings, clock) as app:
        services = services_of(app)
        await Chat(server, sam).command("start", "")
        lea, cid = await candidate(server, services)
        mallory, other_id = await candidate(server, services, "Mallory")
        await lea.command("humain", "va t'écrire ici")
        await mallory.command("ecrire", "Je ne connais pas cette commande", args=f"{cid} salut")
        await mallory.command("clore", "Je ne connais pas cette commande", args=str(cid))
        # a forged "close" button under one of the bot's messages to Mallory
        target = mallory.messages[-1]
        forged = MESSAGES.encode(CloseThread(cid))
        query = server.press_button(mallory.user, target, data=forged)
        answer = await server.wait_for_callback_answer(query)
        assert answer.get("text") == "Ce bouton n'est plus actif : voici où on en est."
        # a staff member pressing the same data in a group that is not theirs would need the
        # site: here, the thread is untouched and Mallory learnt nothing about Léa
        assert (await rows(services, "message_threads", cid))[0]["closed_at"] is None
        assert not any("Léa" in m.plain_text for m in mallory.messages)
        assert await rows(services, "messages", other_id) == []


async def test_erasure_removes_threads_messages_and_relays(
    server: FakeTelegram, settings: Settings, clock: FakeClock
) -> None:
    sam = server.new_user("Sam")
    settings = fast(settings, admin(sam))
    async with running_bot(server, settings, clock) as app:
        services = services_of(app)
        staff = Chat(server, sam)
        await staff.command("start", "")
        lea, cid = await candidate(server, services)
        await lea.command("humain", "va t'écrire ici")
        relayed = await recorded(services, sam.id, await staff.expect("Demande /humain"))
        await lea.send("Mon éducatrice s'appelle Odile", "Transmis à l'équipe")
        await staff.expect("Odile")
        server.send_text(sam, "Bien reçu", reply_to=relayed.message_id)
        await lea.expect("Bien reçu")
        # /mes_donnees has them (staff as "équipe FabNum", never their id)
        await lea.command("mes_donnees", "")
        export = await lea.expect("")
        while export.document is None:
            export = await lea.expect("")
        data = export.document.content.decode()
        assert "Odile" in data and "Bien reçu" in data and str(sam.id) not in data
        await lea.command("supprimer", "")
        await lea.press("Oui", expect="")
        await dispatcher_runs(server, app)
        for table in ("messages", "message_threads"):
            assert await rows(services, table, cid) == []
        left = await services.db.fetchall("SELECT COUNT(*) FROM message_relays")
        assert left[0][0] == 0
