"""Diversity aggregates for staff: gender shares against the target, QPV share, sources.

Only aggregates, never a person: every count of fewer than 5 people is shown as "< 5", a share
is shown as a bound ("< 36 %") when the count behind it is fewer than 5, and nothing can be
recomputed by subtraction (the rule is bot/core/disclosure.py's `protect`, shared with the funders'
report and /sorties), so nobody can be singled out. Gender is self-declared, optional, and never
an input to any rule or ranking.
"""

from __future__ import annotations

import tomllib
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from bot.core.disclosure import SMALL, Figure, protect
from bot.core.sites import RulesError

GENDERS = ("femme", "homme", "autre", "no_answer")


def masked(count: int, small: int = SMALL) -> str:
    """A count as staff may see it: "< 5" for fewer than 5 people."""
    return protect({"n": count}, small=small).total.text()


@dataclass(frozen=True)
class Share:
    """A share of a group, as shown to staff (masked), and how it compares with a target.

    `others` splits the rest of the group into the categories shown next to it (men, other, not
    said), so that the share is judged on the same table as those counts; by default the rest
    is one part.
    """

    part: int
    total: int
    target: float | None = None
    small: int = SMALL
    others: tuple[int, ...] = ()

    @property
    def figure(self) -> Figure:
        rest = self.others or (self.total - self.part,)
        parts = {"part": self.part, **{f"other{i}": n for i, n in enumerate(rest)}}
        return protect(parts, small=self.small, keep={"part"}).share(["part"])

    @property
    def known(self) -> bool:
        """Whether anything can be said: the group has at least `small` people."""
        return self.total >= self.small

    @property
    def exact(self) -> bool:
        """Whether the exact share may be shown (and drawn)."""
        return self.figure.exact

    @property
    def value(self) -> float:
        return self.part / self.total if self.total else 0.0

    @property
    def text(self) -> str:
        """ "42 %", "< 36 %" (fewer than 5 in the part), "> 64 %" (fewer than 5 outside it),
        or "–" (the group itself has fewer than 5 people)."""
        return self.figure.text(hidden="–")

    @property
    def below_target(self) -> bool | None:
        """True/False against the target; None when what is shown cannot tell (a group under 5
        people, or a bound on both sides of the target: the flag must not say more than the
        bound)."""
        if self.target is None or not self.known:
            return None
        figure = self.figure
        if figure.exact:
            return self.value < self.target
        if figure.kind == "below" and figure.value <= 100 * self.target:
            return True
        if figure.kind == "above" and figure.value >= 100 * self.target:
            return False
        return None


@dataclass(frozen=True)
class GenderCounts:
    women: int = 0
    men: int = 0
    other: int = 0
    not_said: int = 0  # "prefer not to say" and no answer at all

    @property
    def total(self) -> int:
        return self.women + self.men + self.other + self.not_said

    def women_share(self, target: float, small: int = SMALL) -> Share:
        """Women among everyone in the group (not said included: the share is not inflated)."""
        return Share(self.women, self.total, target, small, (self.men, self.other, self.not_said))

    def shown(self, small: int = SMALL) -> dict[str, str]:
        """Counts as staff may see them: "< 5", and "–" for a count withheld so that a small
        one cannot be recomputed from the total (the group's size is always shown)."""
        parts = {
            "women": self.women,
            "men": self.men,
            "other": self.other,
            "not_said": self.not_said,
        }
        table = protect(parts, small=small, keep={"women"})
        shown = {k: table.count([k]).text(hidden="–") for k in parts}
        shown["total"] = table.total.text(hidden="–")
        return shown


def gender_counts(genders: Iterable[object]) -> GenderCounts:
    counts = Counter(g if g in GENDERS else "no_answer" for g in genders)
    return GenderCounts(
        women=counts["femme"],
        men=counts["homme"],
        other=counts["autre"],
        not_said=counts["no_answer"],
    )


def masked_counts(
    values: Iterable[str | None], small: int = SMALL, none_label: str = ""
) -> list[tuple[str, str]]:
    """Counts per value, most frequent first, each masked ("< 5"; "–" when withheld so that a
    small one cannot be recomputed from the group's size)."""
    counts = Counter(v or none_label for v in values)
    table = protect(counts, small=small)
    return [
        (k, table.count([k]).text(hidden="–"))
        for k, _ in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    ]


# ---------------------------------------------------------------------- QPV


@dataclass(frozen=True)
class QpvList:
    """Postcodes that contain all or part of a QPV (priority neighbourhood)."""

    postcodes: Mapping[str, str]  # postcode -> "whole" or "partial"
    source: str = ""

    def contains(self, postcode: object) -> bool:
        return isinstance(postcode, str) and postcode in self.postcodes


class QpvError(RulesError):
    """The QPV data file is not usable."""


def load_qpv(path: Path) -> QpvList:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise QpvError(f"{path}: {exc}") from None
    postcodes: dict[str, str] = {}
    for postcode, entry in data.get("postcodes", {}).items():
        if not (len(postcode) == 5 and postcode.isdigit()):
            raise QpvError(f"{path}: {postcode!r} is not a 5-digit postcode")
        coverage = entry.get("coverage", "partial") if isinstance(entry, dict) else "partial"
        if coverage not in ("whole", "partial"):
            raise QpvError(f"{path} [postcodes.{postcode}].coverage must be whole or partial")
        postcodes[postcode] = coverage
    return QpvList(postcodes, str(data.get("source", "")))


def qpv_share(postcodes: Iterable[object], qpv: QpvList, small: int = SMALL) -> Share:
    codes = list(postcodes)
    return Share(sum(1 for p in codes if qpv.contains(p)), len(codes), None, small)
