"""Jinja2 templates per language, autoescaped for Telegram's HTML parse mode, and the filters
that write dates, times, numbers and plurals by the book (Babel's CLDR data).

Message templates live in bot/templates/<lang>/*.j2. Button labels and short words live in
bot/templates/<lang>/labels.j2 as one `labels` mapping, read through the template's module.

Filters (the language is the template's folder, the time zone the programme's):
    {{ starts_at | datetime }}          jeudi 3 décembre à 14h00 / Thursday 3 December at 14:00
    {{ starts_at | datetime("button") }} jeu. 03/12 14h00 / Thu 03/12 14:00
    {{ starts_at | datetime("short") }}  03/12/2026 14:00
    {{ day | date }}                    1er mars 2027 / 1 March 2027
    {{ day | date("day") }}             lundi 1er mars / Monday 1 March
    {{ day | date("short") }}           01/03/2027
    {{ starts_at | time }}              14h00 / 14:00
    {{ n | number }}                    12 345 / 12,345; 1,5 / 1.5
    {{ n | plural("candidat", "candidats") }}  0 candidat, 1 candidat, 2 candidats (fr);
                                        0 candidates, 1 candidate (en)
Code that builds text outside a template (button labels) calls Renderer.format_date and the like.
"""

from __future__ import annotations

import datetime as dt
import html
import re
from collections.abc import Callable, Mapping
from functools import cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import jinja2
from babel import Locale, dates, numbers

TEMPLATES_DIR = Path(__file__).resolve().parent.parent / "templates"
DEFAULT_TIMEZONE = ZoneInfo("Europe/Paris")
# English as written in Europe: day before month ("3 December", "03/12"), as staff type dates.
LOCALES = {"fr": "fr_FR", "en": "en_GB"}

DATE_FORMS = {
    "long": {"fr": "d MMMM y", "en": "d MMMM y"},
    "day": {"fr": "EEEE d MMMM", "en": "EEEE d MMMM"},
    "short": {"fr": "dd/MM/y", "en": "dd/MM/y"},
    "day_month": {"fr": "dd/MM", "en": "dd/MM"},
}
DATETIME_FORMS = {
    "long": {"fr": "EEEE d MMMM 'à' HH'h'mm", "en": "EEEE d MMMM 'at' HH:mm"},
    "button": {"fr": "EEE dd/MM HH'h'mm", "en": "EEE dd/MM HH:mm"},
    "short": {"fr": "dd/MM/y HH:mm", "en": "dd/MM/y HH:mm"},
}
TIME_FORMS = {"fr": "HH'h'mm", "en": "HH:mm"}

Moment = dt.datetime | dt.date | str


def _locale(lang: str) -> str:
    return LOCALES.get(lang, LOCALES["fr"])


def _lang(lang: str) -> str:
    return lang if lang in LOCALES else "fr"


def _first_of_month(pattern: str, lang: str, day: int) -> str:
    """French writes the first day of a month as an ordinal: "1er mars", never "1 mars"."""
    if lang == "fr" and day == 1:
        return pattern.replace("d MMMM", "d'er' MMMM")
    return pattern


def _moment(value: Moment, tz: ZoneInfo) -> dt.datetime:
    """An aware datetime (or an ISO string of one, as stored) in the programme's time zone."""
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    if not isinstance(value, dt.datetime):
        raise TypeError(f"a datetime is needed, not {type(value).__name__}")
    if value.tzinfo is None:
        raise ValueError("a naive datetime has no place in a message: give its time zone")
    return value.astimezone(tz)


def format_date(
    value: Moment, lang: str, form: str = "long", tz: ZoneInfo = DEFAULT_TIMEZONE
) -> str:
    """A day: a date, or the local day of an aware datetime (or an ISO string of either)."""
    if isinstance(value, str):
        value = (
            dt.datetime.fromisoformat(value) if len(value) > 10 else dt.date.fromisoformat(value)
        )
    day = _moment(value, tz).date() if isinstance(value, dt.datetime) else value
    lang = _lang(lang)
    pattern = _first_of_month(DATE_FORMS[form][lang], lang, day.day)
    digits = _strftime_of(pattern)
    if digits is not None and day.year >= 1000:  # the same text as Babel's, many times faster
        return day.strftime(digits)
    return dates.format_date(day, pattern, locale=_locale(lang))


# Babel fields written with digits only, as strftime writes them (any locale): "dd/MM/y HH:mm".
_DIGIT_FIELDS = {("d", 2): "%d", ("M", 2): "%m", ("y", 1): "%Y", ("H", 2): "%H", ("m", 2): "%M"}


@cache
def _strftime_of(pattern: str) -> str | None:
    """The strftime format of a Babel pattern made of digit fields only (computed once per
    pattern), None when it has words (month names, weekdays) that only Babel writes."""
    parts = []
    for kind, value in dates.tokenize_pattern(pattern):
        if kind == "chars":
            parts.append(str(value).replace("%", "%%"))
        elif kind == "field" and value in _DIGIT_FIELDS:
            parts.append(_DIGIT_FIELDS[value])
        else:
            return None
    return "".join(parts)


def format_datetime(
    value: Moment, lang: str, form: str = "long", tz: ZoneInfo = DEFAULT_TIMEZONE
) -> str:
    local = _moment(value, tz)
    lang = _lang(lang)
    pattern = _first_of_month(DATETIME_FORMS[form][lang], lang, local.day)
    digits = _strftime_of(pattern)
    if digits is not None and local.year >= 1000:  # the same text as Babel's, many times faster
        return local.strftime(digits)
    # babel reads the wall-clock fields of an aware datetime in its own zone: give it naive
    # local time so DST is only ever decided by zoneinfo above.
    return dates.format_datetime(local.replace(tzinfo=None), pattern, locale=_locale(lang))


def datetime_formatter(
    lang: str, form: str = "short", tz: ZoneInfo = DEFAULT_TIMEZONE
) -> Callable[[str | None], str]:
    """format_datetime for many stored ISO moments (an export's column), its pattern looked up
    once: '' for None or ''."""
    lang = _lang(lang)
    pattern = DATETIME_FORMS[form][lang]
    digits = _strftime_of(pattern)
    if digits is None or _first_of_month(pattern, lang, 1) != pattern:

        def slow(value: str | None) -> str:
            return format_datetime(value, lang, form, tz) if value else ""

        return slow

    def fast(value: str | None) -> str:
        if not value:
            return ""
        local = dt.datetime.fromisoformat(value).astimezone(tz)
        return (
            local.strftime(digits) if local.year >= 1000 else format_datetime(value, lang, form, tz)
        )

    return fast


def format_time(value: Moment | dt.time, lang: str, tz: ZoneInfo = DEFAULT_TIMEZONE) -> str:
    local = value if isinstance(value, dt.time) else _moment(value, tz).time()
    return dates.format_time(local, TIME_FORMS[_lang(lang)], locale=_locale(lang))


def format_number(value: float, lang: str) -> str:
    """12 345 (narrow no-break space) and 1,5 in French; 12,345 and 1.5 in English."""
    return numbers.format_decimal(value, locale=_locale(lang))


def plural_form(count: float, lang: str) -> str:
    """CLDR's plural category: French "one" for 0 and 1 (and 1,5), English "one" for 1 only."""
    return str(Locale.parse(_locale(lang)).plural_form(abs(count)))


def plural(count: float, lang: str, one: str, many: str, *, number: bool = True) -> str:
    """ "1 candidat", "2 candidats"; the word alone with number=False."""
    word = one if plural_form(count, lang) == "one" else many
    return f"{format_number(count, lang)} {word}" if number else word


def _template_language(context: jinja2.runtime.Context) -> str:
    """The language of a template is its folder: fr/..., en/..."""
    return (context.name or "").partition("/")[0]


class Renderer:
    def __init__(
        self,
        directory: Path = TEMPLATES_DIR,
        default_language: str = "fr",
        timezone: ZoneInfo = DEFAULT_TIMEZONE,
    ) -> None:
        self.default_language = default_language
        self.timezone = timezone
        self.env = jinja2.Environment(
            loader=jinja2.FileSystemLoader(directory),
            autoescape=True,  # every message is Telegram HTML: '<', '>', '&' must be escaped
            undefined=jinja2.StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=False,
        )
        self.env.filters.update(self._filters())
        self.languages = tuple(sorted(p.name for p in directory.iterdir() if p.is_dir()))
        self._labels = cache(self._load_labels)

    def _filters(self) -> dict[str, Any]:
        tz = self.timezone

        @jinja2.pass_context
        def date_filter(context: jinja2.runtime.Context, value: Moment, form: str = "long") -> str:
            return format_date(value, _template_language(context), form, tz)

        @jinja2.pass_context
        def datetime_filter(
            context: jinja2.runtime.Context, value: Moment, form: str = "long"
        ) -> str:
            return format_datetime(value, _template_language(context), form, tz)

        @jinja2.pass_context
        def time_filter(context: jinja2.runtime.Context, value: Moment | dt.time) -> str:
            return format_time(value, _template_language(context), tz)

        @jinja2.pass_context
        def number_filter(context: jinja2.runtime.Context, value: float) -> str:
            return format_number(value, _template_language(context))

        @jinja2.pass_context
        def plural_filter(
            context: jinja2.runtime.Context,
            count: float,
            one: str,
            many: str,
            *,
            number: bool = True,
        ) -> str:
            return plural(count, _template_language(context), one, many, number=number)

        return {
            "date": date_filter,
            "datetime": datetime_filter,
            "time": time_filter,
            "number": number_filter,
            "plural": plural_filter,
            "month_year": _month_year,
        }

    def _lang(self, language: str | None) -> str:
        return language if language in self.languages else self.default_language

    def render(self, language: str | None, name: str, **context: Any) -> str:
        """Render bot/templates/<language>/<name>.j2 and trim blank lines at both ends."""
        lang = self._lang(language)
        template = self.env.get_template(f"{lang}/{name}.j2")
        labels = self.labels(lang)
        return template.render(labels=labels, **context).strip()

    def _load_labels(self, language: str) -> Mapping[str, str]:
        module = self.env.get_template(f"{language}/labels.j2").module
        labels: Mapping[str, str] = module.labels  # type: ignore[attr-defined]
        return labels

    def labels(self, language: str | None) -> Mapping[str, str]:
        return self._labels(self._lang(language))

    def label(self, language: str | None, key: str) -> str:
        labels = self.labels(language)
        if key not in labels:
            raise KeyError(f"no label {key!r} in {self._lang(language)}/labels.j2")
        return labels[key]

    # Text built in code (button labels, values shared by several templates).
    def format_date(self, value: Moment, language: str | None, form: str = "long") -> str:
        return format_date(value, self._lang(language), form, self.timezone)

    def format_datetime(self, value: Moment, language: str | None, form: str = "long") -> str:
        return format_datetime(value, self._lang(language), form, self.timezone)

    def format_time(self, value: Moment | dt.time, language: str | None) -> str:
        return format_time(value, self._lang(language), self.timezone)

    def format_number(self, value: float, language: str | None) -> str:
        return format_number(value, self._lang(language))


def _month_year(value: str) -> str:
    """'2007-03' -> '03/2007'."""
    year, _, month = value.partition("-")
    return f"{month}/{year}" if month else value


_TAG = re.compile(r"<[^>]*>")
MAX_TEXT = 700  # characters of a message a person reads on a phone (the notice aside)


def plain_length(text: str) -> int:
    """The length Telegram counts for an HTML message: without the tags, entities decoded."""
    return len(html.unescape(_TAG.sub("", text)))


def pack_messages(parts: list[str], limit: int = MAX_TEXT) -> list[str]:
    """Texts (HTML) in as few messages of at most `limit` characters as they fit in, in order,
    joined by a blank line: a part goes whole into a message when it fits, else it is cut
    between its paragraphs, then between its lines (a tag never spans a line in the templates).
    Nothing is dropped; only a single line longer than `limit` makes a longer message."""
    messages: list[str] = []
    current = ""
    for part in parts:
        for piece in [part] if plain_length(part) <= limit else _pieces(part, limit):
            joined = f"{current}\n\n{piece}" if current else piece
            if current and plain_length(joined) > limit:
                messages.append(current)
                current = piece
            else:
                current = joined
    if current:
        messages.append(current)
    return messages


def _pieces(text: str, limit: int) -> list[str]:
    """A text too long for one message, in pieces of whole paragraphs (or lines) that fit."""
    pieces: list[str] = []
    for paragraph in text.split("\n\n"):
        if plain_length(paragraph) <= limit:
            pieces.append(paragraph)
            continue
        block = ""
        for line in paragraph.split("\n"):
            joined = f"{block}\n{line}" if block else line
            if block and plain_length(joined) > limit:
                pieces.append(block)
                block = line
            else:
                block = joined
        pieces.append(block)
    return pieces
