"""The "s:" buttons of information sessions, as typed values (bot/kernel/callbacks.py).

The strings are those the bot has always sent; buttons stay in chats for months:

    candidates  s:offer  s:book:<session>  s:wait  s:yes:<booking>  s:chg:<booking>
                s:cxl:<booking>  s:cxy:<booking>  s:cxn:<booking>
    staff       s:ls:<session>  s:se:<session>  s:sx:<session>  s:sxy:<session>  s:sxn:<session>
                s:at:<booking>:y|n
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from bot.kernel.callbacks import Codec


# ------------------------------------------------------------------ candidates
@dataclass(frozen=True)
class ShowOffer:
    """The candidate's booking or the sessions offered (sent by staff and re-engagement)."""


@dataclass(frozen=True)
class Book:
    session_id: int


@dataclass(frozen=True)
class JoinWaitlist:
    pass


@dataclass(frozen=True)
class Confirm:
    """ "Je viens" under the J-1 reminder."""

    booking_id: int


@dataclass(frozen=True)
class Change:
    booking_id: int


@dataclass(frozen=True)
class Cancel:
    """Asks to confirm the cancellation."""

    booking_id: int


@dataclass(frozen=True)
class CancelYes:
    booking_id: int


@dataclass(frozen=True)
class CancelNo:
    booking_id: int


CandidatePress = ShowOffer | Book | JoinWaitlist | Confirm | Change | Cancel | CancelYes | CancelNo


# ----------------------------------------------------------------------- staff
@dataclass(frozen=True)
class Attendees:
    """The list of a session's booked candidates, with attendance buttons."""

    session_id: int


@dataclass(frozen=True)
class EditSession:
    session_id: int


@dataclass(frozen=True)
class CancelSession:
    """Asks to confirm the cancellation."""

    session_id: int


@dataclass(frozen=True)
class CancelSessionYes:
    session_id: int


@dataclass(frozen=True)
class CancelSessionNo:
    session_id: int


@dataclass(frozen=True)
class MarkAttendance:
    booking_id: int
    mark: str = ""  # "y" attended, "n" absent (a missing mark has always counted as absent)


StaffPress = (
    Attendees | EditSession | CancelSession | CancelSessionYes | CancelSessionNo | MarkAttendance
)

SESSIONS = Codec(
    "s",
    {
        "offer": ShowOffer,
        "book": Book,
        "wait": JoinWaitlist,
        "yes": Confirm,
        "chg": Change,
        "cxl": Cancel,
        "cxy": CancelYes,
        "cxn": CancelNo,
        "ls": Attendees,
        "se": EditSession,
        "sx": CancelSession,
        "sxy": CancelSessionYes,
        "sxn": CancelSessionNo,
        "at": MarkAttendance,
    },
)
STAFF_CODES = frozenset({"ls", "se", "sx", "sxy", "sxn", "at"})
_STAFF = (Attendees, EditSession, CancelSession, CancelSessionYes, CancelSessionNo, MarkAttendance)


def encode(press: CandidatePress | StaffPress) -> str:
    return SESSIONS.encode(press)


def is_staff(data: str) -> bool:
    """A staff button, even malformed (the code decides who may press it)."""
    parts = data.split(":")
    return len(parts) > 1 and parts[1] in STAFF_CODES


def candidate_press(data: str) -> CandidatePress | None:
    """A candidate's button; None if malformed or forged (answered as a stale button)."""
    press = _decode(data)
    return None if press is None or isinstance(press, _STAFF) else press


def staff_press(data: str) -> StaffPress | None:
    press = _decode(data)
    return press if isinstance(press, _STAFF) else None


def _decode(data: str) -> CandidatePress | StaffPress | None:
    press = SESSIONS.decode(data)
    if press is None or any(
        isinstance(value, int) and value < 0 for value in dataclasses.astuple(press)
    ):
        return None  # ids are never negative: a forged string
    result: CandidatePress | StaffPress = press
    return result
