"""Pure rules of the staff-candidate threads: no Telegram, no database.

- A thread closes after SILENCE (14 days) without a message either way.
- A /humain request is overdue when no staff message came within ANSWER_WORKING_DAYS (2) working
  days, Monday to Friday, counted on the local calendar from the request.
- Who gets a candidate's message: the all-sites staff chat if set, else the site's chat, else
  each staff member who sees the site (admins and that site's staff), in id order.
- What a candidate types goes to staff when a thread is open and they are not in the middle of the
  screening (status 'screening': what they type there is an answer to the current question);
  a photo or a document goes to staff whenever a thread is open.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from zoneinfo import ZoneInfo

SILENCE = dt.timedelta(days=14)
ANSWER_WORKING_DAYS = 2
MAX_TEXT = 3000  # a relayed text, so the message with its header stays under Telegram's 4,096
MAX_CAPTION = 700  # a relayed photo's or document's caption: with its header, under 1,024
DIGEST_LINES = 10  # pending requests listed in the digest and /revue, then "and N more"


def working_days_later(start: dt.datetime, days: int, timezone: ZoneInfo) -> dt.datetime:
    """The same local time `days` working days (Monday-Friday) after `start`. A request made
    on a weekend counts as made on the Friday at 23:59 (so it is due by Tuesday 23:59)."""
    local = start.astimezone(timezone)
    if local.weekday() >= 5:  # counted as if made on the Friday evening
        friday = local.date() - dt.timedelta(days=local.weekday() - 4)
        local = dt.datetime.combine(friday, dt.time(23, 59), timezone)
    day = local.date()
    left = days
    while left > 0:
        day += dt.timedelta(days=1)
        if day.weekday() < 5:
            left -= 1
    return dt.datetime.combine(day, local.timetz().replace(tzinfo=None), timezone)


def overdue(opened_at: dt.datetime, now: dt.datetime, timezone: ZoneInfo) -> bool:
    """A request not answered within ANSWER_WORKING_DAYS working days."""
    return now > working_days_later(opened_at, ANSWER_WORKING_DAYS, timezone)


def silent_too_long(last_activity_at: dt.datetime, now: dt.datetime) -> bool:
    return now - last_activity_at >= SILENCE


def goes_to_staff(*, thread_open: bool, status: str, media: bool) -> bool:
    if not thread_open:
        return False
    return media or status != "screening"


@dataclass(frozen=True)
class StaffWho:
    user_id: int
    is_admin: bool
    sites: frozenset[str]


def destinations(
    site: str | None,
    *,
    staff_chat_id: int | None,
    site_chats: Mapping[str, int],
    staff: Iterable[StaffWho],
) -> list[int]:
    """The chats a candidate's message is relayed to (see the module doc)."""
    if staff_chat_id is not None:
        return [staff_chat_id]
    if site is not None and site in site_chats:
        return [site_chats[site]]
    return sorted(s.user_id for s in staff if s.is_admin or (site is not None and site in s.sites))


@dataclass(frozen=True)
class WriteArgs:
    candidate_id: int
    text: str


def parse_write(args: str) -> WriteArgs | None:
    """`/ecrire <number> <text>`: "#12 Bonjour" or "12 Bonjour"; None when malformed."""
    parts = args.strip().split(maxsplit=1)
    if len(parts) != 2:
        return None
    number, text = parts[0].removeprefix("#"), parts[1].strip()
    if not number.isdigit() or not text or len(number) > 12:
        return None
    return WriteArgs(int(number), text)


def parse_number(args: str) -> int | None:
    number = args.strip().removeprefix("#")
    return int(number) if number.isdigit() and len(number) <= 12 else None


TOPIC_NAME_MAX = 128  # Telegram's limit on a forum topic's name


def topic_name(number: int, first_name: str) -> str:
    """A candidate's forum topic: "#12 Léa" (plain text, not HTML)."""
    name = " ".join(first_name.split())
    return f"#{number} {name}".strip()[:TOPIC_NAME_MAX]
