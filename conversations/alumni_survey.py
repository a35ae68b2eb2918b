"""The alumni follow-up survey: buttons only, at most 5 questions, kind and short.

The situation's choices come from conversations/outcomes.toml (choices_from="situations"), so a
programme that changes its categories changes the buttons too. Texts are templates
(bot/templates/<lang>/alumni/) and labels (labels.j2, keys "fu.<question>.<answer>").
"""

from __future__ import annotations

from bot.core.flow import Answers, Flow, Kind, Step

# Situations where asking the sector makes sense (a job, an apprenticeship, a business).
WORKING = frozenset({"cdi", "cdd_long", "cdd_short", "apprenticeship", "business"})


def _working(answers: Answers) -> bool:
    # Counted while the situation is not known yet, so "Question 1/4" never becomes "2/4" from
    # "1/3": the count only drops when the question turns out not to apply.
    situation = answers.get("situation")
    return situation is None or situation in WORKING


SECTORS = (
    "digital",
    "commerce",
    "logistics",
    "hospitality",
    "care",
    "building",
    "industry",
    "office",
    "other",
)

ALUMNI_SURVEY = Flow(
    name="alumni_survey",
    steps=(
        Step("situation", Kind.CHOICE, choices_from="situations", columns=1),
        Step("sector", Kind.CHOICE, choices=SECTORS, ask_if=_working, columns=2),
        Step("helped", Kind.CHOICE, choices=("a_lot", "a_bit", "no")),
        Step("contact", Kind.CHOICE, choices=("story", "mentor", "both", "no")),
    ),
)

MAX_QUESTIONS = 5
