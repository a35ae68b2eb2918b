"""Invisible characters: refused in a first name, and no formula hidden behind them reaches a CSV
export (issue 10, item 11)."""

from __future__ import annotations

import csv
import io

import pytest

from bot.config import StaffMember
from bot.core.parsing import Invalid, Parsed, parse_first_name
from bot.core.text import has_control_chars, is_invisible, strip_invisible_start
from bot.kernel.actions import SendFile
from bot.kernel.clock import FakeClock
from bot.pipeline.export import safe_cell, to_csv
from bot.services import Services
from tests.test_screening_service import LEA, button, consent, text_of
from tests.test_staff_service import seed_candidate

ADMIN = StaffMember(500, "admin")

INVISIBLE = [
    "\u200b",  # zero width space
    "\u200c",  # zero width non-joiner
    "\u200d",  # zero width joiner
    "\u200e",  # left-to-right mark
    "\u200f",  # right-to-left mark
    "\u202a",  # left-to-right embedding
    "\u202e",  # right-to-left override
    "\u2060",  # word joiner
    "\u2061",  # function application
    "\u2062",
    "\u2063",
    "\u2064",
    "\u2066",  # left-to-right isolate
    "\u2069",  # pop directional isolate
    "\ufeff",  # byte order mark
    "\u00ad",  # soft hyphen
    "\u180e",  # Mongolian vowel separator
    "\u034f",  # combining grapheme joiner
    "\u3164",  # Hangul filler (a letter, but blank)
    "\ufe0f",  # variation selector alone
    "\x00",
    "\x1b",
    "\x7f",
    "\u0085",
    "\u00a0",  # no-break space
    "\u2028",  # line separator
]


@pytest.mark.parametrize("char", INVISIBLE)
def test_invisible_characters(char: str) -> None:
    assert is_invisible(char)
    assert strip_invisible_start(char + char + "=A1" + char) == "=A1" + char


@pytest.mark.parametrize("char", ["a", "é", "=", "-", "'", "😀", "ß", "ا", "中"])
def test_visible_characters(char: str) -> None:
    assert not is_invisible(char)


@pytest.mark.parametrize("char", [c for c in INVISIBLE if not c.isspace()])  # spaces: a space
def test_first_name_with_an_invisible_character_is_refused(char: str) -> None:
    for name in (char + "Léa", "Lé" + char + "a", "Léa" + char, char + '=HYPERLINK("x")'):
        assert parse_first_name(name) == Invalid("first_name_invisible"), repr(name)


def test_first_name_spaces_and_emoji_sequences_are_kept() -> None:
    assert parse_first_name("Léa\u00a0Marie") == Parsed("Léa Marie")  # spaces are spaces
    assert parse_first_name("Léa 👩\u200d💻") == Parsed("Léa 👩\u200d💻")
    assert parse_first_name("Léa ❤\ufe0f") == Parsed("Léa ❤\ufe0f")
    assert parse_first_name("Léa ❤\ufe0f\u200d🔥") == Parsed("Léa ❤\ufe0f\u200d🔥")
    assert parse_first_name("\u200d👩 Léa") == Invalid("first_name_invisible")
    assert has_control_chars("Léa\u200d") and not has_control_chars("Léa Zoé")
    assert parse_first_name("😀😀") == Invalid("first_name_letters")


def test_joiners_inside_names_of_scripts_that_spell_with_them() -> None:
    assert parse_first_name("مهر\u200cناز") == Parsed("مهر\u200cناز")  # Mehrnaz (Persian)
    assert parse_first_name("क्\u200dष") == Parsed("क्\u200dष")  # Devanagari half form
    assert parse_first_name("\u200cناز") == Invalid("first_name_invisible")  # not at the start
    assert parse_first_name("ناز\u200c") == Invalid("first_name_invisible")  # nor at the end
    assert parse_first_name("Lé\u200ca") == Invalid("first_name_invisible")  # nor in Latin


@pytest.mark.parametrize("char", INVISIBLE)
def test_a_formula_behind_invisible_characters_is_neutralised(char: str) -> None:
    assert safe_cell(char + '=HYPERLINK("http://x";"y")') == '\'=HYPERLINK("http://x";"y")'
    assert safe_cell(char + char + "+1+2") == "'+1+2"
    assert safe_cell(char + "@SUM(A1)") == "'@SUM(A1)"
    assert safe_cell(char + "-5") == char + "-5"  # a number stays as it was
    assert safe_cell("Lé" + char + "a") == "Lé" + char + "a"  # not at the start: untouched


def test_the_csv_cell_starts_with_the_apostrophe() -> None:
    content = to_csv(["Prénom"], [['\u200d=HYPERLINK("http://x";"clic")']])
    text = io.StringIO(content.decode("utf-8-sig"), newline="")
    [header, row] = list(csv.reader(text, delimiter=";"))
    assert header == ["Prénom"] and row == ['\'=HYPERLINK("http://x";"clic")']


async def test_pipeline_export_of_a_name_stored_before_the_check(
    services: Services, clock: FakeClock
) -> None:
    """A name stored before input refused it still comes out harmless in the export."""
    await seed_candidate(services.candidates, clock.now(), 1001, name='\u200d=HYPERLINK("x")')
    reply = await services.staff.exports.command(ADMIN, ["pipeline"])
    [file] = [a for a in reply.actions if isinstance(a, SendFile)]
    text = file.content.decode("utf-8-sig")
    assert '\'=HYPERLINK(""x"")' in text
    assert "\u200d" not in text


async def test_the_screening_answers_an_invisible_first_name_with_the_hint(
    services: Services,
) -> None:
    s = services.screening
    r = await consent(services)
    r = await s.button(LEA, button(r, "Gonesse").data)
    r = await s.text(LEA, "06/2005")
    r = await s.text(LEA, '\u200d=HYPERLINK("http://x";"clic")')
    assert "caractère invisible" in text_of(r) and "prénom" in text_of(r)
    candidate = await services.candidates.by_telegram_id(LEA.user_id)
    assert candidate is not None
    answers = await services.candidates.answers(candidate.id)
    assert "first_name" not in answers.complete
    r = await s.text(LEA, "Léa")
    answers = await services.candidates.answers(candidate.id)
    assert answers.complete["first_name"] == "Léa"
