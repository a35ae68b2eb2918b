"""Every template renders in every language with StrictUndefined, as HTML Telegram accepts."""

from __future__ import annotations

import dataclasses
import importlib
import re
from pathlib import Path
from typing import Any

import pytest

from bot.config import DEFAULT_RULES_FILE
from bot.core.sites import load_programme
from bot.kernel.rendering import TEMPLATES_DIR, Renderer
from bot.screening.store import Candidate
from conversations.screening import SCREENING

PROGRAMME = load_programme(DEFAULT_RULES_FILE)
NASTY = '<b>Léa & "Zoé"</b>'
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
ALL_REASONS = [
    "age_under_min",
    "age_over_max",
    "age_boundary",
    "school_obligation",
    "situation_studying",
    "situation_training",
    "situation_employed",
    "qualification_cap_bep",
    "qualification_bac",
    "qualification_higher",
    "availability_no",
    "availability_discuss",
    "outside_territory",
]
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
            "reasons": ALL_REASONS,
            "site": PROGRAMME.sites["gonesse"],
            "is_minor": minor,
            "first_name": name,
            "cohort_start": "01/03/2027",
            "early": False,
        }
        for outcome in ("eligible", "review", "oriented")
        for minor, name in ((True, NASTY), (False, None))
    ]
    + [
        {
            "outcome": "oriented",
            "reasons": [reason],
            "site": PROGRAMME.sites["gonesse"],
            "is_minor": reason == "age_under_min",
            "first_name": None,
            "cohort_start": "01/03/2027",
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
            "cohort_start": "01/03/2027",
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
            "session": {"when": "jeudi 3 décembre à 14h00", "place": NASTY, "address": NASTY}
            if stage == "session_booked"
            else None,
            "cohort": {"name": NASTY, "start": "1er mars 2027"}
            if stage in ("admitted", "waitlisted", "in_training", "exited")
            else None,
            "interview": {"when": "jeudi 3 décembre à 14h00", "place": NASTY, "address": NASTY}
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
    "restart_confirm": [{"booked_when": None}, {"booked_when": "jeudi 3 décembre à 14h00"}],
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


def _with_counts(value: Any, n: int) -> Any:
    """The sample with every count (an int in its dicts and lists, not a bool) set to n."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return n
    if isinstance(value, dict):
        return {k: _with_counts(v, n) for k, v in value.items()}
    if isinstance(value, list):
        return [_with_counts(v, n) for v in value]
    return value


# "Promo Promo mars 2027", "la la": a word written twice (by the template around a value).
DOUBLED = re.compile(r"\b(\w{2,})[ \t]+\1\b", re.IGNORECASE)
# Plural words that must not follow 0 or 1 in French, or 1 in English, and singular ones that
# must not follow 2 (those the templates write after a count).
PLURALS = {
    "fr": ("candidats", "places", "personnes", "inscrits", "sorties", "notes", "autres"),
    "en": ("candidates", "places", "seats", "people", "exits", "notes"),
}
SINGULARS = {
    "fr": ("candidat", "place", "personne", "inscrit", "sortie", "note"),
    "en": ("candidate", "place", "seat", "person", "exit", "note"),
}


@pytest.mark.parametrize("language", ["fr", "en"])
def test_counts_of_0_1_2_read_right_and_no_word_is_doubled(language: str) -> None:
    renderer = Renderer()
    plurals = "|".join(PLURALS[language])
    singulars = "|".join(SINGULARS[language])
    not_after_one = re.compile(rf"(?<![\d/.,])(?<!session )\b1 ({plurals})\b")
    not_after_zero = re.compile(rf"(?<![\d/.,])(?<!session )\b0 ({plurals})\b")
    not_after_two = re.compile(rf"(?<![\d/.,])(?<!session )\b2 ({singulars})\b")
    problems = []
    for name in sorted(SAMPLES):
        for context in SAMPLES[name]:
            for n in (0, 1, 2):
                counted = _with_counts(context, n)
                try:
                    text = renderer.render(language, name, programme=PROGRAMME, **counted)
                except Exception:  # a sample whose numbers are not counts (ids, dates...)
                    continue
                plain = re.sub(r"<[^>]+>", "", text)
                for pattern in (DOUBLED, not_after_one, not_after_two) + (
                    (not_after_zero,) if language == "fr" else ()
                ):
                    for match in pattern.finditer(plain):
                        problems.append((name, n, match.group(0)))
                for wrong in ("(s)", "les 1 premiers", "the top 1 ", "les 1 plus", "the 1 oldest"):
                    if wrong in plain:
                        problems.append((name, n, wrong))
    assert problems == []


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
                cohort_start="01/03/2027",
                early=True,
            )
            assert site.mission_locale not in text and "Mission Locale" not in text
            assert ("France Travail" in text) is (reason == "age_over_max")
            assert ("CIO" in text) is (reason == "age_under_min")
            assert ("PLIE de Gonesse" in text) is (where is adult)
