"""The "iv:" buttons of interviews, as typed values (bot/kernel/callbacks.py).

staff       iv:d:<candidate>:<yyyymmdd>          a day picked: the hours next
            iv:h:<candidate>:<yyyymmdd>:<hour>   an hour picked: the place next
            iv:p:<candidate>:<yyyymmdd>:<hour>   at the site's place: the interview is set
candidates  iv:yes:<interview>  iv:chg:<interview>  iv:no:<interview>
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from bot.kernel.callbacks import Codec


# ----------------------------------------------------------------------- staff
@dataclass(frozen=True)
class PickDay:
    candidate_id: int
    day: int  # yyyymmdd


@dataclass(frozen=True)
class PickHour:
    candidate_id: int
    day: int
    hour: int


@dataclass(frozen=True)
class AtSite:
    """Set the interview at the candidate's site's place (the default)."""

    candidate_id: int
    day: int
    hour: int


StaffPress = PickDay | PickHour | AtSite


# ------------------------------------------------------------------ candidates
@dataclass(frozen=True)
class Coming:
    interview_id: int


@dataclass(frozen=True)
class Change:
    interview_id: int


@dataclass(frozen=True)
class Cannot:
    interview_id: int


CandidatePress = Coming | Change | Cannot

INTERVIEWS = Codec(
    "iv",
    {
        "d": PickDay,
        "h": PickHour,
        "p": AtSite,
        "yes": Coming,
        "chg": Change,
        "no": Cannot,
    },
)
_STAFF = (PickDay, PickHour, AtSite)


def encode(press: StaffPress | CandidatePress) -> str:
    return INTERVIEWS.encode(press)


def decode(data: str) -> StaffPress | CandidatePress | None:
    """A button; None if malformed or forged (ids are never negative)."""
    press = INTERVIEWS.decode(data)
    if press is None or any(
        isinstance(value, int) and value < 0 for value in dataclasses.astuple(press)
    ):
        return None
    result: StaffPress | CandidatePress = press
    return result


def is_staff(data: str) -> bool:
    """A staff button, even malformed (the code decides who may press it)."""
    parts = data.split(":")
    return len(parts) > 1 and parts[1] in ("d", "h", "p")


def staff_press(data: str) -> StaffPress | None:
    press = decode(data)
    return press if isinstance(press, _STAFF) else None


def candidate_press(data: str) -> CandidatePress | None:
    press = decode(data)
    return None if press is None or isinstance(press, _STAFF) else press
