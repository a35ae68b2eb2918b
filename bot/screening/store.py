"""Candidates and their answers in SQLite. Every answer is written the moment it is given."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

import aiosqlite

from bot.db import stage
from bot.db.database import Database
from bot.db.unit_of_work import UnitOfWork
from bot.kernel.erasure import Erasing


def iso(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).isoformat(timespec="seconds")


@dataclass(frozen=True)
class Candidate:
    id: int
    telegram_id: int
    chat_id: int
    language: str
    source: str | None
    consent_version: str
    consented_at: str
    status: str
    editing_step: str | None
    result: str | None
    result_reasons: list[str]
    review_status: str | None
    human_requested_at: str | None
    created_at: str
    updated_at: str
    last_contact_at: str
    submitted_at: str | None

    @classmethod
    def from_row(cls, row: aiosqlite.Row) -> Candidate:
        data = dict(row)
        data["result_reasons"] = json.loads(data["result_reasons"] or "[]")
        return cls(**{k: data[k] for k in cls.__dataclass_fields__})


@dataclass(frozen=True)
class AnswerSet:
    """Complete answers by step, and drafts (a multi-select being ticked)."""

    complete: dict[str, Any]
    drafts: dict[str, Any]


@dataclass(frozen=True)
class ScreeningRestarted:
    """Raised in the transaction that erases a candidate's answers (/recommencer): what they had
    booked on the strength of those answers goes with them (bot/sessions/reactions.py)."""

    candidate_id: int
    at: dt.datetime


class CandidateStore:
    def __init__(self, db: Database, work: UnitOfWork | None = None) -> None:
        self.db = db
        # Raises ScreeningRestarted; stores built alone (tests, scripts) get one with no handlers.
        self.work = work or UnitOfWork(db)

    async def by_telegram_id(self, telegram_id: int) -> Candidate | None:
        row = await self.db.fetchone(
            "SELECT * FROM candidates WHERE telegram_id = ?", (telegram_id,)
        )
        return Candidate.from_row(row) if row else None

    async def by_id(self, candidate_id: int) -> Candidate | None:
        row = await self.db.fetchone("SELECT * FROM candidates WHERE id = ?", (candidate_id,))
        return Candidate.from_row(row) if row else None

    async def create(
        self,
        *,
        telegram_id: int,
        chat_id: int,
        language: str,
        source: str | None,
        consent_version: str,
        now: dt.datetime,
    ) -> Candidate:
        at = iso(now)
        async with self.db.transaction() as conn:
            cursor = await conn.execute(
                "INSERT INTO candidates (telegram_id, chat_id, language, source, consent_version,"
                " consented_at, created_at, updated_at, last_contact_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (telegram_id, chat_id, language, source, consent_version, at, at, at, at),
            )
            candidate_id = cursor.lastrowid
            await _event(conn, candidate_id, at, "consented", {"notice": consent_version})
        candidate = await self.by_id(int(candidate_id or 0))
        assert candidate is not None
        return candidate

    async def answers(self, candidate_id: int) -> AnswerSet:
        rows = await self.db.fetchall(
            "SELECT step, value, complete FROM answers WHERE candidate_id = ?", (candidate_id,)
        )
        complete = {r["step"]: json.loads(r["value"]) for r in rows if r["complete"]}
        drafts = {r["step"]: json.loads(r["value"]) for r in rows if not r["complete"]}
        return AnswerSet(complete, drafts)

    async def save_answer(
        self,
        candidate_id: int,
        step: str,
        value: object,
        now: dt.datetime,
        *,
        complete: bool = True,
        edited: bool = False,
    ) -> None:
        at = iso(now)
        async with self.db.transaction() as conn:
            await conn.execute(
                "INSERT INTO answers (candidate_id, step, value, complete, answered_at)"
                " VALUES (?, ?, ?, ?, ?) ON CONFLICT (candidate_id, step) DO UPDATE SET"
                " value = excluded.value, complete = excluded.complete,"
                " answered_at = excluded.answered_at",
                (candidate_id, step, json.dumps(value, ensure_ascii=False), int(complete), at),
            )
            fields = "updated_at = ?, last_contact_at = ?"
            if complete:
                fields += ", editing_step = NULL"
            await conn.execute(
                f"UPDATE candidates SET {fields} WHERE id = ?", (at, at, candidate_id)
            )
            if complete:
                kind = "edited" if edited else "answered"
                await _event(conn, candidate_id, at, kind, {"step": step})
            else:  # a complete answer ticked again is not complete: the next question changes
                await stage.refresh(conn, candidate_id)

    async def update(self, candidate_id: int, now: dt.datetime, **fields: Any) -> None:
        """Set columns of a candidate (names are fixed by the callers, never user input)."""
        allowed = {
            "status",
            "editing_step",
            "language",
            "result",
            "result_reasons",
            "review_status",
            "human_requested_at",
            "submitted_at",
        }
        unknown = set(fields) - allowed
        if unknown:
            raise ValueError(f"not updatable: {sorted(unknown)}")
        if "result_reasons" in fields:
            fields["result_reasons"] = json.dumps(fields["result_reasons"])
        at = iso(now)
        assignments = ", ".join(f"{name} = ?" for name in fields)
        async with self.db.transaction() as conn:
            await conn.execute(
                f"UPDATE candidates SET {assignments}, updated_at = ?, last_contact_at = ?"
                " WHERE id = ?",
                (*fields.values(), at, at, candidate_id),
            )
            await stage.refresh(conn, candidate_id)  # status, result... are facts of the stage

    async def add_event(
        self, candidate_id: int, kind: str, now: dt.datetime, detail: dict[str, Any] | None = None
    ) -> None:
        async with self.db.transaction() as conn:
            await _event(conn, candidate_id, iso(now), kind, detail)

    async def submit(
        self,
        candidate_id: int,
        *,
        result: str,
        reasons: list[str],
        now: dt.datetime,
    ) -> None:
        """Store the screening result; anything but eligible goes to a person for review."""
        at = iso(now)
        review = None if result == "eligible" else "pending"
        async with self.db.transaction() as conn:
            await conn.execute(
                "UPDATE candidates SET status = 'submitted', editing_step = NULL, result = ?,"
                " result_reasons = ?, review_status = ?, submitted_at = ?, updated_at = ?,"
                " last_contact_at = ? WHERE id = ?",
                (result, json.dumps(reasons), review, at, at, at, candidate_id),
            )
            await _event(
                conn, candidate_id, at, "submitted", {"result": result, "reasons": reasons}
            )

    async def restart(self, candidate_id: int, now: dt.datetime) -> None:
        """Start the screening over: answers erased, consent kept."""
        at = iso(now)
        async with self.work() as work:
            conn = work.conn
            await conn.execute("DELETE FROM answers WHERE candidate_id = ?", (candidate_id,))
            await conn.execute(
                "UPDATE candidates SET status = 'screening', editing_step = NULL, result = NULL,"
                " result_reasons = NULL, review_status = NULL, submitted_at = NULL,"
                " updated_at = ?, last_contact_at = ? WHERE id = ?",
                (at, at, candidate_id),
            )
            await _event(conn, candidate_id, at, "restarted", None)
            work.emit(ScreeningRestarted(candidate_id, now))

    async def erase(self, candidate_id: int, now: dt.datetime, reason: str) -> bool:
        """Erase a candidate and everything linked to them; keep only an anonymous count.

        Rows referencing the candidate cascade; their staff_audit rows lose the reference and
        any free text (trigger of migration 0006). Then the WAL is checkpointed and truncated,
        so the erased rows' old page images do not stay on disk (secure_delete zeroes them in
        the main file).

        `Erasing` is announced first, in the same transaction (bot/kernel/erasure.py): the
        deletion of their forum topic is queued, the erasure journal written. Nothing is sent to
        the person here. False when there was nobody to erase."""
        async with self.work() as work:
            cursor = await work.conn.execute(
                "SELECT telegram_id FROM candidates WHERE id = ?", (candidate_id,)
            )
            row = await cursor.fetchone()
            if row is None:
                return False
            await work.announce(Erasing(candidate_id, int(row[0]), now, reason))
            await work.conn.execute("DELETE FROM candidates WHERE id = ?", (candidate_id,))
            await work.conn.execute(
                "INSERT INTO erasures (at, reason, kind, count) VALUES (?, ?, 'candidate', 1)",
                (iso(now), reason),
            )
        await self.db.checkpoint()
        return True

    async def identities(self) -> list[tuple[int, int, str]]:
        """(id, telegram_id, created_at) of every candidate: the erasure journal's matching."""
        rows = await self.db.fetchall("SELECT id, telegram_id, created_at FROM candidates")
        return [(int(r[0]), int(r[1]), str(r[2])) for r in rows]

    async def events(self, candidate_id: int) -> list[dict[str, Any]]:
        rows = await self.db.fetchall(
            "SELECT at, kind, detail FROM candidate_events WHERE candidate_id = ? ORDER BY id",
            (candidate_id,),
        )
        return [
            {"at": r["at"], "kind": r["kind"], "detail": json.loads(r["detail"] or "null")}
            for r in rows
        ]

    async def linked_records(self, candidate_id: int) -> dict[str, list[dict[str, Any]]]:
        """Rows of every other table that refers to the candidate (bookings, follow-ups...).

        Found from the schema, so a table added by a later migration is exported too.
        """
        tables = await self.db.fetchall(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT IN"
            " ('candidates', 'answers', 'candidate_events') AND name NOT LIKE 'sqlite_%'"
            " ORDER BY name"
        )
        records: dict[str, list[dict[str, Any]]] = {}
        for (table,) in tables:
            columns = await self.db.fetchall(f"PRAGMA table_info({table})")
            if not any(column["name"] == "candidate_id" for column in columns):
                continue
            rows = await self.db.fetchall(
                f"SELECT * FROM {table} WHERE candidate_id = ?", (candidate_id,)
            )
            if rows:
                records[table] = [dict(row) for row in rows]
        return records

    async def stalled(self, cutoff: dt.datetime, number: int) -> list[tuple[int, int]]:
        """(id, chat_id) of at most 1,000 candidates who stopped screening (or paused it) before
        `cutoff`, can be written to, did not /stop, and have no nudge `number` yet."""
        rows = await self.db.fetchall(
            "SELECT c.id, c.chat_id FROM candidates c WHERE c.status IN ('screening', 'paused')"
            " AND c.last_contact_at <= ? AND c.unreachable_at IS NULL"
            " AND c.nudges_stopped_at IS NULL AND NOT EXISTS (SELECT 1 FROM outbox o"
            " WHERE o.key = 'screening.nudge:' || c.id || ':' || ?) LIMIT 1000",
            (iso(cutoff), number),
        )
        return [(int(row[0]), int(row[1])) for row in rows]

    async def count(self, metric: str, now: dt.datetime, source: str | None = None) -> None:
        """Add one to an anonymous daily counter."""
        await self.db.execute(
            "INSERT INTO daily_counters (day, metric, source, count) VALUES (?, ?, ?, 1)"
            " ON CONFLICT (day, metric, source) DO UPDATE SET count = count + 1",
            (now.astimezone(dt.UTC).date().isoformat(), metric, source or ""),
        )


async def insert_event(
    conn: aiosqlite.Connection,
    candidate_id: int | None,
    at: str | dt.datetime,
    kind: str,
    detail: dict[str, Any] | None,
) -> None:
    """One row of a candidate's history, inside the caller's transaction (every feature's
    events go through here: screening, sessions, pipeline, re-engagement). The stage kept in
    SQL is written again from the facts in the same transaction (bot/db/stage.py)."""
    when = iso(at) if isinstance(at, dt.datetime) else at
    await conn.execute(
        "INSERT INTO candidate_events (candidate_id, at, kind, detail) VALUES (?, ?, ?, ?)",
        (
            candidate_id,
            when,
            kind,
            json.dumps(detail, ensure_ascii=False) if detail is not None else None,
        ),
    )
    await stage.refresh(conn, candidate_id)


_event = insert_event
