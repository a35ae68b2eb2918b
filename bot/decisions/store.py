"""The only SQL of decision messages: the drafts and sent messages (decision_messages), what a
message needs to know about the person and their cohort, and the history and audit rows.

Functions taking `conn` run inside the caller's transaction (a move's, a button press's)."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

import aiosqlite

from bot.db.database import Database
from bot.outbox.store import iso
from bot.screening.store import insert_event

DRAFT, SENT, DROPPED = "draft", "sent", "dropped"


@dataclass(frozen=True)
class Person:
    """What a decision message needs to know about the candidate."""

    chat_id: int
    language: str
    first_name: str
    site: str | None
    birth: str | None


@dataclass(frozen=True)
class CohortInfo:
    name: str
    site: str
    start: dt.date


@dataclass(frozen=True)
class DecisionMessage:
    id: int
    candidate_id: int
    kind: str
    state: str
    text: str
    staff_id: int

    @classmethod
    def from_row(cls, row: aiosqlite.Row) -> DecisionMessage:
        return cls(
            id=int(row["id"]),
            candidate_id=int(row["candidate_id"]),
            kind=str(row["kind"]),
            state=str(row["state"]),
            text=str(row["text"]),
            staff_id=int(row["staff_id"]),
        )


async def person(conn: aiosqlite.Connection, candidate_id: int) -> Person | None:
    cursor = await conn.execute(
        "SELECT chat_id, language FROM candidates WHERE id = ?", (candidate_id,)
    )
    row = await cursor.fetchone()
    if row is None:
        return None
    cursor = await conn.execute(
        "SELECT step, value FROM answers WHERE candidate_id = ? AND complete = 1"
        " AND step IN ('first_name', 'site', 'birth')",
        (candidate_id,),
    )
    answers: dict[str, Any] = {
        str(r["step"]): json.loads(r["value"]) for r in await cursor.fetchall()
    }
    site, birth = answers.get("site"), answers.get("birth")
    return Person(
        chat_id=int(row["chat_id"]),
        language=str(row["language"]),
        first_name=str(answers.get("first_name") or ""),
        site=str(site) if site is not None else None,
        birth=str(birth) if birth is not None else None,
    )


async def cohort(conn: aiosqlite.Connection, cohort_id: int | None) -> CohortInfo | None:
    if cohort_id is None:
        return None
    cursor = await conn.execute(
        "SELECT name, site, start_date FROM cohorts WHERE id = ?", (cohort_id,)
    )
    row = await cursor.fetchone()
    if row is None:
        return None
    return CohortInfo(str(row["name"]), str(row["site"]), dt.date.fromisoformat(row["start_date"]))


async def add(
    conn: aiosqlite.Connection,
    *,
    candidate_id: int,
    kind: str,
    state: str,
    text: str,
    staff_id: int,
    at: dt.datetime,
) -> int:
    """A new message (a draft, or sent at once); a newer draft for the same person replaces any
    older one still waiting (the latest decision is the one to tell)."""
    await conn.execute(
        "UPDATE decision_messages SET state = 'dropped', decided_at = ?"
        " WHERE candidate_id = ? AND state = 'draft'",
        (iso(at), candidate_id),
    )
    cursor = await conn.execute(
        "INSERT INTO decision_messages (candidate_id, kind, state, text, staff_id, created_at,"
        " decided_at, decided_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (
            candidate_id,
            kind,
            state,
            text,
            staff_id,
            iso(at),
            iso(at) if state == SENT else None,
            staff_id if state == SENT else None,
        ),
    )
    return int(cursor.lastrowid or 0)


async def decide(
    conn: aiosqlite.Connection, message_id: int, state: str, by: int, at: dt.datetime
) -> bool:
    """draft -> sent or dropped; False if it was not a draft any more (pressed twice...)."""
    cursor = await conn.execute(
        "UPDATE decision_messages SET state = ?, decided_at = ?, decided_by = ?"
        " WHERE id = ? AND state = 'draft'",
        (state, iso(at), by, message_id),
    )
    return cursor.rowcount == 1


async def record(
    conn: aiosqlite.Connection, message: DecisionMessage, by: int, at: dt.datetime
) -> None:
    """A message on its way: in the candidate's history and in staff_audit (the kind of message
    and who sent it, never its text)."""
    detail = {"decision": message.kind, "by": by}  # the card shows it (staff/card.j2)
    await insert_event(conn, message.candidate_id, at, "decision_message", detail)
    await conn.execute(
        "INSERT INTO staff_audit (at, staff_id, action, candidate_id, detail)"
        " VALUES (?, ?, 'decision_message', ?, ?)",
        (iso(at), by, message.candidate_id, json.dumps({"message": message.kind})),
    )


async def audit_dropped(
    conn: aiosqlite.Connection, message: DecisionMessage, by: int, at: dt.datetime
) -> None:
    await conn.execute(
        "INSERT INTO staff_audit (at, staff_id, action, candidate_id, detail)"
        " VALUES (?, ?, 'decision_message_dropped', ?, ?)",
        (iso(at), by, message.candidate_id, json.dumps({"message": message.kind})),
    )


async def ids_of(conn: aiosqlite.Connection, candidate_id: int) -> list[int]:
    """The ids of a candidate's decision messages, read before they are erased."""
    cursor = await conn.execute(
        "SELECT id FROM decision_messages WHERE candidate_id = ?", (candidate_id,)
    )
    return [int(r[0]) for r in await cursor.fetchall()]


class DecisionStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def get(self, message_id: int) -> DecisionMessage | None:
        row = await self.db.fetchone("SELECT * FROM decision_messages WHERE id = ?", (message_id,))
        return DecisionMessage.from_row(row) if row else None

    async def latest_draft(self, candidate_id: int) -> DecisionMessage | None:
        row = await self.db.fetchone(
            "SELECT * FROM decision_messages WHERE candidate_id = ? AND state = 'draft'"
            " ORDER BY id DESC LIMIT 1",
            (candidate_id,),
        )
        return DecisionMessage.from_row(row) if row else None

    async def drafts(self) -> list[tuple[DecisionMessage, str | None]]:
        """Every draft still waiting for "Envoyer", oldest first, with the candidate's site."""
        rows = await self.db.fetchall(
            "SELECT d.*, (SELECT value FROM answers a WHERE a.candidate_id = d.candidate_id"
            " AND a.step = 'site' AND a.complete = 1) AS site"
            " FROM decision_messages d WHERE d.state = 'draft' ORDER BY d.id"
        )
        found = []
        for row in rows:
            site = json.loads(row["site"]) if row["site"] is not None else None
            found.append((DecisionMessage.from_row(row), site if isinstance(site, str) else None))
        return found

    async def edit(self, message_id: int, text: str) -> bool:
        """A staff member's own text replaces a draft's; False if it is no longer a draft."""
        async with self.db.transaction() as conn:
            cursor = await conn.execute(
                "UPDATE decision_messages SET text = ?, edited = 1"
                " WHERE id = ? AND state = 'draft'",
                (text, message_id),
            )
            return cursor.rowcount == 1

    async def chat_and_name(self, candidate_id: int) -> tuple[int, str] | None:
        """The candidate's chat and first name (for the preview and the send)."""
        async with self.db.transaction() as conn:
            found = await person(conn, candidate_id)
        return (found.chat_id, found.first_name) if found else None

    async def language(self, candidate_id: int) -> str | None:
        row = await self.db.fetchone(
            "SELECT language FROM candidates WHERE id = ?", (candidate_id,)
        )
        return str(row["language"]) if row else None
