"""Every template renders in every language with StrictUndefined, as HTML Telegram accepts."""

from __future__ import annotations

import dataclasses
import datetime as dt
import html
import importlib
import itertools
import re
from pathlib import Path
from typing import Any

import pytest

from bot.config import DEFAULT_RULES_FILE
from bot.core.eligibility import decide, decided_early
from bot.core.sites import load_programme
from bot.kernel.rendering import TEMPLATES_DIR, Renderer
from bot.screening.store import Candidate
from conversations.screening import SCREENING

PROGRAMME = load_programme(DEFAULT_RULES_FILE)
NASTY = '<b>Léa & "Zoé"</b>'
WHEN = dt.datetime(2026, 12, 3, 13, 0, tzinfo=dt.UTC)  # jeudi 3 décembre à 14h00, Paris
CANDIDATE = Candidate(
    id=1,
    telegram_id=1,
    chat_id=1,
    language="fr",
    source="<script>",
    consent_version="2026-11-25",
    consented_at="2026-11-25T09:00:00+00:00",
    status="submitted",
    editing_step=None,
    result="review",
    result_reasons=["qualification_bac"],
    review_status="pending",
    human_requested_at=None,
    created_at="2026-11-25T09:00:00+00:00",
    updated_at="2026-11-25T09:00:00+00:00",
    last_contact_at="2026-11-25T09:00:00+00:00",
    submitted_at="2026-11-25T09:05:00+00:00",
)


def result_samples() -> list[tuple[str, list[str], bool, bool]]:
    """Every result the rules can give: the answers that decide it (birth, situation,
    qualification, availability, postcode) in all their combinations, through the real rules,
    the early answer included (an age clearly outside the range stops the questions)."""
    site = PROGRAMME.sites["gonesse"]
    today = dt.date(2026, 11, 25)
    births = ("2014-05", "2010-06", "2009-12", "2008-03", "2001-03", "2000-12", "1995-01")
    found: dict[tuple[str, tuple[str, ...], bool, bool], None] = {}
    for birth in births:
        if decided_early({"site": site.id, "birth": birth}, site, today):
            d = decide({"site": site.id, "birth": birth}, site, today)
            found[(d.outcome.value, tuple(d.deciding_codes), d.is_minor, True)] = None
            continue
        for situation, qualification, availability, postcode in itertools.product(
            ("studying", "training", "employed", "none"),
            ("none", "brevet", "cap_bep", "bac", "higher"),
            ("yes", "no", "discuss"),
            ("95500", "75001"),
        ):
            answers = {
                "site": site.id,
                "birth": birth,
                "situation": situation,
                "qualification": qualification,
                "availability": availability,
                "postcode": postcode,
            }
            d = decide(answers, site, today)
            found[(d.outcome.value, tuple(d.deciding_codes), d.is_minor, False)] = None
    return [(outcome, list(reasons), minor, early) for outcome, reasons, minor, early in found]


ITEMS = [{"title": "Prénom", "value": NASTY}, {"title": "Genre", "value": None}]

# One or more sample contexts per template: a new template without samples fails the test.
SAMPLES: dict[str, list[dict[str, Any]]] = {
    "welcome": [{}],
    "notice": [{"questions": 11, "backup_days": 14}],
    "consent_thanks": [{}],
    "declined": [{}],
    "accept_first": [{}],
    "question": [
        {
            "step": step.key,
            "number": 2,
            "total": 11,
            "hint": hint,
            "current": NASTY if hint else None,
            "first_name": NASTY,
            "optional": step.optional,
        }
        for step in SCREENING.steps
        for hint in (None, "birth_format")
    ],
    "hint": [
        {"hint": h}
        for h in (
            "first_name_empty",
            "first_name_too_long",
            "first_name_letters",
            "first_name_invisible",
            "birth_format",
            "birth_month_missing",
            "birth_month_range",
            "birth_year_range",
            "postcode_format",
            "postcode_department",
            "use_buttons",
            "use_buttons_multi",
            "use_summary_buttons",
            "something_else",
        )
    ],
    "summary": [{"items": ITEMS}],
    "result": [
        {
            "outcome": outcome,
            "reasons": reasons,
            "site": PROGRAMME.sites["gonesse"],
            "is_minor": minor,
            "first_name": name,
            "cohort_start": dt.date(2027, 3, 1),
            "early": early,
        }
        for outcome, reasons, minor, early in result_samples()
        for name in (NASTY, None)
    ]
    + [
        {
            "outcome": "oriented",
            "reasons": [reason],
            "site": PROGRAMME.sites["gonesse"],
            "is_minor": reason == "age_under_min",
            "first_name": None,
            "cohort_start": dt.date(2027, 3, 1),
            "early": True,
        }
        for reason in ("age_under_min", "age_over_max")
    ]
    + [
        {
            "outcome": "oriented",
            "reasons": ["age_over_max"],
            "site": dataclasses.replace(
                PROGRAMME.sites["gonesse"], adult_referral=NASTY, adult_referral_contact="01 02"
            ),
            "is_minor": False,
            "first_name": None,
            "cohort_start": dt.date(2027, 3, 1),
            "early": True,
        }
    ],
    "already_submitted": [
        {"result": r, "human_requested": h} for r in ("eligible", "review") for h in (True, False)
    ],
    "welcome_back": [{"first_name": NASTY}, {"first_name": None}],
    "status": [
        {
            "stage": stage,
            "first_name": NASTY,
            "human_requested": human,
            "session": {"starts_at": WHEN, "place": NASTY, "address": NASTY}
            if stage == "session_booked"
            else None,
            "cohort": {"name": NASTY, "start": dt.date(2027, 3, 1)}
            if stage in ("admitted", "waitlisted", "in_training", "exited")
            else None,
            "interview": {"starts_at": WHEN, "place": NASTY, "address": NASTY}
            if stage == "interview"
            else None,
        }
        for stage in (
            "to_review",
            "eligible",
            "session_booked",
            "attended",
            "absent",
            "interview",
            "admitted",
            "waitlisted",
            "not_selected",
            "oriented",
            "in_training",
            "exited",
        )
        for human in (True, False)
    ],
    "status_screening": [{}],
    "paused": [{}],
    "toast": [{"what": w} for w in ("already_noted", "stale_button", "other")],
    "language_set": [{}],
    "language_choose": [{}],
    "help": [{}],
    "unknown_command": [{}],
    "unsupported": [{"what": w} for w in ("edited", "too_long", "media")],
    "nothing_to_cancel": [{}],
    "cancelled": [{}],
    "restart_confirm": [{"booked_when": None}, {"booked_when": WHEN}],
    "restarted": [{}],
    "human": [{"stored": True}, {"stored": False}],
    "my_data_none": [{}],
    "my_data": [{"candidate": CANDIDATE, "items": ITEMS}],
    "my_data_file": [{}],
    "delete_confirm": [{}],
    "delete_kept": [{}],
    "deleted": [{}],
    "private_only": [{}],
}
# Each feature adds its samples in tests/template_samples_<feature>.py as a SAMPLES dict.
for _module in sorted(Path(__file__).parent.glob("template_samples_*.py")):
    SAMPLES.update(importlib.import_module(f"tests.{_module.stem}").SAMPLES)

NOT_MESSAGES = {"labels", "hint"}  # labels is data; hint is included by question


def template_names(language: str) -> set[str]:
    """Message templates, e.g. "notice" or "staff/digest"; questions/ are rendered via question."""
    base = TEMPLATES_DIR / language
    return {
        p.relative_to(base).with_suffix("").as_posix()
        for p in base.rglob("*.j2")
        if p.relative_to(base).parts[0] != "questions"
    }


def test_every_language_has_the_same_templates() -> None:
    languages = sorted(p.name for p in TEMPLATES_DIR.iterdir() if p.is_dir())
    assert languages == ["en", "fr"]
    files = {
        lang: sorted(
            str(p.relative_to(TEMPLATES_DIR / lang)) for p in (TEMPLATES_DIR / lang).rglob("*.j2")
        )
        for lang in languages
    }
    assert files["en"] == files["fr"]


def test_every_template_has_samples() -> None:
    assert template_names("fr") - NOT_MESSAGES - set(SAMPLES) == set()


@pytest.mark.parametrize("language", ["fr", "en"])
@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_template_renders_valid_telegram_html(language: str, name: str) -> None:
    from bot.fakeapi.html_check import check_telegram_html

    renderer = Renderer()
    for context in SAMPLES[name]:
        text = renderer.render(language, name, programme=PROGRAMME, **context)
        assert text.strip(), (name, context)
        plain = check_telegram_html(text)  # raises on anything Telegram would refuse
        assert len(plain) <= 4096
        assert "<b>Léa" not in text  # user text is always escaped
        if context.get("first_name") == NASTY and name in ("welcome_back",):
            assert NASTY in plain


@pytest.mark.parametrize("language", ["fr", "en"])
def test_labels_cover_every_choice_and_title(language: str) -> None:
    labels = Renderer().labels(language)
    for step in SCREENING.steps:
        assert f"title.{step.key}" in labels
        for choice in step.choices:
            assert labels.get(f"{step.key}.{choice}"), (step.key, choice)
    fr_keys = set(Renderer().labels("fr"))
    assert set(labels) == fr_keys
    for value in labels.values():
        assert 0 < len(value.encode()) <= 64


def test_month_year_filter() -> None:
    assert Renderer().env.filters["month_year"]("2007-03") == "03/2007"


def test_questions_exist_for_every_step() -> None:
    for language in ("fr", "en"):
        for step in SCREENING.steps:
            assert (Path(TEMPLATES_DIR) / language / "questions" / f"{step.key}.j2").is_file()


Path_ = tuple[str | int, ...]  # where a count sits in a sample: keys and list indexes


def _count_paths(value: Any, path: Path_ = ()) -> list[Path_]:
    """Where the sample holds a count: every int in its dicts, lists and tuples (not a bool)."""
    if isinstance(value, bool):
        return []
    if isinstance(value, int):
        return [path]
    if isinstance(value, dict):
        return [p for k, v in value.items() for p in _count_paths(v, (*path, k))]
    if isinstance(value, list | tuple):
        return [p for i, v in enumerate(value) for p in _count_paths(v, (*path, i))]
    return []


def _set_counts(value: Any, n: int, only: Path_ | None = None, path: Path_ = ()) -> Any:
    """The sample with the count at `only` (every count when None) set to n."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return n if only is None or path == only else value
    if isinstance(value, dict):
        return {k: _set_counts(v, n, only, (*path, k)) for k, v in value.items()}
    if isinstance(value, list | tuple):
        items = [_set_counts(v, n, only, (*path, i)) for i, v in enumerate(value)]
        return items if isinstance(value, list) else tuple(items)
    return value


def count_variants(context: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """The sample, then every count at 0, 1 and 2 together, then each count alone at 0, 1 and 2
    (the others as sampled): a systematic variation, not hand-picked cases."""
    variants = [("as sampled", context)]
    variants += [(f"all counts = {n}", _set_counts(context, n)) for n in (0, 1, 2)]
    for path in _count_paths(context):
        if any(isinstance(step, int) for step in path[:-1]) and path[-2:-1] != (0,):
            continue  # in a list, the first item stands for the others (same template line)
        where = ".".join(map(str, path))
        variants += [(f"{where} = {n}", _set_counts(context, n, path)) for n in (0, 1, 2)]
    return variants


def test_count_variants_are_systematic() -> None:
    sample = {"id": 7, "names": ["a"], "rows": [{"n": 5}, {"n": 6}], "ok": True}
    names = [name for name, _ in count_variants(sample)]
    assert names == [
        "as sampled",
        "all counts = 0",
        "all counts = 1",
        "all counts = 2",
        "id = 0",
        "id = 1",
        "id = 2",
        "rows.0.n = 0",
        "rows.0.n = 1",
        "rows.0.n = 2",
    ]
    assert dict(count_variants(sample))["all counts = 2"] == {
        "id": 2,
        "names": ["a"],
        "rows": [{"n": 2}, {"n": 2}],
        "ok": True,
    }


# The two messages the law makes long: the information notice (GDPR art. 13) and the copy of
# everything stored (/mes_donnees, art. 15). Every other message fits on a phone screen.
LONG_ALLOWED = {"notice", "my_data"}
MAX_MESSAGE = 700
# Messages still over 700 characters in their samples, at most this long (none since issue 13 C
# split /staff, the card, the shortlist, the digest and /sorties). Any message over 700 fails.
KNOWN_LONG: dict[str, int] = {}
# "Promo Promo mars 2027", "la la": a word written twice (by the template around a value).
DOUBLED = re.compile(r"\b(\w{2,})[ \t\u00a0\u202f]+\1\b", re.IGNORECASE)
DOUBLED_ALLOWED: set[str] = set()  # none needed so far; "nous nous" would go here
# Plural words that must not follow 0 or 1 in French, or 1 in English, and singular ones that
# must not follow 2 (those the templates write after a count).
PLURALS = {
    "fr": ("candidats", "places", "personnes", "inscrits", "sorties", "notes", "autres"),
    "en": ("candidates", "places", "seats", "people", "exits", "notes", "months", "days"),
}
SINGULARS = {
    "fr": ("candidat", "place", "personne", "inscrit", "sortie", "note"),
    "en": ("candidate", "place", "seat", "person", "exit", "note", "month", "day"),
}


def _quoted(value: Any) -> list[str]:
    """The sample's long free texts (a message a candidate or staff member wrote, up to 3,000
    characters): relayed as they are, they do not count towards the template's 700."""
    if isinstance(value, str):
        return [value] if len(value) > 100 else []
    if isinstance(value, dict):
        return [q for v in value.values() for q in _quoted(v)]
    if isinstance(value, list | tuple):
        return [q for v in value for q in _quoted(v)]
    return []


def _problems(
    language: str, name: str, variant: str, text: str, quoted: list[str] | None = None
) -> list[tuple[str, str, str]]:
    plurals = "|".join(PLURALS[language])
    singulars = "|".join(SINGULARS[language])
    patterns = [
        re.compile(rf"(?<![\d/.,\u202f])(?<!session )\b1 ({plurals})\b"),
        re.compile(rf"(?<![\d/.,\u202f])(?<!session )\b2 ({singulars})\b"),
    ]
    if language == "fr":  # French: 0 is singular ("0 candidat")
        patterns.append(re.compile(rf"(?<![\d/.,\u202f])(?<!session )\b0 ({plurals})\b"))
    plain = html.unescape(re.sub(r"<[^>]+>", "", text))
    found = [(name, variant, m.group(0)) for p in patterns for m in p.finditer(plain)]
    found += [
        (name, variant, m.group(0))
        for m in DOUBLED.finditer(plain)
        if m.group(1).lower() not in DOUBLED_ALLOWED
    ]
    wrong = ("(s)", "les 1 premiers", "the top 1 ", "the first 1)", "les 1 plus", "the 1 oldest")
    found += [(name, variant, w) for w in wrong if w in plain]
    length = own_length(text, quoted)
    if name not in LONG_ALLOWED and length > KNOWN_LONG.get(name, MAX_MESSAGE):
        found.append((name, variant, f"{length} characters"))
    return found


def own_length(text: str, quoted: list[str] | None = None) -> int:
    """Characters a person reads, the relayed free texts aside."""
    own = html.unescape(re.sub(r"<[^>]+>", "", text))
    for q in quoted or []:
        own = own.replace(q, "")
    return len(own)


@pytest.mark.parametrize("language", ["fr", "en"])
def test_counts_of_0_1_2_read_right_short_and_no_word_is_doubled(language: str) -> None:
    """Every template, every sample, every count at 0, 1 and 2: it renders, plurals agree, no
    word is written twice in a row, and no message is over 700 characters."""
    renderer = Renderer()
    problems = []
    longest: dict[str, int] = {}
    for name in sorted(SAMPLES):
        for context in SAMPLES[name]:
            for variant, counted in count_variants(context):
                text = renderer.render(language, name, programme=PROGRAMME, **counted)
                problems += _problems(language, name, variant, text, _quoted(counted))
                length = own_length(text, _quoted(counted))
                longest[name] = max(longest.get(name, 0), length)
    assert problems == []
    if language == "fr":  # a known long message made short leaves KNOWN_LONG
        assert {n for n in KNOWN_LONG if longest[n] <= MAX_MESSAGE} == set()


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("✅ Promo Promo mars 2027 créée", "Promo Promo"),
        ("le le 3 mars", "le le"),
        ("Pipeline : 1 candidats", "1 candidats"),
        ("0 candidats", "0 candidats"),
        ("2 candidat", "2 candidat"),
        ("x" * 701, "701 characters"),
    ],
)
def test_the_checks_catch_what_they_are_for(text: str, found: str) -> None:
    assert [p[2] for p in _problems("fr", "t", "v", text)][:1] == [found]
    assert _problems("fr", "notice", "v", "Notre notice " + "x" * 800) == []
    assert _problems("fr", "t", "v", "12\u202f345 candidats, 1,5 place, 1er mars") == []


def test_plural_filter_follows_each_language() -> None:
    env = Renderer().env
    fr = env.get_template("fr/staff/export_caption.j2")
    en = env.get_template("en/staff/export_caption.j2")
    assert [fr.render(what="pipeline", count=n).split(" (")[0] for n in (0, 1, 2)] == [
        "Pipeline : 0 candidat",
        "Pipeline : 1 candidat",
        "Pipeline : 2 candidats",
    ]
    assert [en.render(what="pipeline", count=n).split(" (")[0] for n in (0, 1, 2)] == [
        "Pipeline: 0 candidates",
        "Pipeline: 1 candidate",
        "Pipeline: 2 candidates",
    ]


def test_over_the_age_limit_is_never_sent_to_the_mission_locale() -> None:
    renderer = Renderer()
    site = PROGRAMME.sites["gonesse"]
    adult = dataclasses.replace(site, adult_referral="PLIE de Gonesse", adult_referral_contact="01")
    for language in ("fr", "en"):
        for where, reason in (
            (site, "age_over_max"),
            (adult, "age_over_max"),
            (site, "age_under_min"),
        ):
            text = renderer.render(
                language,
                "result",
                programme=PROGRAMME,
                outcome="oriented",
                reasons=[reason],
                site=where,
                is_minor=reason == "age_under_min",
                first_name=None,
                cohort_start=dt.date(2027, 3, 1),
                early=True,
            )
            assert site.mission_locale not in text and "Mission Locale" not in text
            assert ("France Travail" in text) is (reason == "age_over_max")
            assert ("CIO" in text) is (reason == "age_under_min")
            assert ("PLIE de Gonesse" in text) is (where is adult)
