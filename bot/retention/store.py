"""The retention purge's SQL: fold a person into the anonymous aggregates, erase them, count."""

from __future__ import annotations

import datetime as dt

import aiosqlite

from bot.alumni.facts import PersonFacts
from bot.core.outcomes import NO_ANSWER
from bot.db.database import Database
from bot.db.unit_of_work import Work
from bot.kernel.erasure import Erasing


def iso(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).isoformat(timespec="seconds")


async def erase(work: Work, person: PersonFacts, now: dt.datetime) -> None:
    """Add one person to the anonymous aggregates, then erase them (everything that cascades
    from their candidates row), in the caller's unit of work; `Erasing` is announced before the
    rows go (bot/kernel/erasure.py: their forum topic, the erasure journal)."""
    conn = work.conn
    cursor = await conn.execute("SELECT telegram_id FROM candidates WHERE id = ?", (person.id,))
    row = await cursor.fetchone()
    if row is None:
        return
    await work.announce(Erasing(person.id, int(row[0]), now, "retention"))
    await _fold(conn, person, now)
    await conn.execute("DELETE FROM candidates WHERE id = ?", (person.id,))


async def record_erasures(db: Database, kind: str, count: int, now: dt.datetime) -> None:
    """One row per kind of erasure with its count (never who)."""
    await db.execute(
        "INSERT INTO erasures (at, reason, kind, count) VALUES (?, 'retention', ?, ?)",
        (iso(now), kind, count),
    )


async def _fold(conn: aiosqlite.Connection, person: PersonFacts, now: dt.datetime) -> None:
    """Add one person to the anonymous aggregates before they are erased."""
    for stage in person.stages:
        await conn.execute(
            "INSERT INTO funnel_aggregates (year, site, stage, gender, count)"
            " VALUES (?, ?, ?, ?, 1) ON CONFLICT (year, site, stage, gender)"
            " DO UPDATE SET count = count + 1",
            (person.year, person.site, stage, person.gender),
        )
    if not person.alumnus or person.exit_date is None:
        return
    cursor = await conn.execute(
        "SELECT milestone, situation FROM followups WHERE candidate_id = ? AND due_at <= ?",
        (person.id, iso(now)),
    )
    for row in await cursor.fetchall():
        await conn.execute(
            "INSERT INTO outcome_aggregates (site, cohort, exit_year, milestone, category, count)"
            " VALUES (?, ?, ?, ?, ?, 1)"
            " ON CONFLICT (site, cohort, exit_year, milestone, category)"
            " DO UPDATE SET count = count + 1",
            (
                person.site,
                person.cohort or "",
                person.exit_date.year,
                int(row["milestone"]),
                row["situation"] or NO_ANSWER,
            ),
        )
