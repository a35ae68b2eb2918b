"""Pipeline storage: cohorts, placements, staff moves, reviews, notes and the staff audit log.

Other features call `PipelineStore.move()` to change a candidate's stage (e.g. the alumni
follow-up marks learners "exited"), and read cohorts from here. Every write that changes a
candidate also writes a candidate_events row and a staff_audit row in the same transaction.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

import aiosqlite

from bot.core.pipeline import COHORT_STAGES, Stage, TransitionRefused, check_move
from bot.core.text import fold
from bot.db.database import Database
from bot.db.unit_of_work import UnitOfWork
from bot.pipeline.models import Cohort
from bot.pipeline.read_store import CandidateReads
from bot.screening.store import insert_event as _event
from bot.screening.store import iso

SYSTEM = 0  # `by` for moves made by the bot itself rather than a person


class CohortExists(Exception):
    """A cohort with that name already exists on that site."""


class CohortFull(Exception):
    """An admission beyond the cohort's places, without an admin's over-capacity confirmation."""

    def __init__(self, cohort_id: int, capacity: int, admitted: int) -> None:
        super().__init__(f"cohort {cohort_id}: {admitted} admitted of {capacity}")
        self.cohort_id = cohort_id
        self.capacity = capacity
        self.admitted = admitted


# Stages that take one of a cohort's places.
SEATED = frozenset({Stage.ADMITTED, Stage.IN_TRAINING})


@dataclass(frozen=True)
class Moved:
    """A stage change, raised inside the move's transaction (handled before it commits)."""

    candidate_id: int
    previous: Stage
    to: Stage
    cohort_id: int | None
    by: int
    at: dt.datetime


# Hooks other features add (bot/app.py) to write their consequences, e.g. an outbox row, in the
# SAME transaction as the change: both commit or neither does. They must use `conn` only (the
# database's lock is held).
@dataclass(frozen=True)
class CohortCreated:
    """Raised inside the transaction that creates a cohort."""

    cohort: Cohort


@dataclass(frozen=True)
class Reviewed:
    """A staff review decision (confirmed / overturned / human_handled), raised inside its
    transaction (handled before it commits)."""

    candidate_id: int
    decision: str
    by: int
    at: dt.datetime


class PipelineStore(CandidateReads):
    def __init__(self, db: Database, work: UnitOfWork) -> None:
        self.db = db
        self.work = work  # moves, reviews and new cohorts raise events (Moved, Reviewed...) in it

    # ------------------------------------------------------------------ cohorts
    async def create_cohort(
        self,
        *,
        site: str,
        name: str,
        start: dt.date,
        end: dt.date,
        capacity: int,
        by: int,
        at: dt.datetime,
    ) -> Cohort:
        if end < start:
            raise ValueError("end before start")
        if capacity <= 0:
            raise ValueError("capacity must be positive")
        async with self.work() as work:
            conn = work.conn
            cursor = await conn.execute(
                "SELECT id FROM cohorts WHERE site = ? AND name = ?", (site, name)
            )
            if await cursor.fetchone() is not None:
                raise CohortExists(name)
            cursor = await conn.execute(
                "INSERT INTO cohorts (site, name, start_date, end_date, capacity, created_at,"
                " created_by) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (site, name, start.isoformat(), end.isoformat(), capacity, iso(at), by),
            )
            cohort_id = int(cursor.lastrowid or 0)
            await _audit(conn, at, by, "cohort_created", cohort_id=cohort_id, detail={"site": site})
            cohort = Cohort(cohort_id, site, name, start, end, capacity, iso(at))
            work.emit(CohortCreated(cohort))
        return cohort

    async def reengaged_count(self, cohort_id: int) -> int:
        """Opted-in candidates told (or about to be told) that this cohort opens."""
        row = await self.db.fetchone(
            "SELECT COUNT(*) FROM reengagement WHERE notified_cohort_id = ?", (cohort_id,)
        )
        return int(row[0]) if row else 0

    async def cohort(self, cohort_id: int) -> Cohort | None:
        row = await self.db.fetchone("SELECT * FROM cohorts WHERE id = ?", (cohort_id,))
        return Cohort.from_row(row) if row else None

    async def cohorts(self, sites: Collection[str] | None = None) -> list[Cohort]:
        """Cohorts of these sites (all sites if None), by start date."""
        rows = await self.db.fetchall("SELECT * FROM cohorts ORDER BY start_date, id")
        cohorts = [Cohort.from_row(r) for r in rows]
        return [c for c in cohorts if sites is None or c.site in sites]

    async def find_cohort(self, text: str, sites: Collection[str] | None = None) -> Cohort | None:
        """A cohort by id or by name (accents and case ignored) among these sites."""
        wanted = fold(text)
        for cohort in await self.cohorts(sites):
            if wanted == str(cohort.id) or wanted == fold(cohort.name):
                return cohort
        return None

    async def next_open_cohort(self, site: str, today: dt.date) -> Cohort | None:
        return next((c for c in await self.cohorts({site}) if c.is_open(today)), None)

    # --------------------------------------------------------------------- moves
    async def move(
        self,
        candidate_id: int,
        *,
        to: Stage | str,
        by: int,
        at: dt.datetime,
        reason: str | None = None,
        cohort_id: int | None = None,
        over_capacity: bool = False,
    ) -> Stage:
        """Move a candidate to another stage; returns the stage they were in.

        Raises TransitionRefused when the move makes no sense (reason "not_allowed",
        "already_there", "no_cohort" or "unknown"). Waitlisting or admitting needs a cohort:
        `cohort_id`, or the one the candidate is already placed in.

        An admission into a cohort whose places are all taken raises CohortFull, unless
        `over_capacity` (an admin confirmed it): then it is recorded in staff_audit
        ("over_capacity": who, when, cohort, how many admitted). Places are counted inside this
        transaction (BEGIN IMMEDIATE), so two admissions at once cannot both take the last one.
        """
        target = Stage(to) if isinstance(to, str) else to
        async with self.work() as work:
            conn = work.conn
            current = await current_stage(conn, candidate_id)
            if current is None:
                raise TransitionRefused(Stage.SCREENING, target, "unknown")
            check_move(current, target)
            placed = await _placement(conn, candidate_id)
            cohort = cohort_id if cohort_id is not None else placed
            if target in COHORT_STAGES and cohort is None:
                raise TransitionRefused(current, target, "no_cohort")
            detail: dict[str, Any] = {"from": current.value, "to": target.value, "by": by}
            if reason:
                detail["reason"] = reason
            if target in SEATED and current not in SEATED and cohort is not None:
                seats = await _seats(conn, cohort, candidate_id)
                if seats is None:
                    raise TransitionRefused(current, target, "no_cohort")
                capacity, seated = seats
                if seated >= capacity:
                    if not over_capacity:
                        raise CohortFull(cohort, capacity, seated)
                    await _audit(
                        conn,
                        at,
                        by,
                        "over_capacity",
                        cohort_id=cohort,
                        detail={"capacity": capacity, "admitted": seated + 1},
                    )
            if target in COHORT_STAGES:
                detail["cohort"] = cohort
                await conn.execute(
                    "INSERT INTO placements (candidate_id, cohort_id, at) VALUES (?, ?, ?)"
                    " ON CONFLICT (candidate_id) DO UPDATE SET cohort_id = excluded.cohort_id,"
                    " at = excluded.at",
                    (candidate_id, cohort, iso(at)),
                )
            await _event(conn, candidate_id, at, "stage", detail)
            await _audit(
                conn, at, by, "stage", candidate_id=candidate_id, cohort_id=cohort, detail=detail
            )
            work.emit(Moved(candidate_id, current, target, cohort, by, at))
        return current

    async def move_cohort(
        self,
        cohort_id: int,
        *,
        to: Stage | str,
        by: int,
        at: dt.datetime,
        reason: str | None = None,
        from_stages: Collection[Stage] = (Stage.IN_TRAINING,),
    ) -> list[int]:
        """Move every member of a cohort currently in `from_stages`; returns the ids moved."""
        moved = []
        for member in await self.members(cohort_id, from_stages):
            try:
                await self.move(member, to=to, by=by, at=at, reason=reason)
            except TransitionRefused:
                continue
            moved.append(member)
        return moved

    async def members(self, cohort_id: int, stages: Collection[Stage] | None = None) -> list[int]:
        """Ids of the candidates placed in a cohort, optionally only those in `stages`."""
        rows = await self.db.fetchall(
            "SELECT candidate_id FROM placements WHERE cohort_id = ? ORDER BY candidate_id",
            (cohort_id,),
        )
        if stages is None:
            return [int(r["candidate_id"]) for r in rows]
        return [v.id for v in await self.in_cohort(cohort_id, stages)]

    # ------------------------------------------------------------ reviews, notes
    async def review(
        self,
        candidate_id: int,
        *,
        decision: str,
        by: int,
        at: dt.datetime,
        comment: str | None = None,
    ) -> None:
        """confirmed / overturned (a result to review), or human_handled (a /humain request)."""
        if decision not in ("confirmed", "overturned", "human_handled"):
            raise ValueError(decision)
        async with self.work() as work:
            conn = work.conn
            current = await current_stage(conn, candidate_id)
            if current is None:
                raise TransitionRefused(Stage.SCREENING, decision, "unknown")
            if decision != "human_handled":
                if current is not Stage.TO_REVIEW:
                    raise TransitionRefused(current, decision, "not_to_review")
                await conn.execute(
                    "UPDATE candidates SET review_status = ?, updated_at = ? WHERE id = ?",
                    (decision, iso(at), candidate_id),
                )
            detail: dict[str, Any] = {"decision": decision, "by": by}
            if comment:
                detail["comment"] = comment
            await _event(conn, candidate_id, at, "review", detail)
            await _audit(conn, at, by, "review", candidate_id=candidate_id, detail=detail)
            work.emit(Reviewed(candidate_id, decision, by, at))

    async def add_note(self, candidate_id: int, *, text: str, by: int, at: dt.datetime) -> None:
        async with self.db.transaction() as conn:
            await _event(conn, candidate_id, at, "note", {"by": by, "text": text})
            # The note's text stays with the candidate (erased with them), not in the audit.
            await _audit(conn, at, by, "note", candidate_id=candidate_id)

    async def audit(
        self,
        *,
        by: int,
        action: str,
        at: dt.datetime,
        candidate_id: int | None = None,
        cohort_id: int | None = None,
        detail: dict[str, Any] | None = None,
    ) -> None:
        async with self.db.transaction() as conn:
            await _audit(
                conn, at, by, action, candidate_id=candidate_id, cohort_id=cohort_id, detail=detail
            )

    async def audit_log(self, candidate_id: int | None = None) -> list[dict[str, Any]]:
        if candidate_id is None:
            rows = await self.db.fetchall("SELECT * FROM staff_audit ORDER BY id")
        else:
            rows = await self.db.fetchall(
                "SELECT * FROM staff_audit WHERE candidate_id = ? ORDER BY id", (candidate_id,)
            )
        return [
            {**dict(r), "detail": json.loads(r["detail"]) if r["detail"] else None} for r in rows
        ]

    async def start_counts(self) -> dict[str, int]:
        """Anonymous /start counts before consent, per deep-link source ('' for none)."""
        rows = await self.db.fetchall(
            "SELECT source, SUM(count) AS n FROM daily_counters WHERE metric = 'start'"
            " GROUP BY source"
        )
        return {str(r["source"]): int(r["n"]) for r in rows}


async def current_stage(conn: aiosqlite.Connection, candidate_id: int) -> Stage | None:
    """A candidate's stage read through the caller's connection (inside its transaction): the
    column kept equal to the derivation from the facts (bot/db/stage.py)."""
    cursor = await conn.execute("SELECT stage FROM candidates WHERE id = ?", (candidate_id,))
    row = await cursor.fetchone()
    return Stage(row["stage"]) if row is not None else None


async def _seats(
    conn: aiosqlite.Connection, cohort_id: int, candidate_id: int
) -> tuple[int, int] | None:
    """A cohort's places and how many of them others (not this candidate) take now; None if
    there is no such cohort."""
    cursor = await conn.execute("SELECT capacity FROM cohorts WHERE id = ?", (cohort_id,))
    row = await cursor.fetchone()
    if row is None:
        return None
    seated = ", ".join(f"'{s.value}'" for s in SEATED)  # constants
    cursor = await conn.execute(
        "SELECT COUNT(*) FROM placements p JOIN candidates c ON c.id = p.candidate_id"
        f" WHERE p.cohort_id = ? AND p.candidate_id != ? AND c.stage IN ({seated})",
        (cohort_id, candidate_id),
    )
    count = await cursor.fetchone()
    return int(row["capacity"]), int(count[0]) if count else 0


async def _placement(conn: aiosqlite.Connection, candidate_id: int) -> int | None:
    cursor = await conn.execute(
        "SELECT cohort_id FROM placements WHERE candidate_id = ?", (candidate_id,)
    )
    row = await cursor.fetchone()
    return int(row["cohort_id"]) if row else None


async def _audit(
    conn: aiosqlite.Connection,
    at: dt.datetime,
    by: int,
    action: str,
    *,
    candidate_id: int | None = None,
    cohort_id: int | None = None,
    detail: dict[str, Any] | None = None,
) -> None:
    await conn.execute(
        "INSERT INTO staff_audit (at, staff_id, action, candidate_id, cohort_id, detail)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        (
            iso(at),
            by,
            action,
            candidate_id,
            cohort_id,
            json.dumps(detail, ensure_ascii=False) if detail else None,
        ),
    )
