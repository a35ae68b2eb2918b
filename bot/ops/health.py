"""Is the bot healthy? (issue 14) What `GET /healthz` answers and `python -m bot status` prints.

Two kinds of facts: the database's (reachable, outbox rows due, pending, failed), which any
process can read, and the running process's own (the last successful Bot API call, the last
update), which `Liveness` holds in memory. The running bot writes the latter to a small file next
to the database every minute (`Heartbeat`), so that `status`, another process, can show them
without a network call or a migration; the file holds times only.

Unhealthy (503): the database is unreachable, or rows are due and the last Bot API success is
older than 5 minutes (or never happened): nothing is going out.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.kernel.clock import Clock
from bot.ops.health_store import HealthStore, OutboxCounts

STALE_API = dt.timedelta(minutes=5)
HEALTH_PATH = "/healthz"


class Liveness:
    """The process's own facts, set by the Bot API request wrapper and an update hook (both in
    bot/telegram/), on the injected clock."""

    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self.last_api_ok: dt.datetime | None = None
        self.api_failing_since: dt.datetime | None = None  # first failure since the last success
        self.last_update: dt.datetime | None = None

    def api_ok(self) -> None:
        self.last_api_ok = self.clock.now()
        self.api_failing_since = None

    def api_failed(self) -> None:
        if self.api_failing_since is None:
            self.api_failing_since = self.clock.now()

    def update_received(self) -> None:
        self.last_update = self.clock.now()

    def api_failing_for(self) -> dt.timedelta | None:
        """How long every Bot API call has failed, None while they succeed."""
        if self.api_failing_since is None:
            return None
        return self.clock.now() - self.api_failing_since


@dataclass(frozen=True)
class Health:
    now: dt.datetime
    database_ok: bool
    outbox: OutboxCounts | None  # None when the database is unreachable
    last_api_ok: dt.datetime | None
    last_update: dt.datetime | None
    facts_at: dt.datetime | None = None  # when the process facts were written (status only)

    @property
    def api_stale(self) -> bool:
        return self.last_api_ok is None or self.now - self.last_api_ok > STALE_API

    @property
    def healthy(self) -> bool:
        if not self.database_ok or self.outbox is None:
            return False
        return not (self.outbox.due > 0 and self.api_stale)

    @property
    def http_status(self) -> int:
        return 200 if self.healthy else 503

    def as_json(self) -> dict[str, Any]:
        return {
            "ok": self.healthy,
            "database": self.database_ok,
            "outbox": None
            if self.outbox is None
            else {
                "due": self.outbox.due,
                "pending": self.outbox.pending,
                "failed": self.outbox.failed,
            },
            "last_api_success": _iso(self.last_api_ok),
            "last_update": _iso(self.last_update),
            "now": _iso(self.now),
        }


def _iso(moment: dt.datetime | None) -> str | None:
    return None if moment is None else moment.astimezone(dt.UTC).isoformat(timespec="seconds")


def _parse(value: object) -> dt.datetime | None:
    if not isinstance(value, str):
        return None
    with contextlib.suppress(ValueError):
        return dt.datetime.fromisoformat(value)
    return None


async def database_facts(store: HealthStore, now: dt.datetime) -> OutboxCounts | None:
    """The outbox counts, None when the database cannot be read (closed, missing, locked...)."""
    try:
        return await store.outbox_counts(now)
    except (sqlite3.Error, OSError, RuntimeError, ValueError):
        return None


class HealthCheck:
    """The running bot's report: database facts read now, process facts from memory."""

    def __init__(self, store: HealthStore, liveness: Liveness, clock: Clock) -> None:
        self.store = store
        self.liveness = liveness
        self.clock = clock

    async def report(self) -> Health:
        now = self.clock.now()
        counts = await database_facts(self.store, now)
        return Health(
            now=now,
            database_ok=counts is not None,
            outbox=counts,
            last_api_ok=self.liveness.last_api_ok,
            last_update=self.liveness.last_update,
        )


async def answer(check: HealthCheck) -> tuple[int, str]:
    """The HTTP status and JSON body of GET /healthz."""
    report = await check.report()
    return report.http_status, json.dumps(report.as_json())


def heartbeat_path(database: Path) -> Path:
    return database.with_name(database.name + ".health.json")


class Heartbeat:
    """The process facts in a file next to the database, for `python -m bot status`."""

    def __init__(self, database: Path, liveness: Liveness) -> None:
        self.path = heartbeat_path(database)
        self.liveness = liveness

    def write(self) -> None:
        facts = {
            "pid": os.getpid(),
            "written_at": _iso(self.liveness.clock.now()),
            "last_api_success": _iso(self.liveness.last_api_ok),
            "last_update": _iso(self.liveness.last_update),
        }
        temporary = self.path.with_name(self.path.name + ".tmp")
        temporary.write_text(json.dumps(facts), encoding="utf-8")
        os.replace(temporary, self.path)


def read_heartbeat(database: Path) -> dict[str, dt.datetime | None]:
    """What the running bot last wrote; every value None if there is no readable file."""
    try:
        facts = json.loads(heartbeat_path(database).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        facts = {}
    if not isinstance(facts, dict):
        facts = {}
    return {
        key: _parse(facts.get(key)) for key in ("written_at", "last_api_success", "last_update")
    }
