"""Shortlist ranking rules read from data: order, reasons, and gender never an input."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import DEFAULT_SHORTLIST_FILE
from bot.core.pipeline import Stage
from bot.core.ranking import FACTS, Rule, ShortlistRules, ShortlistRulesError, load_rules, rank
from bot.core.sites import RulesError

RULES = ShortlistRules(
    ready_stages=(Stage.ELIGIBLE,),
    rules=(
        Rule("attended_session", "yes"),
        Rule("available", "yes"),
        Rule("applied_at", "earliest"),
    ),
)


def test_the_shipped_rules_load() -> None:
    rules = load_rules(DEFAULT_SHORTLIST_FILE)
    assert [r.fact for r in rules.rules] == [
        "interviewed",
        "attended_session",
        "available",
        "applied_at",
    ]
    assert rules.women_target == 0.40 and rules.small_group == 5
    assert rules.outreach_source == "partenaire-femmes-numerique"
    assert Stage.ATTENDED in rules.ready_stages and Stage.ADMITTED not in rules.ready_stages


def test_rules_sort_like_spreadsheet_columns() -> None:
    people = {
        1: {"attended_session": False, "available": True, "applied_at": "2026-11-01"},
        2: {"attended_session": True, "available": False, "applied_at": "2026-11-05"},
        3: {"attended_session": True, "available": True, "applied_at": "2026-11-09"},
        4: {"attended_session": True, "available": True, "applied_at": "2026-11-02"},
        5: {"attended_session": True, "available": True, "applied_at": "2026-11-02"},
    }
    ranked = rank(people, RULES)
    assert [r.candidate_id for r in ranked] == [4, 5, 3, 2, 1]
    assert [r.position for r in ranked] == [1, 2, 3, 4, 5]
    assert ranked[0].facts == people[4]  # the facts each rule looked at, in rule order
    latest = ShortlistRules(RULES.ready_stages, (Rule("applied_at", "latest"),))
    assert [r.candidate_id for r in rank(people, latest)] == [3, 2, 4, 5, 1]


def test_gender_in_the_facts_changes_nothing() -> None:
    base = {
        i: {"attended_session": i % 2 == 0, "available": True, "applied_at": f"2026-11-0{i}"}
        for i in range(1, 8)
    }
    with_gender = {i: {**f, "gender": "femme" if i < 4 else "homme"} for i, f in base.items()}
    assert [r.candidate_id for r in rank(base, RULES)] == [
        r.candidate_id for r in rank(with_gender, RULES)
    ]
    assert all("gender" not in r.facts for r in rank(with_gender, RULES))
    assert "gender" not in FACTS


@pytest.mark.parametrize("fact", ["gender", "Genre", "sexe", "age", "first_name"])
def test_a_rule_on_a_prohibited_ground_stops_the_bot(tmp_path: Path, fact: str) -> None:
    path = tmp_path / "shortlist.toml"
    path.write_text(f'ready_stages = ["eligible"]\n[[rules]]\nfact = "{fact}"\n', "utf-8")
    with pytest.raises(ShortlistRulesError, match="can never be a ranking input"):
        load_rules(path)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("ready_stages = []\n", "ready_stages is empty"),
        ('ready_stages = ["hired"]\n', "not a stage"),
        ('ready_stages = ["eligible"]\n[[rules]]\nfact = "height"\n', "unknown fact"),
        ('ready_stages = ["eligible"]\n[[rules]]\nfact = "available"\nprefer = "no"\n', "prefer"),
        (
            'ready_stages = ["eligible"]\n[[rules]]\nfact = "available"\nwomen_target = 0.4\n',
            "above the first",
        ),
        ('ready_stages = ["eligible"]\nwomen_target = 40\n', "between 0 and 1"),
        ('ready_stages = ["eligible"]\nsmall_group = 1\n', "small_group"),
        ("ready_stages = [", "shortlist.toml"),
    ],
)
def test_mistakes_in_the_rules_file_are_named(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "shortlist.toml"
    path.write_text(text, "utf-8")
    with pytest.raises(RulesError, match=message):
        load_rules(path)
