"""Outcome categories of alumni, which count as positive exits, and the rates built on them.

The categories come from a data file (conversations/outcomes.toml) so that a programme can follow
its funder's definition. Pure: no database, no Telegram.
"""

from __future__ import annotations

import tomllib
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.core.followup import FollowupPolicy

NO_ANSWER = "no_answer"  # pseudo-category: asked, no answer (yet)


class OutcomesError(Exception):
    """The outcomes file is not usable; the message names the file and the key."""


@dataclass(frozen=True)
class Category:
    id: str
    group: str
    positive: bool
    definition: str


@dataclass(frozen=True)
class Targets:
    response_rate: int = 70
    positive_rate: int = 80
    women_share: int = 40


@dataclass(frozen=True)
class Outcomes:
    categories: Mapping[str, Category]
    followup: FollowupPolicy = field(default_factory=FollowupPolicy)
    alumni_delay_months: int = 6
    targets: Targets = field(default_factory=Targets)

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(self.categories)

    @property
    def groups(self) -> tuple[str, ...]:
        """Report lines, in the file's order."""
        return tuple(dict.fromkeys(c.group for c in self.categories.values()))

    def is_positive(self, category: str | None) -> bool:
        found = self.categories.get(category or "")
        return found is not None and found.positive

    def group_of(self, category: str) -> str:
        found = self.categories.get(category)
        return found.group if found else category


def _int(table: Mapping[str, Any], key: str, default: int, where: str) -> int:
    value = table.get(key, default)
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise OutcomesError(f"{where}.{key} must be a whole number (0 or more)")
    return value


def _ints(
    table: Mapping[str, Any], key: str, default: tuple[int, ...], where: str
) -> tuple[int, ...]:
    value = table.get(key, list(default))
    if not isinstance(value, list) or not all(
        isinstance(v, int) and not isinstance(v, bool) for v in value
    ):
        raise OutcomesError(f"{where}.{key} must be a list of whole numbers")
    return tuple(value)


def parse_outcomes(text: str, where: str = "outcomes.toml") -> Outcomes:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise OutcomesError(f"{where}: {exc}") from None
    categories: dict[str, Category] = {}
    for key, raw in data.get("categories", {}).items():
        at = f"{where} [categories.{key}]"
        if key == NO_ANSWER or not key.replace("_", "").isalnum() or len(key) > 20:
            raise OutcomesError(
                f"{at}: ids are up to 20 letters, digits or _ ({NO_ANSWER!r} is reserved)"
            )
        if not isinstance(raw, dict):
            raise OutcomesError(f"{at} must be a table")
        if not isinstance(raw.get("positive"), bool):
            raise OutcomesError(f"{at}.positive must be true or false")
        if not raw.get("definition"):
            raise OutcomesError(f"{at}.definition is missing")
        categories[key] = Category(
            id=key,
            group=str(raw.get("group") or key),
            positive=raw["positive"],
            definition=str(raw["definition"]),
        )
    if not categories:
        raise OutcomesError(f"{where}: no [categories.<id>] table")
    raw_followup = data.get("followup", {})
    at = f"{where} [followup]"
    defaults = FollowupPolicy()
    try:
        policy = FollowupPolicy(
            milestones_months=_ints(
                raw_followup, "milestones_months", defaults.milestones_months, at
            ),
            report_milestone=_int(raw_followup, "report_milestone", defaults.report_milestone, at),
            reminder_days=_ints(raw_followup, "reminder_days", defaults.reminder_days, at),
            call_after_days=_int(raw_followup, "call_after_days", defaults.call_after_days, at),
            send_hour=_int(raw_followup, "send_hour", defaults.send_hour, at),
        )
    except ValueError as exc:
        raise OutcomesError(f"{at}: {exc}") from None
    if policy.report_milestone not in policy.milestones_months:
        raise OutcomesError(f"{at}.report_milestone must be one of milestones_months")
    raw_targets = data.get("targets", {})
    targets = Targets(
        response_rate=_int(raw_targets, "response_rate", 70, f"{where} [targets]"),
        positive_rate=_int(raw_targets, "positive_rate", 80, f"{where} [targets]"),
        women_share=_int(raw_targets, "women_share", 40, f"{where} [targets]"),
    )
    return Outcomes(
        categories=categories,
        followup=policy,
        alumni_delay_months=_int(
            data.get("retention", {}), "alumni_delay_months", 6, f"{where} [retention]"
        ),
        targets=targets,
    )


def load_outcomes(path: Path) -> Outcomes:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise OutcomesError(f"{path}: {exc}") from None
    return parse_outcomes(text, str(path))


def ratio(numerator: int, denominator: int) -> float | None:
    """numerator/denominator, or None when there is nobody to divide by (shown as "n/a")."""
    return numerator / denominator if denominator else None


@dataclass(frozen=True)
class Rates:
    """Figures for one group of alumni at one milestone.

    `alumni` counts everyone whose survey is due; non-respondents are in `alumni` but not in
    `respondents`. The two positive rates are shown side by side, each with its denominator:
    among respondents (the usual claim) and among all alumni (non-respondents counted as not
    positive, the cautious figure).
    """

    alumni: int
    respondents: int
    positive: int
    by_category: Mapping[str, int]  # category id -> count among respondents
    by_group: Mapping[str, int]

    @property
    def response_rate(self) -> float | None:
        return ratio(self.respondents, self.alumni)

    @property
    def positive_among_respondents(self) -> float | None:
        return ratio(self.positive, self.respondents)

    @property
    def positive_among_all(self) -> float | None:
        return ratio(self.positive, self.alumni)

    def __add__(self, other: Rates) -> Rates:
        return Rates(
            alumni=self.alumni + other.alumni,
            respondents=self.respondents + other.respondents,
            positive=self.positive + other.positive,
            by_category=dict(Counter(self.by_category) + Counter(other.by_category)),
            by_group=dict(Counter(self.by_group) + Counter(other.by_group)),
        )


EMPTY_RATES = Rates(0, 0, 0, {}, {})


def rates(answers: Iterable[str | None], outcomes: Outcomes) -> Rates:
    """Rates from one entry per alumnus whose survey is due: their category, or None (no answer).

    An unknown category (removed from the file since) counts as answered, not positive.
    """
    alumni = 0
    by_category: Counter[str] = Counter()
    for answer in answers:
        alumni += 1
        if answer is not None and answer != NO_ANSWER:
            by_category[answer] += 1
    return rates_from_counts(alumni, by_category, outcomes)


def rates_from_counts(alumni: int, by_category: Mapping[str, int], outcomes: Outcomes) -> Rates:
    counts = {k: v for k, v in by_category.items() if k != NO_ANSWER and v}
    by_group: Counter[str] = Counter()
    for category, count in counts.items():
        by_group[outcomes.group_of(category)] += count
    respondents = sum(counts.values())
    if respondents > alumni:
        raise ValueError("more respondents than alumni")
    positive = sum(c for k, c in counts.items() if outcomes.is_positive(k))
    return Rates(alumni, respondents, positive, dict(counts), dict(by_group))
