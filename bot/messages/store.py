"""The only SQL of the staff-candidate threads: threads, messages, relayed message ids, staff
first names. Writes that go with an outbox row take the caller's transaction (`conn`)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import aiosqlite

from bot.db.database import Database
from bot.outbox.store import iso, parse_time

FROM_CANDIDATE, TO_CANDIDATE = "from_candidate", "to_candidate"


@dataclass(frozen=True)
class Thread:
    id: int
    candidate_id: int
    opened_at: dt.datetime
    last_activity_at: dt.datetime
    answered_at: dt.datetime | None
    closed_at: dt.datetime | None

    @classmethod
    def from_row(cls, row: aiosqlite.Row) -> Thread:
        opened, last = parse_time(row["opened_at"]), parse_time(row["last_activity_at"])
        assert opened is not None and last is not None
        return cls(
            id=int(row["id"]),
            candidate_id=int(row["candidate_id"]),
            opened_at=opened,
            last_activity_at=last,
            answered_at=parse_time(row["answered_at"]),
            closed_at=parse_time(row["closed_at"]),
        )


@dataclass(frozen=True)
class Message:
    id: int
    thread_id: int
    candidate_id: int
    direction: str
    kind: str  # request, text, photo, document, closed
    staff_id: int | None
    text: str | None
    file_id: str | None
    state: str

    @classmethod
    def from_row(cls, row: aiosqlite.Row) -> Message:
        return cls(**{k: row[k] for k in cls.__dataclass_fields__})


@dataclass(frozen=True)
class Topic:
    """A candidate's forum topic in a staff chat."""

    candidate_id: int
    chat_id: int
    thread_id: int
    closed: bool


def _topic(row: aiosqlite.Row) -> Topic:
    return Topic(
        int(row["candidate_id"]),
        int(row["chat_id"]),
        int(row["thread_id"]),
        row["closed_at"] is not None,
    )


class MessageStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    # ------------------------------------------------------------------ staff first names
    async def save_staff_name(self, user_id: int, first_name: str, now: dt.datetime) -> None:
        await self.db.execute(
            "INSERT INTO staff_profiles (user_id, first_name, updated_at) VALUES (?, ?, ?)"
            " ON CONFLICT (user_id) DO UPDATE SET first_name = excluded.first_name,"
            " updated_at = excluded.updated_at WHERE first_name != excluded.first_name",
            (user_id, first_name, iso(now)),
        )

    async def staff_name(self, user_id: int) -> str | None:
        row = await self.db.fetchone(
            "SELECT first_name FROM staff_profiles WHERE user_id = ?", (user_id,)
        )
        return str(row[0]) if row else None

    # ------------------------------------------------------------------ reads
    async def open_thread(self, candidate_id: int) -> Thread | None:
        row = await self.db.fetchone(
            "SELECT * FROM message_threads WHERE candidate_id = ? AND closed_at IS NULL",
            (candidate_id,),
        )
        return Thread.from_row(row) if row else None

    async def thread(self, thread_id: int) -> Thread | None:
        row = await self.db.fetchone("SELECT * FROM message_threads WHERE id = ?", (thread_id,))
        return Thread.from_row(row) if row else None

    async def message(self, message_id: int) -> Message | None:
        row = await self.db.fetchone("SELECT * FROM messages WHERE id = ?", (message_id,))
        return Message.from_row(row) if row else None

    async def messages(self, thread_id: int) -> list[Message]:
        rows = await self.db.fetchall(
            "SELECT * FROM messages WHERE thread_id = ? ORDER BY id", (thread_id,)
        )
        return [Message.from_row(r) for r in rows]

    async def thread_of_relay(self, chat_id: int, message_id: int) -> int | None:
        row = await self.db.fetchone(
            "SELECT thread_id FROM message_relays WHERE chat_id = ? AND message_id = ?"
            " AND routes = 1",
            (chat_id, message_id),
        )
        return int(row[0]) if row else None

    async def silent_since(self, cutoff: dt.datetime) -> list[Thread]:
        """Open threads without a message since `cutoff` (at most 1,000 a run)."""
        rows = await self.db.fetchall(
            "SELECT * FROM message_threads WHERE closed_at IS NULL AND last_activity_at <= ?"
            " ORDER BY id LIMIT 1000",
            (iso(cutoff),),
        )
        return [Thread.from_row(r) for r in rows]

    async def unanswered(self) -> list[Thread]:
        """Open threads no staff member has written in yet, oldest first."""
        rows = await self.db.fetchall(
            "SELECT * FROM message_threads WHERE closed_at IS NULL AND answered_at IS NULL"
            " ORDER BY opened_at, id"
        )
        return [Thread.from_row(r) for r in rows]

    # ------------------------------------------------------------------ writes
    async def create_thread(
        self, conn: aiosqlite.Connection, candidate_id: int, now: dt.datetime
    ) -> int:
        cursor = await conn.execute(
            "INSERT INTO message_threads (candidate_id, opened_at, last_activity_at)"
            " VALUES (?, ?, ?)",
            (candidate_id, iso(now), iso(now)),
        )
        assert cursor.lastrowid is not None
        return cursor.lastrowid

    async def add_message(
        self,
        conn: aiosqlite.Connection,
        thread: Thread,
        *,
        direction: str,
        kind: str,
        now: dt.datetime,
        text: str | None = None,
        file_id: str | None = None,
        staff_id: int | None = None,
    ) -> int:
        cursor = await conn.execute(
            "INSERT INTO messages (thread_id, candidate_id, direction, kind, staff_id, text,"
            " file_id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (thread.id, thread.candidate_id, direction, kind, staff_id, text, file_id, iso(now)),
        )
        answered = iso(now) if staff_id is not None else None
        if direction == FROM_CANDIDATE:  # a contact, for the retention delay
            await conn.execute(
                "UPDATE candidates SET last_contact_at = ? WHERE id = ?",
                (iso(now), thread.candidate_id),
            )
        await conn.execute(
            "UPDATE message_threads SET last_activity_at = ?,"
            " answered_at = COALESCE(answered_at, ?) WHERE id = ?",
            (iso(now), answered, thread.id),
        )
        assert cursor.lastrowid is not None
        return cursor.lastrowid

    async def close(
        self,
        conn: aiosqlite.Connection,
        thread_id: int,
        *,
        now: dt.datetime,
        by: int | None,
        reason: str,
    ) -> bool:
        cursor = await conn.execute(
            "UPDATE message_threads SET closed_at = ?, closed_by = ?, close_reason = ?"
            " WHERE id = ? AND closed_at IS NULL",
            (iso(now), by, reason, thread_id),
        )
        return cursor.rowcount == 1

    async def mark_sent(self, message_id: int, now: dt.datetime) -> None:
        await self.db.execute(
            "UPDATE messages SET state = 'sent', sent_at = COALESCE(sent_at, ?) WHERE id = ?",
            (iso(now), message_id),
        )

    async def add_relay(self, chat_id: int, message_id: int, thread_id: int) -> None:
        await self.db.execute(
            "INSERT INTO message_relays (chat_id, message_id, thread_id) VALUES (?, ?, ?)"
            " ON CONFLICT (chat_id, message_id) DO NOTHING",
            (chat_id, message_id, thread_id),
        )

    async def add_staff_trace(self, chat_id: int, message_id: int, thread_id: int) -> None:
        """A staff member's message in a staff chat answering the candidate: deleted from the
        chat at their erasure, and no way back to the thread (routes = 0)."""
        await self.db.execute(
            "INSERT INTO message_relays (chat_id, message_id, thread_id, routes)"
            " VALUES (?, ?, ?, 0) ON CONFLICT (chat_id, message_id) DO NOTHING",
            (chat_id, message_id, thread_id),
        )

    # ------------------------------------------------------------------ forum topics
    async def topic(self, candidate_id: int, chat_id: int) -> Topic | None:
        row = await self.db.fetchone(
            "SELECT * FROM message_topics WHERE candidate_id = ? AND chat_id = ?",
            (candidate_id, chat_id),
        )
        return _topic(row) if row else None

    async def topic_in(self, chat_id: int, thread_id: int) -> Topic | None:
        row = await self.db.fetchone(
            "SELECT * FROM message_topics WHERE chat_id = ? AND thread_id = ?",
            (chat_id, thread_id),
        )
        return _topic(row) if row else None

    async def save_topic(
        self, candidate_id: int, chat_id: int, thread_id: int, now: dt.datetime
    ) -> None:
        """A new topic (it replaces a deleted one); nothing if the candidate is gone meanwhile."""
        await self.db.execute(
            "INSERT INTO message_topics (candidate_id, chat_id, thread_id, created_at)"
            " SELECT ?, ?, ?, ? WHERE EXISTS (SELECT 1 FROM candidates WHERE id = ?)"
            " ON CONFLICT (candidate_id, chat_id) DO UPDATE SET thread_id = excluded.thread_id,"
            " created_at = excluded.created_at, closed_at = NULL",
            (candidate_id, chat_id, thread_id, iso(now), candidate_id),
        )

    async def set_topic_closed(self, topic: Topic, closed_at: dt.datetime | None) -> None:
        await self.db.execute(
            "UPDATE message_topics SET closed_at = ? WHERE candidate_id = ? AND chat_id = ?"
            " AND thread_id = ?",
            (
                iso(closed_at) if closed_at else None,
                topic.candidate_id,
                topic.chat_id,
                topic.thread_id,
            ),
        )

    async def forget_topic(self, topic: Topic) -> None:
        await self.db.execute(
            "DELETE FROM message_topics WHERE candidate_id = ? AND chat_id = ? AND thread_id = ?",
            (topic.candidate_id, topic.chat_id, topic.thread_id),
        )

    async def topics_to_close(self) -> list[Topic]:
        """Open topics of candidates with no open conversation (at most 100 a run)."""
        rows = await self.db.fetchall(
            "SELECT * FROM message_topics t WHERE t.closed_at IS NULL AND NOT EXISTS"
            " (SELECT 1 FROM message_threads m WHERE m.candidate_id = t.candidate_id"
            " AND m.closed_at IS NULL) ORDER BY t.candidate_id LIMIT 100"
        )
        return [_topic(r) for r in rows]

    # ------------------------------------------------------------------ erasure
    async def relayed_to_staff(
        self, conn: aiosqlite.Connection, candidate_id: int
    ) -> list[tuple[int, int | None, list[int]]]:
        """What the bot put in staff chats from this candidate, read in the erasure's transaction
        before their rows go: (chat id, their forum topic or None, the relayed message ids)."""
        cursor = await conn.execute(
            "SELECT chat_id, thread_id FROM message_topics WHERE candidate_id = ?",
            (candidate_id,),
        )
        topics = {int(r[0]): int(r[1]) for r in await cursor.fetchall()}
        cursor = await conn.execute(
            "SELECT r.chat_id, r.message_id FROM message_relays r"
            " JOIN message_threads t ON t.id = r.thread_id WHERE t.candidate_id = ?"
            " ORDER BY r.chat_id, r.message_id",
            (candidate_id,),
        )
        relays: dict[int, list[int]] = {}
        for row in await cursor.fetchall():
            relays.setdefault(int(row[0]), []).append(int(row[1]))
        return [
            (chat, topics.get(chat), relays.get(chat, [])) for chat in sorted({*topics, *relays})
        ]

    async def message_ids(self, conn: aiosqlite.Connection, candidate_id: int) -> list[int]:
        """The ids of the candidate's messages (both ways), read before they are erased."""
        cursor = await conn.execute(
            "SELECT id FROM messages WHERE candidate_id = ? ORDER BY id", (candidate_id,)
        )
        return [int(r[0]) for r in await cursor.fetchall()]
