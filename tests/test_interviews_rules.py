"""The pure rules of interviews and their "iv:" buttons."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from bot.interviews import buttons
from bot.interviews.rules import (
    Typed,
    at_hour,
    day_code,
    day_of,
    parse_command,
    working_days,
)
from bot.sessions.rules import ArgumentError

PARIS = ZoneInfo("Europe/Paris")
NOW = dt.datetime(2026, 11, 27, 9, 0, tzinfo=dt.UTC)  # a Friday


def test_working_days_skip_the_weekend_and_start_tomorrow() -> None:
    days = working_days(dt.date(2026, 11, 27))
    assert days == [
        dt.date(2026, 11, 30),
        dt.date(2026, 12, 1),
        dt.date(2026, 12, 2),
        dt.date(2026, 12, 3),
        dt.date(2026, 12, 4),
    ]
    assert working_days(dt.date(2026, 11, 28), 1) == [dt.date(2026, 11, 30)]


def test_day_codes_and_hours() -> None:
    day = dt.date(2026, 12, 1)
    assert day_code(day) == 20261201 and day_of(20261201) == day
    with pytest.raises(ArgumentError):
        day_of(20261301)
    assert at_hour(day, 9, PARIS) == dt.datetime(2026, 12, 1, 8, 0, tzinfo=dt.UTC)
    for hour in (8, 18, 25):
        with pytest.raises(ArgumentError):
            at_hour(day, hour, PARIS)


def test_the_typed_command() -> None:
    assert parse_command(["12"], NOW, PARIS) == Typed(12)
    typed = parse_command(["#12", "01/12", "14h30", "Mairie", ";", "1 place X"], NOW, PARIS)
    assert typed.starts_at == dt.datetime(2026, 12, 1, 13, 30, tzinfo=dt.UTC)
    assert typed.place == ("Mairie", "1 place X")
    assert parse_command(["12", "01/12", "14:00"], NOW, PARIS).place is None
    for args, error in (
        ([], "usage"),
        (["Léa"], "usage"),
        (["12", "01/12"], "usage"),
        (["12", "32/12", "14:00"], "date"),
        (["12", "01/12", "25:00"], "time"),
        (["12", "27/11/2026", "09:00"], "past"),
    ):
        with pytest.raises(ArgumentError, match=error):
            parse_command(args, NOW, PARIS)


def test_buttons_round_trip_and_forged_ones_are_refused() -> None:
    for press in (
        buttons.PickDay(12, 20261201),
        buttons.PickHour(12, 20261201, 14),
        buttons.AtSite(12, 20261201, 14),
    ):
        data = buttons.encode(press)
        assert buttons.is_staff(data) and buttons.staff_press(data) == press
        assert buttons.candidate_press(data) is None
    for press in (buttons.Coming(3), buttons.Change(3), buttons.Cannot(3)):
        data = buttons.encode(press)
        assert not buttons.is_staff(data) and buttons.candidate_press(data) == press
    assert buttons.encode(buttons.Coming(3)) == "iv:yes:3"
    assert buttons.decode("iv:yes:-3") is None
    assert buttons.decode("iv:yes:x") is None
    assert buttons.staff_press("iv:d:1") is None
