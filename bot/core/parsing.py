"""Validation of free-text answers: each parser returns Parsed(value) or Invalid(hint code).

Hint codes name a template block, so the person sees a short example of what is expected.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from bot.core.text import fold, has_control_chars, has_letter

MAX_NAME_LENGTH = 60


@dataclass(frozen=True)
class Parsed:
    value: object


@dataclass(frozen=True)
class Invalid:
    hint: str


ParseResult = Parsed | Invalid

MONTHS = {
    # French
    "janvier": 1, "janv": 1, "fevrier": 2, "fevr": 2, "fev": 2, "mars": 3, "avril": 4, "avr": 4,
    "mai": 5, "juin": 6, "juillet": 7, "juil": 7, "aout": 8, "septembre": 9, "sept": 9,
    "octobre": 10, "oct": 10, "novembre": 11, "nov": 11, "decembre": 12, "dec": 12,
    # English
    "january": 1, "jan": 1, "february": 2, "feb": 2, "march": 3, "mar": 3, "april": 4,
    "apr": 4, "may": 5, "june": 6, "jun": 6, "july": 7, "jul": 7, "august": 8, "aug": 8,
    "september": 9, "sep": 9, "october": 10, "november": 11, "december": 12,
}  # fmt: skip


def parse_first_name(text: str) -> ParseResult:
    """Any name as typed (even '<b>Léa & "Zoé"</b>'), 1-60 characters with at least one letter."""
    name = " ".join(text.split())
    if not name:
        return Invalid("first_name_empty")
    if len(name) > MAX_NAME_LENGTH:
        return Invalid("first_name_too_long")
    if has_control_chars(name):
        return Invalid("first_name_invisible")
    if not has_letter(name):
        return Invalid("first_name_letters")
    return Parsed(name)


def parse_month_year(text: str, today: dt.date) -> ParseResult:
    """Month and year of birth: '03/2007', '3-2007', 'mars 2007', 'mars 07', '032007', '2007-03'.

    Returns 'YYYY-MM'. A year alone asks for the month; impossible dates get their own hint.
    """
    raw = text.strip()
    folded = fold(raw)
    month: int | None = None
    year: int | None = None
    words = folded.split()
    name_months = [MONTHS[w] for w in words if w in MONTHS]
    digits = re.findall(r"\d+", raw)
    if name_months and len(digits) == 1 and len(digits[0]) == 4:
        month, year = name_months[0], int(digits[0])
    elif name_months and len(digits) == 1 and len(digits[0]) == 2:
        # 'mars 07', "mar '07": a month's name or abbreviation with a 2-digit year
        month, year = name_months[0], _two_digit_year(int(digits[0]), today)
    elif len(digits) == 2:
        a, b = digits
        if len(b) == 4 and len(a) <= 2:
            month, year = int(a), int(b)
        elif len(a) == 4 and len(b) <= 2:
            year, month = int(a), int(b)
        elif len(b) == 2 and len(a) <= 2:
            month, year = int(a), _two_digit_year(int(b), today)
    elif len(digits) == 3 and len(digits[2]) == 4:
        # a full date 12/03/2007: keep month and year only
        month, year = int(digits[1]), int(digits[2])
    elif len(digits) == 1 and len(digits[0]) == 6:
        month, year = int(digits[0][:2]), int(digits[0][2:])
    elif len(digits) == 1 and len(digits[0]) == 4 and not name_months:
        return Invalid("birth_month_missing")
    if month is None or year is None:
        return Invalid("birth_format")
    if not 1 <= month <= 12:
        return Invalid("birth_month_range")
    if year < today.year - 100 or (year, month) > (today.year, today.month):
        return Invalid("birth_year_range")
    return Parsed(f"{year:04d}-{month:02d}")


def _two_digit_year(value: int, today: dt.date) -> int:
    century = today.year - today.year % 100
    return century + value if century + value <= today.year else century - 100 + value


def parse_postcode(text: str) -> ParseResult:
    """A French postcode: five digits, spaces and dots tolerated ('95 500', '95.500')."""
    compact = re.sub(r"[\s.\-]", "", text.strip())
    if re.fullmatch(r"\d{5}", compact):
        if compact == "00000":
            return Invalid("postcode_format")
        return Parsed(compact)
    if re.fullmatch(r"\d{2}", compact):
        return Invalid("postcode_department")
    return Invalid("postcode_format")


def parse_free_text(text: str, max_length: int = 500) -> ParseResult:
    cleaned = text.strip()
    if not cleaned:
        return Invalid("text_empty")
    if len(cleaned) > max_length:
        return Invalid("text_too_long")
    return Parsed(cleaned)
