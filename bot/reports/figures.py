"""The figures of the funders' report and of /sorties as they may be published: every count and
share goes through the small-count rule (bot/core/disclosure.py), so that no figure, table row,
total row or chart bar lets a reader work out anything about fewer than 5 people.

Pure: no database, no Telegram, no templates.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bot.core.disclosure import SMALL, Figure, Protected, protect
from bot.core.outcomes import Outcomes, Rates

HIDDEN_SHARE = Figure("hidden", percent=True)
NO_ANSWER = ("", False)  # the part of alumni who did not answer (no report line has an empty name)


@dataclass(frozen=True)
class OutcomeCells:
    """One row of outcome figures: alumni, respondents, positive exits and the three rates."""

    alumni: Figure
    respondents: Figure
    positive: Figure
    response_rate: Figure
    positive_among_respondents: Figure
    positive_among_all: Figure
    groups: tuple[tuple[str, Figure], ...] = ()  # report lines shown exactly, in the file's order
    raw: Rates | None = None  # for the total rows, never rendered

    def value(self, name: str) -> float | None:
        """An exact rate as a fraction, for a chart bar; None when it may not be drawn."""
        figure: Figure = getattr(self, name)
        if not figure.exact or self.raw is None:
            return None
        value: float | None = getattr(self.raw, name)
        return value


def outcome_cells(rates: Rates, outcomes: Outcomes, small: int = SMALL) -> OutcomeCells:
    """The row's people split by report line (and positive or not) and "no answer": one table,
    so that the rates, the counts and the lines shown can never be combined into a hidden one."""
    parts: dict[tuple[str, bool], int] = {}
    for category, n in rates.by_category.items():
        key = (outcomes.group_of(category), outcomes.is_positive(category))
        parts[key] = parts.get(key, 0) + n
    parts[NO_ANSWER] = rates.alumni - rates.respondents
    table = protect(parts, small=small)
    answered = [k for k in parts if k != NO_ANSWER]
    positive = [k for k in answered if k[1]]
    groups = []
    for group in dict.fromkeys([*outcomes.groups, *(g for g, _ in answered)]):
        keys = [k for k in answered if k[0] == group]
        figure = table.count(keys)
        if keys and figure.exact:
            groups.append((group, figure))
    return OutcomeCells(
        alumni=table.total,
        respondents=table.count(answered),
        positive=table.count(positive),
        response_rate=table.share(answered),
        positive_among_respondents=table.share(positive, of=answered),
        positive_among_all=table.share(positive),
        groups=tuple(groups),
        raw=rates,
    )


def column_total(
    values: Sequence[int], shown: Sequence[Figure], small: int = SMALL
) -> Protected[int]:
    """A total row's figure from the rows above it: exact only when it cannot give back a row's
    figure that is not shown exactly (otherwise a bound, "≥ N")."""
    return protect(
        dict(enumerate(values)),
        small=small,
        total_public=False,
        hidden={i for i, f in enumerate(shown) if not f.exact},
    )


def _rate(numerator: Protected[int], denominator: Protected[int], small: int) -> Figure:
    if not (numerator.total_public and denominator.total_public):
        return HIDDEN_SHARE
    n, d = numerator.size, denominator.size
    return protect({"yes": n, "no": d - n}, small=small).share(["yes"])


def total_outcome_cells(rows: Sequence[OutcomeCells], small: int = SMALL) -> OutcomeCells:
    """The total of several rows (sites of a year, cohorts of /sorties)."""
    raws = [r.raw for r in rows if r.raw is not None]
    alumni = column_total([r.alumni for r in raws], [r.alumni for r in rows], small)
    respondents = column_total([r.respondents for r in raws], [r.respondents for r in rows], small)
    positive = column_total([r.positive for r in raws], [r.positive for r in rows], small)
    raw = None
    if raws:
        raw = raws[0]
        for r in raws[1:]:
            raw += r
    return OutcomeCells(
        alumni=alumni.total,
        respondents=respondents.total,
        positive=positive.total,
        response_rate=_rate(respondents, alumni, small),
        positive_among_respondents=_rate(positive, respondents, small),
        positive_among_all=_rate(positive, alumni, small),
        raw=raw,
    )


@dataclass(frozen=True)
class StageCells:
    """People at one stage of the funnel and the share of women among them."""

    count: Figure
    women_share: Figure
    women_value: float | None  # for a chart bar; None when it may not be drawn
    total: int = 0
    women: int = 0
    women_known: bool = False  # whether the number of women can be worked out from the row


def stage_cells(total: int, women: int, small: int = SMALL) -> StageCells:
    table = protect({"women": women, "others": total - women}, small=small)
    return StageCells(
        count=table.total,
        women_share=table.share(["women"]),
        women_value=table.value(["women"]),
        total=total,
        women=women,
        women_known=table.derivable(["women"]) and table.total.exact,
    )


def total_stage_cells(rows: Sequence[StageCells], small: int = SMALL) -> StageCells:
    """A stage's total over sites: the count as a bound when it would give a site's away, and
    the share of women only when neither the women nor the others of a masked site can be
    worked out from it."""
    people = column_total([r.total for r in rows], [r.count for r in rows], small)
    known = [Figure("exact", 0) if r.women_known else Figure("hidden") for r in rows]
    women = column_total([r.women for r in rows], known, small)
    others = column_total([r.total - r.women for r in rows], known, small)
    share, value = HIDDEN_SHARE, None
    if people.total_public and women.total_public and others.total_public:
        table = protect({"women": women.size, "others": others.size}, small=small)
        share, value = table.share(["women"]), table.value(["women"])
    return StageCells(
        count=people.total,
        women_share=share,
        women_value=value,
        total=people.size,
        women=women.size,
        women_known=share.exact,
    )
