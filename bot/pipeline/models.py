"""What the staff side reads about candidates and cohorts: plain data, built by the store
(bot/pipeline/store.py), the stage derived by the pure rules (bot/core/pipeline.py)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import aiosqlite

from bot.core.pipeline import STAGE_BITS, Derived, Stage, stages_in


@dataclass(frozen=True)
class Cohort:
    id: int
    site: str
    name: str
    start_date: dt.date
    end_date: dt.date
    capacity: int
    created_at: str

    @classmethod
    def from_row(cls, row: aiosqlite.Row) -> Cohort:
        return cls(
            id=int(row["id"]),
            site=str(row["site"]),
            name=str(row["name"]),
            start_date=dt.date.fromisoformat(row["start_date"]),
            end_date=dt.date.fromisoformat(row["end_date"]),
            capacity=int(row["capacity"]),
            created_at=str(row["created_at"]),
        )

    def is_open(self, today: dt.date) -> bool:
        return self.end_date >= today


@dataclass(frozen=True)
class Event:
    at: str
    kind: str
    detail: dict[str, Any]


@dataclass(frozen=True)
class CandidateView:
    """One candidate as the staff side sees them: row, answers, stage, cohort, and (on a card)
    their history.

    The stage, the stages reached and the pending /humain request come from the columns kept in
    SQL (bot/db/stage.py), always equal to the derivation from the facts (bot/core/pipeline.py
    derive, the reference; tests/test_pipeline_stage_sync.py). Lists and counts read no history:
    `events` is only loaded for one candidate (a card, a move)."""

    id: int
    chat_id: int
    language: str
    source: str | None
    status: str
    result: str | None
    reasons: list[str]
    review_status: str | None
    human_requested_at: str | None
    created_at: str
    submitted_at: str | None
    answers: dict[str, Any]
    stage: Stage
    reached: int  # bit mask of the stages visited (bot/core/pipeline.py reached_mask)
    human_pending: bool  # asked for a person (/humain), not marked handled since
    site: str | None
    events: list[Event] = field(default_factory=list)
    cohort_id: int | None = None

    @property
    def first_name(self) -> str:
        return str(self.answers.get("first_name") or "")

    def has_reached(self, *stages: Stage) -> bool:
        """Whether any of these stages was ever reached (bot/core/pipeline.py reached_mask)."""
        return any(self.reached & STAGE_BITS[s] for s in stages)

    @property
    def derived(self) -> Derived:
        return Derived(self.stage, stages_in(self.reached))

    def first_event_at(self, kind: str) -> str | None:
        return next((e.at for e in self.events if e.kind == kind), None)
