"""A unit of work: one transaction, and the events raised inside it handled before it commits.

A feature that changes something raises an event (`work.emit(Moved(...))`) instead of calling the
features that react to it; the composition root (bot/app.py) gives the unit of work, once, which
handlers each kind of event has. The handlers run inside the same transaction, before COMMIT, so
what they write (an outbox row, most often) commits or rolls back with the change that caused it,
and the feature that raised the event does not know who listens.

Nested use joins the outer unit of work: its events are handled when the outermost one ends.
`work.announce(event)` handles one at once instead, for a change whose rows the handlers must
still read (an erasure: bot/kernel/erasure.py).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from contextlib import asynccontextmanager
from typing import Any

import aiosqlite

from bot.db.database import Database

EventHandler = Callable[[aiosqlite.Connection, Any], Awaitable[None]]
MAX_ROUNDS = 20  # handlers may raise events in turn; a loop of reactions is a bug, not a wait


class Work:
    """The transaction in progress: its connection, and the events raised so far."""

    def __init__(
        self,
        conn: aiosqlite.Connection,
        handlers: Mapping[type, Sequence[EventHandler]] | None = None,
    ) -> None:
        self.conn = conn
        self.pending: list[object] = []
        self._handlers = handlers or {}

    def emit(self, event: object) -> None:
        self.pending.append(event)

    async def announce(self, event: object) -> None:
        """Handle `event` now, inside the transaction, before the caller goes on."""
        for handler in self._handlers.get(type(event), ()):
            await handler(self.conn, event)


class UnitOfWork:
    def __init__(
        self, db: Database, handlers: Mapping[type, Sequence[EventHandler]] | None = None
    ) -> None:
        self.db = db
        self.handlers = {kind: tuple(found) for kind, found in (handlers or {}).items()}
        self._current: dict[asyncio.Task[Any], Work] = {}

    @asynccontextmanager
    async def __call__(self) -> AsyncIterator[Work]:
        task = asyncio.current_task()
        assert task is not None, "a unit of work runs inside a task"
        outer = self._current.get(task)
        if outer is not None:
            yield outer
            return
        async with self.db.transaction() as conn:
            work = Work(conn, self.handlers)
            self._current[task] = work
            try:
                yield work
                await self._handle(work)
            finally:
                del self._current[task]

    async def _handle(self, work: Work) -> None:
        for _ in range(MAX_ROUNDS):
            if not work.pending:
                return
            events, work.pending = work.pending, []
            for event in events:
                for handler in self.handlers.get(type(event), ()):
                    await handler(work.conn, event)
        raise RuntimeError(f"events still raised after {MAX_ROUNDS} rounds of handlers")
