"""The one dispatcher: sends what is due in the outbox, once, through the priority limiter.

Driven by one repeating JobQueue job (with a run at start-up) that calls `run_once()`; tests
call `run_once()` directly after moving a FakeClock. Nothing is kept in memory between runs:
the database is the schedule, so a restart loses nothing.

For each due row: drop it with a reason if it is past `not_after`, its person is unreachable or
stopped nudges (bulk rows only); hold it to the morning outside the sending window (or drop it
if the morning is too late); otherwise claim it (pending -> sending, committed), render it with
the renderer of its kind, send it, record the result. Errors: 429 is retried by the limiter then
re-queued; 5xx and network errors back off exponentially up to `max_attempts`; 403 marks the
person unreachable and cancels their pending rows; 400 fails the row, unless the kind repaired
its cause (`MessageKind.rejected`: a forum topic deleted by hand) and it is tried again.

A crash between the Bot API call and recording the result leaves the row in 'sending'. At the
next start-up, `recover()` applies the kind's policy: at-least-once kinds go back to pending
(possibly sent twice), at-most-once kinds are marked failed ("interrupted", possibly never sent).

A row rendered as several text messages (a long weekly digest) is sent one message at a time,
and the count sent is recorded in the row after each (payload PARTS_SENT): a retry or a
recovery goes on after the last message recorded, so none is sent twice (but the one in flight
at a crash, for an at-least-once kind, as with a row of one message).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from bot.core.schedule import Window, backoff
from bot.kernel.actions import Response, Send
from bot.kernel.clock import Clock
from bot.outbox.errors import MaybeSent, Rejected, TooManyRequests, Unavailable, Unreachable
from bot.outbox.kinds import MessageKind, Planner
from bot.outbox.store import (
    CANCELLED,
    DROPPED,
    FAILED,
    PARTS_SENT,
    PENDING,
    SENT,
    OutboxRow,
    OutboxStore,
)
from bot.reachability import store as people

if TYPE_CHECKING:
    from zoneinfo import ZoneInfo

log = logging.getLogger(__name__)

# Sends a rendered row (bot/telegram/io.py perform_scheduled): the bot passed to run_once, the
# chat, the response, bulk or not; raises bot/outbox/errors.py's errors; may return the ids of
# the messages sent (given to the kind's `delivered`).
Perform = Callable[[Any, int, Response, bool], Awaitable[Sequence[int] | None]]


@dataclass
class RunStats:
    sent: int = 0
    dropped: int = 0
    deferred: int = 0
    retried: int = 0
    failed: int = 0
    planned: int = 0
    reasons: dict[str, int] = field(default_factory=dict)

    def note(self, reason: str) -> None:
        self.reasons[reason] = self.reasons.get(reason, 0) + 1

    @property
    def handled(self) -> int:
        return self.sent + self.dropped + self.deferred + self.retried + self.failed


class Dispatcher:
    def __init__(
        self,
        *,
        store: OutboxStore,
        clock: Clock,
        window: Window,
        timezone: ZoneInfo,
        perform: Perform,
        kinds: Sequence[MessageKind] = (),
        planners: Sequence[Planner] = (),
        batch: int = 200,
        concurrency: int = 40,
        max_attempts: int = 5,
        backoff_base: dt.timedelta = dt.timedelta(seconds=30),
        backoff_cap: dt.timedelta = dt.timedelta(hours=1),
    ) -> None:
        self.store = store
        self.clock = clock
        self.window = window
        self.timezone = timezone
        self.perform = perform
        self.kinds = {kind.name: kind for kind in kinds}
        if len(self.kinds) != len(kinds):
            raise ValueError("two message kinds with the same name")
        self.at_most_once = frozenset(k.name for k in kinds if k.at_most_once)
        self.planners = tuple(planners)
        self.batch = batch
        self.concurrency = concurrency
        self.max_attempts = max_attempts
        self.backoff_base = backoff_base
        self.backoff_cap = backoff_cap
        self._lock = asyncio.Lock()
        self._recovered = False
        self.completed_runs = 0  # runs that went through (the sign that a due row had its turn)

    def policy(self, kind: str) -> str:
        return "at-most-once" if kind in self.at_most_once else "at-least-once"

    # ------------------------------------------------------------------ start-up
    async def recover(self) -> int:
        """Resolve rows left in 'sending' by a process that died mid-send (see module doc)."""
        now = self.clock.now()
        count = 0
        for row in await self.store.interrupted():
            if row.kind in self.at_most_once:
                await self.store.finish(row.id, FAILED, now, "interrupted")
            else:
                await self.store.retry_later(row.id, row.due_at, "interrupted")
            count += 1
        if count:
            log.warning("outbox: %d row(s) interrupted by a crash were resolved", count)
        self._recovered = True
        return count

    # ---------------------------------------------------------------------- runs
    async def run_once(
        self, bot: Any, should_continue: Callable[[], bool] = lambda: True
    ) -> RunStats:
        """Send everything due now. Concurrent calls do not overlap: a second one returns."""
        stats = RunStats()
        if self._lock.locked():
            return stats
        async with self._lock:
            if not self._recovered:
                await self.recover()
            for planner in self.planners:
                try:
                    stats.planned += await planner(self.clock.now())
                except Exception:
                    log.exception("outbox planner %s failed", getattr(planner, "__name__", ""))
            semaphore = asyncio.Semaphore(self.concurrency)
            seen: set[int] = set()

            async def one(row: OutboxRow) -> None:
                async with semaphore:
                    if should_continue():
                        await self._process(bot, row, stats)

            while should_continue():
                rows = [r for r in await self.store.due(self.clock.now(), self.batch)]
                fresh = [r for r in rows if r.id not in seen]
                if not fresh:
                    break
                seen.update(r.id for r in fresh)
                await asyncio.gather(*(one(r) for r in fresh))
            self.completed_runs += 1
        if stats.handled or stats.planned:
            log.info(
                "outbox run: %d sent, %d dropped, %d deferred, %d retried, %d failed, %d planned",
                stats.sent,
                stats.dropped,
                stats.deferred,
                stats.retried,
                stats.failed,
                stats.planned,
            )
        return stats

    async def _drop(self, row: OutboxRow, reason: str, stats: RunStats) -> None:
        await self.store.finish(row.id, DROPPED, self.clock.now(), reason)
        stats.dropped += 1
        stats.note(reason)

    async def _process(self, bot: Any, row: OutboxRow, stats: RunStats) -> None:
        now = self.clock.now()
        if row.not_after is not None and now > row.not_after:
            await self._drop(row, "expired", stats)
            return
        if row.quiet_hours and not self.window.contains(now, self.timezone):
            opens = self.window.next_open(now, self.timezone)
            if row.not_after is not None and opens > row.not_after:
                await self._drop(row, "quiet_hours_too_late", stats)
            else:
                await self.store.defer(row.id, opens, "quiet_hours")
                stats.deferred += 1
            return
        if row.candidate_id is not None:
            state = await people.reachability(self.store.db, row.candidate_id)
            if state is None:
                await self._drop(row, "candidate_gone", stats)
                return
            if state.unreachable:
                await self._drop(row, "unreachable", stats)
                return
            if state.stopped and row.bulk:
                await self._drop(row, "stopped", stats)
                return
        kind = self.kinds.get(row.kind)
        if kind is None:
            await self.store.finish(row.id, FAILED, now, "no_renderer")
            stats.failed += 1
            log.error("outbox row %s: no renderer for kind %s", row.id, row.kind)
            return
        if not await self.store.claim(row.id, now):
            return
        try:
            response = await kind.render(row)
            if response is None:
                await self.store.finish(row.id, DROPPED, self.clock.now(), "not_needed")
                stats.dropped += 1
                stats.note("not_needed")
                return
            sent_ids = await self._send(bot, row, response)
        except Unreachable:
            await self.store.finish(row.id, FAILED, self.clock.now(), "forbidden")
            stats.failed += 1
            await people.mark_unreachable(
                self.store.db, chat_id=row.chat_id, now=self.clock.now(), cause="forbidden"
            )
            log.info("outbox row %s: 403, chat marked unreachable", row.id)
        except TooManyRequests as error:
            await self._again(row, "retry_after", dt.timedelta(seconds=error.seconds), stats)
        except MaybeSent:
            if row.kind in self.at_most_once:
                # The message may have arrived: for this kind, never risk a second copy.
                await self.store.finish(row.id, FAILED, self.clock.now(), "timeout_unknown")
                stats.failed += 1
            else:
                await self._again(row, "timeout", None, stats)
        except Rejected as error:
            if kind.rejected is not None and await self._repaired(kind, row, error.description):
                await self._again(row, "repaired", dt.timedelta(0), stats)
                return
            await self.store.finish(row.id, FAILED, self.clock.now(), "bad_request")
            stats.failed += 1
            log.error("outbox row %s (%s): bad request: %s", row.id, row.kind, error.description)
        except Unavailable:
            await self._again(row, "network", None, stats)
        except Exception as error:
            await self.store.finish(row.id, FAILED, self.clock.now(), type(error).__name__)
            stats.failed += 1
            log.exception("outbox row %s (%s) failed", row.id, row.kind)
        else:
            await self.store.finish(row.id, SENT, self.clock.now())
            stats.sent += 1
            if kind.delivered is not None:
                try:
                    await kind.delivered(row, sent_ids or ())
                except Exception:
                    log.exception("outbox row %s (%s): after-send hook failed", row.id, row.kind)

    async def _send(self, bot: Any, row: OutboxRow, response: Response) -> Sequence[int] | None:
        """A row's messages: several text messages one by one, each recorded in the row once
        sent, the ones a previous attempt recorded skipped (see the module doc)."""
        messages = [a for a in response.actions if isinstance(a, Send)]
        if len(messages) < 2 or len(messages) != len(response.actions):
            return await self.perform(bot, row.chat_id, response, row.bulk)
        done = int(row.payload.get(PARTS_SENT, 0))
        ids: list[int] = []
        for index in range(done, len(messages)):
            one = Response([messages[index]], thread_id=response.thread_id)
            ids.extend(await self.perform(bot, row.chat_id, one, row.bulk) or ())
            await self.store.parts_sent(row.id, index + 1)
        return ids

    async def _repaired(self, kind: MessageKind, row: OutboxRow, description: str) -> bool:
        assert kind.rejected is not None
        try:
            return await kind.rejected(row, description)
        except Exception:
            log.exception("outbox row %s (%s): repair hook failed", row.id, row.kind)
            return False

    async def _again(
        self, row: OutboxRow, reason: str, wait: dt.timedelta | None, stats: RunStats
    ) -> None:
        attempts = row.attempts + 1  # the claim counted this attempt
        now = self.clock.now()
        if attempts >= self.max_attempts:
            await self.store.finish(row.id, FAILED, now, f"{reason}_gave_up")
            stats.failed += 1
            log.warning("outbox row %s: gave up after %d attempts (%s)", row.id, attempts, reason)
            return
        delay = wait if wait is not None else backoff(attempts, self.backoff_base, self.backoff_cap)
        await self.store.retry_later(row.id, now + delay, reason)
        stats.retried += 1


__all__ = ["CANCELLED", "PENDING", "Dispatcher", "RunStats"]
