import datetime as dt

import pytest

from bot.core.parsing import Invalid, Parsed, parse_first_name, parse_month_year, parse_postcode

TODAY = dt.date(2026, 11, 25)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("03/2007", "2007-03"),
        ("3/2007", "2007-03"),
        ("03-2007", "2007-03"),
        (" 3 2007 ", "2007-03"),
        ("032007", "2007-03"),
        ("2007-03", "2007-03"),
        ("mars 2007", "2007-03"),
        ("Février 2008", "2008-02"),
        ("march 2007", "2007-03"),
        ("12/03/2007", "2007-03"),
        ("03/07", "2007-03"),
        ("11/2026", "2026-11"),
        ("mars 07", "2007-03"),
        ("Mars 07", "2007-03"),
        ("févr. 08", "2008-02"),
        ("sept 06", "2006-09"),
        ("déc 99", "1999-12"),
        ("march 07", "2007-03"),
        ("Aug '05", "2005-08"),
        ("oct 2005", "2005-10"),
    ],
)
def test_month_year_forgiving_forms(text: str, expected: str) -> None:
    assert parse_month_year(text, TODAY) == Parsed(expected)


@pytest.mark.parametrize(
    ("text", "hint"),
    [
        ("2007", "birth_month_missing"),
        ("13/2007", "birth_month_range"),
        ("00/2007", "birth_month_range"),
        ("12/2026", "birth_year_range"),
        ("01/1900", "birth_year_range"),
        ("hier", "birth_format"),
        ("", "birth_format"),
        ("🎂", "birth_format"),
    ],
)
def test_month_year_invalid_gives_a_hint(text: str, hint: str) -> None:
    assert parse_month_year(text, TODAY) == Invalid(hint)


@pytest.mark.parametrize(
    ("text", "expected"), [("95500", "95500"), ("95 500", "95500"), (" 59.700 ", "59700")]
)
def test_postcode_accepts_spaces_and_dots(text: str, expected: str) -> None:
    assert parse_postcode(text) == Parsed(expected)


@pytest.mark.parametrize(
    ("text", "hint"),
    [
        ("95", "postcode_department"),
        ("9550", "postcode_format"),
        ("Gonesse", "postcode_format"),
        ("00000", "postcode_format"),
    ],
)
def test_postcode_invalid(text: str, hint: str) -> None:
    assert parse_postcode(text) == Invalid(hint)


def test_first_name_keeps_what_was_typed_even_html() -> None:
    assert parse_first_name('  <b>Léa & "Zoé"</b> ') == Parsed('<b>Léa & "Zoé"</b>')
    assert parse_first_name("Jean-Éric") == Parsed("Jean-Éric")
    assert parse_first_name("Nguyễn   Thị") == Parsed("Nguyễn Thị")


@pytest.mark.parametrize(
    ("text", "hint"),
    [
        ("   ", "first_name_empty"),
        ("x" * 61, "first_name_too_long"),
        ("12345", "first_name_letters"),
        ("😀😀", "first_name_letters"),
    ],
)
def test_first_name_invalid(text: str, hint: str) -> None:
    assert parse_first_name(text) == Invalid(hint)
