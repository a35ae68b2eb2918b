"""Aggregates for staff: "< 5" under five people, shares as bounds, QPV data file."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import DEFAULT_QPV_FILE
from bot.core.diversity import (
    GenderCounts,
    QpvError,
    Share,
    gender_counts,
    load_qpv,
    masked,
    masked_counts,
    qpv_share,
)


def test_counts_under_five_are_masked() -> None:
    assert [masked(n) for n in (0, 1, 4, 5, 17)] == ["< 5", "< 5", "< 5", "5", "17"]
    assert masked(2, small=3) == "< 3"
    # 5 + two under 5 make 7, which staff see: "ml" is withheld too, or "-" and "tiktok"
    # together (2) would be 7 - 5 (complementary suppression)
    assert masked_counts(["ml", "ml", None, "ml", "ml", "ml", "tiktok"], none_label="-") == [
        ("ml", "–"),
        ("-", "< 5"),
        ("tiktok", "< 5"),
    ]


def test_gender_counts_and_women_share() -> None:
    counts = gender_counts(["femme"] * 6 + ["homme"] * 7 + ["autre", "no_answer", None, "x"])
    assert counts == GenderCounts(women=6, men=7, other=1, not_said=3)
    assert counts.total == 17
    assert counts.shown() == {
        "women": "6",
        "men": "–",  # else other + not said = 17 - 6 - 7 = 4: the smallest shown after women goes
        "other": "< 5",
        "not_said": "< 5",
        "total": "17",
    }
    share = counts.women_share(0.40)
    assert share.text == "35 %" and share.exact and share.below_target is True


@pytest.mark.parametrize(
    ("part", "total", "text", "below"),
    [
        (0, 0, "–", None),
        (2, 4, "–", None),  # the group itself is under 5: nothing is said
        (3, 10, "< 50 %", None),  # 3 women: only a bound, which straddles the 40 % target
        (2, 20, "< 25 %", True),  # a bound under the target says "below" without saying more
        (4, 20, "< 25 %", True),
        (8, 10, "> 50 %", False),  # 2 others: only a bound
        (5, 10, "50 %", False),
        (6, 15, "40 %", False),
    ],
)
def test_share_text_never_reveals_fewer_than_five(
    part: int, total: int, text: str, below: bool | None
) -> None:
    share = Share(part, total, 0.40)
    assert share.text == text and share.below_target is below
    assert share.exact == (text.endswith("%") and text[0].isdigit())


def test_the_shipped_qpv_list() -> None:
    qpv = load_qpv(DEFAULT_QPV_FILE)
    assert qpv.contains("95500") and qpv.contains("59100") and not qpv.contains("75007")
    assert not qpv.contains(None) and not qpv.contains(95500)
    assert set(qpv.postcodes.values()) == {"partial"}
    assert "2023-1314" in qpv.source
    share = qpv_share(["95500"] * 5 + ["75007"] * 5, qpv)
    assert share.text == "50 %" and share.below_target is None


def test_a_bad_qpv_file_is_named(tmp_path: Path) -> None:
    path = tmp_path / "qpv.toml"
    path.write_text('[postcodes]\n"955" = { coverage = "partial" }\n', "utf-8")
    with pytest.raises(QpvError, match="5-digit"):
        load_qpv(path)
    path.write_text('[postcodes]\n"95500" = { coverage = "most" }\n', "utf-8")
    with pytest.raises(QpvError, match="whole or partial"):
        load_qpv(path)
