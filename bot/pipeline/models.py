"""What the staff side reads about candidates and cohorts: plain data, built by the store
(bot/pipeline/store.py), the stage derived by the pure rules (bot/core/pipeline.py)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import aiosqlite

from bot.core.pipeline import Derived, Facts, Stage, derive


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
    """One candidate as the staff side sees them: row, answers, history, stage, cohort."""

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
    events: list[Event] = field(default_factory=list)
    cohort_id: int | None = None

    @property
    def site(self) -> str | None:
        site = self.answers.get("site")
        return str(site) if site is not None else None

    @property
    def first_name(self) -> str:
        return str(self.answers.get("first_name") or "")

    @property
    def derived(self) -> Derived:
        return derive(
            Facts(
                status=self.status,
                result=self.result,
                review_status=self.review_status,
                events=tuple((e.kind, e.detail) for e in self.events),
            )
        )

    @property
    def stage(self) -> Stage:
        return self.derived.stage

    @property
    def human_pending(self) -> bool:
        """Asked for a person (/humain) and no staff member has marked it handled since."""
        pending = False
        for event in self.events:
            if event.kind == "human_requested":
                pending = True
            elif event.kind == "review" and event.detail.get("decision") == "human_handled":
                pending = False
        return pending or (
            self.human_requested_at is not None
            and not any(e.kind == "human_requested" for e in self.events)
            and not any(e.detail.get("decision") == "human_handled" for e in self.events)
        )

    def first_event_at(self, kind: str) -> str | None:
        return next((e.at for e in self.events if e.kind == kind), None)
