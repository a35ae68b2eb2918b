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
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from bot.alumni.facts import PersonFacts
from bot.alumni.facts_store import person_facts
from bot.core.followup import FollowupPolicy
from bot.core.retention import RetentionPolicy, alumni_erasable, candidate_cutoff
from bot.db.database import Database
from bot.db.unit_of_work import UnitOfWork
from bot.retention import store

log = logging.getLogger(__name__)


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
    cutoff = candidate_cutoff(now, retention)
    today = now.astimezone(tz).date()
    candidates: list[int] = []
    alumni: list[int] = []
    unexited: list[int] = []
    chosen: list[PersonFacts] = []
    for person in await person_facts(db, tz):
        if person.alumnus:
            assert person.exit_date is not None
            if alumni_erasable(person.exit_date, today, followup, retention):
                alumni.append(person.id)
                chosen.append(person)
        elif not person.admitted and person.last_contact_at < cutoff:
            candidates.append(person.id)
            chosen.append(person)
        elif person.admitted:
            left = person.last_contact_at.astimezone(tz).date()
            if person.cohort_end is not None:
                left = max(left, person.cohort_end)
            if alumni_erasable(left, today, followup, retention):
                unexited.append(person.id)
                chosen.append(person)
    return PurgePlan(tuple(candidates), tuple(alumni), tuple(unexited)), chosen


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
    async with (work or UnitOfWork(db))() as unit:
        for person in people:
            await store.erase(unit, person, now)
        kinds = (
            ("candidate", plan.candidates),
            ("alumnus", plan.alumni),
            ("admitted_not_exited", plan.unexited),
        )
        for kind, ids in kinds:
            if ids:
                await store.record_erasures(db, kind, len(ids), now)
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
