"""The typed callback codec (bot/kernel/callbacks.py): round trips, old strings, the 64 bytes."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from bot.kernel.callbacks import CallbackTooLong, Codec


@dataclass(frozen=True)
class Book:
    session_id: int


@dataclass(frozen=True)
class Offer:
    pass


@dataclass(frozen=True)
class Move:
    candidate_id: int
    stage: str
    cohort_id: int | None = None


@dataclass(frozen=True)
class Resume:
    pass


SESSIONS = Codec("s", {"book": Book, "offer": Offer, "m": Move})
WORD = Codec("resume", {"": Resume})


def test_round_trips_and_the_wire_format() -> None:
    for value, data in [
        (Book(12), "s:book:12"),
        (Offer(), "s:offer"),
        (Move(3, "interview"), "s:m:3:interview"),
        (Move(3, "admitted", 1), "s:m:3:admitted:1"),
        (Resume(), "resume"),
    ]:
        codec = WORD if isinstance(value, Resume) else SESSIONS
        assert codec.encode(value) == data
        assert codec.decode(data) == value


@pytest.mark.parametrize(
    "data",
    ["s:book", "s:book:x", "s:book:1:2", "s:zz:1", "st:book:1", "s", "s:m:1", "resumex", ""],
)
def test_malformed_or_foreign_strings_decode_to_nothing(data: str) -> None:
    assert SESSIONS.decode(data) is None
    assert WORD.decode(data) is None


def test_the_pattern_routes_by_prefix_only() -> None:
    import re

    assert re.match(SESSIONS.pattern, "s:book:1") and not re.match(SESSIONS.pattern, "st:c:1")
    assert re.match(WORD.pattern, "resume") and not re.match(WORD.pattern, "resumed")


def test_too_long_or_colon_fields_are_refused_when_building() -> None:
    with pytest.raises(CallbackTooLong):
        SESSIONS.encode(Move(1, "x" * 70))
    with pytest.raises(ValueError):
        SESSIONS.encode(Move(1, "a:b"))
    with pytest.raises(TypeError):
        SESSIONS.encode(Resume())


@dataclass(frozen=True)
class Pick:
    step: str
    choice: str


def test_a_word_then_fields_without_a_code() -> None:
    answer = Codec("ans", {"": Pick})
    assert answer.encode(Pick("site", "gonesse")) == "ans:site:gonesse"
    assert answer.decode("ans:site:gonesse") == Pick("site", "gonesse")
    for data in ("ans", "ans:site", "ans:site:a:b", "answer:site:a"):
        assert answer.decode(data) is None
    assert WORD.decode("resume:x") is None  # a word without fields takes none
    with pytest.raises(ValueError):  # `s:<field>` could not be told from `s:<code>`
        Codec("s", {"": Pick, "book": Book})
