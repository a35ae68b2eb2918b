"""Deterministic eligibility rules. Plain, readable, and never fed the candidate's gender.

The result is advice, not a decision (GDPR art. 22): anything other than "eligible" is stored as
"to review" and a person confirms or overturns it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

from bot.core.sites import Outcome, Site

# Findings clear enough to answer before the other questions (data minimisation): an age clearly
# outside the range. Not "age_boundary" (a birth month that straddles a limit: decided at review).
EARLY_FINDINGS = frozenset({"age_under_min", "age_over_max"})

# Answers that no rule may read. Checked by `decide` so a future rule cannot use them by mistake.
NEVER_RULE_INPUTS = frozenset({"gender"})


@dataclass(frozen=True)
class Finding:
    code: str  # names the plain-words reason in the templates (result.j2)
    outcome: Outcome


@dataclass(frozen=True)
class Decision:
    outcome: Outcome
    findings: tuple[Finding, ...]
    cohort_start: dt.date
    age_range: tuple[int, int] | None  # youngest and oldest possible age at cohort start
    is_minor: bool  # may be under 18 at the start: a legal representative signs the agreement

    @property
    def reason_codes(self) -> list[str]:
        return [f.code for f in self.findings if f.outcome is not Outcome.ELIGIBLE]

    @property
    def deciding_codes(self) -> list[str]:
        """The reasons that decide the outcome, those the candidate is told: an orientation
        names what orients, not the points a review would also have looked at."""
        return [f.code for f in self.findings if f.outcome is self.outcome]


def age_on(born_year: int, born_month: int, born_day: int, on: dt.date) -> int:
    return on.year - born_year - ((on.month, on.day) < (born_month, born_day))


def possible_ages(birth: str, on: dt.date) -> tuple[int, int]:
    """Ages someone born in month 'YYYY-MM' can have on a date: born the last or first day."""
    year, month = (int(part) for part in birth.split("-"))
    next_month = dt.date(year + month // 12, month % 12 + 1, 1)
    last_day = (next_month - dt.timedelta(days=1)).day
    return age_on(year, month, last_day, on), age_on(year, month, 1, on)


def cohort_start_for(site: Site, today: dt.date) -> dt.date:
    """The next cohort's start date; a date already past in the file counts as today."""
    return max(site.next_cohort_start, today)


def decide(answers: Mapping[str, object], site: Site, today: dt.date) -> Decision:
    rules = site.rules
    start = cohort_start_for(site, today)
    used = {k: v for k, v in answers.items() if k not in NEVER_RULE_INPUTS}
    findings: list[Finding] = []

    age_range: tuple[int, int] | None = None
    is_minor = False
    birth = used.get("birth")
    situation = used.get("situation")
    if isinstance(birth, str):
        youngest, oldest = possible_ages(birth, start)
        age_range = (youngest, oldest)
        is_minor = youngest < 18
        if oldest < rules.min_age:
            findings.append(Finding("age_under_min", Outcome.ORIENTED))
        elif youngest > rules.max_age:
            findings.append(Finding("age_over_max", Outcome.ORIENTED))
        elif youngest < rules.min_age or oldest > rules.max_age:
            findings.append(Finding("age_boundary", Outcome.REVIEW))
        if situation == "studying" and oldest < rules.school_obligation_age:
            findings.append(Finding("school_obligation", Outcome.ORIENTED))

    for step, table in (
        ("situation", rules.situation),
        ("qualification", rules.qualification),
        ("availability", rules.availability),
    ):
        value = used.get(step)
        if isinstance(value, str):
            findings.append(Finding(f"{step}_{value}", table.get(value, Outcome.REVIEW)))

    postcode = used.get("postcode")
    if isinstance(postcode, str) and not site.covers(postcode):
        findings.append(Finding("outside_territory", rules.outside_territory))

    worst = max((f.outcome for f in findings), key=lambda o: o.severity, default=Outcome.ELIGIBLE)
    return Decision(
        outcome=worst,
        findings=tuple(findings),
        cohort_start=start,
        age_range=age_range,
        is_minor=is_minor,
    )


def decided_early(answers: Mapping[str, object], site: Site, today: dt.date) -> bool:
    """Whether the answers so far already orient the person elsewhere, whatever comes next:
    then the bot says so at once (with a referral and /humain) and asks nothing more. Still an
    orientation a person reviews (GDPR art. 22), like any result but "eligible"."""
    return any(
        f.code in EARLY_FINDINGS and f.outcome is Outcome.ORIENTED
        for f in decide(answers, site, today).findings
    )
