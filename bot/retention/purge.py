"""The daily retention purge (CNIL): erase people whose time is up, keep anonymous counts.

- Candidates never admitted: erased `candidate_months` after their last contact.
- Alumni: erased (the whole person: screening answers, surveys, everything that cascades from
  candidates) `alumni_delay_months` after the end of their follow-up.
- Admitted but never marked as exited (staff forgot /sortie): treated as if they had left on
  the later of their cohort's end and their last contact, so they are not kept forever.
Before a person is erased, what they add to the figures is folded into funnel_aggregates and
outcome_aggregates (counts per year/site/stage/gender and per cohort/milestone/category), so the
reports do not change. The erasures table gets one row per kind with the count. Logs: counts only.
Their staff_audit rows lose the reference and the free text (trigger of migration 0006), and the
WAL is checkpointed and truncated afterwards.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import Counter
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from bot.alumni.facts import PersonFacts
from bot.alumni.facts_store import chunks as facts_chunks
from bot.core.followup import FollowupPolicy
from bot.core.retention import RetentionPolicy, alumni_erasable, candidate_cutoff
from bot.db.database import Database
from bot.db.unit_of_work import UnitOfWork
from bot.retention import store

log = logging.getLogger(__name__)
BATCH = 10  # people erased in one transaction (about 20 ms at 50,000 candidates)


@dataclass(frozen=True)
class PurgePlan:
    candidates: tuple[int, ...]  # never admitted, last contact too old
    alumni: tuple[int, ...]  # follow-up over, plus the delay
    unexited: tuple[int, ...] = ()  # admitted, never marked as exited, as if left long ago

    @property
    def total(self) -> int:
        return len(self.candidates) + len(self.alumni) + len(self.unexited)


async def plan_purge(
    db: Database,
    now: dt.datetime,
    tz: ZoneInfo,
    retention: RetentionPolicy,
    followup: FollowupPolicy,
) -> tuple[PurgePlan, list[PersonFacts]]:
    """Who is erased, read a chunk of people at a time (only those chosen are kept)."""
    cutoff = candidate_cutoff(now, retention)
    today = now.astimezone(tz).date()
    found: dict[str, list[int]] = {"candidate": [], "alumnus": [], "admitted_not_exited": []}
    chosen: list[PersonFacts] = []
    async for people in facts_chunks(db, tz):
        for person in people:
            kind = _erasable(person, cutoff, today, tz, followup, retention)
            if kind is not None:
                found[kind].append(person.id)
                chosen.append(person)
    plan = PurgePlan(
        tuple(found["candidate"]), tuple(found["alumnus"]), tuple(found["admitted_not_exited"])
    )
    return plan, chosen


def _erasable(
    person: PersonFacts,
    cutoff: dt.datetime,
    today: dt.date,
    tz: ZoneInfo,
    followup: FollowupPolicy,
    retention: RetentionPolicy,
) -> str | None:
    """The kind of erasure due for this person now, None if they are kept."""
    if person.alumnus:
        assert person.exit_date is not None
        return "alumnus" if alumni_erasable(person.exit_date, today, followup, retention) else None
    if not person.admitted:
        return "candidate" if person.last_contact_at < cutoff else None
    left = person.last_contact_at.astimezone(tz).date()
    if person.cohort_end is not None:
        left = max(left, person.cohort_end)
    return "admitted_not_exited" if alumni_erasable(left, today, followup, retention) else None


async def purge(
    db: Database,
    now: dt.datetime,
    tz: ZoneInfo,
    retention: RetentionPolicy,
    followup: FollowupPolicy,
    *,
    dry_run: bool = False,
    work: UnitOfWork | None = None,
) -> PurgePlan:
    """`work`: the bot's unit of work, whose `Erasing` handlers queue the deletion of forum
    topics and write the erasure journal (None: a bare one, for tests of the purge alone)."""
    plan, people = await plan_purge(db, now, tz, retention, followup)
    if dry_run or plan.total == 0:
        return plan
    kinds = {
        **dict.fromkeys(plan.candidates, "candidate"),
        **dict.fromkeys(plan.alumni, "alumnus"),
        **dict.fromkeys(plan.unexited, "admitted_not_exited"),
    }
    # A batch of people a transaction, with the count of its erasures: candidates' replies get
    # the database between two batches, and what is erased is always counted.
    unit_of_work = work or UnitOfWork(db)
    for start in range(0, len(people), BATCH):
        batch = people[start : start + BATCH]
        async with unit_of_work() as unit:
            for person in batch:
                await store.erase(unit, person, now)
            for kind, count in Counter(kinds[p.id] for p in batch).items():
                await store.record_erasures(db, kind, count, now)
    # The erased rows' old page images leave the WAL now, not at shutdown (see Database).
    await db.checkpoint()
    log.info(
        "retention purge: %d candidates, %d alumni, %d admitted never exited erased",
        len(plan.candidates),
        len(plan.alumni),
        len(plan.unexited),
    )
    return plan


def retention_policy(candidate_months: int, alumni_delay_months: int) -> RetentionPolicy:
    return RetentionPolicy(
        candidate_months=candidate_months, alumni_delay_months=alumni_delay_months
    )


def describe(plan: PurgePlan, *, dry_run: bool) -> str:
    verb = "would erase" if dry_run else "erased"
    return (
        f"{verb} {len(plan.candidates)} candidates never admitted and {len(plan.alumni)} alumni"
        f" whose follow-up is over, plus {len(plan.unexited)} admitted learners never marked as"
        " exited whose cohort end (or last contact) is as long past"
    )
