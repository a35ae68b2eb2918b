"""Sample contexts for the templates of information sessions and reminders (issue 3)."""

from __future__ import annotations

import datetime as dt
from typing import Any

NASTY = '<b>Léa & "Zoé"</b>'
SESSION: dict[str, Any] = {
    "id": 7,
    "starts_at": dt.datetime(2026, 12, 3, 13, 0, tzinfo=dt.UTC),
    "site": "Gonesse",
    "place": "FabNum <Gonesse> & co",
    "address": "3 rue de Paris, 95500 Gonesse",
    "map_url": "https://www.openstreetmap.org/search?query=3+rue",
    "capacity": 12,
    "booked": 11,
    "free": 1,
    "language": "fr",
    "cancelled": False,
}
SLOTS = [SESSION, {**SESSION, "id": 8, "free": 5, "language": "en"}]

SAMPLES: dict[str, list[dict[str, Any]]] = {
    "sessions/slot_button": [{"slot": s} for s in SLOTS],
    "sessions/offer": [
        {"slots": SLOTS, "all_full": False, "intro": intro}
        for intro in (None, "full", "seat_free", "new_session", "more_seats", "noshow")
    ]
    + [
        {"slots": [], "all_full": True, "intro": None},
        {"slots": [], "all_full": False, "intro": "full"},
    ],
    "sessions/not_yet": [{"screening": True}, {"screening": False}],
    "sessions/my_booking": [{"session": SESSION}],
    "sessions/toast": [
        {"what": w} for w in ("full", "already", "confirmed", "not_started", "stale")
    ],
    "sessions/cancel_confirm": [{"session": SESSION}],
    "sessions/booking_cancelled": [{}],
    "sessions/booked": [
        {"session": SESSION, "moved": m, "short_notice": s}
        for m in (True, False)
        for s in (True, False)
    ],
    "sessions/waitlisted": [{"dates": False}, {"dates": True}],
    "sessions/stopped": [{}],
    "sessions/session_cancelled": [{"session": SESSION}],
    "sessions/staff_list": [
        {"sessions": [{**SESSION, "past": False}, {**SESSION, "past": True, "cancelled": True}]},
        {"sessions": []},
    ],
    "sessions/staff_error": [
        {"what": w, "sites": ["gonesse", "marcq"]}
        for w in ("site", "not_your_site", "date", "time", "past", "capacity", "place", "usage")
    ],
    "sessions/staff_created": [{"session": SESSION}],
    "sessions/staff_edit_usage": [
        {"session": SESSION},
        {"session": {**SESSION, "language": "en"}},
        {"session": None},
    ],
    "sessions/staff_edit_error": [
        {"what": w, "session_id": 7, "booked": 3}
        for w in (
            "not_found",
            "closed",
            "below_booked",
            "unchanged",
            "date",
            "time",
            "past",
            "capacity",
            "place",
            "language",
        )
    ],
    "sessions/staff_edited": [
        {"session": SESSION, "changed": list(c), "told": 3, "waiting": w}
        for c in (("time", "place"), ("place",), ("capacity",), ("language",))
        for w in (0, 2)
    ],
    "sessions/session_changed": [
        {"session": SESSION, "old_when": when, "new_place": new_place}
        for when in (dt.datetime(2026, 12, 2, 9, 0, tzinfo=dt.UTC), None)
        for new_place in (True, False)
    ],
    "sessions/staff_cancel_confirm": [{"session": SESSION}],
    "sessions/staff_cancelled": [{"session": SESSION, "told": 3}],
    "sessions/staff_attendance": [
        {
            "session": SESSION,
            "people": [
                {"name": NASTY, "confirmed": True, "attendance": None},
                {"name": "Zoé", "confirmed": False, "attendance": "attended"},
                {"name": "Ali", "confirmed": False, "attendance": "absent"},
            ],
        },
        {"session": SESSION, "people": []},
    ],
    "sessions/staff_unconfirmed": [{"session": SESSION, "names": [NASTY, "Zoé"]}],
    "reminders/day_before": [{"session": SESSION}],
    "reminders/soon": [{"session": SESSION}],
    "reminders/nudge": [{"number": n, "first_name": f} for n in (1, 2) for f in (NASTY, None)],
}
