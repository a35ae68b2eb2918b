"""Re-engagement's SQL: the opt-ins (table `reengagement`) and what the reactions read.

The functions taking a connection run inside the transaction of a pipeline event
(bot/reengagement/reactions.py); the others join the caller's transaction or open their own.
"""

from __future__ import annotations

import datetime as dt

import aiosqlite

from bot.core import reengagement as core
from bot.db.database import Database
from bot.outbox.store import cancel, iso
from bot.pipeline.store import current_stage
from bot.reengagement.kinds import subject
from bot.screening.store import insert_event


async def optin(db: Database, candidate_id: int) -> aiosqlite.Row | None:
    return await db.fetchone("SELECT * FROM reengagement WHERE candidate_id = ?", (candidate_id,))


async def store_optin(
    db: Database, candidate_id: int, site: str, origin: core.Origin, now: dt.datetime
) -> None:
    """The consent, with its time: a new opt-in (or a renewed one after a message)."""
    async with db.transaction() as conn:
        await conn.execute(
            "INSERT INTO reengagement (candidate_id, site, opted_in_at) VALUES (?, ?, ?)"
            " ON CONFLICT (candidate_id) DO UPDATE SET site = excluded.site,"
            " opted_in_at = excluded.opted_in_at, notified_cohort_id = NULL,"
            " notified_at = NULL",
            (candidate_id, site, iso(now)),
        )
        await insert_event(conn, candidate_id, now, "reengagement_opt_in", {"origin": origin.value})


async def withdraw(db: Database, candidate_id: int, where: str, now: dt.datetime) -> bool:
    """Delete the opt-in and any message still pending; False if there was none."""
    async with db.transaction() as conn:
        cursor = await conn.execute(
            "DELETE FROM reengagement WHERE candidate_id = ?", (candidate_id,)
        )
        if cursor.rowcount != 1:
            return False
        await cancel(conn, reason="withdrawn", subject=subject(candidate_id), now=now)
        await insert_event(conn, candidate_id, now, "reengagement_opt_out", {"origin": where})
    return True


async def chat_id(conn: aiosqlite.Connection, candidate_id: int) -> int | None:
    cursor = await conn.execute("SELECT chat_id FROM candidates WHERE id = ?", (candidate_id,))
    row = await cursor.fetchone()
    return int(row[0]) if row is not None else None


async def mark_notified(
    conn: aiosqlite.Connection, candidate_id: int, cohort_id: int, at: dt.datetime
) -> None:
    """The opt-in is spent on this opening (one message per opt-in)."""
    await conn.execute(
        "UPDATE reengagement SET notified_cohort_id = ?, notified_at = ? WHERE candidate_id = ?",
        (cohort_id, iso(at), candidate_id),
    )


async def optins(conn: aiosqlite.Connection, site: str) -> list[core.OptIn]:
    """The opt-ins of a site, with what decides whether they are told (bot/core/reengagement)."""
    cursor = await conn.execute(
        "SELECT r.candidate_id, r.site, r.opted_in_at, r.notified_cohort_id,"
        " c.nudges_stopped_at, c.unreachable_at FROM reengagement r"
        " JOIN candidates c ON c.id = r.candidate_id WHERE r.site = ?"
        " ORDER BY r.candidate_id",
        (site,),
    )
    found = []
    for row in await cursor.fetchall():
        stage = await current_stage(conn, int(row[0]))
        if stage is None:
            continue
        found.append(
            core.OptIn(
                candidate_id=int(row[0]),
                site=str(row[1]),
                opted_in_at=dt.datetime.fromisoformat(row[2]),
                notified_cohort_id=row[3],
                stage=stage,
                stopped=row[4] is not None,
                unreachable=row[5] is not None,
            )
        )
    return found
