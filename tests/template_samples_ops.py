"""Sample contexts for the operations templates (bot/templates/<lang>/ops/): alerts, status."""

from __future__ import annotations

from typing import Any

from bot.ops.health_store import OutboxCounts

SAMPLES: dict[str, list[dict[str, Any]]] = {
    "ops/alert": [
        {
            "alert": "handler_error",
            "facts": {"update_id": 123, "feature": "sessions", "error": "KeyError"},
        },
        {"alert": "handler_error", "facts": {"error": "KeyError"}},
        {"alert": "job_error", "facts": {"job": "outbox", "error": "OperationalError"}},
        {"alert": "api_down", "facts": {"minutes": 7}},
        {
            "alert": "outbox_failed",
            "facts": {"count": 1, "kinds": "sessions.reminder 1", "reasons": "bad_request 1"},
        },
        {
            "alert": "outbox_failed",
            "facts": {
                "count": 42,
                "kinds": ", ".join(f"feature{i}.kind{i} {i}" for i in range(8)),
                "reasons": "bad_request 40, timeout_unknown 2",
            },
        },
        {"alert": "backup_failed", "facts": {"error": "OSError", "step": "integrity_check"}},
        {"alert": "backup_failed", "facts": {}},
        {"alert": "erasure_by_hand", "facts": {"chat": -1001234567890, "topic": 4242}},
        {
            "alert": "erasure_by_hand",
            "facts": {"chat": -1001234567890, "topic": 42, "messages": "43, 44, 45 +12"},
        },
        {
            "alert": "erasure_by_hand",
            "facts": {"chat": -4567, "messages": ", ".join(str(9_000_000 + i) for i in range(15))},
        },
        {"alert": "<b>other</b>", "facts": {"odd": "x"}},
    ],
    "ops/status": [
        {
            "database": "data/fabnum.db",
            "running": running,
            "database_ok": database_ok,
            "outbox": OutboxCounts(due=3, pending=12345, failed=2) if database_ok else None,
            "last_api": last,
            "last_update": last,
            "facts_at": last,
            "api_stale": stale,
            "healthy": running and database_ok and not stale,
            "webhook": webhook,
        }
        for running in (True, False)
        for database_ok in (True, False)
        for last in ("30/11/2026 17:42:05", None)
        for stale in (True, False)
        for webhook in (True, False)
    ],
}
