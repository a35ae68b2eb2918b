"""End to end over HTTP against the local Bot API: staff review, move, shortlist, export, chart;
non-staff users are refused everywhere exactly like an unknown command; sites are kept apart."""

from __future__ import annotations

import asyncio
import csv
import datetime as dt
import io
import struct

from bot.config import Settings
from bot.db.database import Database
from bot.db.unit_of_work import UnitOfWork
from bot.fakeapi import FakeTelegram, FakeUser, SentMessage
from bot.kernel.clock import FakeClock
from bot.pipeline.handlers import COMMANDS
from bot.pipeline.store import PipelineStore
from bot.screening.store import CandidateStore
from tests import flowscript as fs
from tests.botharness import Chat, handled, running_bot, site_staff, with_staff
from tests.botharness import admin as admin_of
from tests.test_staff_service import seed_candidate

ALL_STAFF_COMMANDS = sorted(n for names, _ in COMMANDS.values() for n in names)


async def seed(settings: Settings, clock: FakeClock, people: list[dict[str, object]]) -> list[int]:
    db = Database(settings.database)
    await db.connect()
    try:
        store = CandidateStore(db)
        ids = []
        for number, person in enumerate(people):
            tg = int(str(person.pop("tg", 90_000 + number)))
            ids.append(await seed_candidate(store, clock.now(), tg, **person))  # type: ignore[arg-type]
        return ids
    finally:
        await db.close()


async def stage_of(settings: Settings, candidate_id: int) -> str | None:
    db = Database(settings.database)
    await db.connect()
    try:
        stage = await PipelineStore(db, UnitOfWork(db)).stage_of(candidate_id)
        return stage.value if stage else None
    finally:
        await db.close()


async def press_on(chat: Chat, message: SentMessage, text: str) -> dict[str, object]:
    query = chat.server.press_button(chat.user, message, text=text)
    return await chat.server.wait_for_callback_answer(query)


def png_size(content: bytes) -> tuple[int, int]:
    assert content[:8] == b"\x89PNG\r\n\x1a\n"
    length, kind = struct.unpack(">I4s", content[8:16])
    assert kind == b"IHDR" and length == 13
    width, height = struct.unpack(">II", content[16:24])
    return width, height


async def test_staff_reviews_moves_shortlists_and_exports(
    server: FakeTelegram, settings: Settings, clock: FakeClock
) -> None:
    candidate_user = server.new_user("Léa")
    admin = Chat(server, server.new_user("Admin"))
    settings = with_staff(settings, admin_of(admin.user))
    await seed(
        settings,
        clock,
        [
            {"name": f"Cand{i}", "answers": {"gender": "femme" if i < 3 else "homme"}}
            for i in range(6)
        ]
        + [
            {
                "tg": candidate_user.id,
                "name": "Léa",
                "result": "oriented",
                "reasons": ["qualification_higher"],
                "source": "mission-locale-gonesse",
            }
        ],
    )
    async with running_bot(server, settings, clock):
        # a candidate the screening oriented elsewhere (the screening itself is tested apart)
        lea = Chat(server, candidate_user)
        await lea.command("aide", expect="")

        await admin.command("staff", expect="Espace équipe")
        await admin.command(
            "nouvelle_cohorte", expect="créée", args="gonesse 01/03/2027 30/09/2027 12 Promo Mars"
        )
        await admin.command("revue", expect="À relire : 1")
        item = await admin.expect("Léa")
        assert "diplôme au-dessus du bac" in item.plain_text
        await press_on(admin, item, "Renverser")
        # a preview first (bot/decisions): nothing reaches Léa before "Envoyer"
        preview = await admin.expect("Voici le message pour Léa")
        assert "Bonne nouvelle Léa" in preview.plain_text
        await press_on(admin, preview, "Envoyer")
        told = await lea.expect("Bonne nouvelle Léa")
        assert told.buttons[0][0].callback_data == "s:offer"
        await admin.command("revue", expect="Rien à relire")

        card = await admin.command("candidat", expect="Étape : Éligible", args="LEA")
        assert "orientation renversée" in card.plain_text
        assert "Genre" not in card.plain_text
        await press_on(admin, card, "Inviter en entretien")
        moved = await admin.expect("Éligible → Entretien")
        await press_on(admin, moved, "Admettre")
        choose = await admin.expect("Pour quelle promo ?")
        await press_on(admin, choose, "Promo Mars")
        await admin.expect("Entretien → Admis")
        await admin.command("etape", expect="Impossible de passer", args=f"{7} sorti fin")
        await admin.command("note", expect="Note ajoutée", args="7 A rappeler lundi")

        listed = await admin.command("shortlist", expect="Shortlist Promo Mars", args="promo mars")
        text = listed.plain_text
        assert "Cand0" in text and "Le genre n'est jamais un critère" in text
        assert "Page 1/2" in text and "Mixité" not in text
        await press_on(admin, listed, "Suivant ▶️")  # the diversity figures, in its place

        def live() -> SentMessage:  # the message as edited (wait_for_message gave a copy)
            return next(m for m in admin.messages if m.message_id == listed.message_id)

        await admin.server.wait_until(lambda: "Mixité" in live().plain_text, 5, message="page 2")
        text = live().plain_text
        assert "femmes < 5 · hommes < 5" in text and "Déjà admis : < 5 personnes" in text
        assert "Femme" not in text and "Homme" not in text and "Page 2/2" in text

        # the pipeline as CSV, opened with the csv module
        await admin.command("export", expect="Pipeline : 7 candidats", args="pipeline")
        document = admin.messages[-1].document
        assert document is not None and document.filename.endswith(".csv")
        raw = document.content
        assert raw.startswith(b"\xef\xbb\xbf")
        rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))
        header, lines = rows[0], rows[1:]
        assert header[:4] == ["Numéro", "Prénom", "Site", "Étape"]
        assert not any("enre" in h for h in header)  # no gender column, ever
        assert len(lines) == 7
        lea_row = dict(zip(header, next(r for r in lines if r[1] == "Léa"), strict=True))
        assert lea_row["Étape"] == "Admis" and lea_row["Promo"] == "Promo Mars"
        assert lea_row["Source"] == "mission-locale-gonesse"
        assert lea_row["Code postal avec QPV"] == "oui"
        assert lea_row["Questionnaire envoyé le"] == "25/11/2026 10:00"

        # the shortlist as CSV through the button under the list
        await press_on(admin, listed, "Shortlist (CSV)")
        await admin.expect("Shortlist Promo Mars : 6 candidats")
        content = admin.messages[-1].document
        assert content is not None
        short = list(csv.reader(io.StringIO(content.content.decode("utf-8-sig")), delimiter=";"))
        assert short[0][0] == "Rang" and [r[0] for r in short[1:]] == ["1", "2", "3", "4", "5", "6"]

        # the chart
        await admin.command("export", expect="Entonnoir et part des femmes", args="graphique")
        photo = admin.messages[-1].photo
        assert photo is not None
        width, height = png_size(photo)
        assert 600 <= width <= 2000 and 400 <= height <= 1500 and len(photo) > 10_000

        await admin.command("pipeline", expect="Entonnoir")
        assert "mission-locale-gonesse : 1" in admin.messages[-1].plain_text
        await admin.command("cohortes", expect="1/12 admis")
        await admin.command("digest", expect="Résumé de la semaine")
    assert await stage_of(settings, 7) == "admitted"


async def test_non_staff_get_the_unknown_command_answer_everywhere(
    server: FakeTelegram, settings: Settings, clock: FakeClock
) -> None:
    admin = server.new_user("Admin")
    settings = with_staff(settings, admin_of(admin))
    strangers = {command: server.new_user("Nobody") for command in ALL_STAFF_COMMANDS}
    # candidates in the middle of their screening, one per command
    candidates = {command: server.new_user("Candidate") for command in ALL_STAFF_COMMANDS}
    [cid] = await seed(settings, clock, [{"name": "Léa"}])
    await seed(
        settings,
        clock,
        [
            {"tg": u.id, "name": "Cand", "result": None, "stop_after": "site"}
            for u in candidates.values()
        ],
    )
    forged = [
        f"st:c:{cid}",
        f"st:r:{cid}:o",
        f"st:r:{cid}:c",
        f"st:r:{cid}:h",
        f"st:m:{cid}:interview",
        f"st:m:{cid}:admitted:1",
        f"st:n:{cid}",
        "st:x:p",
        "st:x:g",
        "st:x:s",
        "st:x:s:1",
        "st:xs:1",
        "st:p:gonesse",
        "st:s:1",
        "st:",
    ]

    async def refused(user: FakeUser, command: str, in_screening: bool) -> None:
        chat = Chat(server, user)
        server.send_command(user, "nimportequoi")
        reference = await chat.expect("Je ne connais pas cette commande")
        if in_screening:
            await chat.expect(fs.WORDING_FR[str(fs.next_key("site"))])  # the current question again
        answer = await chat.command(command, expect="Je ne connais pas", args=f"{cid} gonesse")
        assert answer.plain_text == reference.plain_text, command
        if in_screening:
            await chat.expect(fs.WORDING_FR[str(fs.next_key("site"))])
        target = chat.messages[-1]
        unknown_press = server.press_button(user, target, data="zz:1")
        unknown = await server.wait_for_callback_answer(unknown_press)
        # every forged button is pressed by someone (more people than buttons)
        data = forged[ALL_STAFF_COMMANDS.index(command) % len(forged)]
        forged_press = server.press_button(user, target, data=data)
        answer_st = await server.wait_for_callback_answer(forged_press)
        assert answer_st.get("text") == unknown.get("text"), data
        await handled(
            server,
            application,
            server.update_id_of(unknown_press),
            server.update_id_of(forged_press),
        )
        everything = " ".join(m.plain_text for m in chat.messages)
        assert "Étape" not in everything and "Léa" not in everything, command
        assert not any(m.document or m.photo for m in chat.messages)

    async with running_bot(server, settings, clock) as application:
        await asyncio.gather(
            *(refused(u, c, False) for c, u in strangers.items()),
            *(refused(u, c, True) for c, u in candidates.items()),
        )
    assert await stage_of(settings, cid) == "eligible"
    db = Database(settings.database)
    await db.connect()
    try:
        assert await PipelineStore(db, UnitOfWork(db)).audit_log() == []
    finally:
        await db.close()


async def test_site_staff_never_see_another_site(
    server: FakeTelegram, settings: Settings, clock: FakeClock
) -> None:
    marcq = Chat(server, server.new_user("Marcq"))
    settings = with_staff(settings, site_staff(marcq.user, "marcq"))
    gonesse_ids = await seed(
        settings,
        clock,
        [
            {"name": "Léa", "result": "oriented", "reasons": ["qualification_higher"]},
            {"name": "Inès"},
        ],
    )
    [zoe] = await seed(settings, clock, [{"name": "Zoé", "site": "marcq", "tg": 95_000}])
    db = Database(settings.database)
    await db.connect()
    cohort = await PipelineStore(db, UnitOfWork(db)).create_cohort(
        site="gonesse",
        name="Promo G",
        start=dt.date(2027, 3, 1),
        end=dt.date(2027, 9, 1),
        capacity=10,
        by=1,
        at=clock.now(),
    )
    await db.close()
    lea, ines = gonesse_ids
    async with running_bot(server, settings, clock):
        await marcq.command("staff", expect="Espace équipe (Marcq-en-Barœul)")
        await marcq.command("candidat", expect="Aucun candidat", args=str(lea))
        await marcq.command("candidat", expect="Aucun candidat", args="léa")
        await marcq.command("candidat", expect="Étape : Éligible", args="zoe")
        await marcq.command("revue", expect="Rien à relire")
        await marcq.command("pipeline", expect="Je ne connais pas ce site", args="gonesse")
        await marcq.command("pipeline", expect="1 candidat")
        await marcq.command("shortlist", expect="Aucun candidat ni promo", args="promo g")
        await marcq.command("shortlist", expect="Aucun candidat ni promo", args=str(cohort.id))
        await marcq.command("cohortes", expect="Aucune promo")
        await marcq.command("etape", expect="Aucun candidat", args=f"{ines} interview")
        await marcq.command("note", expect="Aucun candidat", args=f"{ines} hello")
        await marcq.command("export", expect="Pipeline : 1 candidat (", args="pipeline")
        document = marcq.messages[-1].document
        assert document is not None
        body = document.content.decode("utf-8-sig")
        assert "Zoé" in body and "Léa" not in body and "Inès" not in body
        target = marcq.messages[-1]
        for data in (
            f"st:c:{lea}",
            f"st:r:{lea}:o",
            f"st:m:{ines}:interview",
            f"st:s:{cohort.id}",
            f"st:xs:{cohort.id}",
            f"st:x:s:{cohort.id}",
            "st:p:gonesse",
            f"st:n:{ines}",
            f"st:m:{zoe}:admitted:{cohort.id}",
        ):
            before = len(marcq.messages)
            answer = await server.wait_for_callback_answer(
                server.press_button(marcq.user, target, data=data)
            )
            assert answer.get("text") in (
                "Ce bouton n'est plus valable.",
                "Candidat introuvable.",
            ), data
            assert len(marcq.messages) == before, data
    assert await stage_of(settings, lea) == "to_review"
    assert await stage_of(settings, ines) == "eligible"
    assert await stage_of(settings, zoe) == "eligible"
