"""The follow-up's plain rules: outbox names, how staff type a day, a milestone, a situation."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Sequence

from bot.core.text import fold

SURVEY_KIND = "fu_survey"  # outbox kind: a survey (payload r=0) or a reminder (r=1, 2...)
MAX_CALL_LINES = 50  # people listed by /appels
MAX_CALL_BUTTONS = 20  # "note the answer" buttons under /appels (the rest: answer them first)
DIGEST_CALL_LINES = 10  # people listed in the weekly digest; the rest is in /appels
DATE_RE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")


def subject(candidate_id: int, milestone: int) -> str:
    """The outbox subject of a survey and its reminders (cancelled together once answered)."""
    return f"fu:{candidate_id}:{milestone}"


def parse_day(text: str, today: dt.date) -> dt.date | None:
    folded = fold(text)
    if folded in ("aujourd hui", "aujourdhui", "today"):
        return today
    match = DATE_RE.match(text.strip())
    try:
        if match:
            return dt.date(int(match.group(3)), int(match.group(2)), int(match.group(1)))
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        return None


def looks_like_a_date(text: str) -> bool:
    """Digits in a date's shape ('31/02/2027', '2027-02-31'), valid or not: a date meant as one."""
    return re.fullmatch(r"\d{1,4}[/.\-]\d{1,2}[/.\-]\d{1,4}", text.strip()) is not None


def parse_milestone(text: str, milestones: Sequence[int]) -> int | None:
    """'sortie', 'exit', 'j0', '0' -> 0; '+3', '3', '3m', '+3mois' -> 3 (configured only)."""
    word = fold(text).replace(" ", "")
    if word in ("sortie", "exit", "j0"):
        return 0
    digits = word.removeprefix("+").removesuffix("mois").removesuffix("months")
    digits = digits.removesuffix("m")
    if digits.isdigit() and int(digits) in milestones:
        return int(digits)
    return None


def parse_situation(
    text: str, categories: Sequence[str], label: Callable[[str], str]
) -> str | None:
    """A situation id from its id ('cdd_long'), its button's words ('CDI') or their start
    when only one button starts so ('alternance'; not 'CDD', which two buttons start with)."""
    wanted = fold(text)
    if not wanted:
        return None
    starts = []
    for category in categories:
        shown = fold(label(category))
        words = shown.split(" ", 1)[-1] if not shown[:1].isalnum() else shown
        if wanted in (fold(category), shown, words):
            return category
        if words.startswith(wanted + " "):
            starts.append(category)
    return starts[0] if len(starts) == 1 else None
