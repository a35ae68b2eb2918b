"""Whether a candidate can and wants to receive unsolicited messages.

`unreachable_at` is set when Telegram answers 403 (bot blocked, account deactivated) or when the
person blocks the bot (my_chat_member "kicked"); their pending outbox rows are cancelled and an
`unreachable` event goes into their history (the staff pipeline shows it). It is cleared when they
write or unblock, and the cancelled rows still ahead come back (mark_reachable).
`nudges_stopped_at` is set by /stop and cleared by /start.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from bot.db.database import Database
from bot.outbox.store import cancel, iso
from bot.screening.store import insert_event


@dataclass(frozen=True)
class Reachability:
    unreachable: bool
    stopped: bool


async def reachability(db: Database, candidate_id: int) -> Reachability | None:
    row = await db.fetchone(
        "SELECT unreachable_at, nudges_stopped_at FROM candidates WHERE id = ?", (candidate_id,)
    )
    if row is None:
        return None
    return Reachability(row[0] is not None, row[1] is not None)


async def mark_unreachable(
    db: Database, *, chat_id: int, now: dt.datetime, cause: str
) -> int | None:
    """Mark the candidate of this private chat unreachable; returns their id (None: no one)."""
    at = iso(now)
    async with db.transaction() as conn:
        cursor = await conn.execute(
            "SELECT id, unreachable_at FROM candidates WHERE chat_id = ?", (chat_id,)
        )
        row = await cursor.fetchone()
        if row is None:
            await conn.execute(
                "UPDATE outbox SET state = 'cancelled', last_error = 'unreachable',"
                " finished_at = ? WHERE chat_id = ? AND state = 'pending'",
                (at, chat_id),
            )
            return None
        candidate_id = int(row[0])
        if row[1] is None:
            await conn.execute(
                "UPDATE candidates SET unreachable_at = ? WHERE id = ?", (at, candidate_id)
            )
            await insert_event(conn, candidate_id, at, "unreachable", {"cause": cause})
        await cancel(conn, reason="unreachable", candidate_id=candidate_id, now=now)
        await conn.execute(
            "UPDATE outbox SET state = 'cancelled', last_error = 'unreachable',"
            " finished_at = ? WHERE chat_id = ? AND state = 'pending'",
            (at, chat_id),
        )
        return candidate_id


async def mark_reachable(db: Database, *, chat_id: int, now: dt.datetime) -> int:
    """They wrote or unblocked the bot: reachable again. Returns how many messages came back.

    The messages cancelled when they became unreachable come back if they are still ahead
    (due later, and not past `not_after`): the reminder of a session next week, the alumni
    survey in three months. Those that fell due meanwhile stay cancelled (a reminder for a
    session already held makes no sense; alumni who missed a survey are on the call list). A
    row superseded by a newer one about the same thing (same subject and kind) that the block
    did not cancel, i.e. scheduled after it (a session staff moved meanwhile), stays cancelled
    too; rows cancelled together (a survey and its reminders) come back together. Renderers
    still check, at sending time, that what a message is about still holds (the booking is
    live, the survey unanswered).
    """
    at = iso(now)
    async with db.transaction() as conn:
        cursor = await conn.execute(
            "SELECT id FROM candidates WHERE chat_id = ? AND unreachable_at IS NOT NULL",
            (chat_id,),
        )
        row = await cursor.fetchone()
        if row is None:
            return 0
        candidate_id = int(row[0])
        await conn.execute(
            "UPDATE candidates SET unreachable_at = NULL WHERE id = ?", (candidate_id,)
        )
        cursor = await conn.execute(
            "UPDATE outbox SET state = 'pending', last_error = NULL, finished_at = NULL"
            " WHERE candidate_id = ? AND state = 'cancelled' AND last_error = 'unreachable'"
            " AND due_at > ? AND (not_after IS NULL OR not_after > ?)"
            " AND NOT EXISTS (SELECT 1 FROM outbox AS newer WHERE newer.candidate_id = ?"
            " AND newer.kind = outbox.kind AND newer.subject IS outbox.subject"
            " AND newer.id > outbox.id"
            " AND NOT (newer.state = 'cancelled' AND newer.last_error = 'unreachable'))",
            (candidate_id, at, at, candidate_id),
        )
        restored = cursor.rowcount
        await insert_event(conn, candidate_id, at, "reachable", {"restored": restored})
        return restored


async def set_stopped(db: Database, candidate_id: int, now: dt.datetime, stopped: bool) -> bool:
    """/stop (stopped=True) or /start (False); returns False if nothing changed."""
    at = iso(now)
    async with db.transaction() as conn:
        if stopped:
            cursor = await conn.execute(
                "UPDATE candidates SET nudges_stopped_at = ?"
                " WHERE id = ? AND nudges_stopped_at IS NULL",
                (at, candidate_id),
            )
        else:
            cursor = await conn.execute(
                "UPDATE candidates SET nudges_stopped_at = NULL"
                " WHERE id = ? AND nudges_stopped_at IS NOT NULL",
                (candidate_id,),
            )
        if cursor.rowcount != 1:
            return False
        kind = "nudges_stopped" if stopped else "nudges_resumed"
        await insert_event(conn, candidate_id, at, kind, None)
        return True
