"""Erasure leaves nothing of the person: not in any table, not in the database files on disk.

One person goes through every feature by the real services (screening with typed answers, a
/humain request handled with a comment, a session booked and attended, a staff note, a move with
a reason, a cohort's waiting list and the re-engagement opt-in, the sessions waitlist, admission,
training, exit, a survey answered in Telegram and one taken by phone, outbox rows of every
kind), then is erased by /supprimer or by the retention purge. Every table (found from
sqlite_master, so a table added later is scanned too) and the raw bytes of the main file, the
-wal and the -shm are then searched for the first name, the Telegram id and each free text.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from bot.alumni.buttons import SurveyAnswer
from bot.config import Settings, StaffMember
from bot.db.database import Database
from bot.interviews.buttons import Coming
from bot.kernel.actions import Response, Send, SendFile
from bot.kernel.clock import FakeClock
from bot.kernel.person import Person
from bot.services import Services
from tests.botharness import with_staff
from tests.test_screening_service import answer_all, button

NAME = "Zéphyrine"
BIRTH = ("06/2005", "2005-06")  # as typed, as stored
POSTCODE = "95500"
PERSON = Person(user_id=6_123_456_789, chat_id=6_123_456_789)
ADMIN = StaffMember(7_345_678_901, "admin")
SITE_STAFF = StaffMember(7_345_678_902, "staff", frozenset({"gonesse"}))
NOTE = f"{NAME} : RQTH, suivie par son éducatrice PJJ"
REASON = f"{NAME} très motivée, suivie par son éducatrice"
COMMENT = f"Appelé la mère de {NAME}, situation familiale compliquée"
TO_STAFF = f"Je suis {NAME}, mon éducatrice PJJ peut venir ?"
FROM_STAFF = f"Oui {NAME}, ton éducatrice PJJ est la bienvenue"
DECISION = f"{NAME}, viens avec ton éducatrice PJJ le premier jour"
FREE_TEXTS = (NAME, *BIRTH, POSTCODE, NOTE, REASON, COMMENT, TO_STAFF, FROM_STAFF, DECISION)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    base = Settings(token="123456:TEST-TOKEN-fabnum-fake-api-0000000", database=tmp_path / "t.db")
    return with_staff(base, ADMIN, SITE_STAFF)


def sends(response: Response) -> list[Send]:
    return [a for a in response.actions if isinstance(a, Send)]


def find_button(response: Response, prefix: str) -> str:
    for send in sends(response):
        for row in send.keyboard:
            for b in row:
                if b.data.startswith(prefix):
                    return b.data
    raise AssertionError(f"no button {prefix!r} in {response.actions}")


async def live_person(services: Services, clock: FakeClock) -> int:
    """The person, with something in every table that refers to candidates."""
    s = services
    summary = await answer_all(s, PERSON, first_name=NAME, birth=BIRTH[0], postcode=POSTCODE)
    await s.screening.button(PERSON, button(summary, "C'est bon").data)
    candidate = await s.candidates.by_telegram_id(PERSON.user_id)
    assert candidate is not None and candidate.result == "eligible"
    cid = candidate.id
    staff_chat = Person(user_id=SITE_STAFF.user_id, chat_id=SITE_STAFF.user_id)

    # /humain, handled by staff with a comment typed about the person
    await s.screening.human(PERSON)
    await s.pipeline.review(
        cid, decision="human_handled", by=ADMIN.user_id, at=clock.now(), comment=COMMENT
    )

    # the thread /humain opened (issue 12): the person writes, staff answer, a relay recorded
    thread = await s.messages.store.open_thread(cid)
    assert thread is not None
    assert await s.messages.from_candidate(PERSON, text=TO_STAFF) is not None
    await s.messages.write(ADMIN, f"{cid} {FROM_STAFF}")
    await s.messages.store.add_relay(-1001234567890, 77, thread.id)
    # the forum topic of a staff chat that is a forum (message_thread_id linked to the person)
    await s.messages.store.save_topic(cid, -1001234567890, 4242, clock.now())
    assert len(await s.messages.store.messages(thread.id)) == 3

    # a session three days ahead, booked and confirmed (reminders in the outbox), then attended
    session_id = await s.sessions.admin.create_session(
        site="gonesse",
        starts_at=clock.now() + dt.timedelta(days=3),
        capacity=10,
        place="FabNum Gonesse, salle 2",
        address="3 rue de Paris, Gonesse",
        created_by=ADMIN.user_id,
    )
    booked = await s.sessions.button(PERSON, f"s:book:{session_id}")
    booking = await s.sessions.store.live_booking(cid)
    assert booking is not None, booked.actions
    await s.sessions.button(PERSON, f"s:yes:{booking[0]}")
    clock.advance(dt.timedelta(days=3, hours=2))
    await s.sessions.button(staff_chat, f"s:at:{booking[0]}:y")

    # staff: a note and a move with a reason, both typed about the person
    await s.staff.cards.note(SITE_STAFF, [f"#{cid}", *NOTE.split(" ")])
    await s.staff.moves.command(SITE_STAFF, [f"#{cid}", "entretien", *REASON.split(" ")])
    # an interview set by staff and answered (its reminders in the outbox)
    when = (clock.now() + dt.timedelta(days=2)).astimezone(s.settings.timezone)
    await s.interviews.planning.command(SITE_STAFF, [f"#{cid}", f"{when:%d/%m}", "14:00"])
    interview = await s.interviews.store.live(cid)
    assert interview is not None
    await s.interviews.answers.button(PERSON, Coming(interview.id))

    # a cohort; its waiting list (re-engagement question through the outbox, answered yes)
    start = clock.now().date() + dt.timedelta(days=20)
    end = start + dt.timedelta(days=120)
    await s.staff.cohorts.create(
        ADMIN, ["gonesse", start.isoformat(), end.isoformat(), "12", "Promo", "Printemps"]
    )
    cohorts = await s.pipeline.cohorts(None)
    cohort = cohorts[0]
    await s.pipeline.move(
        cid, to="waitlisted", by=ADMIN.user_id, at=clock.now(), cohort_id=cohort.id
    )
    await s.reengagement.button(PERSON, "re:yes:w")

    # admitted, in training, exit: surveys planned; one answered in Telegram, one by phone
    await s.pipeline.move(cid, to="admitted", by=ADMIN.user_id, at=clock.now())
    # the admission's message (bot/decisions): a draft, rewritten by staff, then sent
    draft = await s.decisions.store.latest_draft(cid)
    assert draft is not None and draft.kind == "admitted"
    await s.decisions.command(ADMIN, f"{cid} {DECISION}")
    assert await s.decisions.pressed(ADMIN, f"dec:s:{draft.id}") is not None
    sent = await s.decisions.store.get(draft.id)
    assert sent is not None and sent.state == "sent" and DECISION in sent.text
    await s.pipeline.move(cid, to="in_training", by=ADMIN.user_id, at=clock.now())
    await s.alumni.exits.command(ADMIN, [f"#{cid}"])
    await s.alumni.surveys.button(PERSON.user_id, SurveyAnswer(0, "situation", "cdi"))
    clock.advance(dt.timedelta(days=100))  # the +3 months survey is due: taken by phone
    called = await s.alumni.calls.answer_command(SITE_STAFF, [f"#{cid}", "3", "CDI"])
    followup = await s.alumni.store.followup(cid, 3)
    assert followup is not None and followup.answered_via == "call", called.actions
    # the sessions waitlist too, last: a move past the sessions takes a person off it
    await s.sessions.button(PERSON, "s:wait")
    # the updates they sent, in the inbox (issue 14): one handled, one a crash left pending
    for update_id, text in ((90_001, NAME), (90_002, NOTE)):
        update = {"update_id": update_id, "message": {"chat": {"id": PERSON.chat_id}, "text": text}}
        assert await s.inbox.record(update_id, PERSON.chat_id, json.dumps(update))
    await s.inbox.done(90_001)
    return cid


async def person_tables(db: Database) -> list[str]:
    """Every table with a candidate_id column, plus candidates itself."""
    found = ["candidates"]
    for table in await tables(db):
        columns = await db.fetchall(f"PRAGMA table_info({table})")
        if any(c["name"] == "candidate_id" for c in columns):
            found.append(table)
    return found


async def tables(db: Database) -> list[str]:
    rows = await db.fetchall(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        " ORDER BY name"
    )
    return [str(r["name"]) for r in rows]


async def traces(db: Database, candidate_id: int) -> list[str]:
    """Every cell of every table that holds something of or about the person."""
    wanted = [t.casefold() for t in (*FREE_TEXTS, str(PERSON.user_id))]
    found = []
    for table in await tables(db):
        for row in await db.fetchall(f"SELECT * FROM {table}"):
            for column in row.keys():  # noqa: SIM118 (aiosqlite.Row)
                value: Any = row[column]
                where = f"{table}.{column}={value!r}"
                if isinstance(value, int) and value == PERSON.user_id:
                    found.append(where)
                if isinstance(value, str) and any(w in value.casefold() for w in wanted):
                    found.append(where)
                if column == "candidate_id" and value == candidate_id:
                    found.append(where)
                if table == "candidates" and column == "id" and value == candidate_id:
                    found.append(where)
    return found


def file_traces(database: Path) -> dict[str, list[str]]:
    """Which of the person's texts (UTF-8) and Telegram id (as text) each file's bytes hold."""
    needles = {t: t.encode("utf-8") for t in (*FREE_TEXTS, str(PERSON.user_id))}
    found: dict[str, list[str]] = {}
    for suffix in ("", "-wal", "-shm"):
        path = Path(f"{database}{suffix}")
        data = path.read_bytes() if path.exists() else b""
        found[suffix or "main"] = [text for text, needle in needles.items() if needle in data]
    return found


def journal_bytes(database: Path) -> bytes:
    return Path(f"{database}.erased").read_bytes()


def wal_size(database: Path) -> int:
    wal = Path(f"{database}-wal")
    return wal.stat().st_size if wal.exists() else 0


async def check_before(services: Services, cid: int) -> None:
    """The test can fail: the person is everywhere before the erasure."""
    db = services.db
    empty = []
    for table in await person_tables(db):
        column = "id" if table == "candidates" else "candidate_id"
        row = await db.fetchone(f"SELECT COUNT(*) FROM {table} WHERE {column} = ?", (cid,))
        if row is None or row[0] == 0:
            empty.append(table)
    assert empty == [], f"the person has no row in {empty}"
    kinds = await db.fetchall(
        "SELECT DISTINCT kind FROM outbox WHERE candidate_id = ? ORDER BY kind", (cid,)
    )
    assert {
        "fu_survey",
        "reengage.ask",
        "sessions.reminder_j1",
        "sessions.reminder_2h",
        "interviews.reminder_j1",
    } <= {str(k[0]) for k in kinds}
    before = "\n".join(await traces(db, cid))
    for text in (NAME, NOTE, REASON, COMMENT, str(PERSON.user_id)):
        assert text in before, text
    assert "staff_audit.detail" in before and REASON in before
    assert "inbox.payload" in before and "inbox.chat_id" in before
    on_disk = file_traces(services.settings.database)
    assert NAME in on_disk["main"] + on_disk["-wal"]


async def check_after(services: Services, cid: int) -> None:
    db = services.db
    assert await traces(db, cid) == []
    database = services.settings.database
    assert file_traces(database) == {"main": [], "-wal": [], "-shm": []}
    assert wal_size(database) == 0  # checkpointed and truncated, with the connection open
    # the erasure journal (bot/ops/erasure_journal.py) has a line, naming nobody
    journal = journal_bytes(database)
    assert journal.count(b"\n") == 1 and str(PERSON.user_id).encode() not in journal
    # the audit still says who did what and when
    audit = await services.pipeline.audit_log()
    moves = [a for a in audit if a["action"] == "stage" and a["detail"]["to"] == "interview"]
    assert len(moves) == 1
    assert moves[0]["staff_id"] == SITE_STAFF.user_id and moves[0]["candidate_id"] is None
    assert moves[0]["detail"] == {"from": "attended", "to": "interview"}
    assert {a["action"] for a in audit} >= {"stage", "note", "review", "followup_call"}


async def test_supprimer_leaves_nothing_of_the_person(services: Services, clock: FakeClock) -> None:
    cid = await live_person(services, clock)
    await check_before(services, cid)
    confirm = await services.screening.delete(PERSON)
    done = await services.screening.button(PERSON, find_button(confirm, "delete:yes"))
    assert any("effac" in s.text for s in sends(done)), done.actions
    await check_after(services, cid)
    row = await services.db.fetchone("SELECT reason, count FROM erasures")
    assert row is not None and tuple(row) == ("candidate_request", 1)


async def test_retention_purge_leaves_nothing_of_the_person(
    services: Services, clock: FakeClock
) -> None:
    cid = await live_person(services, clock)
    await check_before(services, cid)
    # follow-up over (last survey at 12 months, + 10 days) and the alumni delay (6 months) passed
    clock.advance(dt.timedelta(days=365 + 10 + 190))  # from 100 days after the exit
    assert await services.retention.run() == 1
    await check_after(services, cid)
    row = await services.db.fetchone("SELECT kind FROM erasures WHERE reason = 'retention'")
    assert row is not None and row[0] == "alumnus"


async def test_every_connection_zeroes_deleted_content(services: Services) -> None:
    row = await services.db.fetchone("PRAGMA secure_delete")
    assert row is not None and row[0] == 1


async def test_mes_donnees_shows_the_team_never_a_staff_telegram_id(
    services: Services, clock: FakeClock
) -> None:
    cid = await live_person(services, clock)
    staff_ids = [str(ADMIN.user_id), str(SITE_STAFF.user_id)]
    candidate = await services.candidates.by_id(cid)
    assert candidate is not None
    raw = json.dumps(await services.screening.export(candidate), ensure_ascii=False)
    assert all(i in raw for i in staff_ids)  # what the export would give without the fix
    response = await services.screening.my_data(PERSON)
    text = "\n".join(s.text for s in sends(response))
    files = [a for a in response.actions if isinstance(a, SendFile)]
    assert len(files) == 1
    content = files[0].content.decode("utf-8")
    for staff_id in staff_ids:
        assert staff_id not in text
        assert staff_id not in content
    export = json.loads(content)
    note = [e for e in export["history"] if e["kind"] == "note"]
    assert note and note[0]["detail"] == {"by": "équipe FabNum", "text": NOTE}
    assert {a["staff_id"] for a in export["other_records"]["staff_audit"]} == {"équipe FabNum"}
    assert export["candidate"]["telegram_id"] == PERSON.user_id  # their own id stays
    assert export["answers"]["first_name"] == NAME


async def test_a_checkpoint_kept_from_completing_says_so(
    services: Services, caplog: pytest.LogCaptureFixture
) -> None:
    """Another connection's read transaction keeps the WAL from being truncated: the
    checkpoint reports it (False, one log line with counts) instead of claiming success."""
    await services.candidates.count("start", services.clock.now())
    assert await services.db.checkpoint()
    reader = sqlite3.connect(services.settings.database)
    try:
        await services.candidates.count("start", services.clock.now())  # frames in the WAL
        reader.execute("BEGIN")
        reader.execute("SELECT COUNT(*) FROM daily_counters").fetchone()
        await services.candidates.count("start", services.clock.now())
        with caplog.at_level(logging.WARNING, logger="bot.db.database"):
            assert not await services.db.checkpoint()  # after the busy timeout
        assert "WAL checkpoint incomplete" in caplog.text
    finally:
        reader.close()
    assert await services.db.checkpoint()
    assert wal_size(services.settings.database) == 0
