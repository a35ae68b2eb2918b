"""Outcome categories from conversations/outcomes.toml, positive exits and rates."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.core.outcomes import (
    NO_ANSWER,
    OutcomesError,
    load_outcomes,
    parse_outcomes,
    rates,
    rates_from_counts,
)
from conversations.alumni_survey import ALUMNI_SURVEY, MAX_QUESTIONS, WORKING

FILE = Path(__file__).resolve().parent.parent / "conversations" / "outcomes.toml"
OUTCOMES = load_outcomes(FILE)


def test_usual_french_definition() -> None:
    positive = {c for c in OUTCOMES.ids if OUTCOMES.is_positive(c)}
    assert positive == {"cdi", "cdd_long", "apprenticeship", "training", "studies", "business"}
    for c in ("cdd_short", "civic_service", "job_seeking", "other", NO_ANSWER, None, "unknown"):
        assert not OUTCOMES.is_positive(c)
    assert OUTCOMES.group_of("cdi") == OUTCOMES.group_of("cdd_long") == "durable_employment"
    assert OUTCOMES.group_of("cdd_short") == "short_jobs"  # reported on its own line
    assert OUTCOMES.followup.milestones_months == (0, 3, 6, 12)
    assert OUTCOMES.followup.report_milestone == 6
    assert OUTCOMES.followup.reminder_days == (3, 7)
    assert OUTCOMES.targets.positive_rate == 80


def test_civic_service_is_configurable() -> None:
    text = FILE.read_text("utf-8").replace(
        'group = "civic_service"\npositive = false', 'group = "civic_service"\npositive = true'
    )
    assert parse_outcomes(text).is_positive("civic_service")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "no [categories"),
        ("[categories.x]\ndefinition = 'x'\n", "positive must be true or false"),
        ("[categories.x]\npositive = true\n", "definition is missing"),
        ("[categories.no_answer]\npositive = true\ndefinition='x'\n", "reserved"),
        (
            "[categories.x]\npositive = true\ndefinition='x'\n"
            "[followup]\nmilestones_months=[6,3]\n",
            "increasing",
        ),
        (
            "[categories.x]\npositive = true\ndefinition='x'\n[followup]\nreport_milestone=5\n",
            "report_milestone",
        ),
        (
            "[categories.x]\npositive = true\ndefinition='x'\n[followup]\ncall_after_days=7\n",
            "call_after_days",
        ),
        ("[categories.x\n", "outcomes.toml"),
    ],
)
def test_mistakes_are_named(text: str, message: str) -> None:
    with pytest.raises(OutcomesError, match=re.escape(message)):
        parse_outcomes(text)


def test_rates_both_honest_denominators() -> None:
    answers = [
        "cdi",
        "cdd_short",
        "training",
        None,
        None,
        "job_seeking",
        "cdd_long",
        None,
        "cdi",
        "business",
    ]
    r = rates(answers, OUTCOMES)
    assert (r.alumni, r.respondents, r.positive) == (10, 7, 5)
    assert r.response_rate == pytest.approx(0.7)
    assert r.positive_among_respondents == pytest.approx(5 / 7)
    assert r.positive_among_all == pytest.approx(0.5)
    assert r.by_group["durable_employment"] == 3
    assert r.by_group["short_jobs"] == 1
    assert r.by_category["cdi"] == 2


def test_rates_with_nobody() -> None:
    r = rates([], OUTCOMES)
    assert r.response_rate is None and r.positive_among_all is None
    r = rates([None, None], OUTCOMES)
    assert r.response_rate == 0 and r.positive_among_respondents is None


def test_rates_add_up_and_check_counts() -> None:
    a = rates_from_counts(4, {"cdi": 2, NO_ANSWER: 2}, OUTCOMES)
    b = rates_from_counts(3, {"job_seeking": 1}, OUTCOMES)
    total = a + b
    assert (total.alumni, total.respondents, total.positive) == (7, 3, 2)
    assert rates_from_counts(2, {"removed_category": 1}, OUTCOMES).positive == 0
    with pytest.raises(ValueError):
        rates_from_counts(1, {"cdi": 2}, OUTCOMES)


def test_survey_is_short_and_buttons_only() -> None:
    assert len(ALUMNI_SURVEY.steps) <= MAX_QUESTIONS
    assert all(step.parse is None for step in ALUMNI_SURVEY.steps)
    assert ALUMNI_SURVEY.steps[0].key == "situation"
    assert set(OUTCOMES.ids) >= WORKING
    working = [s.key for s in ALUMNI_SURVEY.applicable({"situation": "cdi"})]
    seeking = [s.key for s in ALUMNI_SURVEY.applicable({"situation": "job_seeking"})]
    assert working == ["situation", "sector", "helped", "contact"]
    assert seeking == ["situation", "helped", "contact"]
    # callback data "fu:<milestone>:<step>:<choice>" stays under Telegram's 64 bytes
    for step in ALUMNI_SURVEY.steps:
        for choice in step.choices or OUTCOMES.ids:
            assert len(f"fu:12:{step.key}:{choice}".encode()) <= 64


@pytest.mark.parametrize("language", ["fr", "en"])
def test_every_survey_answer_and_report_line_has_a_label(language: str) -> None:
    from bot.kernel.rendering import Renderer

    labels = Renderer().labels(language)
    for step in ALUMNI_SURVEY.steps:
        for choice in step.choices or OUTCOMES.ids:
            assert labels.get(f"fu.{step.key}.{choice}"), (step.key, choice)
    for group in OUTCOMES.groups:
        assert labels.get(f"fu.group.{group}"), group


def test_survey_question_count_never_grows() -> None:
    flow = ALUMNI_SURVEY
    first = flow.steps[0]
    _, total_at_first = flow.position(first, {})
    for situation in OUTCOMES.ids:
        answers: dict[str, object] = {first.key: situation}
        while (step := flow.next_step(answers)) is not None:
            _, total = flow.position(step, answers)
            assert total <= total_at_first, (situation, step.key)
            answers[step.key] = step.choices[0]
    working = {first.key: sorted(WORKING)[0]}
    sector = flow.step("sector")
    assert sector is not None and flow.position(sector, working) == (2, total_at_first)
