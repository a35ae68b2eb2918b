"""The operations objects the composition root builds once (issue 14), and `status`: the health
report of a running bot or of a database, for a person, from another process."""

from __future__ import annotations

import datetime as dt
import html
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from bot.config import Settings
from bot.db.database import Database
from bot.kernel.clock import Clock
from bot.kernel.rendering import Renderer
from bot.ops import lock
from bot.ops.alerts import Alerts
from bot.ops.health import Health, HealthCheck, Heartbeat, Liveness, database_facts, read_heartbeat
from bot.ops.health_store import HealthStore


@dataclass(frozen=True)
class Operations:
    liveness: Liveness  # the process's facts: last Bot API success, last update
    health: HealthCheck  # GET /healthz
    heartbeat: Heartbeat  # the process's facts in a file, for `status`
    alerts: Alerts  # alerts.raise_alert(kind, facts)


async def read_health(settings: Settings, clock: Clock) -> Health:
    """The database's facts read now, the process's as the running bot last wrote them."""
    now = clock.now()
    counts = None
    if settings.database.is_file():
        db = Database(settings.database)
        try:
            await db.connect(migrate=False)
            counts = await database_facts(HealthStore(db), now)
        except Exception:  # unreadable, not a database, locked...: reported as unreachable
            counts = None
        finally:
            await db.close()
    facts = read_heartbeat(settings.database)
    return Health(
        now=now,
        database_ok=counts is not None,
        outbox=counts,
        last_api_ok=facts["last_api_success"],
        last_update=facts["last_update"],
        facts_at=facts["written_at"],
    )


def _local(moment: dt.datetime | None, timezone: ZoneInfo) -> str | None:
    return None if moment is None else moment.astimezone(timezone).strftime("%d/%m/%Y %H:%M:%S")


async def status_text(settings: Settings, clock: Clock, renderer: Renderer) -> tuple[str, bool]:
    """What `python -m bot status` prints, and whether all is well (the bot runs, healthy)."""
    health = await read_health(settings, clock)
    running = lock.is_running(settings.database)
    zone = settings.timezone
    text = renderer.render(
        settings.language,
        "ops/status",
        database=str(settings.database),
        running=running,
        database_ok=health.database_ok,
        outbox=health.outbox,
        last_api=_local(health.last_api_ok, zone),
        last_update=_local(health.last_update, zone),
        facts_at=_local(health.facts_at, zone),
        api_stale=health.api_stale,
        healthy=health.healthy and running,
        webhook=settings.ops.webhook_url is not None,
    )
    return html.unescape(text), health.healthy and running  # for a terminal, not Telegram
