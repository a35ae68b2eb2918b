"""The small-count rule (bot/core/disclosure.py) shared by the funders' report, /sorties and the
staff aggregates: "< 5" under five people, shares as bounds or "n/d", nothing recomputable by
subtraction."""

from __future__ import annotations

import itertools
from collections.abc import Collection

import pytest

from bot.core.disclosure import Figure, protect


def texts(parts: dict[str, int], keep: Collection[str] = ()) -> dict[str, str]:
    table = protect(parts, keep=keep)
    return {k: table.count([k]).text() for k in parts} | {"total": table.total.text()}


@pytest.mark.parametrize(
    ("people", "count", "share"),
    [
        (0, "< 5", "n/d"),
        (1, "< 5", "n/d"),
        (4, "< 5", "n/d"),  # a share of 4 people says nothing, not even a bound
        (5, "5", "100 %"),
    ],
)
def test_a_group_of_0_4_and_5_people(people: int, count: str, share: str) -> None:
    table = protect({"women": people, "others": 0})
    assert table.total.text() == count
    assert table.share(["women"]).text() == share
    assert table.value(["women"]) == (1.0 if people >= 5 else None)


@pytest.mark.parametrize(
    ("women", "others", "share", "drawn"),
    [
        (0, 5, "0 %", 0.0),  # 0 % of 5 people: fine to show and to draw
        (5, 0, "100 %", 1.0),  # 100 % of 5 people: fine too
        (0, 12, "0 %", 0.0),
        (5, 5, "50 %", 0.5),
        (1, 9, "< 50 %", None),  # 1 woman: only a bound, never drawn
        (4, 16, "< 25 %", None),
        (9, 1, "> 50 %", None),  # 1 other person: a bound from the other side
        (4, 1, "< 100 %", None),
    ],
)
def test_shares_are_exact_only_on_five_or_more_each_side(
    women: int, others: int, share: str, drawn: float | None
) -> None:
    table = protect({"women": women, "others": others})
    assert table.share(["women"]).text() == share
    assert table.value(["women"]) == drawn


def test_counts_under_five_show_as_less_than_five_zero_included() -> None:
    assert texts({"a": 0, "b": 3, "c": 7, "d": 12}) == {
        "a": "< 5",
        "b": "< 5",
        "c": "n/d",  # 3 alone would be 22 - 7 - 12: the smallest shown part goes too
        "d": "12",
        "total": "22",
    }


def test_complementary_suppression_hides_the_smallest_other_part() -> None:
    # one part under 5 next to a public total: recomputable, so a second part is withheld
    assert texts({"women": 6, "men": 7, "other": 1, "not_said": 3}, keep={"women"}) == {
        "women": "6",  # kept: the share against the target is the figure that matters
        "men": "n/d",
        "other": "< 5",
        "not_said": "< 5",
        "total": "17",
    }
    table = protect({"women": 6, "men": 7, "other": 1, "not_said": 3}, keep={"women"})
    assert table.share(["women"]).text() == "35 %"
    # zeros need no protection: nobody to single out
    assert texts({"women": 6, "men": 7, "other": 0}) == {
        "women": "6",
        "men": "7",
        "other": "< 5",
        "total": "13",
    }
    # two small parts that together make fewer than 5 are still recomputable as a pair
    assert texts({"a": 2, "b": 2, "c": 9, "d": 10})["c"] == "n/d"
    # two small parts making 5 or more: nothing more to hide
    assert texts({"a": 3, "b": 4, "c": 9}) == {"a": "< 5", "b": "< 5", "c": "9", "total": "16"}


def test_a_total_that_exists_only_in_the_table_becomes_a_bound() -> None:
    """The "Total" row of sites: Marcq's 1 would be 11 - 10, so the total is "≥ 10"."""
    table = protect({"gonesse": 10, "marcq": 1}, total_public=False)
    assert table.count(["gonesse"]).text() == "10"
    assert table.count(["marcq"]).text() == "< 5"
    assert table.total == Figure("at_least", 10)
    assert table.share(["gonesse"]).text() == "n/d"  # a share would give the total back
    assert protect({"gonesse": 10, "marcq": 0}, total_public=False).total.text() == "10"
    assert protect({"g": 10, "m": 3, "l": 4}, total_public=False).total.text() == "17"
    # a part already withheld elsewhere (a row's share) cannot come back through the total
    withheld = protect({"gonesse": 8, "marcq": 6}, total_public=False, hidden={"gonesse"})
    assert withheld.total.text() == "≥ 6"


def test_shares_inside_a_sub_group() -> None:
    # alumni: 6 positive, 5 other answers, 3 without an answer (withheld with the next smallest)
    table = protect({"positive": 6, "other": 5, "none": 3})
    assert table.total.text() == "14"
    assert table.count(["positive", "other"]).text() == "n/d"  # respondents: 14 - 3
    assert table.share(["positive"], of=["positive", "other"]).text() == "n/d"
    assert table.share(["positive"]).text() == "43 %"
    assert table.share(["positive", "other"]).text() == "> 64 %"
    with pytest.raises(ValueError):
        table.share(["positive"], of=["other"])
    with pytest.raises(KeyError):
        table.count(["nobody"])


@pytest.mark.parametrize("sizes", list(itertools.product(range(0, 8), repeat=3)))
def test_nothing_under_five_can_be_recomputed(sizes: tuple[int, int, int]) -> None:
    """Brute force over every 3-part table up to 7 per part: from the exact figures shown
    (parts, total, sums of parts), no part of 1 to 4 people can be worked out exactly, and no
    exact share rests on fewer than 5 people on either side."""
    parts = dict(zip("abc", sizes, strict=True))
    table = protect(parts)
    subsets = [frozenset(c) for n in range(1, 4) for c in itertools.combinations(parts, n)]
    exact = {s: table.count(s) for s in subsets}
    known = {s: f.value for s, f in exact.items() if f.exact}
    for key, n in parts.items():
        if 1 <= n < 5:
            assert frozenset(key) not in known
            for s, value in known.items():
                # a known sum with this part and one without it would differ by exactly it
                assert not (key in s and s - {key} in known and value - known[s - {key}] == n)
    for part in subsets:
        figure = table.share(part)
        if figure.exact:
            n = sum(parts[k] for k in part)
            total = sum(parts.values())
            assert (n == 0 or n >= 5) and (total - n == 0 or total - n >= 5)
