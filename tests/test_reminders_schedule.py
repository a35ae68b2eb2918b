"""bot/core/schedule.py: the sending window (quiet hours), reminder times, nudges, backoff.

Times are written in Paris local time (`paris(...)`) and compared in UTC, as the outbox stores
them. 2026: summer time starts Sunday 29 March (02:00 -> 03:00), ends Sunday 25 October.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from bot.core.schedule import (
    Planned,
    ReminderOffsets,
    Window,
    backoff,
    before,
    format_duration,
    nudge_due,
    parse_duration,
    reminder_plan,
)

PARIS = ZoneInfo("Europe/Paris")
DAY = Window.parse("09:00-20:00")
H = dt.timedelta(hours=1)


def paris(month: int, day: int, hour: int, minute: int = 0, year: int = 2026) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, tzinfo=PARIS).astimezone(dt.UTC)


def plan(
    starts_at: dt.datetime,
    now: dt.datetime,
    window: Window = DAY,
    offsets: ReminderOffsets | None = None,
) -> dict[str, Planned]:
    plans = reminder_plan(
        starts_at=starts_at,
        now=now,
        offsets=offsets or ReminderOffsets(),
        window=window,
        tz=PARIS,
    )
    kinds = [p.kind for p in plans]
    assert len(kinds) == len(set(kinds))
    return {p.kind.removeprefix("sessions."): p for p in plans}


# ------------------------------------------------------------------------------ the window
@pytest.mark.parametrize(
    ("text", "start", "end"),
    [
        ("09:00-20:00", dt.time(9), dt.time(20)),
        (" 9:30 - 18:45 ", dt.time(9, 30), dt.time(18, 45)),
        ("22:00-06:00", dt.time(22), dt.time(6)),
        ("08:00-24:00", dt.time(8), dt.time(0)),
        ("00:00-00:00", dt.time(0), dt.time(0)),
    ],
)
def test_window_parse(text: str, start: dt.time, end: dt.time) -> None:
    window = Window.parse(text)
    assert (window.start, window.end) == (start, end)
    assert Window.parse(str(window)) == window


@pytest.mark.parametrize("text", ["", "9-20", "09:00", "25:00-20:00", "09:60-20:00", "a-b"])
def test_window_parse_refuses(text: str) -> None:
    with pytest.raises(ValueError, match="window like 09:00-20:00"):
        Window.parse(text)


def test_window_contains_start_but_not_end() -> None:
    assert not DAY.contains(paris(11, 25, 8, 59), PARIS)
    assert DAY.contains(paris(11, 25, 9), PARIS)
    assert DAY.contains(paris(11, 25, 19, 59), PARIS)
    assert not DAY.contains(paris(11, 25, 20), PARIS)
    assert not DAY.contains(paris(11, 25, 3), PARIS)


def test_window_is_local_time_in_winter_and_summer() -> None:
    # 08:30 UTC is 09:30 in Paris in winter (open) but 10:30 in summer; 07:30 UTC is 08:30 in
    # winter (closed) and 09:30 in summer (open)
    winter = dt.datetime(2026, 1, 15, 7, 30, tzinfo=dt.UTC)
    summer = dt.datetime(2026, 7, 15, 7, 30, tzinfo=dt.UTC)
    assert not DAY.contains(winter, PARIS)
    assert DAY.contains(summer, PARIS)


def test_window_over_midnight_and_always() -> None:
    night = Window.parse("22:00-06:00")
    assert night.contains(paris(11, 25, 23), PARIS)
    assert night.contains(paris(11, 25, 5, 59), PARIS)
    assert not night.contains(paris(11, 25, 6), PARIS)
    assert not night.contains(paris(11, 25, 12), PARIS)
    always = Window.parse("00:00-00:00")
    assert always.always
    assert all(always.contains(paris(11, 25, h), PARIS) for h in range(24))
    assert always.next_open(paris(11, 25, 3), PARIS) == paris(11, 25, 3)


def test_next_open_a_message_due_at_night_waits_for_the_morning() -> None:
    assert DAY.next_open(paris(11, 25, 10), PARIS) == paris(11, 25, 10)  # open: at once
    assert DAY.next_open(paris(11, 25, 6, 15), PARIS) == paris(11, 25, 9)  # same morning
    assert DAY.next_open(paris(11, 25, 20), PARIS) == paris(11, 26, 9)  # next morning
    assert DAY.next_open(paris(11, 25, 23, 59), PARIS) == paris(11, 26, 9)
    assert DAY.next_open(paris(12, 31, 21), PARIS) == paris(1, 1, 9, year=2027)
    night = Window.parse("22:00-06:00")
    assert night.next_open(paris(11, 25, 12), PARIS) == paris(11, 25, 22)


def test_next_open_across_daylight_saving_changes() -> None:
    # the night the clocks go forward and the night they go back: 09:00 local both mornings
    assert DAY.next_open(paris(3, 28, 23), PARIS) == paris(3, 29, 9)
    assert paris(3, 29, 9) == dt.datetime(2026, 3, 29, 7, 0, tzinfo=dt.UTC)
    assert DAY.next_open(paris(10, 24, 23), PARIS) == paris(10, 25, 9)
    assert paris(10, 25, 9) == dt.datetime(2026, 10, 25, 8, 0, tzinfo=dt.UTC)


def test_last_close_before_is_the_evening_before() -> None:
    assert DAY.last_close_before(paris(11, 25, 12), PARIS) == paris(11, 25, 12)  # open
    assert DAY.last_close_before(paris(11, 26, 7, 30), PARIS) == paris(11, 25, 19, 59)
    assert DAY.last_close_before(paris(11, 25, 20), PARIS) == paris(11, 25, 19, 59)
    assert DAY.last_close_before(paris(11, 25, 23, 30), PARIS) == paris(11, 25, 19, 59)
    assert DAY.last_close_before(paris(3, 29, 8), PARIS) == paris(3, 28, 19, 59)  # DST night


# ---------------------------------------------------------------------------- durations
@pytest.mark.parametrize(
    ("text", "delta", "back"),
    [
        ("24h", dt.timedelta(hours=24), "1d"),
        ("2h", dt.timedelta(hours=2), "2h"),
        ("90m", dt.timedelta(minutes=90), "90m"),
        ("90min", dt.timedelta(minutes=90), "90m"),
        ("3d", dt.timedelta(days=3), "3d"),
        ("3j", dt.timedelta(days=3), "3d"),
        (" 72H ", dt.timedelta(hours=72), "3d"),
    ],
)
def test_durations(text: str, delta: dt.timedelta, back: str) -> None:
    assert parse_duration(text) == delta
    assert format_duration(delta) == back
    assert parse_duration(back) == delta


@pytest.mark.parametrize("text", ["", "h", "2 hours", "-2h", "1.5h", "2w"])
def test_durations_refuse(text: str) -> None:
    with pytest.raises(ValueError, match="duration like"):
        parse_duration(text)


# ------------------------------------------------------------------------------ reminders
def test_j1_and_2h_at_their_offsets_and_the_staff_flag() -> None:
    starts = paris(11, 27, 14)  # Friday 14:00
    got = plan(starts, now=paris(11, 25, 10))
    assert got["reminder_j1"] == Planned("sessions.reminder_j1", paris(11, 26, 14), starts - 2 * H)
    assert got["reminder_2h"] == Planned(
        "sessions.reminder_2h", paris(11, 27, 12), starts - dt.timedelta(minutes=15)
    )
    assert got["unconfirmed"] == Planned("sessions.unconfirmed", paris(11, 26, 19, 30), starts)


def test_configured_offsets() -> None:
    offsets = ReminderOffsets(dt.timedelta(hours=48), dt.timedelta(hours=3), dt.time(18, 0))
    starts = paris(11, 27, 14)
    got = plan(starts, now=paris(11, 24, 10), offsets=offsets)
    assert got["reminder_j1"].due_at == paris(11, 25, 14)
    assert got["reminder_2h"].due_at == paris(11, 27, 11)
    assert got["unconfirmed"].due_at == paris(11, 26, 18)


def test_a_reminder_due_at_night_goes_out_the_evening_before() -> None:
    starts = paris(11, 27, 9, 30)  # Friday 09:30: 2 h before is 07:30, before the window opens
    got = plan(starts, now=paris(11, 25, 10))
    assert got["reminder_2h"].due_at == paris(11, 26, 19, 59)
    assert got["reminder_2h"].not_after == paris(11, 27, 9, 15)
    assert got["reminder_j1"].due_at == paris(11, 26, 9, 30)  # inside the window: unchanged


def test_a_night_reminder_booked_too_late_to_move_earlier_keeps_its_time() -> None:
    """Booked at 21:00 for 09:30 the next morning: the evening before is already past, so the
    2 h reminder keeps 07:30 and the dispatcher holds it to the 09:00 opening (before its
    not_after, 09:15). For a 09:00 session the opening is too late: it is dropped."""
    got = plan(paris(11, 27, 9, 30), now=paris(11, 26, 21))
    assert "reminder_j1" not in got  # Thursday 09:30 is past
    reminder = got["reminder_2h"]
    assert reminder.due_at == paris(11, 27, 7, 30)
    assert DAY.next_open(reminder.due_at, PARIS) <= reminder.not_after  # sent at 09:00

    early = plan(paris(11, 27, 9), now=paris(11, 26, 21))["reminder_2h"]
    assert early.due_at == paris(11, 27, 7)
    assert DAY.next_open(early.due_at, PARIS) > early.not_after  # too late: dropped


def test_nothing_past_is_planned() -> None:
    starts = paris(11, 25, 15)
    got = plan(starts, now=paris(11, 25, 12))  # booked 3 h before
    assert set(got) == {"reminder_2h"}
    assert got["reminder_2h"].due_at == paris(11, 25, 13)
    assert plan(starts, now=paris(11, 25, 13, 30)) == {}  # 1 h 30 before: nothing left
    assert plan(starts, now=paris(11, 25, 13)) == {}  # exactly at the 2 h mark: too late


def test_staff_flag_is_the_local_evening_before() -> None:
    # a Monday 10:00 session: flag on Sunday 19:30; booked Sunday 20:00, no flag any more
    monday = paris(11, 30, 10)
    assert plan(monday, now=paris(11, 28, 12))["unconfirmed"].due_at == paris(11, 29, 19, 30)
    assert "unconfirmed" not in plan(monday, now=paris(11, 29, 20))


def test_j1_keeps_the_local_hour_across_the_spring_change() -> None:
    """Sunday 29 March 09:30 (summer time) is 23 h after Saturday 09:30 (winter time). The J-1
    reminder is Saturday 09:30, inside the window, not 24 h earlier (08:30, outside, which
    would push it to Friday evening)."""
    starts = paris(3, 29, 9, 30)
    got = plan(starts, now=paris(3, 25, 12))
    assert got["reminder_j1"].due_at == paris(3, 28, 9, 30)
    assert starts - got["reminder_j1"].due_at == dt.timedelta(hours=23)
    assert got["reminder_2h"].due_at == paris(3, 28, 19, 59)  # 07:30 is at night
    assert got["unconfirmed"].due_at == paris(3, 28, 19, 30)


def test_j1_keeps_the_local_hour_across_the_autumn_change() -> None:
    starts = paris(10, 25, 14)  # Sunday 25 October, winter time again
    got = plan(starts, now=paris(10, 20, 12))
    assert got["reminder_j1"].due_at == paris(10, 24, 14)
    assert starts - got["reminder_j1"].due_at == dt.timedelta(hours=25)
    assert got["reminder_2h"].due_at == paris(10, 25, 12)
    assert starts - got["reminder_2h"].due_at == 2 * H  # hours are exact


def test_before_whole_days_on_the_calendar_hours_exact() -> None:
    starts = paris(3, 30, 10)
    assert before(starts, dt.timedelta(days=2), PARIS) == paris(3, 28, 10)  # 47 h
    assert before(starts, dt.timedelta(hours=30), PARIS) == starts - 30 * H
    assert before(starts, dt.timedelta(0), PARIS) == starts


def test_always_open_window_leaves_night_reminders_at_night() -> None:
    got = plan(paris(11, 27, 8), now=paris(11, 25, 10), window=Window.parse("00:00-00:00"))
    assert got["reminder_2h"].due_at == paris(11, 27, 6)


# ----------------------------------------------------------------------- nudges, backoff
def test_nudges_at_most_as_many_as_configured() -> None:
    last = paris(11, 25, 10)
    delays = (dt.timedelta(hours=24), dt.timedelta(hours=72))
    assert nudge_due(last, 1, delays) == paris(11, 26, 10)
    assert nudge_due(last, 2, delays) == paris(11, 28, 10)
    assert nudge_due(last, 3, delays) is None
    assert nudge_due(last, 0, delays) is None


def test_backoff_doubles_up_to_a_cap() -> None:
    base, cap = dt.timedelta(seconds=30), dt.timedelta(minutes=10)
    got = [backoff(n, base, cap).total_seconds() for n in range(0, 8)]
    assert got == [30, 30, 60, 120, 240, 480, 600, 600]
