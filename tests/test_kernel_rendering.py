"""bot/kernel/rendering.py: dates, times, numbers and plurals by the book (Babel), in French and
English, in the programme's time zone; the filters the templates call."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import jinja2
import pytest

from bot.kernel.rendering import (
    DATE_FORMS,
    DATETIME_FORMS,
    Renderer,
    format_date,
    format_datetime,
    format_number,
    format_time,
    plural,
)

PARIS = ZoneInfo("Europe/Paris")
NNBSP = "\u202f"  # French thousands separator (CLDR): narrow no-break space


def paris(month: int, day: int, hour: int, minute: int = 0, year: int = 2026) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, tzinfo=PARIS).astimezone(dt.UTC)


def _in_folder(
    env: jinja2.Environment, language: str, source: str, context: dict[str, object]
) -> str:
    """Render a template string as if it lived in bot/templates/<language>/ (the folder is
    the language the filters follow)."""
    loader = jinja2.DictLoader({f"{language}/t.j2": source})
    scratch = env.overlay(loader=loader)
    return scratch.get_template(f"{language}/t.j2").render(**context)


# ------------------------------------------------------------------------------ dates
def test_a_session_time_in_words() -> None:
    friday = paris(11, 27, 14)
    assert format_datetime(friday, "fr") == "vendredi 27 novembre à 14h00"
    assert format_datetime(friday, "en") == "Friday 27 November at 14:00"
    assert format_datetime(friday, "de") == "vendredi 27 novembre à 14h00"  # default French


def test_the_first_of_the_month_is_1er_in_french_only() -> None:
    first = paris(12, 1, 9, 5)
    assert format_datetime(first, "fr") == "mardi 1er décembre à 09h05"
    assert format_datetime(first, "en") == "Tuesday 1 December at 09:05"
    assert format_date(dt.date(2027, 3, 1), "fr") == "1er mars 2027"
    assert format_date(dt.date(2027, 3, 1), "en") == "1 March 2027"
    assert format_date(dt.date(2027, 3, 1), "fr", "day") == "lundi 1er mars"
    assert format_date(dt.date(2027, 3, 11), "fr", "day") == "jeudi 11 mars"  # not "11er"
    assert format_date(dt.date(2027, 3, 21), "fr") == "21 mars 2027"  # nor "21er"
    assert format_date(dt.date(2027, 3, 1), "fr", "short") == "01/03/2027"
    assert format_date(dt.date(2027, 3, 1), "en", "short") == "01/03/2027"


def test_buttons_and_times() -> None:
    assert format_datetime(paris(11, 27, 14), "fr", "button") == "ven. 27/11 14h00"
    assert format_datetime(paris(11, 27, 14), "en", "button") == "Fri 27/11 14:00"
    assert format_datetime(paris(11, 27, 14), "fr", "short") == "27/11/2026 14:00"
    assert format_time(paris(11, 27, 9, 30), "fr") == "09h30"
    assert format_time(dt.time(14), "en") == "14:00"


def test_stored_iso_strings_are_read_in_the_programme_time_zone() -> None:
    # 23:30 UTC on 30 November is already 1 December in Paris
    assert format_date("2026-11-30T23:30:00+00:00", "fr") == "1er décembre 2026"
    assert format_date("2026-11-30T23:30:00+00:00", "fr", tz=ZoneInfo("UTC")) == (
        "30 novembre 2026"
    )
    assert format_date("2027-03-01", "en") == "1 March 2027"
    assert format_date("2026-11-30 23:30:00+00:00", "en", "short") == "01/12/2026"
    with pytest.raises(ValueError, match="naive"):
        format_datetime(dt.datetime(2026, 12, 1, 9), "fr")


@pytest.mark.parametrize(
    ("utc", "expected"),
    [
        # spring forward, Sunday 28 March 2027: 02:00 CET becomes 03:00 CEST
        (dt.datetime(2027, 3, 28, 0, 59), "dimanche 28 mars à 01h59"),
        (dt.datetime(2027, 3, 28, 1, 0), "dimanche 28 mars à 03h00"),
        (dt.datetime(2027, 3, 28, 8, 0), "dimanche 28 mars à 10h00"),
        # fall back, Sunday 25 October 2026: 02:00-03:00 happens twice
        (dt.datetime(2026, 10, 25, 0, 30), "dimanche 25 octobre à 02h30"),
        (dt.datetime(2026, 10, 25, 1, 30), "dimanche 25 octobre à 02h30"),
        (dt.datetime(2026, 10, 25, 2, 30), "dimanche 25 octobre à 03h30"),
        (dt.datetime(2026, 10, 24, 22, 30), "dimanche 25 octobre à 00h30"),  # day after, local
        (dt.datetime(2026, 7, 14, 8, 0), "mardi 14 juillet à 10h00"),  # summer: UTC+2
        (dt.datetime(2026, 12, 14, 8, 0), "lundi 14 décembre à 09h00"),  # winter: UTC+1
    ],
)
def test_daylight_saving_edges_in_paris(utc: dt.datetime, expected: str) -> None:
    assert format_datetime(utc.replace(tzinfo=dt.UTC), "fr", tz=PARIS) == expected


def test_another_programme_time_zone() -> None:
    moment = dt.datetime(2026, 12, 1, 12, 0, tzinfo=dt.UTC)
    assert format_datetime(moment, "fr", tz=ZoneInfo("America/Cayenne")) == (
        "mardi 1er décembre à 09h00"
    )
    renderer = Renderer(timezone=ZoneInfo("Indian/Reunion"))
    assert renderer.format_datetime(moment, "fr") == "mardi 1er décembre à 16h00"
    assert renderer.format_date(moment, "en", "day") == "Tuesday 1 December"


# ---------------------------------------------------------------------- numbers, plurals
@pytest.mark.parametrize("form", sorted(DATETIME_FORMS))
@pytest.mark.parametrize("language", ["fr", "en"])
def test_digit_forms_written_without_babel_read_as_babel_writes_them(
    form: str, language: str
) -> None:
    """The short forms are written with strftime (CSV exports write 100,000 of them): the text
    is Babel's own, for every day of a year and both DST changes."""
    from babel import dates

    start = dt.datetime(2026, 1, 1, 0, 7, tzinfo=dt.UTC)
    for hours in range(0, 366 * 24, 5):
        moment = start + dt.timedelta(hours=hours)
        local = moment.astimezone(PARIS)
        pattern = DATETIME_FORMS[form][language]
        if language == "fr" and local.day == 1:
            pattern = pattern.replace("d MMMM", "d'er' MMMM")
        locale = "fr_FR" if language == "fr" else "en_GB"
        expected = dates.format_datetime(local.replace(tzinfo=None), pattern, locale=locale)
        assert format_datetime(moment, language, form, PARIS) == expected
        for day_form, day_pattern in DATE_FORMS.items():
            if language == "fr" and local.day == 1:
                day_pattern = {
                    **day_pattern,
                    "fr": day_pattern["fr"].replace("d MMMM", "d'er' MMMM"),
                }
            day = dates.format_date(local.date(), day_pattern[language], locale=locale)
            assert format_date(local.date(), language, day_form) == day


def test_numbers() -> None:
    assert format_number(1.5, "fr") == "1,5"
    assert format_number(1.5, "en") == "1.5"
    assert format_number(12345, "fr") == f"12{NNBSP}345"
    assert format_number(12345, "en") == "12,345"
    assert format_number(0, "fr") == "0"


@pytest.mark.parametrize(
    ("n", "fr", "en"),
    [
        (0, "0 candidat", "0 candidates"),
        (1, "1 candidat", "1 candidate"),
        (2, "2 candidats", "2 candidates"),
        (1000, f"1{NNBSP}000 candidats", "1,000 candidates"),
        (1.5, "1,5 candidat", "1.5 candidates"),
    ],
)
def test_plural_forms(n: float, fr: str, en: str) -> None:
    assert plural(n, "fr", "candidat", "candidats") == fr
    assert plural(n, "en", "candidate", "candidates") == en


def test_plural_word_alone() -> None:
    assert plural(0, "fr", "enregistrée", "enregistrées", number=False) == "enregistrée"
    assert plural(0, "en", "note", "notes", number=False) == "notes"


# ----------------------------------------------------------------------- the filters
@pytest.mark.parametrize(
    ("language", "expected"),
    [
        (
            "fr",
            "mardi 1er décembre à 10h00 · 1er mars 2027 · lundi 1er mars · 01/03/2027 · 10h00"
            f" · 12{NNBSP}345 · 1,5 · 0 candidat, 1 candidat, 2 candidats, 1{NNBSP}000 candidats",
        ),
        (
            "en",
            "Tuesday 1 December at 10:00 · 1 March 2027 · Monday 1 March · 01/03/2027 · 10:00"
            " · 12,345 · 1.5 · 0 candidates, 1 candidate, 2 candidates, 1,000 candidates",
        ),
    ],
)
def test_filters_follow_the_template_language(language: str, expected: str) -> None:
    one, many = ("candidat", "candidats") if language == "fr" else ("candidate", "candidates")
    source = (
        "{{ at | datetime }} · {{ day | date }} · {{ day | date('day') }} · "
        "{{ day | date('short') }} · {{ at | time }} · {{ big | number }} · {{ half | number }}"
        " · {% for n in counts %}{{ n | plural(one, many) }}{{ ', ' if not loop.last }}"
        "{% endfor %}"
    )
    text = _in_folder(
        Renderer().env,
        language,
        source,
        {
            "at": dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC),
            "day": dt.date(2027, 3, 1),
            "big": 12345,
            "half": 1.5,
            "counts": (0, 1, 2, 1000),
            "one": one,
            "many": many,
        },
    )
    assert text == expected
