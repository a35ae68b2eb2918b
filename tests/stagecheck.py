"""What the candidates' kept columns hold (migrations 0013 and 0015, bot/db/stage.py) against what
the facts say they should be (bot/core/pipeline.py derive and the flow's next_step, the
references): shared by the migration tests and the tests that move people."""

from __future__ import annotations

import json
from typing import Protocol

from bot.core.pipeline import Derived, human_pending, reached_mask
from bot.core.text import fold
from bot.db.database import Database
from bot.db.stage import PROFILE_STEPS
from bot.pipeline.models import CandidateView
from conversations.screening import SCREENING

KEPT = ("gender", "postcode", "availability", "followed_by")


class Facts(Protocol):
    async def derived_from_facts(self, candidate_id: int) -> Derived | None: ...

    async def candidate(self, candidate_id: int) -> CandidateView | None: ...


def profile(answers: dict[str, object]) -> dict[str, object]:
    """The answers a shortlist reads, as candidates.profile keeps them."""
    return {k: answers[k] for k in PROFILE_STEPS if answers.get(k) is not None}


async def kept_and_derived(
    db: Database, facts: Facts, candidate_id: int
) -> tuple[tuple[object, ...], tuple[object, ...], Derived, CandidateView]:
    """(the kept columns, what the facts say they should be, the derivation, the candidate)."""
    row = await db.fetchone(
        "SELECT human_requested_at, stage, reached, human_pending, site, name_key, profile,"
        " screening_step, gender, postcode, availability, followed_by FROM candidates"
        " WHERE id = ?",
        (candidate_id,),
    )
    assert row is not None
    derived = await facts.derived_from_facts(candidate_id)
    view = await facts.candidate(candidate_id)
    assert derived is not None and view is not None
    events = [(e.kind, e.detail) for e in view.events]
    name = view.answers.get("first_name")
    expected = (
        derived.stage.value,
        reached_mask(derived.visited),
        int(human_pending(events, row["human_requested_at"])),
        view.answers.get("site"),
        fold(str(name)) if name else None,
        profile(view.answers),
        next_step.key if (next_step := SCREENING.next_step(view.answers)) else None,
        *(view.answers.get(k) for k in KEPT),
    )
    stored = (
        row["stage"],
        row["reached"],
        row["human_pending"],
        row["site"],
        row["name_key"],
        json.loads(row["profile"]),
        row["screening_step"],
        *(row[k] for k in KEPT),
    )
    return stored, expected, derived, view
