"""When to ask alumni where they are: milestones after the exit date, reminders, then a call.

Pure: dates in, dates out. A milestone is due at `send_hour` local time on the exit date plus N
calendar months (clamped to the month's last day: 31 August + 6 months is 28 or 29 February), so
the time stays 10:00 in Paris on both sides of a daylight-saving change; the UTC instant moves.
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass
from enum import StrEnum
from zoneinfo import ZoneInfo


@dataclass(frozen=True)
class FollowupPolicy:
    milestones_months: tuple[int, ...] = (0, 3, 6, 12)
    report_milestone: int = 6
    reminder_days: tuple[int, ...] = (3, 7)
    call_after_days: int = 10
    send_hour: int = 10

    def __post_init__(self) -> None:
        if not self.milestones_months or list(self.milestones_months) != sorted(
            set(self.milestones_months)
        ):
            raise ValueError("milestones_months must be increasing and not empty")
        if any(m < 0 for m in self.milestones_months):
            raise ValueError("milestones_months cannot be negative")
        if list(self.reminder_days) != sorted(set(self.reminder_days)) or any(
            d <= 0 for d in self.reminder_days
        ):
            raise ValueError("reminder_days must be increasing positive numbers")
        if self.reminder_days and self.call_after_days <= self.reminder_days[-1]:
            raise ValueError("call_after_days must come after the last reminder")
        if not 0 <= self.send_hour <= 23:
            raise ValueError("send_hour must be between 0 and 23")

    @property
    def last_milestone(self) -> int:
        return self.milestones_months[-1]


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day `months` later (or earlier), clamped to the last day of the target month."""
    index = day.year * 12 + (day.month - 1) + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return dt.date(year, month + 1, min(day.day, last))


def local_instant(day: dt.date, hour: int, tz: ZoneInfo) -> dt.datetime:
    """`hour`:00 local time on `day`, as an aware UTC datetime.

    On the spring-forward day an hour that does not exist (02:xx in Paris) is moved forward by the
    gap; on the fall-back day an ambiguous hour takes its first occurrence (fold=0).
    """
    naive = dt.datetime(day.year, day.month, day.day, hour)
    local = naive.replace(tzinfo=tz)
    # A non-existent local time does not round-trip through UTC: normalise it.
    round_trip = local.astimezone(dt.UTC).astimezone(tz)
    if round_trip.replace(tzinfo=None) != naive:
        local = round_trip
    return local.astimezone(dt.UTC)


@dataclass(frozen=True)
class Milestone:
    months: int
    day: dt.date  # local date of the survey
    due_at: dt.datetime  # UTC


def schedule(exit_day: dt.date, policy: FollowupPolicy, tz: ZoneInfo) -> list[Milestone]:
    """Every survey of one alumnus, in order."""
    return [
        Milestone(
            m, add_months(exit_day, m), local_instant(add_months(exit_day, m), policy.send_hour, tz)
        )
        for m in policy.milestones_months
    ]


def reminder_times(due_at: dt.datetime, policy: FollowupPolicy, tz: ZoneInfo) -> list[dt.datetime]:
    """When reminders go out: N local days after the survey's day, at the same local hour."""
    day = due_at.astimezone(tz).date()
    return [
        local_instant(day + dt.timedelta(days=d), policy.send_hour, tz)
        for d in policy.reminder_days
    ]


def call_time(due_at: dt.datetime, policy: FollowupPolicy, tz: ZoneInfo) -> dt.datetime:
    day = due_at.astimezone(tz).date()
    return local_instant(day + dt.timedelta(days=policy.call_after_days), policy.send_hour, tz)


class State(StrEnum):
    SCHEDULED = "scheduled"  # not due yet
    WAITING = "waiting"  # asked, no answer yet
    CALL = "call"  # no answer after the reminders: staff should call
    ANSWERED = "answered"
    UNREACHABLE = "unreachable"  # blocked the bot, or asked to stop


@dataclass(frozen=True)
class Progress:
    """What is known about one survey of one alumnus."""

    due_at: dt.datetime
    answered: bool = False
    unreachable: bool = False


def state(progress: Progress, now: dt.datetime, policy: FollowupPolicy, tz: ZoneInfo) -> State:
    if progress.answered:
        return State.ANSWERED
    if progress.unreachable:
        return State.UNREACHABLE
    if now < progress.due_at:
        return State.SCHEDULED
    if now >= call_time(progress.due_at, policy, tz):
        return State.CALL
    return State.WAITING


def reminders_due(
    progress: Progress, sent: int, now: dt.datetime, policy: FollowupPolicy, tz: ZoneInfo
) -> int:
    """How many reminders should have gone out by `now` minus those `sent` (0 when none is due)."""
    if progress.answered or progress.unreachable:
        return 0
    due = sum(1 for t in reminder_times(progress.due_at, policy, tz) if t <= now)
    return max(0, due - sent)


def followup_end(exit_day: dt.date, policy: FollowupPolicy) -> dt.date:
    """The last day of the follow-up: the last survey's day plus its call window."""
    return add_months(exit_day, policy.last_milestone) + dt.timedelta(days=policy.call_after_days)
