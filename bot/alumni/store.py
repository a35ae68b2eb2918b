"""Alumni, their surveys and the outcome counts, in SQLite (tables of migration 0004)."""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

import aiosqlite

from bot.core.followup import FollowupPolicy, schedule
from bot.core.outcomes import NO_ANSWER
from bot.db.database import Database
from bot.outbox import store as outbox


def iso(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).isoformat(timespec="seconds")


@dataclass(frozen=True)
class Alumnus:
    candidate_id: int
    site: str
    cohort_id: int | None
    cohort: str
    exit_date: dt.date
    completed: bool


@dataclass(frozen=True)
class Followup:
    candidate_id: int
    milestone: int
    due_at: dt.datetime
    sent_at: str | None
    reminders: int
    call_listed_at: str | None
    answered_at: str | None
    situation: str | None
    answers: dict[str, Any]
    answered_via: str | None = None  # 'bot' (in Telegram) or 'call' (taken by phone by staff)
    answered_by: int | None = None  # the staff member who recorded a phone answer

    @classmethod
    def from_row(cls, row: aiosqlite.Row) -> Followup:
        return cls(
            candidate_id=int(row["candidate_id"]),
            milestone=int(row["milestone"]),
            due_at=dt.datetime.fromisoformat(row["due_at"]),
            sent_at=row["sent_at"],
            reminders=int(row["reminders"]),
            call_listed_at=row["call_listed_at"],
            answered_at=row["answered_at"],
            situation=row["situation"],
            answers=json.loads(row["answers"] or "{}"),
            answered_via=row["answered_via"],
            answered_by=row["answered_by"],
        )


@dataclass(frozen=True)
class CohortKey:
    site: str
    cohort: str
    exit_year: int


# (site, cohort, exit year) -> milestone -> (alumni due, {category: count})
OutcomeCounts = Mapping[CohortKey, Mapping[int, tuple[int, Mapping[str, int]]]]


class AlumniStore:
    def __init__(self, db: Database, policy: FollowupPolicy, tz: ZoneInfo) -> None:
        self.db = db
        self.policy = policy
        self.tz = tz

    async def mark_exit(
        self,
        conn: aiosqlite.Connection,
        *,
        candidate_id: int,
        site: str,
        cohort: str,
        exit_date: dt.date,
        now: dt.datetime,
        cohort_id: int | None = None,
        completed: bool = True,
        staff_id: int | None = None,
    ) -> bool:
        """Record an exit and its surveys inside the caller's transaction; False if already
        marked (a second mark never reschedules or duplicates anything)."""
        cursor = await conn.execute(
            "INSERT INTO alumni (candidate_id, site, cohort_id, cohort, exit_date, completed,"
            " marked_by, marked_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (candidate_id) DO NOTHING",
            (
                candidate_id,
                site,
                cohort_id,
                cohort,
                exit_date.isoformat(),
                int(completed),
                staff_id,
                iso(now),
            ),
        )
        if cursor.rowcount == 0:
            return False
        for milestone in schedule(exit_date, self.policy, self.tz):
            await conn.execute(
                "INSERT INTO followups (candidate_id, milestone, due_at) VALUES (?, ?, ?)",
                (candidate_id, milestone.months, iso(milestone.due_at)),
            )
        return True

    async def alumnus(self, candidate_id: int) -> Alumnus | None:
        row = await self.db.fetchone("SELECT * FROM alumni WHERE candidate_id = ?", (candidate_id,))
        if row is None:
            return None
        return Alumnus(
            candidate_id=int(row["candidate_id"]),
            site=row["site"],
            cohort_id=row["cohort_id"],
            cohort=row["cohort"],
            exit_date=dt.date.fromisoformat(row["exit_date"]),
            completed=bool(row["completed"]),
        )

    async def followups(self, candidate_id: int) -> list[Followup]:
        rows = await self.db.fetchall(
            "SELECT * FROM followups WHERE candidate_id = ? ORDER BY milestone", (candidate_id,)
        )
        return [Followup.from_row(r) for r in rows]

    async def followup(self, candidate_id: int, milestone: int) -> Followup | None:
        row = await self.db.fetchone(
            "SELECT * FROM followups WHERE candidate_id = ? AND milestone = ?",
            (candidate_id, milestone),
        )
        return Followup.from_row(row) if row else None

    async def person(self, candidate_id: int) -> dict[str, Any] | None:
        """What the follow-up needs of a candidate: chat, language, reachability, first name
        and site (from the screening answers)."""
        row = await self.db.fetchone(
            "SELECT c.id, c.chat_id, c.language, c.unreachable_at, c.nudges_stopped_at,"
            " (SELECT json_extract(value, '$') FROM answers a WHERE a.candidate_id = c.id"
            "  AND a.step = 'first_name') AS first_name,"
            " (SELECT json_extract(value, '$') FROM answers a WHERE a.candidate_id = c.id"
            "  AND a.step = 'site') AS site"
            " FROM candidates c WHERE c.id = ?",
            (candidate_id,),
        )
        return dict(row) if row else None

    async def by_telegram_id(self, user_id: int) -> tuple[int, str] | None:
        """(candidate id, language) of the person using this Telegram account."""
        row = await self.db.fetchone(
            "SELECT id, language FROM candidates WHERE telegram_id = ?", (user_id,)
        )
        return (int(row["id"]), str(row["language"])) if row else None

    async def placement(self, candidate_id: int) -> tuple[int, str] | None:
        """(cohort id, cohort name) of the cohort a candidate is placed in."""
        row = await self.db.fetchone(
            "SELECT p.cohort_id, c.name FROM placements p JOIN cohorts c ON c.id = p.cohort_id"
            " WHERE p.candidate_id = ?",
            (candidate_id,),
        )
        return (int(row["cohort_id"]), str(row["name"])) if row else None

    async def mark_sent(
        self, candidate_id: int, milestone: int, reminder: int, now: dt.datetime
    ) -> None:
        """A survey (reminder 0) or one of its reminders goes out."""
        await self.db.execute(
            "UPDATE followups SET sent_at = COALESCE(sent_at, ?), reminders = MAX(reminders, ?)"
            " WHERE candidate_id = ? AND milestone = ?",
            (iso(now), reminder, candidate_id, milestone),
        )

    async def unanswered_due(self, now: dt.datetime) -> list[aiosqlite.Row]:
        """Surveys due and not answered, oldest first, with what the call list shows."""
        return await self.db.fetchall(
            "SELECT f.candidate_id, f.milestone, f.due_at, a.site, a.cohort,"
            " c.unreachable_at, c.nudges_stopped_at,"
            " (SELECT json_extract(value, '$') FROM answers x WHERE x.candidate_id = c.id"
            "  AND x.step = 'first_name') AS first_name"
            " FROM followups f JOIN alumni a ON a.candidate_id = f.candidate_id"
            " JOIN candidates c ON c.id = f.candidate_id"
            " WHERE f.answered_at IS NULL AND f.due_at <= ? ORDER BY f.due_at",
            (iso(now),),
        )

    async def cancel_survey(self, subject: str, now: dt.datetime) -> None:
        """The survey is answered: its pending reminders in the outbox go."""
        async with self.db.transaction() as conn:
            await outbox.cancel(conn, reason="answered", subject=subject, now=now)

    async def save_answer(
        self,
        candidate_id: int,
        milestone: int,
        step: str,
        value: str,
        now: dt.datetime,
        *,
        via: str = "bot",
    ) -> None:
        """Store one answer; the situation answer marks the survey answered (it is what counts)."""
        async with self.db.transaction() as conn:
            cursor = await conn.execute(
                "SELECT answers FROM followups WHERE candidate_id = ? AND milestone = ?",
                (candidate_id, milestone),
            )
            row = await cursor.fetchone()
            if row is None:
                return
            answers = json.loads(row["answers"] or "{}")
            answers[step] = value
            if step == "situation":
                # A different situation makes the follow-ups (sector...) ask again.
                answers = {"situation": value}
                await conn.execute(
                    "UPDATE followups SET situation = ?, answers = ?,"
                    " answered_at = COALESCE(answered_at, ?),"
                    " answered_via = COALESCE(answered_via, ?)"
                    " WHERE candidate_id = ? AND milestone = ?",
                    (value, json.dumps(answers), iso(now), via, candidate_id, milestone),
                )
            else:
                await conn.execute(
                    "UPDATE followups SET answers = ? WHERE candidate_id = ? AND milestone = ?",
                    (json.dumps(answers), candidate_id, milestone),
                )
            await conn.execute(
                "UPDATE candidates SET last_contact_at = ?, updated_at = ? WHERE id = ?",
                (iso(now), iso(now), candidate_id),
            )

    async def save_call_situation(
        self,
        candidate_id: int,
        milestone: int,
        situation: str,
        *,
        staff_id: int,
        now: dt.datetime,
        subject: str,
    ) -> bool:
        """A situation taken by phone, in one transaction with what goes with it: the survey is
        answered (answered_via 'call', answered_by the staff member), its pending survey and
        reminders in the outbox (`subject`) are cancelled, and a staff_audit row is written.

        False, and nothing changes, when the alumnus answered in Telegram meanwhile: their own
        answer wins. A situation recorded by phone may be corrected by phone (a mis-press).
        """
        async with self.db.transaction() as conn:
            cursor = await conn.execute(
                "UPDATE followups SET situation = ?, answers = ?,"
                " answered_at = COALESCE(answered_at, ?), answered_via = 'call', answered_by = ?"
                " WHERE candidate_id = ? AND milestone = ?"
                " AND (answered_at IS NULL OR answered_via = 'call')",
                (
                    situation,
                    json.dumps({"situation": situation}),
                    iso(now),
                    staff_id,
                    candidate_id,
                    milestone,
                ),
            )
            if cursor.rowcount == 0:
                return False
            await outbox.cancel(conn, reason="answered", subject=subject, now=now)
            await conn.execute(
                "UPDATE candidates SET last_contact_at = ?, updated_at = ? WHERE id = ?",
                (iso(now), iso(now), candidate_id),
            )
            # Same row shape as bot/pipeline/store.py writes for every staff action. The audit
            # outlives the person's erasure, so it says who recorded which survey, not the answer.
            await conn.execute(
                "INSERT INTO staff_audit (at, staff_id, action, candidate_id, detail)"
                " VALUES (?, ?, 'followup_call', ?, ?)",
                (iso(now), staff_id, candidate_id, json.dumps({"milestone": milestone})),
            )
        return True

    async def outcome_counts(
        self,
        now: dt.datetime,
        *,
        site: str | None = None,
        cohort: str | None = None,
        exit_year: int | None = None,
        sites: frozenset[str] | None = None,
    ) -> OutcomeCounts:
        """Live surveys that are due, plus the anonymous aggregates of erased alumni."""
        result: dict[CohortKey, dict[int, tuple[int, dict[str, int]]]] = defaultdict(dict)

        def keep(key: CohortKey) -> bool:
            return (
                (site is None or key.site == site)
                and (cohort is None or key.cohort == cohort)
                and (exit_year is None or key.exit_year == exit_year)
                and (sites is None or key.site in sites)
            )

        def add(key: CohortKey, milestone: int, category: str, count: int) -> None:
            if not keep(key):
                return
            alumni, categories = result[key].get(milestone, (0, {}))
            categories = dict(categories)
            if category != NO_ANSWER:
                categories[category] = categories.get(category, 0) + count
            result[key][milestone] = (alumni + count, categories)

        rows = await self.db.fetchall(
            "SELECT a.site, a.cohort, a.exit_date, f.milestone, f.situation"
            " FROM followups f JOIN alumni a ON a.candidate_id = f.candidate_id"
            " WHERE f.due_at <= ?",
            (iso(now),),
        )
        for r in rows:
            key = CohortKey(r["site"], r["cohort"], int(r["exit_date"][:4]))
            add(key, int(r["milestone"]), r["situation"] or NO_ANSWER, 1)
        for r in await self.db.fetchall("SELECT * FROM outcome_aggregates"):
            key = CohortKey(r["site"], r["cohort"], int(r["exit_year"]))
            add(key, int(r["milestone"]), r["category"], int(r["count"]))
        return {k: dict(sorted(v.items())) for k, v in sorted(result.items(), key=_order)}


def _order(item: tuple[CohortKey, object]) -> tuple[int, str, str]:
    key = item[0]
    return (key.exit_year, key.site, key.cohort)
