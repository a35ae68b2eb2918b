"""The database facts of the health report: is it reachable, how many outbox rows wait."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from bot.db.database import Database
from bot.outbox.store import iso


@dataclass(frozen=True)
class OutboxCounts:
    due: int  # pending and due now: what a healthy bot sends within seconds
    pending: int  # pending, due now or later
    failed: int  # failed for good (every one alerted, see bot/ops/alerts.py)


class HealthStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def outbox_counts(self, now: dt.datetime) -> OutboxCounts:
        row = await self.db.fetchone(
            "SELECT COALESCE(SUM(state = 'pending' AND due_at <= ?), 0),"
            " COALESCE(SUM(state = 'pending'), 0), COALESCE(SUM(state = 'failed'), 0)"
            " FROM outbox WHERE state IN ('pending', 'failed')",
            (iso(now),),
        )
        assert row is not None
        return OutboxCounts(due=int(row[0]), pending=int(row[1]), failed=int(row[2]))
