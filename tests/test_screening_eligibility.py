import dataclasses
import datetime as dt
from pathlib import Path

import pytest

from bot.config import DEFAULT_RULES_FILE
from bot.core.eligibility import decide, decided_early, possible_ages
from bot.core.sites import Outcome, RulesError, load_programme
from tests import flowscript as fs

PROGRAMME = load_programme(DEFAULT_RULES_FILE)
GONESSE = dataclasses.replace(PROGRAMME.sites["gonesse"], next_cohort_start=dt.date(2027, 3, 1))
TODAY = dt.date(2026, 11, 25)

# Every question of the flow answered (tests/flowscript.py), as stored: a recorded-only question
# added to the flow is answered here too, and must not change any decision.
ELIGIBLE = fs.stored(fs.profile(interests=["web"]))


def test_possible_ages_with_month_precision() -> None:
    # born in March 2001: 25 or 26 on 1 March 2027 depending on the day
    assert possible_ages("2001-03", dt.date(2027, 3, 1)) == (25, 26)
    assert possible_ages("2001-02", dt.date(2027, 3, 1)) == (26, 26)
    assert possible_ages("2008-02", dt.date(2024, 2, 29)) == (16, 16)
    assert possible_ages("2008-03", dt.date(2024, 3, 15)) == (15, 16)


def test_typical_candidate_is_eligible() -> None:
    decision = decide(ELIGIBLE, GONESSE, TODAY)
    assert decision.outcome is Outcome.ELIGIBLE
    assert decision.reason_codes == []
    assert decision.cohort_start == dt.date(2027, 3, 1)
    assert not decision.is_minor


@pytest.mark.parametrize(
    ("changes", "outcome", "reason"),
    [
        ({"birth": "2012-01"}, Outcome.ORIENTED, "age_under_min"),
        ({"birth": "1995-01"}, Outcome.ORIENTED, "age_over_max"),
        ({"birth": "2001-03"}, Outcome.REVIEW, "age_boundary"),
        ({"birth": "2011-03"}, Outcome.REVIEW, "age_boundary"),
        ({"birth": "2010-01", "situation": "studying"}, Outcome.ORIENTED, "school_obligation"),
        ({"situation": "employed"}, Outcome.REVIEW, "situation_employed"),
        ({"situation": "studying"}, Outcome.REVIEW, "situation_studying"),
        ({"qualification": "cap_bep"}, Outcome.REVIEW, "qualification_cap_bep"),
        ({"qualification": "bac"}, Outcome.REVIEW, "qualification_bac"),
        ({"qualification": "higher"}, Outcome.ORIENTED, "qualification_higher"),
        ({"availability": "no"}, Outcome.ORIENTED, "availability_no"),
        ({"availability": "discuss"}, Outcome.REVIEW, "availability_discuss"),
        ({"postcode": "75011"}, Outcome.REVIEW, "outside_territory"),
    ],
)
def test_each_rule(changes: dict[str, str], outcome: Outcome, reason: str) -> None:
    decision = decide({**ELIGIBLE, **changes}, GONESSE, TODAY)
    assert decision.outcome is outcome
    assert reason in decision.reason_codes


def test_worst_outcome_wins_and_all_reasons_are_kept() -> None:
    decision = decide({**ELIGIBLE, "qualification": "higher", "postcode": "75011"}, GONESSE, TODAY)
    assert decision.outcome is Outcome.ORIENTED
    assert decision.reason_codes == ["qualification_higher", "outside_territory"]


@pytest.mark.parametrize("gender", ["femme", "homme", "autre", "no_answer", None])
def test_gender_never_changes_the_decision(gender: str | None) -> None:
    answers = {**ELIGIBLE, "gender": gender} if gender else dict(ELIGIBLE)
    for variant in ({}, {"qualification": "bac"}, {"birth": "2012-01"}):
        base = decide({**ELIGIBLE, **variant}, GONESSE, TODAY)
        assert decide({**answers, **variant}, GONESSE, TODAY) == base


def test_minor_is_flagged_for_legal_representative() -> None:
    decision = decide({**ELIGIBLE, "birth": "2010-01"}, GONESSE, TODAY)
    assert decision.outcome is Outcome.ELIGIBLE
    assert decision.is_minor


def test_past_cohort_date_counts_as_today() -> None:
    site = dataclasses.replace(GONESSE, next_cohort_start=dt.date(2020, 1, 1))
    assert decide(ELIGIBLE, site, TODAY).cohort_start == TODAY


def test_rules_file_per_site_override(tmp_path: Path) -> None:
    path = tmp_path / "sites.toml"
    path.write_text(
        DEFAULT_RULES_FILE.read_text(encoding="utf-8")
        + '\n[sites.gonesse.rules.qualification]\nbac = "eligible"\n',
        encoding="utf-8",
    )
    programme = load_programme(path)
    assert programme.sites["gonesse"].rules.qualification["bac"] is Outcome.ELIGIBLE
    assert programme.sites["gonesse"].rules.qualification["cap_bep"] is Outcome.REVIEW
    assert programme.sites["marcq"].rules.qualification["bac"] is Outcome.REVIEW


def test_rules_file_errors_name_the_key(tmp_path: Path) -> None:
    path = tmp_path / "sites.toml"
    path.write_text(
        DEFAULT_RULES_FILE.read_text(encoding="utf-8").replace(
            'higher = "oriented"', 'higher = "refused"'
        ),
        encoding="utf-8",
    )
    with pytest.raises(RulesError, match=r"qualification\.higher"):
        load_programme(path)


def test_shipped_sites() -> None:
    assert PROGRAMME.site_ids == ("gonesse", "marcq")
    assert PROGRAMME.sites["marcq"].name == "Marcq-en-Barœul"
    assert PROGRAMME.sites["gonesse"].covers("95500")
    assert not PROGRAMME.sites["gonesse"].covers("59700")


@pytest.mark.parametrize(
    ("birth", "early"),
    [
        ("1996-01", True),  # 31 at the start: too old whatever comes next
        ("2012-03", True),  # 14 or 15: too young
        ("2001-03", False),  # 25 or 26: on the limit, decided at review
        ("2005-06", False),
    ],
)
def test_decided_early_only_when_the_age_is_clearly_out(birth: str, early: bool) -> None:
    assert decided_early({"site": "gonesse", "birth": birth}, GONESSE, TODAY) is early


def test_a_site_may_name_an_adult_referral(tmp_path: Path) -> None:
    text = DEFAULT_RULES_FILE.read_text(encoding="utf-8").replace(
        'mission_locale_contact = "01 34 45 44 00"\n',
        'mission_locale_contact = "01 34 45 44 00"\n'
        'adult_referral = "PLIE de Gonesse"\nadult_referral_contact = "01 02"\n',
    )
    rules = tmp_path / "sites.toml"
    rules.write_text(text, encoding="utf-8")
    sites = load_programme(rules).sites
    assert (sites["gonesse"].adult_referral, sites["gonesse"].adult_referral_contact) == (
        "PLIE de Gonesse",
        "01 02",
    )
    assert sites["marcq"].adult_referral == "France Travail"  # the default
