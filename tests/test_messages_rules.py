"""The pure rules of the staff-candidate threads (bot/messages/rules.py)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from bot.messages import rules
from bot.messages.rules import StaffWho, WriteArgs

PARIS = ZoneInfo("Europe/Paris")


def paris(day: int, hour: int = 10, month: int = 11) -> dt.datetime:
    return dt.datetime(2026, month, day, hour, 0, tzinfo=PARIS)


def test_two_working_days_skip_the_weekend() -> None:
    # Wednesday 25/11 10:00 -> Friday 27/11 10:00; Thursday -> Monday; Friday -> Tuesday
    assert rules.working_days_later(paris(25), 2, PARIS) == paris(27)
    assert rules.working_days_later(paris(26), 2, PARIS) == paris(30)
    assert rules.working_days_later(paris(27), 2, PARIS) == paris(1, month=12)
    # a request on Saturday or Sunday counts from Friday 23:59: due Tuesday 23:59
    due = dt.datetime(2026, 12, 1, 23, 59, tzinfo=PARIS)
    assert rules.working_days_later(paris(28), 2, PARIS) == due
    assert rules.working_days_later(paris(29, 22), 2, PARIS) == due


def test_overdue_is_strictly_after_the_deadline_in_local_time() -> None:
    opened = paris(25).astimezone(dt.UTC)
    assert not rules.overdue(opened, paris(27), PARIS)
    assert rules.overdue(opened, paris(27) + dt.timedelta(minutes=1), PARIS)


def test_silence_is_fourteen_days() -> None:
    last = paris(1)
    assert not rules.silent_too_long(last, last + dt.timedelta(days=13, hours=23))
    assert rules.silent_too_long(last, last + dt.timedelta(days=14))


def test_what_goes_to_staff() -> None:
    assert not rules.goes_to_staff(thread_open=False, status="submitted", media=True)
    assert rules.goes_to_staff(thread_open=True, status="submitted", media=False)
    assert rules.goes_to_staff(thread_open=True, status="paused", media=False)
    # mid-screening, a typed text is an answer; a photo is never one
    assert not rules.goes_to_staff(thread_open=True, status="screening", media=False)
    assert rules.goes_to_staff(thread_open=True, status="screening", media=True)


def test_destinations_staff_chat_then_site_chat_then_site_staff() -> None:
    staff = [
        StaffWho(30, False, frozenset({"marcq"})),
        StaffWho(20, False, frozenset({"gonesse"})),
        StaffWho(10, True, frozenset()),
    ]
    chats = {"gonesse": -2}
    assert rules.destinations("gonesse", staff_chat_id=-1, site_chats=chats, staff=staff) == [-1]
    assert rules.destinations("gonesse", staff_chat_id=None, site_chats=chats, staff=staff) == [-2]
    assert rules.destinations("marcq", staff_chat_id=None, site_chats=chats, staff=staff) == [
        10,
        30,
    ]
    assert rules.destinations(None, staff_chat_id=None, site_chats=chats, staff=staff) == [10]


def test_parse_write_and_number() -> None:
    assert rules.parse_write("12 Bonjour") == WriteArgs(12, "Bonjour")
    assert rules.parse_write("#12  Ligne 1\nLigne 2") == WriteArgs(12, "Ligne 1\nLigne 2")
    assert rules.parse_write("12\nBonjour") == WriteArgs(12, "Bonjour")
    for bad in ("", "12", "Léa Bonjour", "#x salut", "1234567890123 trop long"):
        assert rules.parse_write(bad) is None
    assert rules.parse_number(" #7 ") == 7
    assert rules.parse_number("sept") is None
