"""Storage of the alerts (issue 14): outbox rows of kind ops.alert, and the failures they tell."""

from __future__ import annotations

import datetime as dt

from bot.db.database import Database
from bot.outbox.store import iso, parse_time

ALERT_KIND = "ops.alert"


def key_prefix(kind: str) -> str:
    return f"{ALERT_KIND}:{kind}:"


class AlertStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def last_raised(self, kind: str) -> dt.datetime | None:
        """When an alert of this kind was last written (any state), across restarts."""
        prefix = key_prefix(kind)
        row = await self.db.fetchone(
            "SELECT MAX(created_at) FROM outbox WHERE key >= ? AND key < ?",
            (prefix, prefix[:-1] + ";"),  # ';' follows ':': every key starting with the prefix
        )
        return parse_time(row[0]) if row and row[0] else None

    async def failed_since(self, since: dt.datetime) -> list[tuple[str, str]]:
        """(kind, reason) of the outbox rows that failed for good after `since`. Left out: the
        alerts themselves, and a person who blocked the bot (their own choice, not a fault)."""
        rows = await self.db.fetchall(
            "SELECT kind, COALESCE(last_error, '') FROM outbox WHERE state = 'failed'"
            " AND finished_at > ? AND kind != ? AND COALESCE(last_error, '') != 'forbidden'",
            (iso(since), ALERT_KIND),
        )
        return [(str(r[0]), str(r[1])) for r in rows]
