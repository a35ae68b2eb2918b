"""bot/sessions/rules.py: which sessions are offered, staff command arguments (dates in words:
tests/test_kernel_rendering.py)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from bot.sessions.rules import (
    MAX_OFFERED,
    ArgumentError,
    NewSession,
    SessionEdit,
    Slot,
    map_link,
    offer,
    parse_date_time,
    parse_new_session,
    parse_session_edit,
)

PARIS = ZoneInfo("Europe/Paris")
NOW = dt.datetime(2026, 11, 25, 9, 0, tzinfo=dt.UTC)  # Wednesday 10:00 in Paris
SITES = ("gonesse", "marcq")
H = dt.timedelta(hours=1)


def slot(
    id_: int, hours_ahead: float, capacity: int = 10, booked: int = 0, status: str = "scheduled"
) -> Slot:
    return Slot(id_, "gonesse", NOW + dt.timedelta(hours=hours_ahead), capacity, booked, status)


def ids(slots: list[Slot], **kwargs: int) -> list[int]:
    return [s.id for s in offer(slots, NOW, **kwargs).slots]


def words(text: str) -> list[str]:
    """A command's arguments, as PTB splits them."""
    return text.split()


def paris(month: int, day: int, hour: int, minute: int = 0, year: int = 2026) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, tzinfo=PARIS).astimezone(dt.UTC)


# ------------------------------------------------------------------------------ the offer
def test_24h_ahead_first_in_date_order_then_the_sooner_ones() -> None:
    slots = [slot(1, 5), slot(2, 100), slot(3, 30), slot(4, 23), slot(5, 24)]
    assert ids(slots) == [5, 3, 2, 1]  # 24 h, 30 h, 100 h, then 5 h; 23 h is the fifth
    assert ids(slots, limit=10) == [5, 3, 2, 1, 4]


def test_at_most_four() -> None:
    slots = [slot(i, 24 + i) for i in range(1, 9)]
    assert MAX_OFFERED == 4
    assert ids(slots) == [1, 2, 3, 4]


def test_sooner_sessions_when_nothing_is_24h_ahead() -> None:
    assert ids([slot(1, 20), slot(2, 3)]) == [2, 1]


def test_nothing_within_2_hours() -> None:
    assert ids([slot(1, 1.99), slot(2, 2), slot(3, 0.5), slot(4, -3)]) == [2]


def test_full_and_cancelled_sessions_are_not_offered() -> None:
    slots = [
        slot(1, 30, capacity=5, booked=5),
        slot(2, 40, capacity=5, booked=7),  # over-booked by hand: still full, never negative
        slot(3, 50, status="cancelled"),
        slot(4, 60, capacity=5, booked=4),
    ]
    got = offer(slots, NOW)
    assert [s.id for s in got.slots] == [4]
    assert got.slots[0].free == 1
    assert slots[1].free == 0
    assert not got.all_full


def test_all_full_offers_the_waitlist() -> None:
    got = offer([slot(1, 30, capacity=2, booked=2), slot(2, 5, capacity=1, booked=1)], NOW)
    assert got.slots == () and got.all_full


def test_nothing_planned_is_not_all_full() -> None:
    # nothing at all, or only sessions too soon, past or cancelled: "no session planned yet"
    for slots in ([], [slot(1, 1, capacity=1, booked=1)], [slot(2, 30, status="cancelled")]):
        got = offer(slots, NOW)
        assert got.slots == () and not got.all_full


def test_exclude_the_current_session_when_changing() -> None:
    slots = [slot(1, 30), slot(2, 40)]
    assert ids(slots, exclude=1) == [2]
    only = offer([slot(1, 30)], NOW, exclude=1)
    assert only.slots == () and not only.all_full


def test_map_link() -> None:
    assert map_link("3 rue de Paris, 95500 Gonesse") == (
        "https://www.openstreetmap.org/search?query=3+rue+de+Paris%2C+95500+Gonesse"
    )
    assert map_link("x", "https://maps.example/1") == "https://maps.example/1"


# --------------------------------------------------------------------------- date and time
@pytest.mark.parametrize(
    ("date", "time", "expected"),
    [
        ("03/12", "14:00", paris(12, 3, 14)),
        ("3/12", "14h", paris(12, 3, 14)),
        ("03/12", "9h30", paris(12, 3, 9, 30)),
        ("03/12/2027", "14H15", paris(12, 3, 14, 15, year=2027)),
        ("03/12/27", "14:00", paris(12, 3, 14, year=2027)),
        ("25/11", "08:00", paris(11, 25, 8)),  # today stays this year (earlier hour: past)
        ("10/01", "10:00", paris(1, 10, 10, year=2027)),  # a day already gone: next year
        ("01/07", "10:00", paris(7, 1, 10, year=2027)),  # summer time next year
    ],
)
def test_parse_date_time(date: str, time: str, expected: dt.datetime) -> None:
    assert parse_date_time(date, time, NOW, PARIS) == expected


@pytest.mark.parametrize(
    ("date", "time", "error"),
    [
        ("3 décembre", "14:00", "date"),
        ("31/11", "14:00", "date"),
        ("03/13", "14:00", "date"),
        ("03/12", "midi", "time"),
        ("03/12", "25:00", "time"),
        ("03/12", "14:75", "time"),
    ],
)
def test_parse_date_time_refuses(date: str, time: str, error: str) -> None:
    with pytest.raises(ArgumentError) as info:
        parse_date_time(date, time, NOW, PARIS)
    assert str(info.value) == error


# ---------------------------------------------------------------------- /nouvelle_session
def test_parse_new_session() -> None:
    args = words("Gonesse 03/12 14:00 12 FabNum Gonesse ; 3 rue de Paris, 95500 Gonesse")
    assert parse_new_session(args, SITES, NOW, PARIS) == NewSession(
        "gonesse", paris(12, 3, 14), 12, "FabNum Gonesse", "3 rue de Paris, 95500 Gonesse"
    )
    same = parse_new_session(words("marcq 04/12 10h 5 Salle 2"), SITES, NOW, PARIS)
    assert (same.place, same.address) == ("Salle 2", "Salle 2")


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("gonesse 03/12 14:00 12", "usage"),
        ("", "usage"),
        ("lyon 03/12 14:00 12 Salle", "site"),
        ("gonesse 25/11 08:00 12 Salle", "past"),
        ("gonesse 03/12 14:00 0 Salle", "capacity"),
        ("gonesse 03/12 14:00 501 Salle", "capacity"),
        ("gonesse 03/12 14:00 douze Salle", "capacity"),
        ("gonesse 03/12 14:00 12 ; rue", "place"),
        ("gonesse 03/12 14:00 12 Salle ;", "place"),
        ("gonesse 03/12 14:00 12 " + "x" * 301, "place"),
    ],
)
def test_parse_new_session_refuses(text: str, error: str) -> None:
    with pytest.raises(ArgumentError) as info:
        parse_new_session(text.split(), SITES, NOW, PARIS)
    assert str(info.value) == error


# ---------------------------------------------------------------------- /modifier_session
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("7", SessionEdit(7)),
        ("#7 04/12 15:00", SessionEdit(7, date_text="04/12", time_text="15:00")),
        ("7 04/12 15", SessionEdit(7, date_text="04/12", time_text="15")),  # as /nouvelle_session
        ("7 04/12", SessionEdit(7, date_text="04/12")),
        ("7 15h30", SessionEdit(7, time_text="15h30")),
        ("7 places 15", SessionEdit(7, capacity=15)),
        ("7 seats 15", SessionEdit(7, capacity=15)),
        ("7 15", SessionEdit(7, capacity=15)),
        ("7 langue EN", SessionEdit(7, language="en")),
        ("7 fr", SessionEdit(7, language="fr")),
        ("7 lieu Salle 2 ; 3 rue X", SessionEdit(7, place="Salle 2", address="3 rue X")),
        ("7 address Room 2", SessionEdit(7, place="Room 2", address="Room 2")),
        (
            "7 04/12 15:00 20 Salle 2 ; 3 rue X",  # /nouvelle_session's order, without the site
            SessionEdit(7, "04/12", "15:00", 20, "Salle 2", "3 rue X"),
        ),
        ("7 places 20 en 16h", SessionEdit(7, time_text="16h", capacity=20, language="en")),
    ],
)
def test_parse_session_edit(text: str, expected: SessionEdit) -> None:
    edit = parse_session_edit(text.split())
    assert edit == expected
    assert edit.empty == (text == "7")


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("", "usage"),
        ("gonesse 04/12", "usage"),
        ("7 demain", "usage"),  # a typo never becomes a place
        ("7 15h 16h", "usage"),  # twice the same thing
        ("7 places", "capacity"),
        ("7 places 0", "capacity"),
        ("7 places 501", "capacity"),
        ("7 langue de", "language"),
        ("7 langue", "language"),
        ("7 lieu", "place"),
        ("7 lieu ; rue", "place"),
    ],
)
def test_parse_session_edit_refuses(text: str, error: str) -> None:
    with pytest.raises(ArgumentError) as info:
        parse_session_edit(text.split())
    assert str(info.value) == error


def test_new_start_keeps_what_is_not_given() -> None:
    current = paris(11, 27, 14)
    assert SessionEdit(7).new_start(current, NOW, PARIS) is None
    assert SessionEdit(7, time_text="16h30").new_start(current, NOW, PARIS) == paris(11, 27, 16, 30)
    assert SessionEdit(7, date_text="28/11").new_start(current, NOW, PARIS) == paris(11, 28, 14)
    both = SessionEdit(7, date_text="04/12/2026", time_text="9h")
    assert both.new_start(current, NOW, PARIS) == paris(12, 4, 9)


def test_new_start_refuses_the_past_and_bad_values() -> None:
    current = paris(11, 25, 14)  # today 14:00; it is 10:00
    with pytest.raises(ArgumentError, match="past"):
        SessionEdit(7, time_text="9h").new_start(current, NOW, PARIS)
    with pytest.raises(ArgumentError, match="date"):
        SessionEdit(7, date_text="31/11").new_start(current, NOW, PARIS)
    with pytest.raises(ArgumentError, match="time"):
        SessionEdit(7, date_text="03/12", time_text="24:00").new_start(current, NOW, PARIS)
