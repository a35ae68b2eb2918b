"""Information sessions: which slots to offer, staff command arguments, what an edit changed,
who may book. Pure: dates stay datetimes here, templates write them (bot/kernel/rendering.py)."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote_plus
from zoneinfo import ZoneInfo

PREFERRED_LEAD = dt.timedelta(hours=24)  # booked 24-72 h ahead: ~91% attendance, vs ~72% under 24 h
MIN_LEAD = dt.timedelta(hours=2)  # no booking for a session starting sooner
MAX_OFFERED = 4
MAX_CAPACITY = 500


@dataclass(frozen=True)
class Slot:
    """A session as the offer rules see it."""

    id: int
    site: str
    starts_at: dt.datetime
    capacity: int
    booked: int
    status: str = "scheduled"

    @property
    def free(self) -> int:
        return max(0, self.capacity - self.booked)


@dataclass(frozen=True)
class Offer:
    slots: tuple[Slot, ...]  # bookable, best first
    all_full: bool  # sessions exist but every one is full: offer the waitlist


def offer(
    slots: list[Slot],
    now: dt.datetime,
    *,
    exclude: int | None = None,
    limit: int = MAX_OFFERED,
) -> Offer:
    """Bookable sessions: scheduled, starting at least MIN_LEAD from now, not full. Slots 24 h or
    more ahead come first (in date order), then the sooner ones."""
    upcoming = [
        s
        for s in slots
        if s.status == "scheduled" and s.starts_at - now >= MIN_LEAD and s.id != exclude
    ]
    bookable = [s for s in upcoming if s.free > 0]
    preferred = sorted(
        (s for s in bookable if s.starts_at - now >= PREFERRED_LEAD), key=lambda s: s.starts_at
    )
    sooner = sorted(
        (s for s in bookable if s.starts_at - now < PREFERRED_LEAD), key=lambda s: s.starts_at
    )
    chosen = (preferred + sooner)[:limit]
    return Offer(tuple(chosen), all_full=bool(upcoming) and not bookable)


def map_link(address: str, explicit: str | None = None) -> str:
    return explicit or "https://www.openstreetmap.org/search?query=" + quote_plus(address)


# ---------------------------------------------------------------- staff command arguments
_DATE_RE = re.compile(r"^(\d{1,2})/(\d{1,2})(?:/(\d{2}|\d{4}))?$")
_TIME_RE = re.compile(r"^(\d{1,2})(?:[:hH](\d{2})?)?$")


class ArgumentError(ValueError):
    """A staff command's argument is wrong; the message is a hint key for the template."""


@dataclass(frozen=True)
class NewSession:
    site: str
    starts_at: dt.datetime
    capacity: int
    place: str
    address: str


def parse_date_time(date_text: str, time_text: str, now: dt.datetime, tz: ZoneInfo) -> dt.datetime:
    """'03/12' or '03/12/2026' and '14:00', '14h', '14h30' -> an aware datetime in UTC.
    Without a year: the next such date from today."""
    d = _DATE_RE.match(date_text.strip())
    t = _TIME_RE.match(time_text.strip())
    if d is None:
        raise ArgumentError("date")
    if t is None:
        raise ArgumentError("time")
    day, month = int(d.group(1)), int(d.group(2))
    hour, minute = int(t.group(1)), int(t.group(2) or 0)
    if hour > 23 or minute > 59:
        raise ArgumentError("time")  # not "date": the date may be right
    today = now.astimezone(tz).date()
    year = int(d.group(3)) if d.group(3) else today.year
    if year < 100:
        year += 2000
    try:
        local = dt.datetime(year, month, day, hour, minute, tzinfo=tz)
    except ValueError:
        raise ArgumentError("date") from None
    if not d.group(3) and local.date() < today:
        local = local.replace(year=year + 1)
    return local.astimezone(dt.UTC)


def parse_new_session(
    args: list[str], sites: tuple[str, ...], now: dt.datetime, tz: ZoneInfo
) -> NewSession:
    """/nouvelle_session SITE JJ/MM[/AAAA] HH:MM PLACES Lieu ; adresse"""
    if len(args) < 5:
        raise ArgumentError("usage")
    site = args[0].lower()
    if site not in sites:
        raise ArgumentError("site")
    starts_at = parse_date_time(args[1], args[2], now, tz)
    if starts_at <= now:
        raise ArgumentError("past")
    capacity = parse_capacity(args[3])
    place, address = parse_place(" ".join(args[4:]))
    return NewSession(site, starts_at, capacity, place, address)


def parse_capacity(text: str) -> int:
    """A number of seats, 1 to MAX_CAPACITY."""
    if not text.isdigit() or not 1 <= int(text) <= MAX_CAPACITY:
        raise ArgumentError("capacity")
    return int(text)


def parse_place(text: str) -> tuple[str, str]:
    """'Lieu ; adresse' -> (place, address); without ';' the place is also the address."""
    rest = text.strip()
    place, sep, address = rest.partition(";")
    place, address = place.strip(), address.strip()
    if not sep:
        address = place
    if not place or not address or len(rest) > 300:
        raise ArgumentError("place")
    return place, address


# ------------------------------------------------------------------ /modifier_session
LANGUAGES = ("fr", "en")
_CAPACITY_WORDS = frozenset({"places", "seats", "capacite", "capacité", "capacity"})
_PLACE_WORDS = frozenset({"lieu", "adresse", "address", "where"})
_LANGUAGE_WORDS = frozenset({"langue", "language", "lang"})


@dataclass(frozen=True)
class SessionEdit:
    """What /modifier_session asks to change; None: keep. Date and time stay text until the
    session's current start is known (a new time alone keeps the day, a new day the time)."""

    session_id: int
    date_text: str | None = None
    time_text: str | None = None
    capacity: int | None = None
    place: str | None = None
    address: str | None = None
    language: str | None = None

    @property
    def empty(self) -> bool:
        return (
            self.date_text is None
            and self.time_text is None
            and self.capacity is None
            and self.place is None
            and self.language is None
        )

    def new_start(self, current: dt.datetime, now: dt.datetime, tz: ZoneInfo) -> dt.datetime | None:
        """The new start (UTC), or None if neither the date nor the time changes."""
        if self.date_text is None and self.time_text is None:
            return None
        local = current.astimezone(tz)
        date_text = self.date_text or f"{local:%d/%m/%Y}"
        time_text = self.time_text or f"{local:%H:%M}"
        starts_at = parse_date_time(date_text, time_text, now, tz)
        if starts_at <= now:
            raise ArgumentError("past")
        return starts_at


def _is_time(token: str) -> bool:
    """'15:00', '15h', '15h30' (a bare number is a capacity, not a time)."""
    match = _TIME_RE.match(token)
    return (
        match is not None
        and any(c in token for c in ":hH")
        and int(match.group(1)) < 24
        and int(match.group(2) or 0) < 60
    )


def parse_session_edit(args: list[str]) -> SessionEdit:
    """/modifier_session NUMÉRO [JJ/MM[/AAAA]] [HH:MM] [PLACES [Lieu ; adresse]]
    [places N] [langue fr|en] [lieu Lieu ; adresse], in any order.

    The positional form is /nouvelle_session's without the site: after a bare number of seats,
    the rest of the line is the place. Anything else unrecognised is a usage error, so a typo
    never becomes a place."""
    if not args or not args[0].lstrip("#").isdigit():
        raise ArgumentError("usage")
    values: dict[str, Any] = {"session_id": int(args[0].lstrip("#"))}
    tokens = args[1:]
    i = 0
    after_capacity = False
    while i < len(tokens):
        token, word = tokens[i], tokens[i].lower()
        following = tokens[i + 1] if i + 1 < len(tokens) else None
        step, was_capacity = 1, False
        if _DATE_RE.match(token):
            _set_once(values, "date_text", token)
            if following is not None and _TIME_RE.match(following):  # as /nouvelle_session
                _set_once(values, "time_text", following)
                step = 2
        elif _is_time(token):
            _set_once(values, "time_text", token)
        elif word in _CAPACITY_WORDS:
            _set_once(values, "capacity", parse_capacity(following or ""))
            step = 2
        elif token.isdigit():
            _set_once(values, "capacity", parse_capacity(token))
            was_capacity = True
        elif word in _LANGUAGE_WORDS:
            if following is None or following.lower() not in LANGUAGES:
                raise ArgumentError("language")
            _set_once(values, "language", following.lower())
            step = 2
        elif word in LANGUAGES:
            _set_once(values, "language", word)
        elif word in _PLACE_WORDS or after_capacity:
            start = i + 1 if word in _PLACE_WORDS else i
            place, address = parse_place(" ".join(tokens[start:]))
            _set_once(values, "place", place)
            values["address"] = address
            break
        else:
            raise ArgumentError("usage")
        after_capacity = was_capacity
        i += step
    return SessionEdit(**values)


def _set_once(values: dict[str, Any], name: str, value: Any) -> None:
    if name in values:
        raise ArgumentError("usage")
    values[name] = value


@dataclass(frozen=True)
class InfoSession:
    """A session as stored, with its count of seats taken (booked or attended)."""

    id: int
    site: str
    starts_at: dt.datetime
    duration_minutes: int
    place: str
    address: str
    map_url: str | None
    capacity: int
    language: str
    status: str
    booked: int

    def slot(self) -> Slot:
        return Slot(self.id, self.site, self.starts_at, self.capacity, self.booked, self.status)


@dataclass(frozen=True)
class EditOutcome:
    """What an edit did. status: "edited", "not_found", "closed" (cancelled or started),
    "below_booked" (fewer seats than booked), "unchanged"."""

    status: str
    changed: tuple[str, ...] = ()  # "time", "place", "capacity", "language"
    told: int = 0  # booked candidates who will get the change
    waiting: int = 0  # waitlisted candidates told a seat is free
    booked: int = 0


def changes(before: InfoSession, after: InfoSession) -> tuple[str, ...]:
    changed = []
    if after.starts_at != before.starts_at:
        changed.append("time")
    if (after.place, after.address) != (before.place, before.address):
        changed.append("place")
    if after.capacity != before.capacity:
        changed.append("capacity")
    if after.language != before.language:
        changed.append("language")
    return tuple(changed)


def may_book(status: str, result: str | None, review_status: str | None) -> bool:
    """A submitted candidate found eligible, or whose ineligible result staff overturned."""
    return status == "submitted" and (result == "eligible" or review_status == "overturned")
