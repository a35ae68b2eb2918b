"""The stage kept in SQL, next to the facts it is derived from (migration 0013).

candidates.stage, .reached (bit mask of the stages visited), .human_pending, .site, .name_key
(the folded first name) and .profile (the answers a shortlist reads, JSON) let the staff
commands count, filter and look up in SQL. They are a cache:
the reference stays the pure derivation (bot/core/pipeline.py derive) over the candidates row and
the history. `refresh()` writes them again from the facts, through the caller's connection, in
the transaction of the change: every event goes through bot/screening/store.py insert_event,
which calls it, and so does every update of the row's own facts. `backfill()` fills them for
existing rows when the migration adds them (run by Database.migrate in the same transaction).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

import aiosqlite

from bot.core.pipeline import STAGE_EVENT_KINDS, Facts, derive, human_pending, reached_mask
from bot.core.text import fold

_KINDS = ", ".join(f"'{k}'" for k in STAGE_EVENT_KINDS)  # constants, never user input
_UPDATE = (
    "UPDATE candidates SET stage = ?, reached = ?, human_pending = ?, site = ?, name_key = ?,"
    " profile = ? WHERE id = ?"
)
# The answers kept in candidates.profile: what a shortlist ranks and counts, and the name.
PROFILE_STEPS = ("first_name", "availability", "followed_by", "postcode", "gender")
_STEPS = ", ".join(f"'{s}'" for s in ("site", *PROFILE_STEPS))  # constants
BACKFILL_CHUNK = 2000

Event = tuple[str, Mapping[str, Any] | None]


def _detail(text: str | None) -> Mapping[str, Any] | None:
    value = json.loads(text) if text else None
    return value if isinstance(value, dict) else None


def cached_values(
    row: aiosqlite.Row, events: Sequence[Event], answers: Mapping[str, Any]
) -> tuple[str, int, int, str | None, str | None, str]:
    """(stage, reached, human_pending, site, name_key, profile) from a candidates row (status,
    result, review_status, human_requested_at), its history and its complete answers (those of
    the site and PROFILE_STEPS at least)."""
    derived = derive(Facts(str(row["status"]), row["result"], row["review_status"], tuple(events)))
    site = answers.get("site")
    name = answers.get("first_name")
    return (
        derived.stage.value,
        reached_mask(derived.visited),
        int(human_pending(events, row["human_requested_at"])),
        str(site) if site is not None else None,
        fold(str(name)) if name else None,
        json.dumps(
            {k: answers[k] for k in PROFILE_STEPS if answers.get(k) is not None},
            ensure_ascii=False,
        ),
    )


async def refresh(conn: aiosqlite.Connection, candidate_id: int | None) -> None:
    """Write a candidate's stage (and site, name key) again from their facts."""
    if candidate_id is None:
        return
    cursor = await conn.execute(
        "SELECT status, result, review_status, human_requested_at FROM candidates WHERE id = ?",
        (candidate_id,),
    )
    row = await cursor.fetchone()
    if row is None:
        return
    cursor = await conn.execute(
        f"SELECT kind, detail FROM candidate_events WHERE candidate_id = ? AND kind IN ({_KINDS})"
        " ORDER BY id",
        (candidate_id,),
    )
    events = [(str(e["kind"]), _detail(e["detail"])) for e in await cursor.fetchall()]
    cursor = await conn.execute(
        "SELECT step, value FROM answers WHERE candidate_id = ? AND complete = 1"
        f" AND step IN ({_STEPS})",
        (candidate_id,),
    )
    answers = {str(a["step"]): json.loads(a["value"]) for a in await cursor.fetchall()}
    values = cached_values(row, events, answers)
    await conn.execute(_UPDATE, (*values, candidate_id))


async def backfill(conn: aiosqlite.Connection) -> int:
    """Fill the cached columns of every candidate from their facts, a chunk of ids at a time
    (inside the migration's transaction); returns how many rows were written."""
    last = 0
    written = 0
    while True:
        cursor = await conn.execute(
            "SELECT id, status, result, review_status, human_requested_at FROM candidates"
            " WHERE id > ? ORDER BY id LIMIT ?",
            (last, BACKFILL_CHUNK),
        )
        rows = list(await cursor.fetchall())
        if not rows:
            return written
        first, last = int(rows[0]["id"]), int(rows[-1]["id"])
        events: dict[int, list[Event]] = {}
        cursor = await conn.execute(
            "SELECT candidate_id, kind, detail FROM candidate_events"
            f" WHERE candidate_id BETWEEN ? AND ? AND kind IN ({_KINDS}) ORDER BY id",
            (first, last),
        )
        for e in await cursor.fetchall():
            events.setdefault(int(e[0]), []).append((str(e[1]), _detail(e[2])))
        answers: dict[int, dict[str, Any]] = {}
        cursor = await conn.execute(
            "SELECT candidate_id, step, value FROM answers WHERE candidate_id BETWEEN ? AND ?"
            f" AND complete = 1 AND step IN ({_STEPS})",
            (first, last),
        )
        for a in await cursor.fetchall():
            answers.setdefault(int(a[0]), {})[str(a[1])] = json.loads(a[2])
        updates = [
            (
                *cached_values(r, events.get(int(r["id"]), []), answers.get(int(r["id"]), {})),
                r["id"],
            )
            for r in rows
        ]
        await conn.executemany(_UPDATE, updates)
        written += len(updates)
