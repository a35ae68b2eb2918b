from bot.core.flow import Kind, match_choice
from conversations.screening import SCREENING
from tests import flowscript as fs


def test_flow_has_one_question_per_step_and_no_forbidden_topics() -> None:
    keys = [s.key for s in SCREENING.steps]
    assert len(keys) == len(set(keys))
    forbidden = {"social_security", "nir", "family", "children", "health", "religion", "politics"}
    assert not forbidden & set(keys)


def test_next_step_is_derived_from_answers() -> None:
    assert SCREENING.next_step({}).key == "site"  # type: ignore[union-attr]
    keys = fs.question_keys()
    answers = {k: v for k, v in fs.stored().items() if keys.index(k) <= keys.index("birth")}
    following = keys[keys.index("birth") + 1]
    assert SCREENING.next_step(answers).key == following  # type: ignore[union-attr]
    assert SCREENING.next_step({**answers, following: "x"}) != SCREENING.step(following)


def test_left_school_is_skipped_for_someone_still_studying() -> None:
    # every question before left_school answered (tests/flowscript.py), by a student
    keys = fs.question_keys()
    before = keys[: keys.index("left_school")]
    student = fs.stored(fs.profile(situation="studying"))
    answers = {k: v for k, v in student.items() if k in before}
    assert answers["situation"] == "studying" and "qualification" in answers
    following = keys[keys.index("left_school") + 1]
    assert SCREENING.next_step(answers).key == following  # type: ignore[union-attr]
    answers["situation"] = "none"
    assert SCREENING.next_step(answers).key == "left_school"  # type: ignore[union-attr]


def test_position_counts_only_questions_that_apply() -> None:
    step = SCREENING.step("postcode")
    assert step is not None
    # Every question applies to someone who left school; a student skips left_school, which
    # comes before the postcode (numbers computed from the flow, see tests/flowscript.py).
    number, total = fs.question_keys().index("postcode") + 1, len(fs.question_keys())
    assert fs.question_keys().index("left_school") < fs.question_keys().index("postcode")
    assert SCREENING.position(step, {"situation": "none"}) == (number, total)
    assert SCREENING.position(step, {"situation": "studying"}) == (number - 1, total - 1)


def test_match_choice_is_forgiving() -> None:
    step = SCREENING.step("availability")
    assert step is not None and step.kind is Kind.CHOICE
    labels = {"yes": "👍 Oui", "no": "👎 Non", "discuss": "🤔 À voir ensemble"}
    choices = ("yes", "no", "discuss")
    assert match_choice(step, "oui", choices, labels) == "yes"
    assert match_choice(step, " OUI ! ", choices, labels) == "yes"
    assert match_choice(step, "a voir", choices, labels) == "discuss"
    assert match_choice(step, "2", choices, labels) == "no"
    assert match_choice(step, "banane", choices, labels) is None
    site = SCREENING.step("site")
    assert site is not None
    names = {"gonesse": "Gonesse", "marcq": "Marcq-en-Barœul"}
    assert match_choice(site, "marcq en baroeul", ("gonesse", "marcq"), names) == "marcq"
    assert match_choice(site, "gon", ("gonesse", "marcq"), names) == "gonesse"
