"""Sample contexts for the staff-candidate thread templates (bot/templates/<lang>/messages/)."""

from __future__ import annotations

from typing import Any

NASTY = '<b>Léa & "Zoé"</b>'

SAMPLES: dict[str, list[dict[str, Any]]] = {
    "messages/relayed": [{}],
    "messages/to_staff": [
        {
            "number": 12,
            "first_name": NASTY,
            "stage": stage,
            "kind": kind,
            "text": text,
            "in_topic": in_topic,
        }
        for in_topic in (False, True)
        for kind, text in (
            ("request", ""),
            ("text", NASTY),
            ("photo", ""),
            ("document", "mon CV"),
        )
        for stage in ("Éligible", "")
    ]
    + [
        {
            "number": 12,
            "first_name": "",
            "stage": "",
            "kind": "text",
            "text": "x" * 3000,
            "in_topic": in_topic,
        }
        for in_topic in (False, True)
    ],
    "messages/from_staff": [{"staff": NASTY, "text": NASTY}, {"staff": None, "text": "Bonjour"}],
    "messages/closed": [{}],
    "messages/write_usage": [{}],
    "messages/close_usage": [{}],
    "messages/unknown_candidate": [{"number": 12}],
    "messages/too_long": [{"limit": 3000}],
    "messages/queued": [{"number": 12}],
    "messages/write_how": [{"number": 12}],
    "messages/no_thread": [{"number": 12}],
    "messages/closed_staff": [{"number": 12}],
    "messages/digest_unanswered": [
        {"total": 0, "people": [], "more": 0},
        {
            "total": 12,
            "people": [{"number": 3, "first_name": NASTY, "since": "25/11"}] * 10,
            "more": 2,
        },
    ],
}
