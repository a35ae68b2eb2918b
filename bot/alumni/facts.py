"""One row of facts per person, shared by the purge (what to fold into aggregates) and the
funders' report (what to count); read by bot/alumni/facts_store.py. Works with or without the
staff pipeline (issue 4): staff moves are candidate_events of kind 'stage' with detail.to, which
exist in the base schema."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

GENDERS = ("femme", "homme", "autre")
ADMITTED_STAGES = ("admitted", "in_training", "exited")
ELIGIBLE_STAGES = (
    "eligible",
    "session_booked",
    "attended",
    "absent",
    "interview",
    "waitlisted",
    "not_selected",
    *ADMITTED_STAGES,
)
STAGES = ("candidates", "eligible", "admitted", "trained")


@dataclass(frozen=True)
class PersonFacts:
    id: int
    year: int  # local year of first contact
    site: str
    gender: str  # femme, homme, autre or unknown
    last_contact_at: dt.datetime
    eligible: bool
    admitted: bool
    trained: bool
    alumnus: bool
    exit_date: dt.date | None
    cohort: str | None
    cohort_end: dt.date | None = None  # end of the cohort they are placed in, if any

    @property
    def stages(self) -> tuple[str, ...]:
        reached = {
            "candidates": True,
            "eligible": self.eligible,
            "admitted": self.admitted,
            "trained": self.trained,
        }
        return tuple(s for s in STAGES if reached[s])
