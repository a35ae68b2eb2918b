"""Retention dates (CNIL): candidates 24 months after last contact, alumni after follow-up."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.core.followup import FollowupPolicy
from bot.core.retention import (
    RetentionPolicy,
    alumni_erasable,
    alumni_expires,
    candidate_cutoff,
    candidate_expires,
)

POLICY = RetentionPolicy()
FOLLOWUP = FollowupPolicy()


def test_candidate_cutoff_is_24_months_back() -> None:
    now = dt.datetime(2028, 2, 29, 3, 0, tzinfo=dt.UTC)
    assert candidate_cutoff(now, POLICY) == dt.datetime(2026, 2, 28, 3, 0, tzinfo=dt.UTC)
    last = dt.datetime(2026, 11, 25, 9, 0, tzinfo=dt.UTC)
    expires = candidate_expires(last, POLICY)
    assert expires == dt.datetime(2028, 11, 25, 9, 0, tzinfo=dt.UTC)
    assert not last < candidate_cutoff(expires - dt.timedelta(seconds=1), POLICY)
    assert last < candidate_cutoff(expires + dt.timedelta(seconds=1), POLICY)
    assert candidate_cutoff(now, RetentionPolicy(candidate_months=12)).year == 2027


def test_alumni_erased_after_followup_plus_delay() -> None:
    exit_day = dt.date(2027, 6, 30)
    # last survey 2028-06-30, call window 10 days -> 2028-07-10, +6 months -> 2029-01-10
    assert alumni_expires(exit_day, FOLLOWUP, POLICY) == dt.date(2029, 1, 11)
    assert not alumni_erasable(exit_day, dt.date(2029, 1, 10), FOLLOWUP, POLICY)
    assert alumni_erasable(exit_day, dt.date(2029, 1, 11), FOLLOWUP, POLICY)
    no_delay = RetentionPolicy(alumni_delay_months=0)
    assert alumni_expires(exit_day, FOLLOWUP, no_delay) == dt.date(2028, 7, 11)


def test_policy_checks() -> None:
    with pytest.raises(ValueError):
        RetentionPolicy(candidate_months=0)
    with pytest.raises(ValueError):
        RetentionPolicy(alumni_delay_months=-1)
