"""Small counts: what may be published about a group without singling anybody out.

The rule, used by the funders' report, /sorties and the staff aggregates alike (pure: no
database, no Telegram, no templates):

- any count under 5 people (0 included) is shown as "< 5";
- a share is exact only when the people it rests on, and the people on each side of it, can be
  counted exactly from what is shown; a share of a group under 5 people says nothing ("n/d");
  otherwise only a bound is given ("< 36 %" when fewer than 5 are in the part, "> 64 %" when
  fewer than 5 are outside it). A share of 0 % or 100 % of 5 people or more is shown: it names
  no count under 5 that the reader could not already bound;
- complementary suppression: nothing may be recomputed by subtraction (see `protect`).

Charts draw only exact shares (`Protected.value`); anything else is a hatched "n/d" marker.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Hashable, Iterable, Mapping
from dataclasses import dataclass
from typing import Generic, Literal, TypeVar

SMALL = 5  # aggregates over fewer people than this are masked

K = TypeVar("K", bound=Hashable)
Kind = Literal["exact", "small", "hidden", "below", "above", "at_least"]


@dataclass(frozen=True)
class Figure:
    """One published figure: a count or a share (in whole percent), exact or not.

    kind: "exact" (value), "small" (fewer than `value` people: "< 5"), "hidden" (withheld so
    that nothing can be recomputed by subtraction), "below"/"above" (a share as a bound, value
    in percent) or "at_least" (a total given as a lower bound).
    """

    kind: Kind
    value: int = 0
    percent: bool = False

    @property
    def exact(self) -> bool:
        return self.kind == "exact"

    def text(self, hidden: str = "n/d") -> str:
        unit = " %" if self.percent else ""
        if self.kind == "exact":
            return f"{self.value}{unit}"
        if self.kind in ("small", "below"):
            return f"< {self.value}{unit}"
        if self.kind == "above":
            return f"> {self.value}{unit}"
        if self.kind == "at_least":
            return f"≥ {self.value}{unit}"
        return hidden

    def __str__(self) -> str:
        return self.text()


@dataclass(frozen=True)
class Protected(Generic[K]):
    """The parts of a group (each person in exactly one part) and what may be shown of them.

    `hidden` are the parts whose count is not published exactly; `total_public` says whether the
    group's size is. A sum of parts can be recomputed from what is shown exactly when it holds
    none of the hidden parts, or all of them and the total is public (hidden parts of 0 people
    aside: working out a 0 singles nobody out); every figure below is exact only then.
    """

    parts: Mapping[K, int]
    hidden: frozenset[K]
    total_public: bool
    small: int = SMALL

    @property
    def size(self) -> int:
        return sum(self.parts.values())

    def derivable(self, keys: Iterable[K]) -> bool:
        """Whether the sum of these parts can be worked out exactly from what is shown."""
        return self._known(frozenset(keys))

    def _known(self, keys: frozenset[K]) -> bool:
        # a hidden part of 0 people may come out by subtraction: there is nobody to single out
        secret = frozenset(k for k in self.hidden if self.parts[k] > 0)
        inside = keys & secret
        return not inside or (inside == secret and self.total_public)

    def _sum(self, keys: Iterable[K]) -> tuple[frozenset[K], int]:
        chosen = frozenset(keys)
        unknown = chosen - set(self.parts)
        if unknown:
            raise KeyError(f"not a part: {sorted(map(str, unknown))}")
        return chosen, sum(self.parts[k] for k in chosen)

    @property
    def total(self) -> Figure:
        """The group's size: exact, "< 5", or, when it would give a hidden part away, "≥ N"
        (N: the parts shown)."""
        return self.count(self.parts)

    def count(self, keys: Iterable[K]) -> Figure:
        """How many people are in these parts together."""
        chosen, n = self._sum(keys)
        if n < self.small:
            return Figure("small", self.small)
        if self._known(chosen):
            return Figure("exact", n)
        if chosen == frozenset(self.parts):
            return Figure("at_least", sum(self.parts[k] for k in chosen - self.hidden))
        return Figure("hidden")

    def share(self, keys: Iterable[K], of: Iterable[K] | None = None) -> Figure:
        """The share of `keys` among `of` (default: the whole group), in percent."""
        part, n = self._sum(keys)
        whole, total = self._sum(self.parts if of is None else of)
        if not part <= whole:
            raise ValueError("the part must be inside the whole")
        if total < self.small or not self._known(whole):
            return Figure("hidden", percent=True)
        if self._known(part) and self._known(whole - part):
            return Figure("exact", round(100 * n / total), percent=True)
        if n < self.small:
            return Figure("below", math.ceil(100 * self.small / total), percent=True)
        if total - n < self.small:
            return Figure("above", math.floor(100 - 100 * self.small / total), percent=True)
        return Figure("hidden", percent=True)

    def value(self, keys: Iterable[K], of: Iterable[K] | None = None) -> float | None:
        """The share as a fraction when it may be shown exactly (and drawn), else None."""
        if not self.share(keys, of).exact:
            return None
        _, n = self._sum(keys)
        _, total = self._sum(self.parts if of is None else of)
        return n / total


def protect(
    parts: Mapping[K, int],
    *,
    small: int = SMALL,
    total_public: bool = True,
    keep: Collection[K] = (),
    hidden: Collection[K] = (),
) -> Protected[K]:
    """Decide which parts of a group may be shown exactly. THE small-count rule.

    Primary suppression: every part under `small` people (0 included) is shown as "< 5".
    `hidden` adds parts already withheld elsewhere (a site whose figure is masked in its own row,
    when `parts` are the rows of a total).

    Complementary suppression: when the total is shown, the hidden parts taken together are the
    total minus the parts shown. That sum is harmless when it is 0 (nobody to single out) or when
    it rests on `small` people or more spread over two hidden parts or more; otherwise (a single
    "< 5" part next to a total, or two whose sum is under 5) it would give someone away.

    - `total_public=True` (the default) is for a group whose size is published or known anyway
      (the staff see the people in a shortlist; a row's own total is printed next to it): the
      smallest shown part is hidden too (one outside `keep` first, e.g. "men" rather than the
      "women" the target is about), then the next, until the rule holds. Hiding a second part is
      the usual secondary suppression; it keeps the total, which is what readers compare.
    - `total_public=False` is for a total that exists only in this table (the "Total" row of the
      funders' report, summing sites): the total is then given as a bound ("≥ N", N the sum of
      the parts shown) instead of hiding another part. With two sites, hiding a second part would
      blank the other site's whole row, while the bound tells no more than the parts already do.
    """
    counts = {k: int(n) for k, n in parts.items()}
    if any(n < 0 for n in counts.values()):
        raise ValueError("a count cannot be negative")
    unknown = (set(keep) | set(hidden)) - set(counts)
    if unknown:
        raise KeyError(f"not a part: {sorted(map(str, unknown))}")
    masked = {k for k, n in counts.items() if n < small} | set(hidden)

    def unsafe() -> bool:
        nonzero = [counts[k] for k in masked if counts[k] > 0]
        return bool(nonzero) and (sum(nonzero) < small or len(nonzero) < 2)

    if total_public:
        while unsafe():
            shown = [k for k in counts if k not in masked and counts[k] > 0]
            if not shown:
                break
            extra = min(shown, key=lambda k: (k in keep, counts[k]))
            masked.add(extra)
    public = not unsafe()
    return Protected(counts, frozenset(masked), public, small)
