"""The screening flow as a test sees it: how many questions, where one is, how to answer them all.

Everything here is derived from conversations/screening.py (order, kinds, conditions) and from the
templates (button labels), so adding a question to the flow changes no test: counts, positions
("Question 7/11") and whole walk-throughs follow. A profile says what a candidate answers to the
questions that decide something (eligible, too old, studying...); a question a profile does not
name (a recorded-only one, say) gets its first button, or nothing ticked for a multi-select.

    from tests import flowscript as fs
    fs.count()                          # questions asked to an eligible candidate
    fs.heading("postcode")              # "Question 7/11"
    for move in fs.walk(fs.profile(qualification="bac"), "en"): ...
    await fs.answer(chat, fs.ELIGIBLE)  # a whole screening in a Chat, up to the summary
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.core.eligibility import decided_early
from bot.core.flow import Kind, ParseContext, Parsed, Step, parse_text
from bot.core.sites import Programme, load_programme
from bot.kernel.rendering import Renderer
from conversations.screening import SCREENING

if TYPE_CHECKING:
    from tests.botharness import Chat

ROOT = Path(__file__).resolve().parent.parent
TODAY = dt.date(2026, 11, 25)  # the conftest clock's day

# What a candidate gives: a choice's value (the button to press), the values ticked in a
# multi-select, or the text typed for a text question.
Profile = Mapping[str, Any]

ELIGIBLE: Profile = {
    "site": "gonesse",
    "first_name": "Léa",
    "birth": "06/2005",
    "situation": "none",
    "qualification": "none",
    "left_school": "gt1y",
    "postcode": "95500",
    "availability": "yes",
    "interests": ["programming"],
    "followed_by": "mission_locale",
    "gender": "femme",
}
# Other usual profiles (the result each gets is checked in tests/test_screening_service.py).
TOO_OLD: Profile = {**ELIGIBLE, "birth": "01/1995"}
STUDYING: Profile = {**ELIGIBLE, "situation": "studying"}  # no left_school question
NOT_NOW: Profile = {**ELIGIBLE, "availability": "no"}

# Literal French on purpose, to catch wording changes: a fragment of each question's text, checked
# when a walk-through reaches that question (a question not listed here is reached by its number).
WORDING_FR = {
    "site": "Dans quelle",
    "first_name": "prénom",
    "birth": "quel mois",
    "situation": "en ce moment",
    "qualification": "diplôme le plus haut",
    "left_school": "quitté l'école",
    "postcode": "code postal",
    "availability": "4 jours par semaine",
    "interests": "te plaît",
    "followed_by": "accompagne",
    "gender": "facultative",
}


def profile(base: Profile = ELIGIBLE, **changes: Any) -> dict[str, Any]:
    """A profile with some answers changed, e.g. profile(situation="studying", birth="03/2008")."""
    return {**base, **changes}


def question_keys() -> list[str]:
    """Every question's key, in flow order."""
    return [s.key for s in SCREENING.steps]


def _as_answers(given: Profile) -> dict[str, Any]:
    """The profile as the flow's conditions see it (they only read choices)."""
    return {s.key: answer_of(s, given) for s in SCREENING.steps if s.kind is not Kind.TEXT}


def applicable(given: Profile = ELIGIBLE) -> list[Step]:
    """The questions asked to a candidate who answers like this, in order: up to the answer that
    orients them at once (clearly too young or too old), if any."""
    steps = SCREENING.applicable(_as_answers(given))
    so_far: dict[str, Any] = {}
    for i, step in enumerate(steps[:-1]):
        so_far[step.key] = _stored_value(step, given)
        site = programme().sites.get(str(so_far.get("site")))
        if site is not None and decided_early(so_far, site, TODAY):
            return steps[: i + 1]
    return steps


def stops_early(given: Profile = ELIGIBLE) -> bool:
    """Whether this candidate hears the result before the last question (and sees no summary)."""
    return len(applicable(given)) < len(SCREENING.applicable(_as_answers(given)))


def count(given: Profile = ELIGIBLE) -> int:
    """How many questions a candidate who answers like this is asked."""
    return len(applicable(given))


def position(key: str, given: Profile = ELIGIBLE) -> tuple[int, int]:
    """(number of this question, number of questions) as the bot shows it when it asks this
    question: counted on the answers given so far (a question skipped for an answer not given
    yet still counts)."""
    keys_before = [s.key for s in SCREENING.steps][: question_keys().index(key)]
    so_far = {k: v for k, v in _as_answers(given).items() if k in keys_before}
    asked = [s.key for s in SCREENING.applicable(so_far)]
    return asked.index(key) + 1, len(asked)


def heading(key: str, given: Profile = ELIGIBLE) -> str:
    """The line above a question: "Question 7/11"."""
    number, total = position(key, given)
    return f"Question {number}/{total}"


def first_heading(given: Profile = ELIGIBLE) -> str:
    return heading(applicable(given)[0].key, given)


def answer_of(step: Step, given: Profile) -> Any:
    """What this candidate gives to one question (the profile's, else the first button)."""
    if step.key in given:
        return given[step.key]
    if step.kind is Kind.MULTI:
        return []
    if step.kind is Kind.CHOICE and step.choices:
        return step.choices[0]
    if step.kind is Kind.CHOICE and step.choices_from == "sites":
        return programme().site_ids[0]
    raise KeyError(f"tests/flowscript.py: add a valid typed answer for {step.key!r} to ELIGIBLE")


def stored(given: Profile = ELIGIBLE, today: dt.date = TODAY) -> dict[str, Any]:
    """The answers as the store holds them once this candidate answered every question asked
    (typed answers go through the question's own parse: "06/2005" is stored as "2005-06")."""
    return {step.key: _stored_value(step, given, today) for step in applicable(given)}


def _stored_value(step: Step, given: Profile, today: dt.date = TODAY) -> Any:
    value = answer_of(step, given)
    if step.kind is Kind.TEXT:
        parsed = parse_text(step, str(value), ParseContext(today))
        assert isinstance(parsed, Parsed), (step.key, value, parsed)
        value = parsed.value
    return value


@cache
def programme() -> Programme:
    return load_programme(ROOT / "conversations" / "sites.toml")


@cache
def _renderer() -> Renderer:
    return Renderer()


def label(lang: str, key: str) -> str:
    """A button label or short word from labels.j2."""
    return _renderer().label(lang, key)


def choice_label(lang: str, step: Step, value: str) -> str:
    if step.choices_from == "sites":
        return programme().sites[value].name
    return label(lang, f"{step.key}.{value}")


def shown(key: str, given: Profile = ELIGIBLE, lang: str = "fr") -> str:
    """An answer as the summary, the card, /mes_donnees and the CSV show it: a choice's label,
    the labels ticked joined with ", ", or the text typed (the profiles type birth dates and
    postcodes the way the bot shows them back: "06/2005", "95500")."""
    step = SCREENING.step(key)
    assert step is not None, key
    value = answer_of(step, given)
    if step.kind is Kind.MULTI:
        ticked = [choice_label(lang, step, v) for v in value]
        return ", ".join(ticked) if ticked else label(lang, f"{key}.empty")
    if step.kind is Kind.CHOICE:
        return choice_label(lang, step, str(value))
    return str(value)


def lines(given: Profile = ELIGIBLE, lang: str = "fr", *, but: Sequence[str] = ()) -> list[str]:
    """ "Title : answer" for every question asked (but those named), as the views list them."""
    return [
        f"{label(lang, f'title.{s.key}')} : {shown(s.key, given, lang)}"
        for s in applicable(given)
        if s.key not in but
    ]


@dataclass(frozen=True)
class Move:
    """What a candidate does to answer one question: buttons pressed in order, or text typed."""

    key: str
    presses: tuple[str, ...] = ()
    typed: str | None = None
    # The line the next question starts with ("Question 8/11"); None after the last question.
    then: str | None = None
    # The key of the next question, None after the last.
    next_key: str | None = None


def walk(given: Profile = ELIGIBLE, lang: str = "fr") -> list[Move]:
    """The whole screening for this candidate: one Move per question asked, in order."""
    asked = applicable(given)
    moves = []
    for i, step in enumerate(asked):
        following = asked[i + 1] if i + 1 < len(asked) else None
        then = heading(following.key, given) if following else None
        next_key = following.key if following else None
        value = answer_of(step, given)
        if step.kind is Kind.TEXT:
            moves.append(Move(step.key, typed=str(value), then=then, next_key=next_key))
        elif step.kind is Kind.MULTI:
            ticks = tuple(choice_label(lang, step, v) for v in value)
            done = label(lang, "btn.done")
            moves.append(Move(step.key, (*ticks, done), then=then, next_key=next_key))
        else:
            pressed = (choice_label(lang, step, str(value)),)
            moves.append(Move(step.key, pressed, then=then, next_key=next_key))
    return moves


def next_key(key: str, given: Profile = ELIGIBLE) -> str | None:
    """The question asked after this one, None after the last."""
    asked = [s.key for s in applicable(given)]
    index = asked.index(key) + 1
    return asked[index] if index < len(asked) else None


def then(key: str, given: Profile = ELIGIBLE) -> str:
    """The heading of the question after this one (what the bot sends once it is answered)."""
    following = next_key(key, given)
    assert following is not None, f"{key!r} is the last question"
    return heading(following, given)


def stored_through(key: str, given: Profile = ELIGIBLE) -> dict[str, Any]:
    """The stored answers once the questions up to this one (included) are answered."""
    asked = [s.key for s in applicable(given)]
    wanted = asked[: asked.index(key) + 1]
    return {k: v for k, v in stored(given).items() if k in wanted}


def moves_between(
    given: Profile = ELIGIBLE,
    lang: str = "fr",
    *,
    start: str | None = None,
    after: str | None = None,
    stop: str | None = None,
    through: str | None = None,
) -> list[Move]:
    """The moves from question `start` (or the one after `after`) to question `stop` (excluded)
    or `through` (included); by default all of them."""
    moves = walk(given, lang)
    order = [m.key for m in moves]
    first = order.index(start) if start else order.index(after) + 1 if after else 0
    last = order.index(stop) if stop else order.index(through) + 1 if through else len(moves)
    return moves[first:last]


def as_text(move: Move) -> str:
    """The answer typed instead of pressed: the text, or the label of the one button (the bot
    matches typed labels forgivingly)."""
    if move.typed is not None:
        return move.typed
    assert len(move.presses) == 1, f"{move.key!r} takes several presses"
    return move.presses[0]


def typed_or_pressed(move: Move) -> Iterator[tuple[str, str]]:
    """("text", what is typed) or ("button", label), one per update the candidate sends."""
    if move.typed is not None:
        yield "text", move.typed
    for pressed in move.presses:
        yield "button", pressed


async def answer(
    chat: Chat,
    given: Profile = ELIGIBLE,
    lang: str = "fr",
    *,
    start: str | None = None,
    after: str | None = None,
    stop: str | None = None,
    through: str | None = None,
    last: str | None = None,
) -> None:
    """Answer the questions (all, or those chosen as in moves_between) in a Chat, waiting each
    time for the next question (its number, and its wording in French, see WORDING_FR); after the
    last question of the flow, wait for `last` (e.g. "Tes réponses")."""
    chosen = moves_between(given, lang, start=start, after=after, stop=stop, through=through)
    for move in chosen:
        expect = move.then if move.then is not None else last
        actions = list(typed_or_pressed(move))
        for _, value in actions[:-1]:  # ticks in a multi-select: the press is answered
            await chat.press(value)
        kind, value = actions[-1]
        if expect is None:
            if kind == "text":
                chat.server.send_text(chat.user, value)
            else:
                await chat.press(value)
            continue
        message = await (
            chat.send(value, expect) if kind == "text" else _press(chat, value, expect)
        )
        wording = WORDING_FR.get(move.next_key or "") if lang == "fr" else None
        if wording is not None and move.then is not None:
            assert wording in message.plain_text, (move.next_key, message.plain_text)


async def _press(chat: Chat, value: str, expect: str) -> Any:
    await chat.press(value)
    return await chat.expect(expect)
