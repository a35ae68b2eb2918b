"""Questions as data: a flow is a list of steps; the next question is derived from stored answers.

No conversation state lives in memory: given the answers a candidate has stored, `next_step` says
which question comes next, so a restart (even a kill -9) resumes exactly where the person was.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from bot.core.parsing import Invalid, Parsed, ParseResult
from bot.core.text import fold


class Kind(StrEnum):
    CHOICE = "choice"  # one button
    MULTI = "multi"  # several buttons, then "done"
    TEXT = "text"  # free text, validated by `parse`


Answers = Mapping[str, object]


@dataclass(frozen=True)
class ParseContext:
    today: dt.date


@dataclass(frozen=True)
class Step:
    key: str
    kind: Kind
    choices: tuple[str, ...] = ()
    # Choices that come from data at run time (e.g. the configured sites), by name.
    choices_from: str | None = None
    parse: Callable[[str, ParseContext], ParseResult] | None = None
    optional: bool = False
    # Asked only when this returns True for the answers so far.
    ask_if: Callable[[Answers], bool] | None = None
    # Extra words people type for a choice, folded (e.g. {"yes": ("oui", "ok")}).
    synonyms: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    columns: int = 1  # buttons per row

    def applies(self, answers: Answers) -> bool:
        return self.ask_if is None or self.ask_if(answers)


@dataclass(frozen=True)
class Flow:
    name: str
    steps: tuple[Step, ...]

    def step(self, key: str) -> Step | None:
        return next((s for s in self.steps if s.key == key), None)

    def applicable(self, answers: Answers) -> list[Step]:
        return [s for s in self.steps if s.applies(answers)]

    def next_step(self, answers: Answers) -> Step | None:
        """The first applicable step without a complete answer; None when all are answered."""
        return next((s for s in self.applicable(answers) if s.key not in answers), None)

    def position(self, step: Step, answers: Answers) -> tuple[int, int]:
        """(number of this question, number of questions) among those that apply, from 1."""
        steps = self.applicable(answers)
        keys = [s.key for s in steps]
        return (keys.index(step.key) + 1 if step.key in keys else len(keys), len(keys))


def choices_for(step: Step, dynamic: Mapping[str, Sequence[str]]) -> tuple[str, ...]:
    if step.choices_from is not None:
        return tuple(dynamic.get(step.choices_from, ()))
    return step.choices


def match_choice(
    step: Step, text: str, choices: Sequence[str], labels: Mapping[str, str]
) -> str | None:
    """Forgiving match of typed text to a choice: its label, its value, a synonym or its number."""
    wanted = fold(text)
    if not wanted:
        return None
    if wanted.isdigit() and 1 <= int(wanted) <= len(choices):
        return choices[int(wanted) - 1]
    candidates: dict[str, set[str]] = {}
    for choice in choices:
        forms = {fold(choice), fold(labels.get(choice, choice))}
        forms.update(fold(s) for s in step.synonyms.get(choice, ()))
        candidates[choice] = {f for f in forms if f}
    exact = [c for c, forms in candidates.items() if wanted in forms]
    if len(exact) == 1:
        return exact[0]
    # a unique label that starts with, or contains, what was typed (at least 3 letters)
    if len(wanted) >= 3:
        partial = [c for c, forms in candidates.items() if any(wanted in f for f in forms)]
        if len(partial) == 1:
            return partial[0]
    return None


def parse_text(step: Step, text: str, context: ParseContext) -> ParseResult:
    if step.parse is None:
        return Invalid("use_buttons")
    return step.parse(text, context)


__all__ = [
    "Answers",
    "Flow",
    "Invalid",
    "Kind",
    "ParseContext",
    "Parsed",
    "Step",
    "choices_for",
    "match_choice",
    "parse_text",
]
