"""The "fu:" and "re:" buttons: every string the bot has sent decodes to the same button, and
encoding gives back exactly that string (buttons stay in chats for months)."""

from __future__ import annotations

import re

import pytest

from bot.alumni import buttons as fu
from bot.alumni.buttons import CallAnswer, SurveyAnswer
from bot.core.reengagement import Origin
from bot.reengagement.buttons import CODEC as RE
from bot.reengagement.buttons import Apply, OptIn, OptOut, Withdraw

# Today's formats, as bot/alumni (surveys, /appels, phone answers) and bot/reengagement build them.
FOLLOWUP = [
    ("fu:0:situation:cdi", SurveyAnswer(0, "situation", "cdi")),  # an alumnus answering
    ("fu:12:sector:digital", SurveyAnswer(12, "sector", "digital")),
    ("fu:p:42:3", CallAnswer(42, 3)),  # staff, under /appels: start noting a phone answer
    ("fu:p:42:3:situation:cdd_long", CallAnswer(42, 3, "situation", "cdd_long")),
]
REENGAGEMENT = [
    ("re:yes:r", OptIn(Origin.RESULT.value)),  # under the screening result
    ("re:no:r", OptOut(Origin.RESULT.value)),
    ("re:yes:w", OptIn(Origin.WAITLIST.value)),  # under the waiting-list message
    ("re:no:w", OptOut(Origin.WAITLIST.value)),
    ("re:off", Withdraw()),  # under the confirmation
    ("re:go", Apply()),  # under the next cohort's message
]


@pytest.mark.parametrize(("data", "button"), FOLLOWUP)
def test_followup_strings_decode_and_encode_as_always(
    data: str, button: SurveyAnswer | CallAnswer
) -> None:
    assert fu.decode(data) == button
    assert fu.encode(button) == data
    assert re.match(fu.PATTERN, data)
    assert fu.is_call(data) == isinstance(button, CallAnswer)


@pytest.mark.parametrize(
    "data",
    ["fu:0:situation", "fu:0:situation:cdi:x", "fu:x:situation:cdi", "fu:p", "fu:p:42",
     "fu:p:x:3", "fu:p:42:3:situation:cdi:x", "fu", "fuz:0:situation:cdi", "re:yes:r", ""],
)  # fmt: skip
def test_malformed_or_foreign_followup_strings_decode_to_nothing(data: str) -> None:
    assert fu.decode(data) is None


def test_a_malformed_staff_string_is_still_a_staff_one() -> None:
    """Staff get the stale notice for it, everyone else what an unknown button gets."""
    assert fu.is_call("fu:p:x:3") and fu.decode("fu:p:x:3") is None
    assert not fu.is_call("fu:0:situation:cdi") and not fu.is_call("fu:p")
    # a question without its answer decodes, and the call service answers it as stale
    assert fu.decode("fu:p:42:3:situation") == CallAnswer(42, 3, "situation")


@pytest.mark.parametrize(("data", "button"), REENGAGEMENT)
def test_reengagement_strings_decode_and_encode_as_always(
    data: str, button: OptIn | OptOut | Withdraw | Apply
) -> None:
    assert RE.decode(data) == button
    assert RE.encode(button) == data
    assert re.match(RE.pattern, data) and not re.match(RE.pattern, "reengage:1")


@pytest.mark.parametrize("data", ["re:yes", "re:off:r", "re:go:1", "re:maybe:r", "re", "fu:p:1:2"])
def test_malformed_reengagement_strings_decode_to_nothing(data: str) -> None:
    assert RE.decode(data) is None
