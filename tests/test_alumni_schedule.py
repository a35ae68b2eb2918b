"""Follow-up schedule: month ends, leap years, daylight saving, reminders, call list."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from bot.core.followup import (
    FollowupPolicy,
    Progress,
    State,
    add_months,
    call_time,
    followup_end,
    local_instant,
    reminder_times,
    reminders_due,
    schedule,
    state,
)

PARIS = ZoneInfo("Europe/Paris")
POLICY = FollowupPolicy()
D = dt.date


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (D(2026, 1, 31), 1, D(2026, 2, 28)),
        (D(2027, 8, 31), 6, D(2028, 2, 29)),  # leap year
        (D(2026, 8, 31), 6, D(2027, 2, 28)),
        (D(2028, 2, 29), 12, D(2029, 2, 28)),
        (D(2026, 10, 31), 3, D(2027, 1, 31)),
        (D(2026, 11, 30), 3, D(2027, 2, 28)),
        (D(2026, 12, 15), 0, D(2026, 12, 15)),
        (D(2026, 3, 31), -1, D(2026, 2, 28)),
        (D(2028, 3, 31), -25, D(2026, 2, 28)),
        (D(2026, 12, 31), 12, D(2027, 12, 31)),
    ],
)
def test_add_months_clamps_to_month_end(day: dt.date, months: int, expected: dt.date) -> None:
    assert add_months(day, months) == expected


def test_schedule_j0_3_6_12_at_ten_local_across_dst() -> None:
    milestones = schedule(D(2026, 12, 31), POLICY, PARIS)
    assert [m.months for m in milestones] == [0, 3, 6, 12]
    assert [m.day for m in milestones] == [
        D(2026, 12, 31),
        D(2027, 3, 31),
        D(2027, 6, 30),
        D(2027, 12, 31),
    ]
    # 10:00 in Paris: 09:00 UTC in winter, 08:00 UTC in summer (after 28 March 2027)
    assert [m.due_at.hour for m in milestones] == [9, 8, 8, 9]
    for m in milestones:
        assert m.due_at.tzinfo is dt.UTC
        assert m.due_at.astimezone(PARIS).hour == 10


def test_nonexistent_and_ambiguous_local_hours() -> None:
    # 2027-03-28 02:30 does not exist in Paris: moved forward to 03:30 (01:30 UTC)
    spring = local_instant(D(2027, 3, 28), 2, PARIS)
    assert spring == dt.datetime(2027, 3, 28, 1, 0, tzinfo=dt.UTC)
    assert spring.astimezone(PARIS).hour == 3
    # 2026-10-25 02:00 happens twice: the first one (00:00 UTC)
    autumn = local_instant(D(2026, 10, 25), 2, PARIS)
    assert autumn == dt.datetime(2026, 10, 25, 0, 0, tzinfo=dt.UTC)


def test_reminders_keep_the_local_hour_over_a_dst_change() -> None:
    due = local_instant(D(2027, 3, 25), 10, PARIS)  # Thursday before the change
    first, second = reminder_times(due, POLICY, PARIS)
    assert first.astimezone(PARIS) == dt.datetime(2027, 3, 28, 10, tzinfo=PARIS)
    assert second.astimezone(PARIS) == dt.datetime(2027, 4, 1, 10, tzinfo=PARIS)
    assert second - due == dt.timedelta(days=7, hours=-1)  # one hour less in UTC
    assert call_time(due, POLICY, PARIS).astimezone(PARIS).date() == D(2027, 4, 4)


def test_states_and_reminders_over_time() -> None:
    due = local_instant(D(2027, 1, 4), 10, PARIS)
    progress = Progress(due_at=due)
    before = due - dt.timedelta(minutes=1)
    assert state(progress, before, POLICY, PARIS) is State.SCHEDULED
    assert state(progress, due, POLICY, PARIS) is State.WAITING
    assert reminders_due(progress, 0, due + dt.timedelta(days=2), POLICY, PARIS) == 0
    assert reminders_due(progress, 0, due + dt.timedelta(days=3), POLICY, PARIS) == 1
    assert reminders_due(progress, 1, due + dt.timedelta(days=3), POLICY, PARIS) == 0
    assert reminders_due(progress, 1, due + dt.timedelta(days=7), POLICY, PARIS) == 1
    assert reminders_due(progress, 0, due + dt.timedelta(days=8), POLICY, PARIS) == 2
    assert state(progress, due + dt.timedelta(days=9), POLICY, PARIS) is State.WAITING
    assert state(progress, due + dt.timedelta(days=10), POLICY, PARIS) is State.CALL
    answered = Progress(due_at=due, answered=True)
    assert state(answered, due + dt.timedelta(days=30), POLICY, PARIS) is State.ANSWERED
    assert reminders_due(answered, 0, due + dt.timedelta(days=8), POLICY, PARIS) == 0
    blocked = Progress(due_at=due, unreachable=True)
    assert state(blocked, due + dt.timedelta(days=1), POLICY, PARIS) is State.UNREACHABLE
    assert reminders_due(blocked, 0, due + dt.timedelta(days=8), POLICY, PARIS) == 0


def test_configurable_policy() -> None:
    policy = FollowupPolicy(milestones_months=(0, 6), reminder_days=(2,), call_after_days=4)
    assert [m.months for m in schedule(D(2027, 1, 1), policy, PARIS)] == [0, 6]
    assert followup_end(D(2027, 1, 1), policy) == D(2027, 7, 5)
    assert followup_end(D(2027, 1, 1), POLICY) == D(2028, 1, 11)
    for bad in (
        {"milestones_months": ()},
        {"milestones_months": (3, 0)},
        {"milestones_months": (-1, 3)},
        {"reminder_days": (7, 3)},
        {"reminder_days": (0,)},
        {"call_after_days": 7},
        {"send_hour": 24},
    ):
        with pytest.raises(ValueError):
            FollowupPolicy(**bad)  # type: ignore[arg-type]
