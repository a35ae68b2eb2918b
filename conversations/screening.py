"""The screening flow: one question per message, buttons wherever the answers are a closed list.

Question texts and button labels live in the templates (bot/templates/<lang>/questions/ and
labels.j2); this file only says which questions, in which order, and how answers are checked.
Never add a question the CNIL forbids in recruitment (social security number, family, health,
religion, political or union views, physical traits).
"""

from __future__ import annotations

from bot.core.flow import Answers, Flow, Kind, ParseContext, Step
from bot.core.parsing import ParseResult, parse_first_name, parse_month_year, parse_postcode


def _first_name(text: str, _: ParseContext) -> ParseResult:
    return parse_first_name(text)


def _birth(text: str, context: ParseContext) -> ParseResult:
    return parse_month_year(text, context.today)


def _postcode(text: str, _: ParseContext) -> ParseResult:
    return parse_postcode(text)


def _has_left_school(answers: Answers) -> bool:
    return answers.get("situation") != "studying"


YES_NO = {"yes": ("oui", "ouais", "ok", "yes", "yep", "o", "y"), "no": ("non", "no", "nope", "n")}

SCREENING = Flow(
    name="screening",
    steps=(
        # What decides eligibility first (site, then age): someone clearly too young or too old
        # hears it at once and is asked nothing more (bot/core/eligibility.py decided_early).
        Step("site", Kind.CHOICE, choices_from="sites"),
        Step("birth", Kind.TEXT, parse=_birth),
        Step("first_name", Kind.TEXT, parse=_first_name),
        Step(
            "situation",
            Kind.CHOICE,
            choices=("studying", "training", "employed", "none"),
            synonyms={
                "studying": ("lycee", "ecole", "college", "etudiant", "etudes", "school"),
                "training": ("formation", "stage"),
                "employed": ("travail", "job", "emploi", "boulot", "cdi", "cdd", "interim"),
                "none": ("rien", "aucun", "aucune", "nothing", "none"),
            },
        ),
        Step(
            "qualification",
            Kind.CHOICE,
            choices=("none", "brevet", "cap_bep", "bac", "higher"),
            synonyms={
                "none": ("aucun", "rien", "pas de diplome", "none"),
                "cap_bep": ("cap", "bep"),
                "higher": ("bts", "licence", "but", "dut", "master", "superieur"),
            },
        ),
        Step(
            "left_school",
            Kind.CHOICE,
            choices=("lt6m", "6to12m", "gt1y"),
            ask_if=_has_left_school,
        ),
        Step("postcode", Kind.TEXT, parse=_postcode),
        Step(
            "availability",
            Kind.CHOICE,
            choices=("yes", "no", "discuss"),
            synonyms={**YES_NO, "discuss": ("a voir", "peut etre", "maybe", "discuter")},
        ),
        Step(
            "interests",
            Kind.MULTI,
            choices=(
                "programming",
                "multimedia",
                "3d_printing",
                "robotics",
                "laser_cutting",
                "web",
            ),
            columns=2,
        ),
        Step(
            "followed_by",
            Kind.CHOICE,
            choices=("mission_locale", "france_travail", "cej", "none", "dont_know"),
            synonyms={"mission_locale": ("ml", "mission"), "france_travail": ("pole emploi",)},
        ),
        Step(
            "gender",
            Kind.CHOICE,
            choices=("femme", "homme", "autre", "no_answer"),
            optional=True,
            synonyms={
                "femme": ("f", "fille", "woman", "female"),
                "homme": ("h", "m", "garcon", "man", "male"),
                "autre": ("other", "non binaire"),
                "no_answer": ("passer", "skip", "prefer not"),
            },
            columns=2,
        ),
    ),
)
