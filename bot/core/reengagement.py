"""Re-engagement: who hears about the next cohort of their site. Pure, no storage, no Telegram.

A candidate who said "not now" at screening (availability "no") or whom staff put on a cohort's
waiting list may agree, with a button, to get ONE message when the next cohort of their site
opens for applications. An opt-in is spent by the first opening it is used for: they are not
told about later cohorts unless they opt in again (which starts a new opt-in).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from bot.core.pipeline import Stage
from bot.core.sites import Outcome

# Availability answered "no": the finding code of bot/core/eligibility.py.
NOT_NOW = "availability_no"
# People already in (or through) a cohort: a "next cohort" message would make no sense.
ENROLLED = frozenset({Stage.ADMITTED, Stage.IN_TRAINING, Stage.EXITED})


class Origin(StrEnum):
    """Where a candidate was asked (kept in the button and in their history)."""

    RESULT = "r"  # the screening result, availability "not now"
    WAITLIST = "w"  # the message sent when staff put them on a waiting list
    NOT_SELECTED = "n"  # the message telling them they were not selected (bot/decisions)


def offer_at_result(findings: Iterable[tuple[str, Outcome]]) -> bool:
    """Offer the opt-in under a screening result when "not now" is what stands in the way.

    Not when another finding orients the person elsewhere (too old, a higher qualification...):
    the next cohort would not suit them better, and promising a message would mislead.
    """
    items = list(findings)
    if not any(code == NOT_NOW for code, _ in items):
        return False
    return not any(outcome is Outcome.ORIENTED and code != NOT_NOW for code, outcome in items)


def may_opt_in(origin: Origin, *, said_not_now: bool, visited: Iterable[Stage]) -> bool:
    """Whether a press of the opt-in button comes from someone it was offered to.

    From the result: they answered "not now". From the waiting-list message: they were put on a
    waiting list at some point (a press after being admitted is still their own consent).
    """
    if origin is Origin.RESULT:
        return said_not_now
    if origin is Origin.NOT_SELECTED:
        return Stage.NOT_SELECTED in set(visited)
    return Stage.WAITLISTED in set(visited)


@dataclass(frozen=True)
class OptIn:
    """One stored opt-in with what the planner needs to know about the person now."""

    candidate_id: int
    site: str
    opted_in_at: dt.datetime
    notified_cohort_id: int | None
    stage: Stage
    stopped: bool = False  # /stop: no nudges; the opt-in waits for a later opening
    unreachable: bool = False  # blocked the bot


@dataclass(frozen=True)
class Opening:
    """A cohort that has just been created: applications open."""

    cohort_id: int
    site: str
    start_date: dt.date
    created_at: dt.datetime


def is_open_for_applications(opening: Opening, today: dt.date) -> bool:
    """A cohort starting today or earlier is not one people can still apply to."""
    return opening.start_date > today


def to_notify(opening: Opening, optins: Iterable[OptIn], today: dt.date) -> list[int]:
    """Ids of the candidates to tell about this opening, in id order.

    Same site; opted in before the cohort was created (an opening they asked to hear about);
    not already told about a cohort under this opt-in; not admitted, in training or alumni;
    not stopped or unreachable (their opt-in stays, for the next opening after /start).
    """
    if not is_open_for_applications(opening, today):
        return []
    return sorted(
        o.candidate_id
        for o in optins
        if o.site == opening.site
        and o.notified_cohort_id is None
        and o.opted_in_at <= opening.created_at
        and o.stage not in ENROLLED
        and not o.stopped
        and not o.unreachable
    )


def still_wanted(stage: Stage | None, *, opted_for: int | None, cohort_id: int) -> bool:
    """At send time: the person still exists, still holds this opt-in, and is not enrolled."""
    return stage is not None and opted_for == cohort_id and stage not in ENROLLED
