"""The staff "st:" buttons: every string the bot has sent decodes to the same button, and
encoding gives back exactly that string (buttons stay in staff chats for months)."""

from __future__ import annotations

import re

import pytest

from bot.core.pipeline import Stage
from bot.pipeline import buttons as st
from bot.pipeline.buttons import (
    Card,
    Decide,
    Export,
    ExportShortlist,
    Move,
    Note,
    Notes,
    OverCapacity,
    ShowShortlist,
    SiteReport,
    StaffButton,
)

# Today's formats, as bot/pipeline (review, cards, moves, cohorts, shortlist, exports, report)
# builds them.
TODAY = [
    ("st:c:12", Card(12)),  # search results, review items: a candidate's card
    ("st:r:12:c", Decide(12, "c")),  # review: confirm the result
    ("st:r:12:o", Decide(12, "o")),  # review: overturn it (the candidate is told)
    ("st:r:12:h", Decide(12, "h")),  # a /humain request handled
    ("st:m:12:interview", Move(12, "interview")),  # the card's move buttons
    ("st:m:12:admitted", Move(12, "admitted")),
    ("st:m:12:admitted:3", Move(12, "admitted", 3)),  # ... into a cohort chosen
    ("st:m:12:waitlisted:3", Move(12, "waitlisted", 3)),
    ("st:mo:12:3", OverCapacity(12, 3)),  # admit over capacity (admins)
    ("st:n:12", Note(12)),  # how to write a note
    ("st:nl:12:0", Notes(12, 0)),  # all notes, first page
    ("st:nl:12:2", Notes(12, 2)),  # older notes
    ("st:p:gonesse", SiteReport("gonesse")),  # /pipeline for one site
    ("st:s:3", ShowShortlist(3)),  # /cohortes, a new cohort, the /shortlist picker
    ("st:xs:3", ExportShortlist(3)),  # the /export shortlist picker
    ("st:x:p", Export("p")),  # /export menu: the pipeline CSV
    ("st:x:g", Export("g")),  # the chart
    ("st:x:s", Export("s")),  # a shortlist: the cohort picker
    ("st:x:s:3", Export("s", 3)),  # under a shortlist: its CSV
]


@pytest.mark.parametrize(("data", "button"), TODAY)
def test_todays_strings_decode_and_encode_as_always(data: str, button: StaffButton) -> None:
    assert st.decode(data) == button
    assert st.encode(button) == data
    assert re.match(st.PATTERN, data)


@pytest.mark.parametrize(
    "data",
    [
        "st",
        "st:",
        "st:c",
        "st:c:abc",
        "st:c:1:2",
        "st:c:-1",
        "st:m:1",
        "st:m:1:admitted:x",
        "st:mo:1",
        "st:nl:1:x",
        "st:nl:1:-1",
        "st:zz:1",
        "st:x",
        "s:book:1",
        "fu:p:1:2",
        "",
    ],
)
def test_malformed_or_foreign_strings_decode_to_nothing(data: str) -> None:
    assert st.decode(data) is None


def test_the_pattern_is_the_prefix_only() -> None:
    assert not re.match(st.PATTERN, "s:book:1") and not re.match(st.PATTERN, "stop")


def test_the_longest_buttons_fit_in_64_bytes() -> None:
    big = 10**12
    for stage in Stage:
        assert len(st.encode(Move(big, stage.value, big)).encode()) <= 64
    assert len(st.encode(OverCapacity(big, big)).encode()) <= 64
