"""Sample contexts for the alumni follow-up templates (picked up by tests/test_templates.py)."""

from __future__ import annotations

from typing import Any

from bot.core.outcomes import Targets, rates_from_counts
from bot.reports.figures import outcome_cells
from tests.test_outcomes_core import OUTCOMES

NASTY = '<b>Léa & "Zoé"</b>'
RATES = rates_from_counts(10, {"cdi": 3, "cdd_short": 2, "training": 2}, OUTCOMES)
EMPTY = rates_from_counts(0, {}, OUTCOMES)
BIG = rates_from_counts(20, {"cdi": 5, "cdd_short": 5, "training": 6}, OUTCOMES)
WHO = {"id": 4, "first_name": NASTY, "cohort": "P1", "milestone": 6}

OUT_COHORT = {"site": "Gonesse", "cohort": NASTY, "year": 2027}
OUT_EMPTY = {"months": 0, "cells": outcome_cells(EMPTY, OUTCOMES), "groups": []}
OUT_RATES = {"months": 6, "cells": outcome_cells(RATES, OUTCOMES), "groups": []}
OUT_BIG = {
    "months": 12,
    "cells": outcome_cells(BIG, OUTCOMES),
    "groups": [(NASTY, f) for _, f in outcome_cells(BIG, OUTCOMES).groups],
}

SAMPLES: dict[str, list[dict[str, Any]]] = {
    "alumni/survey_intro": [
        {"milestone": m, "reminder": r, "first_name": name}
        for m in (0, 6)
        for r in (0, 1)
        for name in (NASTY, None)
    ],
    "alumni/survey_question": [
        {"step": s, "number": 1, "total": 4} for s in ("situation", "sector", "helped", "contact")
    ],
    "alumni/survey_thanks": [{"contact": c} for c in ("story", "no", None)],
    "alumni/toast": [{"what": "noted"}, {"what": "stale"}],
    "alumni/staff_exit_usage": [{}],
    "alumni/staff_exit_done": [
        {
            "marked": n,
            "already": a,
            "day": "30/06/2027",
            "milestones": (0, 3, 6, 12),
            "completed": c,
        }
        for n, a, c in ((12, 0, True), (1, 2, False), (0, 3, True))
    ],
    "alumni/staff_exit_refused": [
        {"why": w} for w in ("no_cohort", "bad_date", "nobody", "not_in_training", "unknown")
    ],
    "alumni/staff_outcomes": [
        {  # as bot/alumni/outcomes.py packs them: as many milestones as fit in 700 characters
            "cohorts": [{**OUT_COHORT, "milestones": [OUT_EMPTY, OUT_RATES, OUT_BIG]}],
            "targets": Targets(),
            "small": 5,
            "header": True,
            "footnote": False,
        },
        {
            "cohorts": [{**OUT_COHORT, "milestones": [OUT_BIG]}] * 2,
            "targets": Targets(),
            "small": 5,
            "header": False,
            "footnote": True,
        },
        {
            "cohorts": [{**OUT_COHORT, "milestones": [OUT_EMPTY]}],
            "targets": Targets(),
            "small": 5,
            "header": True,
            "footnote": True,
        },
        {"cohorts": [], "targets": Targets(), "small": 5, "header": False, "footnote": True},
    ],
    "alumni/staff_outcomes_none": [{"target": NASTY}, {"target": ""}],
    "alumni/staff_chart_caption": [{"target": NASTY}, {"target": ""}],
    "alumni/staff_report_caption": [{}],
    "alumni/staff_calls": [
        {"people": [], "more": 0, "buttons": 0},
        {
            "people": [
                {
                    "id": 4,
                    "first_name": NASTY,
                    "cohort": "P1",
                    "milestone": m,
                    "why": w,
                    "since": "30/06/2027",
                }
                for m, w in ((0, "no_answer"), (3, "blocked"), (6, "stopped"))
            ],
            "more": 2,
            "buttons": 3,
        },
    ],
    "alumni/staff_answer_usage": [
        {"milestones": (0, 3, 6, 12), "situations": [("cdi", "💼 CDI"), ("other", NASTY)]}
    ],
    "alumni/staff_call_button": [{"person": WHO}, {"person": {**WHO, "milestone": 0}}],
    "alumni/staff_call_start": [{"who": WHO}, {"who": {**WHO, "milestone": 0, "cohort": ""}}],
    "alumni/staff_call_done": [{"who": WHO, "situation": "💼 CDI"}],
    "alumni/staff_call_refused": [
        {"why": w, "who": WHO if w in ("answered", "noted") else None}
        for w in ("answered", "noted", "unknown", "not_due", "stale")
    ],
}
