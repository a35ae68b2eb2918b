"""Recruitment pipeline stages as a pure state machine.

A candidate's stage is derived from stored facts, the candidates row (status, result,
review_status) and the ordered history of candidate_events; this derivation is the reference. The
stage is also kept in SQL (candidates.stage, .reached: migration 0013, bot/db/stage.py), written
from this derivation in the transaction of every change, so staff views count and filter in SQL.
Staff moves are events of kind "stage" {to, by, reason}; reviews are "review" {decision, by,
comment}; the information-session feature adds session_booked / session_cancelled /
session_attended / session_absent. Folding the history gives the current stage and every stage
visited (the funnel).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any


class Stage(StrEnum):
    SCREENING = "screening"  # screening in progress (or paused)
    TO_REVIEW = "to_review"  # "needs review" or "oriented" result waiting for a person
    ELIGIBLE = "eligible"
    ORIENTED = "oriented"  # a person confirmed the orientation elsewhere
    SESSION_BOOKED = "session_booked"
    ATTENDED = "attended"
    ABSENT = "absent"
    INTERVIEW = "interview"
    ADMITTED = "admitted"
    WAITLISTED = "waitlisted"
    NOT_SELECTED = "not_selected"
    IN_TRAINING = "in_training"
    EXITED = "exited"  # alumni


ORDER: tuple[Stage, ...] = tuple(Stage)

# The French words staff type after /etape (folded; the first one is shown in the usage); the
# English codes (Stage values) are accepted too, and the stage's label.
FRENCH_WORDS: Mapping[Stage, tuple[str, ...]] = {
    Stage.SCREENING: ("questionnaire",),
    Stage.TO_REVIEW: ("a relire",),
    Stage.ELIGIBLE: ("eligible",),
    Stage.ORIENTED: ("oriente", "orientee"),
    Stage.SESSION_BOOKED: ("reunion", "inscrit", "inscrite"),
    Stage.ATTENDED: ("venu", "venue", "present", "presente"),
    Stage.ABSENT: ("absent", "absente"),
    Stage.INTERVIEW: ("entretien",),
    Stage.ADMITTED: ("admis", "admise"),
    Stage.WAITLISTED: ("attente", "liste d attente"),
    Stage.NOT_SELECTED: ("non retenu", "non retenue", "refuse", "refusee"),
    Stage.IN_TRAINING: ("formation", "en formation"),
    Stage.EXITED: ("sorti", "sortie", "alumni"),
}

# Moves a person (staff, or another feature on their behalf) may make. Reviews use
# TO_REVIEW -> ELIGIBLE (overturn) / ORIENTED (confirm); sessions come from the booking feature.
TRANSITIONS: Mapping[Stage, frozenset[Stage]] = {
    Stage.SCREENING: frozenset(),
    Stage.TO_REVIEW: frozenset({Stage.ELIGIBLE, Stage.ORIENTED}),
    Stage.ELIGIBLE: frozenset({Stage.SESSION_BOOKED, Stage.INTERVIEW, Stage.NOT_SELECTED}),
    Stage.ORIENTED: frozenset({Stage.ELIGIBLE}),
    Stage.SESSION_BOOKED: frozenset({Stage.ATTENDED, Stage.ABSENT, Stage.ELIGIBLE}),
    Stage.ATTENDED: frozenset({Stage.INTERVIEW, Stage.NOT_SELECTED}),
    Stage.ABSENT: frozenset({Stage.SESSION_BOOKED, Stage.INTERVIEW, Stage.NOT_SELECTED}),
    Stage.INTERVIEW: frozenset({Stage.ADMITTED, Stage.WAITLISTED, Stage.NOT_SELECTED}),
    Stage.WAITLISTED: frozenset({Stage.ADMITTED, Stage.NOT_SELECTED}),
    Stage.ADMITTED: frozenset({Stage.IN_TRAINING, Stage.WAITLISTED, Stage.NOT_SELECTED}),
    Stage.NOT_SELECTED: frozenset({Stage.INTERVIEW, Stage.WAITLISTED}),
    Stage.IN_TRAINING: frozenset({Stage.EXITED}),
    Stage.EXITED: frozenset(),
}

# Stages that say whether someone came to their information session.
ATTENDANCE_STAGES = frozenset({Stage.ATTENDED, Stage.ABSENT})


def too_early_for_attendance(session_start: dt.datetime | None, now: dt.datetime) -> bool:
    """Attendance (came or not) is marked once the session has started, never before: one rule
    for the attendance buttons (bot/sessions/admin.py) and /etape (bot/pipeline/moves.py)."""
    return session_start is not None and session_start > now


# Stages that place a candidate in a cohort.
COHORT_STAGES = frozenset({Stage.WAITLISTED, Stage.ADMITTED, Stage.IN_TRAINING, Stage.EXITED})

# The funnel shown to staff, in order; each step counts candidates who ever reached it.
FUNNEL: tuple[str, ...] = (
    "consented",
    "finished",
    "eligible",
    "booked",
    "attended",
    "interviewed",
    "admitted",
)
_FUNNEL_STAGES: Mapping[str, frozenset[Stage]] = {
    "eligible": frozenset(
        {
            Stage.ELIGIBLE,
            Stage.SESSION_BOOKED,
            Stage.ATTENDED,
            Stage.ABSENT,
            Stage.INTERVIEW,
            Stage.WAITLISTED,
            Stage.ADMITTED,
            Stage.IN_TRAINING,
            Stage.EXITED,
        }
    ),
    "booked": frozenset({Stage.SESSION_BOOKED, Stage.ATTENDED, Stage.ABSENT}),
    "attended": frozenset({Stage.ATTENDED}),
    "interviewed": frozenset(
        {Stage.INTERVIEW, Stage.WAITLISTED, Stage.ADMITTED, Stage.IN_TRAINING, Stage.EXITED}
    ),
    "admitted": frozenset({Stage.ADMITTED, Stage.IN_TRAINING, Stage.EXITED}),
}


class TransitionRefused(Exception):
    """A move that makes no sense; `reason` is a code the templates explain."""

    def __init__(self, current: Stage, target: Stage | str, reason: str = "not_allowed") -> None:
        super().__init__(f"{current} -> {target}: {reason}")
        self.current = current
        self.target = target
        self.reason = reason


@dataclass(frozen=True)
class Facts:
    """The stored facts a stage is derived from."""

    status: str  # candidates.status: screening / paused / submitted
    result: str | None
    review_status: str | None
    events: tuple[tuple[str, Mapping[str, Any] | None], ...] = ()  # (kind, detail) in order


@dataclass(frozen=True)
class Derived:
    stage: Stage
    visited: tuple[Stage, ...]  # every stage reached, in order, without repeats

    def reached(self, funnel_step: str) -> bool:
        """Whether the candidate ever reached this funnel step. Later stages imply earlier
        ones within a step's group (admitted implies interviewed), but a session is only
        counted if there was one: someone interviewed without a session is not "booked"."""
        if funnel_step == "consented":
            return True
        if funnel_step == "finished":
            return any(s is not Stage.SCREENING for s in self.visited)
        return any(s in _FUNNEL_STAGES[funnel_step] for s in self.visited)


def _after_session_event(current: Stage, kind: str) -> Stage | None:
    """The stage after an information-session event, or None if it does not apply here."""
    open_to_sessions = {Stage.ELIGIBLE, Stage.SESSION_BOOKED, Stage.ABSENT, Stage.ATTENDED}
    if current not in open_to_sessions:
        return None
    if kind == "session_booked":
        return Stage.SESSION_BOOKED
    if kind == "session_cancelled":
        return Stage.ELIGIBLE if current is Stage.SESSION_BOOKED else None
    if kind == "session_attended":
        return Stage.ATTENDED
    if kind == "session_absent":
        return Stage.ABSENT if current is not Stage.ATTENDED else None
    return None


def derive(facts: Facts) -> Derived:
    """Fold the history into the current stage and the stages visited."""
    stage = Stage.SCREENING
    visited: list[Stage] = [stage]

    def go(to: Stage) -> None:
        nonlocal stage
        stage = to
        if to not in visited:
            visited.append(to)

    for kind, detail in facts.events:
        info = detail or {}
        if kind == "restarted":
            stage = Stage.SCREENING
            visited[:] = [stage]
        elif kind == "submitted":
            result = info.get("result")
            go(Stage.ELIGIBLE if result == "eligible" else Stage.TO_REVIEW)
        elif kind == "review" and stage is Stage.TO_REVIEW:
            decision = info.get("decision")
            if decision == "overturned":
                go(Stage.ELIGIBLE)
            elif decision == "confirmed":
                go(Stage.ORIENTED)
        elif kind == "stage":
            try:
                go(Stage(str(info.get("to"))))
            except ValueError:
                continue
        elif kind.startswith("session_"):
            after = _after_session_event(stage, kind)
            if after is not None:
                go(after)
    # The row wins over the history for screening itself (an erased or restarted screening).
    if facts.status != "submitted":
        stage = Stage.SCREENING
    elif stage is Stage.SCREENING:
        # Submitted without a "submitted" event (older data): use the row.
        if facts.result == "eligible" or facts.review_status == "overturned":
            go(Stage.ELIGIBLE)
        elif facts.review_status == "confirmed":
            go(Stage.ORIENTED)
        else:
            go(Stage.TO_REVIEW)
    return Derived(stage, tuple(visited))


def check_move(current: Stage, target: Stage) -> None:
    """Raise TransitionRefused unless `current -> target` is a move that makes sense."""
    if current is target:
        raise TransitionRefused(current, target, "already_there")
    if target not in TRANSITIONS[current]:
        raise TransitionRefused(current, target, "not_allowed")


def allowed_moves(current: Stage) -> list[Stage]:
    return [s for s in ORDER if s in TRANSITIONS[current]]


def counts_by_stage(stages: Iterable[Stage]) -> dict[Stage, int]:
    counts = dict.fromkeys(ORDER, 0)
    for stage in stages:
        counts[stage] += 1
    return counts


def funnel(derived: Iterable[Derived]) -> dict[str, int]:
    counts = dict.fromkeys(FUNNEL, 0)
    for d in derived:
        for step in FUNNEL:
            if d.reached(step):
                counts[step] += 1
    return counts


# The stage kept in SQL (candidates.stage, .reached, .human_pending; migration 0013) is a cache
# of the derivation above, written in the transaction of every change of the facts
# (bot/db/stage.py). `reached` is a bit mask of the stages visited (bit i: ORDER[i]), so the
# funnel is a SQL aggregate: a step is reached when reached & FUNNEL_MASKS[step] != 0.
# The kinds of events the derivation (and human_pending) reads; the others never change it.
STAGE_EVENT_KINDS: tuple[str, ...] = (
    "restarted",
    "submitted",
    "review",
    "stage",
    "session_booked",
    "session_cancelled",
    "session_attended",
    "session_absent",
    "human_requested",
)


STAGE_BITS: Mapping[Stage, int] = {stage: 1 << i for i, stage in enumerate(ORDER)}


def stage_bit(stage: Stage) -> int:
    return STAGE_BITS[stage]


def reached_mask(visited: Iterable[Stage]) -> int:
    mask = 0
    for stage in visited:
        mask |= stage_bit(stage)
    return mask


def stages_in(mask: int) -> tuple[Stage, ...]:
    """The stages of a `reached` mask, in ORDER."""
    return tuple(s for s in ORDER if mask & stage_bit(s))


FUNNEL_MASKS: Mapping[str, int] = {
    "consented": reached_mask(ORDER),
    "finished": reached_mask(s for s in ORDER if s is not Stage.SCREENING),
    **{step: reached_mask(stages) for step, stages in _FUNNEL_STAGES.items()},
}


def human_pending(
    events: Iterable[tuple[str, Mapping[str, Any] | None]], human_requested_at: str | None
) -> bool:
    """Asked for a person (/humain) and no staff member has marked it handled since."""
    pending = False
    requested = handled = False
    for kind, detail in events:
        said_handled = (detail or {}).get("decision") == "human_handled"
        handled = handled or said_handled
        if kind == "human_requested":
            pending = requested = True
        elif kind == "review" and said_handled:
            pending = False
    return pending or (human_requested_at is not None and not requested and not handled)
