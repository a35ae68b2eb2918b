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
import functools
import logging

from bot.db.database import CommitHook, Database, reset_before_commit, set_before_commit
from bot.inbox.store import Entry, InboxStore, mark_applied
from bot.kernel.clock import Clock

log = logging.getLogger(__name__)

KEEP = dt.timedelta(days=1)  # done updates hold personal data: pruned after a day
MAX_ATTEMPTS = 3  # starts that take an update up before it is given up


class Applying:
    """Marks the update the current task handles: every transaction it commits marks the update
    applied before its COMMIT (bot/db/database.py's hook of the context)."""

    def enter(self, update_id: int) -> contextvars.Token[CommitHook | None]:
        return set_before_commit(functools.partial(mark_applied, update_id=update_id))

    def leave(self, token: contextvars.Token[CommitHook | None]) -> None:
        reset_before_commit(token)


class Inbox:
    def __init__(self, store: InboxStore, clock: Clock) -> None:
        self.store = store
        self.applying = Applying()
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

    @classmethod
    def of(cls, db: Database, clock: Clock) -> Inbox:
        return cls(InboxStore(db), clock)

    async def take_up(self) -> list[Entry]:
        """At start: the updates a crash or a stop left, in order, to handle again once (the
        done ones older than a day are pruned first)."""
        await self.prune()
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
