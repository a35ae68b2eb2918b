"""The outbox: every message due later is a row in SQLite, written with the change that caused it.

`schedule()` and `cancel()` take the caller's connection, inside its
`async with db.transaction() as conn:`, so a booking and its reminders commit (or roll back)
together. The dispatcher (bot/outbox/dispatcher.py) claims due rows, sends them and records the
result; the other functions here are its storage.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import aiosqlite

from bot.db.database import Database

PENDING, SENDING, SENT = "pending", "sending", "sent"
FAILED, DROPPED, CANCELLED = "failed", "dropped", "cancelled"
# In a row's payload: how many of its messages are sent, when it has several.
PARTS_SENT = "_parts_sent"


def iso(moment: dt.datetime) -> str:
    if moment.tzinfo is None:
        raise ValueError("outbox times must be timezone-aware")
    return moment.astimezone(dt.UTC).isoformat(timespec="seconds")


def parse_time(value: str | None) -> dt.datetime | None:
    return dt.datetime.fromisoformat(value) if value else None


@dataclass(frozen=True)
class OutboxRow:
    id: int
    key: str
    kind: str
    chat_id: int
    candidate_id: int | None
    subject: str | None
    payload: dict[str, Any]
    due_at: dt.datetime
    not_after: dt.datetime | None
    bulk: bool
    quiet_hours: bool
    state: str
    attempts: int
    last_error: str | None
    created_at: dt.datetime
    claimed_at: dt.datetime | None
    sent_at: dt.datetime | None
    finished_at: dt.datetime | None

    @classmethod
    def from_row(cls, row: aiosqlite.Row) -> OutboxRow:
        due = parse_time(row["due_at"])
        created = parse_time(row["created_at"])
        assert due is not None and created is not None
        return cls(
            id=int(row["id"]),
            key=str(row["key"]),
            kind=str(row["kind"]),
            chat_id=int(row["chat_id"]),
            candidate_id=row["candidate_id"],
            subject=row["subject"],
            payload=json.loads(row["payload"] or "{}"),
            due_at=due,
            not_after=parse_time(row["not_after"]),
            bulk=bool(row["bulk"]),
            quiet_hours=bool(row["quiet_hours"]),
            state=str(row["state"]),
            attempts=int(row["attempts"]),
            last_error=row["last_error"],
            created_at=created,
            claimed_at=parse_time(row["claimed_at"]),
            sent_at=parse_time(row["sent_at"]),
            finished_at=parse_time(row["finished_at"]),
        )


async def schedule(
    conn: aiosqlite.Connection,
    *,
    key: str,
    kind: str,
    chat_id: int,
    due_at: dt.datetime,
    payload: dict[str, Any] | None = None,
    candidate_id: int | None = None,
    subject: str | None = None,
    not_after: dt.datetime | None = None,
    bulk: bool = True,
    quiet_hours: bool = True,
    now: dt.datetime | None = None,
) -> bool:
    """Add a message due at `due_at`. Returns False (and changes nothing) if `key` was ever
    scheduled. Call it inside the caller's transaction. `now` (the injected clock's time) is
    recorded as created_at; without it, due_at is (record-keeping only, no logic reads it)."""
    cursor = await conn.execute(
        "INSERT INTO outbox (key, kind, chat_id, candidate_id, subject, payload, due_at,"
        " not_after, bulk, quiet_hours, created_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (key) DO NOTHING",
        (
            key,
            kind,
            chat_id,
            candidate_id,
            subject,
            json.dumps(payload or {}, ensure_ascii=False),
            iso(due_at),
            iso(not_after) if not_after is not None else None,
            int(bulk),
            int(quiet_hours),
            iso(now or due_at),
        ),
    )
    return cursor.rowcount == 1


async def forget(
    conn: aiosqlite.Connection, *, keys: Sequence[str] = (), prefixes: Sequence[str] = ()
) -> int:
    """Delete the rows with one of `keys`, or whose key starts with one of `prefixes` (each
    ending with ':'), whatever their state: at an erasure, the rows that name the person by
    nothing but the ids of their rows, so that an id reused later never finds its key taken
    (the next person's message would never leave). How many went."""
    gone = 0
    for key in keys:
        cursor = await conn.execute("DELETE FROM outbox WHERE key = ?", (key,))
        gone += cursor.rowcount
    for prefix in prefixes:
        cursor = await conn.execute(
            "DELETE FROM outbox WHERE key >= ? AND key < ?",
            (prefix, prefix[:-1] + ";"),  # ';' follows ':': every key starting with the prefix
        )
        gone += cursor.rowcount
    return gone


async def cancel(
    conn: aiosqlite.Connection,
    *,
    reason: str,
    subject: str | None = None,
    key: str | None = None,
    candidate_id: int | None = None,
    now: dt.datetime | None = None,
) -> int:
    """Cancel PENDING rows matching every given criterion; returns how many. `now` is recorded
    as finished_at when given."""
    where, params = [], []
    for column, value in (("subject", subject), ("key", key), ("candidate_id", candidate_id)):
        if value is not None:
            where.append(f"{column} = ?")
            params.append(value)
    if not where:
        raise ValueError("cancel() needs a subject, a key or a candidate_id")
    cursor = await conn.execute(
        "UPDATE outbox SET state = 'cancelled', last_error = ?, finished_at = ?"
        f" WHERE state = 'pending' AND {' AND '.join(where)}",
        (reason, iso(now) if now is not None else None, *params),
    )
    return cursor.rowcount


# ------------------------------------------------------------------ the dispatcher's storage
class OutboxStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def due(self, now: dt.datetime, limit: int) -> list[OutboxRow]:
        rows = await self.db.fetchall(
            "SELECT * FROM outbox WHERE state = 'pending' AND due_at <= ?"
            " ORDER BY bulk, due_at, id LIMIT ?",
            (iso(now), limit),
        )
        return [OutboxRow.from_row(r) for r in rows]

    async def due_in_chat(self, chat_id: int, now: dt.datetime) -> int:
        """Rows of this chat due by `now` and not settled yet (pending or being sent)."""
        row = await self.db.fetchone(
            "SELECT COUNT(*) FROM outbox WHERE chat_id = ? AND state IN ('pending', 'sending')"
            " AND due_at <= ?",
            (chat_id, iso(now)),
        )
        return int(row[0]) if row else 0

    async def next_due_at(self) -> dt.datetime | None:
        row = await self.db.fetchone(
            "SELECT MIN(due_at) FROM outbox WHERE state = 'pending'",
        )
        return parse_time(row[0]) if row and row[0] else None

    async def get(self, row_id: int) -> OutboxRow | None:
        row = await self.db.fetchone("SELECT * FROM outbox WHERE id = ?", (row_id,))
        return OutboxRow.from_row(row) if row else None

    async def by_key(self, key: str) -> OutboxRow | None:
        row = await self.db.fetchone("SELECT * FROM outbox WHERE key = ?", (key,))
        return OutboxRow.from_row(row) if row else None

    async def claim(self, row_id: int, now: dt.datetime) -> bool:
        """pending -> sending, committed before the Bot API call; False if someone else has it."""
        async with self.db.transaction() as conn:
            cursor = await conn.execute(
                "UPDATE outbox SET state = 'sending', attempts = attempts + 1, claimed_at = ?"
                " WHERE id = ? AND state = 'pending'",
                (iso(now), row_id),
            )
            return cursor.rowcount == 1

    async def finish(
        self, row_id: int, state: str, now: dt.datetime, reason: str | None = None
    ) -> None:
        """A claimed or pending row reaches its end: sent, failed, dropped or cancelled."""
        sent_at = iso(now) if state == SENT else None
        async with self.db.transaction() as conn:
            await conn.execute(
                "UPDATE outbox SET state = ?, last_error = COALESCE(?, last_error),"
                " sent_at = COALESCE(?, sent_at), finished_at = ?"
                " WHERE id = ? AND state IN ('pending', 'sending')",
                (state, reason, sent_at, iso(now), row_id),
            )

    async def parts_sent(self, row_id: int, count: int) -> None:
        """How many messages of a claimed row of several are sent (bot/outbox/dispatcher.py)."""
        async with self.db.transaction() as conn:
            await conn.execute(
                "UPDATE outbox SET payload = json_set(payload, '$.' || ?, ?)"
                " WHERE id = ? AND state = 'sending'",
                (PARTS_SENT, count, row_id),
            )

    async def retry_later(self, row_id: int, due_at: dt.datetime, error: str) -> None:
        """Back to pending for another attempt at `due_at`."""
        async with self.db.transaction() as conn:
            await conn.execute(
                "UPDATE outbox SET state = 'pending', due_at = ?, last_error = ?"
                " WHERE id = ? AND state IN ('pending', 'sending')",
                (iso(due_at), error, row_id),
            )

    async def defer(self, row_id: int, due_at: dt.datetime, reason: str) -> None:
        """A pending row waits (quiet hours): its due time moves, no attempt is counted."""
        await self.db.execute(
            "UPDATE outbox SET due_at = ?, last_error = ? WHERE id = ? AND state = 'pending'",
            (iso(due_at), reason, row_id),
        )

    async def interrupted(self) -> list[OutboxRow]:
        """Rows claimed by a process that died before recording the result."""
        rows = await self.db.fetchall("SELECT * FROM outbox WHERE state = 'sending'")
        return [OutboxRow.from_row(r) for r in rows]

    async def counts(self) -> dict[str, int]:
        rows = await self.db.fetchall("SELECT state, COUNT(*) FROM outbox GROUP BY state")
        return {str(r[0]): int(r[1]) for r in rows}
