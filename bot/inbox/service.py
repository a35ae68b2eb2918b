"""No update lost to a crash (issue 14): the inbox's logic, without Telegram.

An update is written to the inbox (bot/inbox/store.py) before it is acknowledged, and handled
from there. While its handler runs, `Applying` marks it `applied` in the transaction of every
change the handler commits (bot/db/database.py calls it before COMMIT), so the changes and the
mark commit together. When the handler is over (its replies sent), the update is `done`.

At the next start, what is not done is taken up once, in the order it arrived:
- `pending`: nothing of it committed: it is handled again, as if it had just come;
- `applied`: its changes committed but the reply may not have gone out: it is not handled again
  (a typed answer would be taken for the next question's), the person is answered with where
  they stand instead (bot/inbox/handlers.py), so the reply they wait for reaches them.
An update taken up at `MAX_ATTEMPTS` starts in a row without being done is given up (a crash
loop must not block the bot). Telegram delivering an update again finds it in the inbox
(update_id is unique) and it is not handled twice.
"""

from __future__ import annotations

import contextvars
import datetime as dt
import logging

import aiosqlite

from bot.inbox.store import Entry, InboxStore, mark_applied
from bot.kernel.clock import Clock

log = logging.getLogger(__name__)

KEEP = dt.timedelta(days=1)  # done updates hold personal data: pruned after a day
MAX_ATTEMPTS = 3  # starts that take an update up before it is given up

_CURRENT: contextvars.ContextVar[int | None] = contextvars.ContextVar("inbox_update", default=None)


class Applying:
    """Which update the running task handles; the database's hook before COMMIT."""

    def enter(self, update_id: int) -> contextvars.Token[int | None]:
        return _CURRENT.set(update_id)

    def leave(self, token: contextvars.Token[int | None]) -> None:
        _CURRENT.reset(token)

    def active(self) -> bool:
        return _CURRENT.get() is not None

    async def __call__(self, conn: aiosqlite.Connection) -> None:
        update_id = _CURRENT.get()
        if update_id is not None:
            await mark_applied(conn, update_id)


class Inbox:
    def __init__(self, store: InboxStore, applying: Applying, clock: Clock) -> None:
        self.store = store
        self.applying = applying
        self.clock = clock
        # Updates taken up at start whose changes had committed: answered with where the
        # person stands instead of being handled again.
        self.to_resume: set[int] = set()

    async def record(self, update_id: int, chat_id: int | None, payload: str) -> bool:
        """True if the update is new (to handle), False if it was delivered before."""
        return await self.store.record(update_id, chat_id, payload, self.clock.now())

    async def done(self, update_id: int) -> None:
        self.to_resume.discard(update_id)
        await self.store.done(update_id, self.clock.now())

    async def take_up(self) -> list[Entry]:
        """At start: the updates a crash or a stop left, in order, to handle again once."""
        entries = await self.store.open_entries()
        given_up = [e for e in entries if e.attempts >= MAX_ATTEMPTS]
        for entry in given_up:
            await self.store.done(entry.update_id, self.clock.now())
        if given_up:
            log.error("inbox: %d update(s) given up after %d starts", len(given_up), MAX_ATTEMPTS)
        kept = [e for e in entries if e.attempts < MAX_ATTEMPTS]
        await self.store.count_attempt([e.update_id for e in kept])
        self.to_resume.update(e.update_id for e in kept if e.applied)
        if kept:
            log.warning(
                "inbox: %d update(s) left by the last run taken up (%d already applied)",
                len(kept),
                sum(e.applied for e in kept),
            )
        return kept

    async def prune(self) -> int:
        pruned = await self.store.prune(self.clock.now() - KEEP)
        if pruned:
            log.info("inbox: %d done update(s) pruned", pruned)
        return pruned
