"""Alerts to people (issue 14): a short message to the staff group (FABNUM_STAFF_CHAT_ID) or,
without one, to each admin's private chat, when something needs a person.

Kinds: an unhandled error in a handler ("handler_error") or a job ("job_error"), the Bot API
failing for 5 minutes ("api_down"), outbox rows failing for good ("outbox_failed"), a backup
failing ("backup_failed"), what an erasure left in a staff chat that the bot could not delete
("erasure_by_hand": a forum topic or relayed messages, by their ids; never throttled, each one
names other things to delete). At most one alert per kind per hour, on the injected clock, across
restarts (the last one is read from the outbox).

An alert is an outbox row (kind ops.alert, outside the quiet hours, interactive priority): it
commits at once, survives a restart, is sent by the running bot even when raised by another
process (`python -m bot backup`), and waits while the Bot API is down rather than being lost.

Facts carry no personal data: ids, counts, feature names, exception type names. Anything else
(free text, a name...) is dropped here before it reaches the message or the log.

For other features (the backup):  `await services.ops.alerts.raise_alert("backup_failed",
{"error": type(exc).__name__})`; it returns True when the alert was written, False when one of
the same kind went out less than an hour ago (or nobody is there to tell).
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections import Counter
from collections.abc import Mapping

from bot.config import Settings
from bot.db.database import Database
from bot.kernel.actions import Response
from bot.kernel.clock import Clock
from bot.kernel.rendering import Renderer
from bot.ops.alerts_store import ALERT_KIND, AlertStore, key_prefix
from bot.ops.health import STALE_API, Liveness
from bot.outbox.kinds import MessageKind
from bot.outbox.store import OutboxRow, iso, schedule

log = logging.getLogger(__name__)

KINDS = (
    "handler_error",
    "job_error",
    "api_down",
    "outbox_failed",
    "backup_failed",
    "erasure_by_hand",
)
UNTHROTTLED = frozenset({"erasure_by_hand"})  # each tells something else to do by hand
QUIET = dt.timedelta(hours=1)  # at most one alert per kind in this time
API_DOWN_AFTER = STALE_API  # every Bot API call failing for 5 minutes
_SAFE_TEXT = re.compile(r"^[A-Za-z0-9_.:,+= -]{1,200}$")  # codes, names of types and features

Fact = int | str
# The facts an alert may carry (the templates name each one); any other key is dropped.
FACT_KEYS = (
    "update_id",
    "feature",
    "error",
    "job",
    "minutes",
    "count",
    "kinds",
    "reasons",
    "step",
    "chat",
    "topic",
    "messages",
)


def safe_facts(facts: Mapping[str, object]) -> dict[str, Fact]:
    """Only the known keys, with numbers or code-like words (type names, feature names, counts);
    anything that could hold a person's text (accents, quotes, newlines, long) is dropped."""
    kept: dict[str, Fact] = {}
    for key, value in facts.items():
        if key not in FACT_KEYS:
            continue
        if isinstance(value, bool):
            kept[key] = str(value).lower()
        elif isinstance(value, int):
            kept[key] = value
        elif isinstance(value, float):
            kept[key] = round(value)
        elif isinstance(value, str) and _SAFE_TEXT.match(value):
            kept[key] = value
    return kept


class Alerts:
    def __init__(
        self,
        *,
        db: Database,
        store: AlertStore,
        renderer: Renderer,
        clock: Clock,
        settings: Settings,
        liveness: Liveness,
    ) -> None:
        self.db = db
        self.store = store
        self.renderer = renderer
        self.clock = clock
        self.settings = settings
        self.liveness = liveness
        self._failures_seen_until = clock.now()  # rows failed before the start were told then

    def targets(self) -> list[int]:
        if self.settings.staff_chat_id is not None:
            return [self.settings.staff_chat_id]
        return sorted(m.user_id for m in self.settings.staff.values() if m.is_admin)

    async def raise_alert(self, kind: str, facts: Mapping[str, object] | None = None) -> bool:
        """Tell the people who run the bot, unless an alert of this kind went out within the hour
        (UNTHROTTLED kinds: always).
        Never raises for a database problem: an alert must not break what called it."""
        if kind not in KINDS:
            raise ValueError(f"unknown alert kind {kind!r}; one of {', '.join(KINDS)}")
        kept = safe_facts(facts or {})
        told = " ".join(f"{k}={v}" for k, v in sorted(kept.items()))
        chats = self.targets()
        if not chats:
            log.error("alert %s (%s): nobody to tell, set FABNUM_STAFF_CHAT_ID", kind, told)
            return False
        now = self.clock.now()
        try:
            last = await self.store.last_raised(kind)
            if kind not in UNTHROTTLED and last is not None and now - last < QUIET:
                log.debug("alert %s (%s): one went out within the hour", kind, told)
                return False
            async with self.db.transaction() as conn:
                for chat_id in chats:
                    await schedule(
                        conn,
                        key=f"{key_prefix(kind)}{iso(now)}:{chat_id}"
                        + (f":{told}" if kind in UNTHROTTLED else ""),
                        kind=ALERT_KIND,
                        chat_id=chat_id,
                        subject=f"{ALERT_KIND}:{kind}",
                        due_at=now,
                        payload={"alert": kind, "facts": kept},
                        bulk=False,
                        quiet_hours=False,
                        now=now,
                    )
        except Exception as exc:  # the database itself may be what fails
            log.error("alert %s (%s) not written: %s", kind, told, type(exc).__name__)
            return False
        log.error("alert %s (%s): told %d chat(s)", kind, told, len(chats))
        return True

    async def watch(self, now: dt.datetime) -> int:
        """A planner of the outbox (each run): the Bot API failing for 5 minutes, outbox rows
        failed for good since the last look. Returns the alerts written."""
        raised = 0
        failing = self.liveness.api_failing_for()
        if failing is not None and failing >= API_DOWN_AFTER:
            minutes = int(failing.total_seconds() // 60)
            raised += await self.raise_alert("api_down", {"minutes": minutes})
        failures = await self.store.failed_since(self._failures_seen_until)
        if failures:
            kinds = Counter(kind for kind, _ in failures)
            reasons = Counter(reason for _, reason in failures)
            facts = {
                "count": len(failures),
                "kinds": ", ".join(f"{k} {n}" for k, n in sorted(kinds.items())),
                "reasons": ", ".join(f"{r or '?'} {n}" for r, n in sorted(reasons.items())),
            }
            if await self.raise_alert("outbox_failed", facts):
                raised += 1
                self._failures_seen_until = now  # the next alert counts the failures after it
        return raised

    def kind(self) -> MessageKind:
        async def render(row: OutboxRow) -> Response:
            text = self.renderer.render(
                self.settings.language,
                "ops/alert",
                alert=row.payload.get("alert", ""),
                facts=row.payload.get("facts", {}),
            )
            return Response().send(text)

        return MessageKind(ALERT_KIND, render)
