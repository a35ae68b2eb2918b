"""The SQL of the facts per person (bot/alumni/facts.py): one query over the base schema, read a
chunk of people at a time (`chunks`): each statement is short, so candidates' replies get the
shared connection between two chunks, and no list of every person is ever built."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from zoneinfo import ZoneInfo

import aiosqlite

from bot.alumni.facts import ADMITTED_STAGES, ELIGIBLE_STAGES, GENDERS, PersonFacts
from bot.db.database import Database


def _in(values: tuple[str, ...]) -> str:
    return ", ".join(f"'{v}'" for v in values)  # constants above, never user input


FACTS_SQL = f"""
SELECT c.id, c.created_at, c.last_contact_at, c.result,
    (SELECT json_extract(a.value, '$') FROM answers a
        WHERE a.candidate_id = c.id AND a.step = 'site' AND a.complete = 1) AS answered_site,
    (SELECT json_extract(a.value, '$') FROM answers a
        WHERE a.candidate_id = c.id AND a.step = 'gender' AND a.complete = 1) AS gender,
    al.candidate_id IS NOT NULL AS alumnus, al.site AS alumni_site, al.completed,
    al.exit_date, al.cohort,
    EXISTS (SELECT 1 FROM candidate_events e INDEXED BY candidate_events_by_candidate
        WHERE e.candidate_id = c.id AND e.kind = 'stage'
        AND json_extract(e.detail, '$.to') IN ({_in(ADMITTED_STAGES)})) AS admitted_event,
    EXISTS (SELECT 1 FROM candidate_events e INDEXED BY candidate_events_by_candidate
        WHERE e.candidate_id = c.id AND e.kind = 'stage'
        AND json_extract(e.detail, '$.to') IN ({_in(ELIGIBLE_STAGES)})) AS eligible_event,
    (SELECT co.end_date FROM placements pl JOIN cohorts co ON co.id = pl.cohort_id
        WHERE pl.candidate_id = c.id) AS cohort_end
FROM candidates c LEFT JOIN alumni al ON al.candidate_id = c.id
"""
# (The history is searched through its index by person: the index by kind would read every
# staff move of everyone for each person.)
CHUNK = 1000


async def chunks(db: Database, tz: ZoneInfo, size: int = CHUNK) -> AsyncIterator[list[PersonFacts]]:
    """Everyone's facts, by id, `size` people a statement."""
    last = 0
    while True:
        rows = await db.fetchall(FACTS_SQL + " WHERE c.id > ? ORDER BY c.id LIMIT ?", (last, size))
        if not rows:
            return
        yield [_facts(r, tz) for r in rows]
        last = int(rows[-1]["id"])


async def person_facts(
    db: Database, tz: ZoneInfo, *, where: str = "", params: tuple[object, ...] = ()
) -> list[PersonFacts]:
    rows = await db.fetchall(FACTS_SQL + where, params)
    return [_facts(r, tz) for r in rows]


def _facts(r: aiosqlite.Row, tz: ZoneInfo) -> PersonFacts:
    admitted = bool(r["alumnus"] or r["admitted_event"])
    gender = r["gender"] if r["gender"] in GENDERS else "unknown"
    return PersonFacts(
        id=int(r["id"]),
        year=dt.datetime.fromisoformat(r["created_at"]).astimezone(tz).year,
        site=str(r["alumni_site"] or r["answered_site"] or "unknown"),
        gender=gender,
        last_contact_at=dt.datetime.fromisoformat(r["last_contact_at"]),
        eligible=bool(r["result"] == "eligible" or r["eligible_event"] or admitted),
        admitted=admitted,
        trained=bool(r["alumnus"] and r["completed"]),
        alumnus=bool(r["alumnus"]),
        exit_date=dt.date.fromisoformat(r["exit_date"]) if r["exit_date"] else None,
        cohort=r["cohort"],
        cohort_end=dt.date.fromisoformat(r["cohort_end"]) if r["cohort_end"] else None,
    )
