"""When messages go out: the sending window (quiet hours), reminder and nudge times. Pure.

All datetimes are timezone-aware; local rules (the window, "the day before at 18:00") are
applied in the programme's time zone, so daylight saving changes are handled by zoneinfo.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from zoneinfo import ZoneInfo

_WINDOW_RE = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")
_DURATION_RE = re.compile(r"^\s*(\d+)\s*(m|min|h|d|j)\s*$", re.IGNORECASE)


@dataclass(frozen=True)
class Window:
    """Local hours when the bot may send unsolicited messages, e.g. 09:00-20:00.

    `start == end` means always open ("00:00-00:00"); start after end spans midnight."""

    start: dt.time
    end: dt.time

    @classmethod
    def parse(cls, text: str) -> Window:
        match = _WINDOW_RE.match(text)
        if match is None:
            raise ValueError(f"{text!r} is not a window like 09:00-20:00")
        h1, m1, h2, m2 = (int(g) for g in match.groups())
        if h2 == 24 and m2 == 0:
            h2 = 0
        if not (0 <= h1 < 24 and 0 <= h2 < 24 and m1 < 60 and m2 < 60):
            raise ValueError(f"{text!r} is not a window like 09:00-20:00")
        return cls(dt.time(h1, m1), dt.time(h2, m2))

    def __str__(self) -> str:
        return f"{self.start:%H:%M}-{self.end:%H:%M}"

    @property
    def always(self) -> bool:
        return self.start == self.end

    def contains(self, moment: dt.datetime, tz: ZoneInfo) -> bool:
        if self.always:
            return True
        local = moment.astimezone(tz).time()
        if self.start < self.end:
            return self.start <= local < self.end
        return local >= self.start or local < self.end

    def next_open(self, moment: dt.datetime, tz: ZoneInfo) -> dt.datetime:
        """`moment` if the window is open then, else the next time it opens (UTC)."""
        if self.contains(moment, tz):
            return moment
        local = moment.astimezone(tz)
        candidate = dt.datetime.combine(local.date(), self.start, tzinfo=tz)
        if candidate <= local:
            candidate = dt.datetime.combine(
                local.date() + dt.timedelta(days=1), self.start, tzinfo=tz
            )
        return candidate.astimezone(dt.UTC)

    def last_close_before(self, moment: dt.datetime, tz: ZoneInfo) -> dt.datetime:
        """The last instant the window was open at or before `moment` (UTC)."""
        if self.contains(moment, tz):
            return moment
        local = moment.astimezone(tz)
        close = dt.datetime.combine(local.date(), self.end, tzinfo=tz)
        if close > local:
            close = dt.datetime.combine(local.date() - dt.timedelta(days=1), self.end, tzinfo=tz)
        return (close - dt.timedelta(minutes=1)).astimezone(dt.UTC)


def parse_duration(text: str) -> dt.timedelta:
    """'24h', '2h', '90m', '3d' (or '3j')."""
    match = _DURATION_RE.match(text)
    if match is None:
        raise ValueError(f"{text!r} is not a duration like 24h, 2h or 90m")
    amount, unit = int(match.group(1)), match.group(2).lower()
    if unit in ("m", "min"):
        return dt.timedelta(minutes=amount)
    if unit == "h":
        return dt.timedelta(hours=amount)
    return dt.timedelta(days=amount)


def format_duration(delta: dt.timedelta) -> str:
    minutes = int(delta.total_seconds() // 60)
    if minutes % (24 * 60) == 0:
        return f"{minutes // (24 * 60)}d"
    if minutes % 60 == 0:
        return f"{minutes // 60}h"
    return f"{minutes}m"


@dataclass(frozen=True)
class Planned:
    """One message to schedule: what, when, and the moment past which it is useless."""

    kind: str
    due_at: dt.datetime
    not_after: dt.datetime


@dataclass(frozen=True)
class ReminderOffsets:
    day_before: dt.timedelta = dt.timedelta(hours=24)  # the J-1 reminder, with buttons
    shortly_before: dt.timedelta = dt.timedelta(hours=2)  # the last one, with the address
    unconfirmed_flag: dt.time = dt.time(19, 30)  # J-1 evening: staff see who did not confirm


def before(moment: dt.datetime, offset: dt.timedelta, tz: ZoneInfo) -> dt.datetime:
    """`offset` before `moment` (UTC). Whole days count on the local calendar, so "the day
    before" keeps the local hour across a daylight saving change (24 h before Sunday 29 March
    09:30 would be Saturday 08:30, outside the sending window); other offsets are exact."""
    if offset % dt.timedelta(days=1):
        return (moment - offset).astimezone(dt.UTC)
    local = moment.astimezone(tz)
    return (local - offset).astimezone(dt.UTC)  # aware arithmetic in one zone: wall clock


def reminder_plan(
    *,
    starts_at: dt.datetime,
    now: dt.datetime,
    offsets: ReminderOffsets,
    window: Window,
    tz: ZoneInfo,
) -> list[Planned]:
    """The reminders of a booking made at `now` for a session at `starts_at`.

    J-1 is `day_before` ahead (same local hour the day before, see `before()`), 2 h is
    `shortly_before` ahead; each is useless past the next one (J-1 past the 2 h one, the 2 h one
    past 15 minutes before the start).

    A reminder due outside the window moves earlier to the window's last open minute when that
    is still after `now` (a 2-hour reminder for 09:30 goes out the evening before, not at
    07:30); otherwise it keeps its time and the dispatcher holds it to the next opening, or
    drops it if that is past `not_after`. A reminder whose time has passed is not planned.
    """
    plans: list[Planned] = []
    j1 = before(starts_at, offsets.day_before, tz)
    short = before(starts_at, offsets.shortly_before, tz)
    for kind, due, not_after in (
        ("sessions.reminder_j1", j1, short if short > j1 else starts_at),
        ("sessions.reminder_2h", short, starts_at - dt.timedelta(minutes=15)),
    ):
        if not window.contains(due, tz):
            earlier = window.last_close_before(due, tz)
            if earlier > now:
                due = earlier
        if due <= now or due >= not_after:
            continue
        plans.append(Planned(kind, due, not_after))
    # Staff flag: J-1 evening (local), for a booking not confirmed by then.
    start_local = starts_at.astimezone(tz)
    flag_local = dt.datetime.combine(
        start_local.date() - dt.timedelta(days=1), offsets.unconfirmed_flag, tzinfo=tz
    )
    flag = flag_local.astimezone(dt.UTC)
    if now < flag < starts_at:
        plans.append(Planned("sessions.unconfirmed", flag, starts_at))
    return plans


def nudge_due(
    last_contact: dt.datetime, number: int, delays: tuple[dt.timedelta, ...]
) -> dt.datetime | None:
    """When nudge `number` (1-based) is due for a candidate silent since `last_contact`."""
    if not 1 <= number <= len(delays):
        return None
    return last_contact + delays[number - 1]


def backoff(attempts: int, base: dt.timedelta, cap: dt.timedelta) -> dt.timedelta:
    """Exponential backoff after `attempts` failed attempts: base, 2*base, 4*base... <= cap."""
    factor: int = 2 ** max(0, attempts - 1)
    delay: dt.timedelta = base * factor
    return min(cap, delay)
