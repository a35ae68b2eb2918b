"""Pure helpers for the staff side: dates in French, access, argument parsing, ranking facts."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from bot.config import StaffMember
from bot.core.diversity import QpvList
from bot.core.pipeline import Stage
from bot.core.text import fold
from bot.kernel.rendering import format_date, format_datetime
from bot.pipeline.models import CandidateView

FOLLOWED = frozenset({"mission_locale", "france_travail", "cej"})
_DATE_FR = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")

Note = Mapping[str, Any]  # {"at": ..., "by": ..., "text": ...}, as the templates show it


@dataclass(frozen=True)
class CardNotes:
    """The notes a candidate's card shows (newest first), within a budget of characters."""

    shown: list[dict[str, Any]]
    more: int  # notes not shown at all
    cut: bool  # the newest note alone was longer than the budget: shown cut, with "…"

    @property
    def complete(self) -> bool:
        return not self.more and not self.cut


def card_notes(newest_first: Sequence[Note], budget: int, limit: int = 5) -> CardNotes:
    """As many whole notes as fit in `budget` characters of note text (and at most `limit`),
    newest first; the newest is always shown, cut to the budget if it is longer."""
    shown: list[dict[str, Any]] = []
    used = 0
    for note in newest_first:
        text = str(note["text"])
        if len(shown) < limit and used + len(text) <= budget:
            shown.append(dict(note))
            used += len(text)
            continue
        if not shown:
            shown.append({**note, "text": text[: max(budget - 1, 1)].rstrip() + "…"})
            return CardNotes(shown, len(newest_first) - 1, True)
        break
    return CardNotes(shown, len(newest_first) - len(shown), False)


def note_pages(newest_first: Sequence[Note], budget: int, per_note: int = 40) -> list[list[Note]]:
    """The notes in pages of at most `budget` characters (each note's text plus `per_note` for
    its date and author; at least one note a page), newest first."""
    pages: list[list[Note]] = []
    page: list[Note] = []
    used = 0
    for note in newest_first:
        size = len(str(note["text"])) + per_note
        if page and used + size > budget:
            pages.append(page)
            page, used = [], 0
        page.append(note)
        used += size
    if page:
        pages.append(page)
    return pages


def fr_datetime(value: str | None, tz: ZoneInfo) -> str:
    """'2026-11-25T09:00:00+00:00' -> '25/11/2026 10:00' in the programme's time zone."""
    if not value:
        return ""
    return format_datetime(value, "fr", "short", tz)


def fr_date(value: str | dt.date | None, tz: ZoneInfo | None = None) -> str:
    """A day as 25/11/2026: a date, or a stored ISO moment (in `tz` when given)."""
    if not value:
        return ""
    if isinstance(value, str):
        moment = dt.datetime.fromisoformat(value)
        if tz is not None and moment.tzinfo is not None:
            moment = moment.astimezone(tz)
        value = moment.date()
    return format_date(value, "fr", "short")


def parse_date(text: str) -> dt.date | None:
    """'01/03/2027' or '2027-03-01'."""
    text = text.strip()
    match = _DATE_FR.match(text)
    try:
        if match:
            day, month, year = (int(g) for g in match.groups())
            return dt.date(year, month, day)
        return dt.date.fromisoformat(text)
    except ValueError:
        return None


def visible_sites(member: StaffMember) -> frozenset[str] | None:
    """None for an admin (every site, and candidates who have not chosen one yet)."""
    return None if member.is_admin else member.sites


def can_see(member: StaffMember, view: CandidateView) -> bool:
    return member.can_see_site(view.site)


def ranking_facts(view: CandidateView, qpv: QpvList) -> dict[str, object]:
    """The facts the shortlist rules may use (see bot/core/ranking.FACTS); never gender."""
    return {
        "attended_session": view.has_reached(Stage.ATTENDED),
        "interviewed": view.has_reached(
            Stage.INTERVIEW, Stage.WAITLISTED, Stage.ADMITTED, Stage.IN_TRAINING
        ),
        "available": view.answers.get("availability") == "yes",
        "followed": view.answers.get("followed_by") in FOLLOWED,
        "qpv": qpv.contains(view.answers.get("postcode")),
        "applied_at": (view.submitted_at or view.created_at)[:10],
    }


def match_site(text: str, names: Mapping[str, str], allowed: Collection[str] | None) -> str | None:
    """A site id from its id or name, typed forgivingly, among the sites allowed."""
    wanted = fold(text)
    for site_id, name in names.items():
        if allowed is not None and site_id not in allowed:
            continue
        if wanted in (fold(site_id), fold(name)):
            return site_id
    return None
