"""Collect the figures of the funders' report and of /sorties from the database.

Live rows plus the anonymous aggregates of people already erased, so the figures do not change
when the retention purge runs.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from bot.alumni.facts import STAGES
from bot.alumni.facts_store import chunks as facts_chunks
from bot.alumni.store import AlumniStore, CohortKey
from bot.core.outcomes import EMPTY_RATES, Outcomes, Rates, rates_from_counts, ratio
from bot.db.database import Database
from bot.reports.store import funnel_aggregates


@dataclass(frozen=True)
class StageCount:
    total: int = 0
    women: int = 0

    @property
    def women_share(self) -> float | None:
        """Women among everyone at the stage (gender not given counts in the total)."""
        return ratio(self.women, self.total)


@dataclass(frozen=True)
class YearSite:
    year: int
    site: str
    site_name: str
    stages: Mapping[str, StageCount]
    outcome: Rates  # at the report milestone, alumni who left that year


@dataclass(frozen=True)
class FundersReport:
    programme: str
    generated_at: str  # local, for people
    milestone: int
    outcomes: Outcomes
    rows: tuple[YearSite, ...]
    totals: Mapping[int, YearSite] = field(default_factory=dict)  # per year, all sites


async def funnel_counts(
    db: Database, tz: ZoneInfo
) -> dict[tuple[int, str], dict[str, Counter[str]]]:
    """(year, site) -> stage -> gender -> count."""
    counts: dict[tuple[int, str], dict[str, Counter[str]]] = defaultdict(
        lambda: {s: Counter() for s in STAGES}
    )
    async for people in facts_chunks(db, tz):
        for person in people:
            for stage in person.stages:
                counts[(person.year, person.site)][stage][person.gender] += 1
    for year, site, stage, gender, count in await funnel_aggregates(db):
        if stage in STAGES:
            counts[(year, site)][stage][gender] += count
    return counts


def _stage_counts(by_stage: Mapping[str, Counter[str]]) -> dict[str, StageCount]:
    return {
        stage: StageCount(sum(by_stage[stage].values()), by_stage[stage]["femme"])
        for stage in STAGES
    }


async def funders_report(
    db: Database,
    alumni: AlumniStore,
    outcomes: Outcomes,
    *,
    now: dt.datetime,
    tz: ZoneInfo,
    programme: str,
    site_names: Mapping[str, str],
    sites: frozenset[str] | None = None,
) -> FundersReport:
    """Every (year, site), or only those of `sites` (a staff member's)."""
    milestone = outcomes.followup.report_milestone
    funnel = await funnel_counts(db, tz)
    by_year_site: dict[tuple[int, str], Rates] = defaultdict(lambda: EMPTY_RATES)
    for key, milestones in (await alumni.outcome_counts(now)).items():
        if milestone in milestones:
            due, categories = milestones[milestone]
            by_year_site[(key.exit_year, key.site)] += rates_from_counts(due, categories, outcomes)
    keys = sorted(k for k in set(funnel) | set(by_year_site) if sites is None or k[1] in sites)
    rows = tuple(
        YearSite(
            year=year,
            site=site,
            site_name=site_names.get(site, site),
            stages=_stage_counts(funnel.get((year, site), {s: Counter() for s in STAGES})),
            outcome=by_year_site.get((year, site), EMPTY_RATES),
        )
        for year, site in keys
    )
    totals: dict[int, YearSite] = {}
    for year in sorted({r.year for r in rows}):
        mine = [r for r in rows if r.year == year]
        stages = {
            s: StageCount(
                sum(r.stages[s].total for r in mine), sum(r.stages[s].women for r in mine)
            )
            for s in STAGES
        }
        outcome = EMPTY_RATES
        for r in mine:
            outcome += r.outcome
        totals[year] = YearSite(year, "", "Total", stages, outcome)
    return FundersReport(
        programme=programme,
        generated_at=now.astimezone(tz).strftime("%d/%m/%Y %H:%M"),
        milestone=milestone,
        outcomes=outcomes,
        rows=rows,
        totals=totals,
    )


@dataclass(frozen=True)
class CohortOutcomes:
    key: CohortKey
    site_name: str
    milestones: Mapping[int, Rates]


async def cohort_outcomes(
    alumni: AlumniStore,
    outcomes: Outcomes,
    now: dt.datetime,
    *,
    site_names: Mapping[str, str],
    site: str | None = None,
    cohort: str | None = None,
    exit_year: int | None = None,
    sites: frozenset[str] | None = None,
) -> list[CohortOutcomes]:
    """Per cohort and milestone: the rates of /sorties."""
    counts = await alumni.outcome_counts(
        now, site=site, cohort=cohort, exit_year=exit_year, sites=sites
    )
    return [
        CohortOutcomes(
            key=key,
            site_name=site_names.get(key.site, key.site),
            milestones={
                m: rates_from_counts(due, categories, outcomes)
                for m, (due, categories) in milestones.items()
            },
        )
        for key, milestones in counts.items()
    ]
