"""Sample contexts for the re-engagement templates (picked up by tests/test_templates.py)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from bot.config import DEFAULT_RULES_FILE
from bot.core.sites import load_programme

NASTY = '<b>Léa & "Zoé"</b>'
SITE = load_programme(DEFAULT_RULES_FILE).sites["gonesse"]

SAMPLES: dict[str, list[dict[str, Any]]] = {
    "reengagement/offer": [{"site": SITE}],
    "reengagement/button": [{"what": w} for w in ("yes", "no", "withdraw", "apply")],
    "reengagement/answer": [
        {"what": "yes", "site": NASTY},
        {"what": "no"},
        {"what": "withdrawn"},
    ],
    "reengagement/toast": [{"what": "already"}, {"what": "other"}],
    "reengagement/waitlisted": [
        {"first_name": name, "cohort": NASTY, "site": "Gonesse", "opted_in": opted}
        for name in (NASTY, None)
        for opted in (True, False)
    ],
    "reengagement/next_cohort": [
        {
            "first_name": name,
            "cohort": NASTY,
            "site": NASTY,
            "start": dt.date(2027, 3, 1),
            "may_book": may_book,
        }
        for name in (NASTY, None)
        for may_book in (True, False)
    ],
    "reengagement/staff_planned": [
        {"count": n, "opens": dt.time(9), "closes": dt.time(20)} for n in (1, 12)
    ],
}
