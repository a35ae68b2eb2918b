"""Pure rules of interviews: the days and hours staff pick from, the typed command, answers."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from bot.core.pipeline import Stage
from bot.sessions.rules import ArgumentError, parse_date_time, parse_place

DAYS_OFFERED = 5  # working days offered as buttons, from tomorrow
HOURS = tuple(range(9, 18))  # 9:00 .. 17:00, local time
LIVE = frozenset({"planned", "confirmed"})
# Stages from which a planned interview no longer makes sense (part 4: not selected and others).
PAST_INTERVIEW = frozenset(
    {
        Stage.ADMITTED,
        Stage.WAITLISTED,
        Stage.NOT_SELECTED,
        Stage.IN_TRAINING,
        Stage.EXITED,
        Stage.ORIENTED,
    }
)
# A candidate's answer: the stored word and the status it leaves the interview in.
ANSWERS: dict[str, str] = {"coming": "confirmed", "change": "planned", "cannot": "declined"}


@dataclass(frozen=True)
class Interview:
    id: int
    candidate_id: int
    starts_at: dt.datetime
    place: str
    address: str
    status: str
    answer: str | None
    set_by: int

    @property
    def live(self) -> bool:
        return self.status in LIVE


@dataclass(frozen=True)
class Typed:
    """/entretien <numéro> [<jj/mm> <hh:mm> [lieu ; adresse]]: what was given."""

    candidate_id: int
    starts_at: dt.datetime | None = None
    place: tuple[str, str] | None = None  # (place, address); None: the site's


def working_days(today: dt.date, count: int = DAYS_OFFERED) -> list[dt.date]:
    """The next `count` days from Monday to Friday, tomorrow first."""
    days: list[dt.date] = []
    day = today
    while len(days) < count:
        day += dt.timedelta(days=1)
        if day.weekday() < 5:
            days.append(day)
    return days


def day_code(day: dt.date) -> int:
    """A date in a button: 20261126."""
    return day.year * 10000 + day.month * 100 + day.day


def day_of(code: int) -> dt.date:
    """The date of a button's code; ArgumentError if it is not one (a forged button)."""
    try:
        return dt.date(code // 10000, code // 100 % 100, code % 100)
    except ValueError:
        raise ArgumentError("date") from None


def at_hour(day: dt.date, hour: int, tz: ZoneInfo) -> dt.datetime:
    """`hour`:00 local time on `day`, in UTC; ArgumentError for an hour not offered."""
    if hour not in HOURS:
        raise ArgumentError("time")
    return dt.datetime(day.year, day.month, day.day, hour, tzinfo=tz).astimezone(dt.UTC)


def parse_command(args: list[str], now: dt.datetime, tz: ZoneInfo) -> Typed:
    """The arguments of /entretien; ArgumentError("usage"|"date"|"time"|"past"|"place")."""
    if not args or not args[0].lstrip("#").isdigit():
        raise ArgumentError("usage")
    candidate_id = int(args[0].lstrip("#"))
    if len(args) == 1:
        return Typed(candidate_id)
    if len(args) < 3:
        raise ArgumentError("usage")
    starts_at = parse_date_time(args[1], args[2], now, tz)
    if starts_at <= now:
        raise ArgumentError("past")
    place = parse_place(" ".join(args[3:])) if len(args) > 3 else None
    return Typed(candidate_id, starts_at, place)
