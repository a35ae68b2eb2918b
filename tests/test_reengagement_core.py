"""Pure core of re-engagement: who is asked, who may opt in, who is told about an opening."""

from __future__ import annotations

import datetime as dt

from bot.core.pipeline import Stage
from bot.core.reengagement import (
    Opening,
    OptIn,
    Origin,
    may_opt_in,
    offer_at_result,
    still_wanted,
    to_notify,
)
from bot.core.sites import Outcome

CREATED = dt.datetime(2026, 11, 25, 21, 30, tzinfo=dt.UTC)
TODAY = dt.date(2026, 11, 25)
OPENING = Opening(cohort_id=7, site="gonesse", start_date=dt.date(2027, 4, 6), created_at=CREATED)
BEFORE = CREATED - dt.timedelta(days=3)


def optin(candidate_id: int, **changes: object) -> OptIn:
    base: dict[str, object] = {
        "candidate_id": candidate_id,
        "site": "gonesse",
        "opted_in_at": BEFORE,
        "notified_cohort_id": None,
        "stage": Stage.TO_REVIEW,
    }
    base.update(changes)
    return OptIn(**base)  # type: ignore[arg-type]


def test_offer_at_result_only_when_not_now_is_what_stands_in_the_way() -> None:
    not_now = ("availability_no", Outcome.ORIENTED)
    assert offer_at_result([not_now])
    assert offer_at_result([("situation_none", Outcome.ELIGIBLE), not_now])
    assert offer_at_result([("outside_territory", Outcome.REVIEW), not_now])
    assert not offer_at_result([("age_over_max", Outcome.ORIENTED), not_now])
    assert not offer_at_result([("qualification_higher", Outcome.ORIENTED), not_now])
    assert not offer_at_result([("availability_discuss", Outcome.REVIEW)])
    assert not offer_at_result([("availability_yes", Outcome.ELIGIBLE)])
    assert not offer_at_result([])
    # a site whose rules send "no" to review still gets the question
    assert offer_at_result([("availability_no", Outcome.REVIEW)])


def test_may_opt_in_from_where_it_was_offered() -> None:
    assert may_opt_in(Origin.RESULT, said_not_now=True, visited=[Stage.TO_REVIEW])
    assert not may_opt_in(Origin.RESULT, said_not_now=False, visited=[Stage.WAITLISTED])
    assert may_opt_in(
        Origin.WAITLIST, said_not_now=False, visited=[Stage.INTERVIEW, Stage.WAITLISTED]
    )
    assert may_opt_in(
        Origin.WAITLIST, said_not_now=False, visited=[Stage.WAITLISTED, Stage.ADMITTED]
    )
    assert not may_opt_in(Origin.WAITLIST, said_not_now=True, visited=[Stage.INTERVIEW])


def test_to_notify_picks_exactly_the_opted_in_of_the_site_not_yet_told() -> None:
    optins = [
        optin(5),
        optin(2, stage=Stage.WAITLISTED),
        optin(3, site="marcq"),
        optin(4, notified_cohort_id=6),  # spent on an earlier opening
        optin(6, opted_in_at=CREATED + dt.timedelta(seconds=1)),  # after the opening
        optin(7, stage=Stage.ADMITTED),
        optin(8, stage=Stage.IN_TRAINING),
        optin(9, stage=Stage.EXITED),
        optin(10, stopped=True),
        optin(11, unreachable=True),
        optin(12, opted_in_at=CREATED),  # same second: counts
    ]
    assert to_notify(OPENING, optins, TODAY) == [2, 5, 12]


def test_a_cohort_starting_today_or_earlier_is_not_announced() -> None:
    optins = [optin(1)]
    assert to_notify(OPENING, optins, dt.date(2027, 4, 5)) == [1]
    assert to_notify(OPENING, optins, dt.date(2027, 4, 6)) == []
    assert to_notify(OPENING, optins, dt.date(2027, 5, 1)) == []
    assert to_notify(OPENING, [], TODAY) == []


def test_still_wanted_at_send_time() -> None:
    assert still_wanted(Stage.TO_REVIEW, opted_for=7, cohort_id=7)
    assert still_wanted(Stage.WAITLISTED, opted_for=7, cohort_id=7)
    assert not still_wanted(None, opted_for=7, cohort_id=7)  # erased
    assert not still_wanted(Stage.ADMITTED, opted_for=7, cohort_id=7)
    assert not still_wanted(Stage.IN_TRAINING, opted_for=7, cohort_id=7)
    assert not still_wanted(Stage.TO_REVIEW, opted_for=None, cohort_id=7)  # opted in again
    assert not still_wanted(Stage.TO_REVIEW, opted_for=8, cohort_id=7)
