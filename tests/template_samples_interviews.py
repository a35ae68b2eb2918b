"""Sample contexts for the interview templates (bot/templates/<lang>/interviews/)."""

from __future__ import annotations

import datetime as dt
from typing import Any

NASTY = '<b>Léa & "Zoé"</b>'
C = {"id": 12, "first_name": NASTY, "site": "Gonesse", "stage": "Éligible"}
INTERVIEW = {
    "starts_at": dt.datetime(2026, 12, 3, 13, 0, tzinfo=dt.UTC),
    "place": NASTY,
    "address": NASTY,
}
NO_ADDRESS = {**INTERVIEW, "address": ""}
ANSWERS = ("coming", "change", "cannot")

SAMPLES: dict[str, list[dict[str, Any]]] = {
    "interviews/staff_error": [
        {"what": w} for w in ("usage", "date", "time", "past", "place", "no_site_place", "stale")
    ],
    "interviews/staff_pick_day": [{"c": C}],
    "interviews/staff_pick_hour": [{"c": C, "day": "jeudi 3 décembre"}],
    "interviews/staff_pick_place": [
        {
            "c": C,
            "when": dt.datetime(2026, 12, 3, 13, 0, tzinfo=dt.UTC),
            "place": p,
            "typed": "/entretien 12 03/12 14:00",
        }
        for p in ((NASTY, NASTY), None)
    ],
    "interviews/staff_set": [
        {"c": C, "interview": i, "replaced": r, "moved": m}
        for i in (INTERVIEW, NO_ADDRESS)
        for r in (True, False)
        for m in (True, False)
    ],
    "interviews/staff_refused": [{"c": C}],
    "interviews/staff_answer": [
        {"answer": a, "number": 12, "first_name": n, "interview": INTERVIEW}
        for a in ANSWERS
        for n in (NASTY, "")
    ],
    "interviews/invite": [
        {"interview": i, "old": o} for i in (INTERVIEW, NO_ADDRESS) for o in (INTERVIEW, None)
    ],
    "interviews/answered": [{"answer": a, "interview": INTERVIEW} for a in ANSWERS],
    "interviews/stale": [{}],
    "interviews/day_before": [{"interview": i} for i in (INTERVIEW, NO_ADDRESS)],
    "interviews/soon": [{"interview": i} for i in (INTERVIEW, NO_ADDRESS)],
}
