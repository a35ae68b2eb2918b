"""The inbox's SQL (migration 0010): incoming updates written before they are acknowledged."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import aiosqlite

from bot.db.database import Database


def iso(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).isoformat(timespec="microseconds")


@dataclass(frozen=True)
class Entry:
    """An update the inbox holds that is not done: `applied` when its handler's changes
    committed (the reply may not have gone out)."""

    update_id: int
    chat_id: int | None
    payload: str
    applied: bool
    attempts: int


class InboxStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def record(
        self, update_id: int, chat_id: int | None, payload: str, now: dt.datetime
    ) -> bool:
        """Write an update (committed on return); False if it was there already (delivered
        again: it is handled, or will be, from the first copy).

        The same id with other content over a done row is a new update (Telegram picks ids at
        random after a week without updates; a test server or the demo starts again from 1): it
        takes the row's place."""
        # One statement, committed on its own (a flood's updates are written one by one
        # before the first of them runs); RETURNING gives a row only if it wrote one.
        rows = await self.db.fetchall(
            "INSERT INTO inbox (update_id, chat_id, payload, received_at) VALUES (?, ?, ?, ?)"
            " ON CONFLICT (update_id) DO UPDATE SET chat_id = excluded.chat_id,"
            " payload = excluded.payload, received_at = excluded.received_at,"
            " state = 'pending', attempts = 0, done_at = NULL"
            " WHERE inbox.state = 'done' AND inbox.payload != excluded.payload"
            " RETURNING update_id",
            (update_id, chat_id, payload, iso(now)),
        )
        return len(rows) == 1

    async def done(self, update_id: int, now: dt.datetime) -> None:
        await self.db.execute(
            "UPDATE inbox SET state = 'done', done_at = ? WHERE update_id = ? AND state != 'done'",
            (iso(now), update_id),
        )

    async def open_entries(self) -> list[Entry]:
        """The updates not done, in the order they arrived (update_id grows with time)."""
        rows = await self.db.fetchall(
            "SELECT update_id, chat_id, payload, state, attempts FROM inbox"
            " WHERE state != 'done' ORDER BY update_id",
            (),
        )
        return [
            Entry(
                update_id=int(r["update_id"]),
                chat_id=None if r["chat_id"] is None else int(r["chat_id"]),
                payload=str(r["payload"]),
                applied=r["state"] == "applied",
                attempts=int(r["attempts"]),
            )
            for r in rows
        ]

    async def count_attempt(self, update_ids: list[int]) -> None:
        """One more start-up that takes these updates up again (a crash loop gives up)."""
        async with self.db.transaction() as conn:
            await conn.executemany(
                "UPDATE inbox SET attempts = attempts + 1 WHERE update_id = ?",
                [(u,) for u in update_ids],
            )

    async def prune(self, before: dt.datetime) -> int:
        """Forget the updates done before `before` (they hold personal data)."""
        async with self.db.transaction() as conn:
            cursor = await conn.execute(
                "DELETE FROM inbox WHERE state = 'done' AND done_at < ?", (iso(before),)
            )
            return cursor.rowcount

    async def state_of(self, update_id: int) -> str | None:
        row = await self.db.fetchone("SELECT state FROM inbox WHERE update_id = ?", (update_id,))
        return None if row is None else str(row["state"])


async def mark_applied(conn: aiosqlite.Connection, *, update_id: int) -> None:
    """In the transaction of the handler's changes: they and this mark commit together."""
    await conn.execute(
        "UPDATE inbox SET state = 'applied' WHERE update_id = ? AND state = 'pending'",
        (update_id,),
    )
