"""bot/sessions/buttons.py: every "s:" string the bot has sent keeps decoding to the same press."""

from __future__ import annotations

import re

import pytest

from bot.sessions.buttons import (
    SESSIONS,
    Attendees,
    Book,
    Cancel,
    CancelNo,
    CancelSession,
    CancelSessionNo,
    CancelSessionYes,
    CancelYes,
    CandidatePress,
    Change,
    Confirm,
    EditSession,
    JoinWaitlist,
    MarkAttendance,
    ShowOffer,
    StaffPress,
    candidate_press,
    encode,
    is_staff,
    staff_press,
)

# Today's wire formats (as sent before the codec): candidates' then staff's.
CANDIDATE = [
    ("s:offer", ShowOffer()),  # sent by staff decisions and re-engagement
    ("s:book:12", Book(12)),
    ("s:wait", JoinWaitlist()),
    ("s:yes:7", Confirm(7)),
    ("s:chg:7", Change(7)),
    ("s:cxl:7", Cancel(7)),
    ("s:cxy:7", CancelYes(7)),
    ("s:cxn:7", CancelNo(7)),
]
STAFF = [
    ("s:ls:3", Attendees(3)),
    ("s:se:3", EditSession(3)),
    ("s:sx:3", CancelSession(3)),
    ("s:sxy:3", CancelSessionYes(3)),
    ("s:sxn:3", CancelSessionNo(3)),
    ("s:at:9:y", MarkAttendance(9, "y")),
    ("s:at:9:n", MarkAttendance(9, "n")),
]


@pytest.mark.parametrize(("data", "press"), CANDIDATE)
def test_candidate_strings_decode_and_encode_as_today(data: str, press: CandidatePress) -> None:
    assert candidate_press(data) == press
    assert staff_press(data) is None
    assert not is_staff(data)
    assert encode(press) == data


@pytest.mark.parametrize(("data", "press"), STAFF)
def test_staff_strings_decode_and_encode_as_today(data: str, press: StaffPress) -> None:
    assert staff_press(data) == press
    assert candidate_press(data) is None
    assert is_staff(data)
    assert encode(press) == data


def test_an_attendance_without_mark_decodes_as_it_was_read() -> None:
    # "s:at:<id>" was read with an empty mark (which counted as absent): it still is.
    assert staff_press("s:at:9") == MarkAttendance(9, "")


@pytest.mark.parametrize(
    "data",
    ["s:book", "s:book:x", "s:book:-1", "s:book:1:2", "s:chg:", "s:zz:1", "s:", "st:book:1"],
)
def test_malformed_or_forged_candidate_strings_decode_to_nothing(data: str) -> None:
    assert candidate_press(data) is None


@pytest.mark.parametrize("data", ["s:ls", "s:ls:x", "s:sx:-3", "s:at:x:y", "s:sxy:1:2"])
def test_malformed_staff_strings_are_still_staff_buttons(data: str) -> None:
    # the staff gate decides on the code alone: a non-staff press gets the unknown-button answer
    assert is_staff(data)
    assert staff_press(data) is None


def test_the_handler_pattern_is_the_prefix_only() -> None:
    assert re.match(SESSIONS.pattern, "s:book:1")
    assert not re.match(SESSIONS.pattern, "st:c:1")
    assert not re.match(SESSIONS.pattern, "sessions")
