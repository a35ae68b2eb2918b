"""The pipeline state machine: stages derived from stored facts, transitions, funnel."""

from __future__ import annotations

from typing import Any

import pytest

from bot.core.pipeline import (
    FUNNEL,
    TRANSITIONS,
    Facts,
    Stage,
    TransitionRefused,
    allowed_moves,
    check_move,
    derive,
    funnel,
)


def facts(*events: tuple[str, dict[str, Any] | None], status: str = "submitted") -> Facts:
    result = None
    for kind, detail in events:
        if kind == "submitted" and detail:
            result = detail["result"]
    return Facts(status=status, result=result, review_status=None, events=events)


def test_screening_until_submitted() -> None:
    d = derive(facts(("consented", None), ("answered", {"step": "site"}), status="screening"))
    assert d.stage is Stage.SCREENING and d.visited == (Stage.SCREENING,)
    assert derive(facts(("consented", None), status="paused")).stage is Stage.SCREENING


def test_submitted_results() -> None:
    assert derive(facts(("submitted", {"result": "eligible"}))).stage is Stage.ELIGIBLE
    assert derive(facts(("submitted", {"result": "review"}))).stage is Stage.TO_REVIEW
    assert derive(facts(("submitted", {"result": "oriented"}))).stage is Stage.TO_REVIEW


def test_review_decisions() -> None:
    base = ("submitted", {"result": "oriented"})
    assert derive(facts(base, ("review", {"decision": "overturned"}))).stage is Stage.ELIGIBLE
    assert derive(facts(base, ("review", {"decision": "confirmed"}))).stage is Stage.ORIENTED
    # a comment or a handled /humain request does not move anyone
    assert derive(facts(base, ("review", {"decision": "human_handled"}))).stage is Stage.TO_REVIEW


def test_session_events_from_the_booking_feature() -> None:
    ok = ("submitted", {"result": "eligible"})
    assert derive(facts(ok, ("session_booked", {}))).stage is Stage.SESSION_BOOKED
    assert derive(facts(ok, ("session_booked", {}), ("session_cancelled", {}))).stage is (
        Stage.ELIGIBLE
    )
    d = derive(facts(ok, ("session_booked", {}), ("session_attended", {})))
    assert d.stage is Stage.ATTENDED and d.reached("booked") and d.reached("attended")
    d = derive(facts(ok, ("session_booked", {}), ("session_absent", {}), ("session_booked", {})))
    assert d.stage is Stage.SESSION_BOOKED and not d.reached("attended")
    # a session event does not pull back someone already further on, nor someone to review
    later = derive(facts(ok, ("stage", {"to": "interview"}), ("session_booked", {})))
    assert later.stage is Stage.INTERVIEW
    review = derive(facts(("submitted", {"result": "review"}), ("session_booked", {})))
    assert review.stage is Stage.TO_REVIEW


def test_staff_moves_and_restart() -> None:
    ok = ("submitted", {"result": "eligible"})
    d = derive(facts(ok, ("stage", {"to": "interview"}), ("stage", {"to": "admitted"})))
    assert d.stage is Stage.ADMITTED
    assert d.reached("interviewed") and d.reached("admitted") and not d.reached("booked")
    assert derive(facts(ok, ("stage", {"to": "nonsense"}))).stage is Stage.ELIGIBLE
    restarted = derive(facts(ok, ("restarted", None), status="screening"))
    assert restarted.stage is Stage.SCREENING and restarted.visited == (Stage.SCREENING,)


def test_row_without_events_still_gives_a_stage() -> None:
    assert derive(Facts("submitted", "eligible", None)).stage is Stage.ELIGIBLE
    assert derive(Facts("submitted", "review", "pending")).stage is Stage.TO_REVIEW
    assert derive(Facts("submitted", "review", "confirmed")).stage is Stage.ORIENTED
    assert derive(Facts("submitted", "oriented", "overturned")).stage is Stage.ELIGIBLE


def test_transitions_that_make_no_sense_are_refused() -> None:
    check_move(Stage.INTERVIEW, Stage.ADMITTED)
    check_move(Stage.IN_TRAINING, Stage.EXITED)
    with pytest.raises(TransitionRefused) as refused:
        check_move(Stage.SCREENING, Stage.ADMITTED)
    assert refused.value.reason == "not_allowed"
    with pytest.raises(TransitionRefused) as refused:
        check_move(Stage.ADMITTED, Stage.ADMITTED)
    assert refused.value.reason == "already_there"
    with pytest.raises(TransitionRefused):
        check_move(Stage.EXITED, Stage.IN_TRAINING)
    with pytest.raises(TransitionRefused):
        check_move(Stage.TO_REVIEW, Stage.ADMITTED)
    assert allowed_moves(Stage.INTERVIEW) == [Stage.ADMITTED, Stage.WAITLISTED, Stage.NOT_SELECTED]


def test_every_stage_is_reachable_and_exited_is_final() -> None:
    reachable = {Stage.SCREENING, Stage.TO_REVIEW, Stage.ELIGIBLE}
    changed = True
    while changed:
        before = set(reachable)
        for s in list(reachable):
            reachable |= TRANSITIONS[s]
        changed = reachable != before
    assert reachable == set(Stage)
    assert TRANSITIONS[Stage.EXITED] == frozenset()


def test_funnel_counts_every_step_reached() -> None:
    ok = ("submitted", {"result": "eligible"})
    people = [
        derive(facts(("consented", None), status="screening")),
        derive(facts(("submitted", {"result": "review"}))),
        derive(facts(ok)),
        derive(facts(ok, ("session_booked", {}), ("session_attended", {}))),
        derive(
            facts(
                ok,
                ("session_booked", {}),
                ("session_attended", {}),
                ("stage", {"to": "interview"}),
                ("stage", {"to": "admitted"}),
            )
        ),
    ]
    counts = funnel(people)
    assert list(counts) == list(FUNNEL)
    assert counts == {
        "consented": 5,
        "finished": 4,
        "eligible": 3,
        "booked": 2,
        "attended": 2,
        "interviewed": 1,
        "admitted": 1,
    }
