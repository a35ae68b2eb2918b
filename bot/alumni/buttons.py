"""The follow-up's buttons ("fu:"), typed, with the strings they have always been sent as.

    SurveyAnswer(0, "situation", "cdi")  <->  "fu:0:situation:cdi"      (an alumnus answering)
    CallAnswer(12, 3)                    <->  "fu:p:12:3"               (staff, under /appels)
    CallAnswer(12, 3, "situation", "cdi") <-> "fu:p:12:3:situation:cdi" (staff noting an answer)

The survey's strings carry no code after "fu" (the milestone comes first): they go through the
codec with the code "a" put in and taken out, so both kinds get the same checks (fields, 64 bytes).
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.kernel.callbacks import Codec


@dataclass(frozen=True)
class SurveyAnswer:
    milestone: int
    question: str
    answer: str


@dataclass(frozen=True)
class CallAnswer:
    """Start noting a phone answer (no question), or one answer to one question."""

    candidate_id: int
    milestone: int
    question: str | None = None
    answer: str | None = None


PREFIX = "fu"
CALL_PREFIX = "fu:p"  # every staff button starts so; a malformed one is answered as stale
_SURVEY = "a"  # the code the survey's strings leave out
_CODEC = Codec(PREFIX, {_SURVEY: SurveyAnswer, "p": CallAnswer})
PATTERN = _CODEC.pattern

FollowupButton = SurveyAnswer | CallAnswer


def encode(button: FollowupButton) -> str:
    data = _CODEC.encode(button)
    if isinstance(button, SurveyAnswer):
        return PREFIX + data.removeprefix(f"{PREFIX}:{_SURVEY}")
    return data


def decode(data: str) -> FollowupButton | None:
    """The button a string stands for, or None (not a follow-up button, malformed, forged)."""
    parts = data.split(":")
    if len(parts) > 1 and parts[0] == PREFIX and parts[1].isdigit():
        found = _CODEC.decode(f"{PREFIX}:{_SURVEY}:" + data.removeprefix(PREFIX + ":"))
        return found if isinstance(found, SurveyAnswer) else None
    found = _CODEC.decode(data)
    return found if isinstance(found, CallAnswer) else None


def is_call(data: str) -> bool:
    """A staff button, even a malformed one (staff are told it is stale)."""
    return data.startswith(CALL_PREFIX + ":")
