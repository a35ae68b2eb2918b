"""Erasures re-applied after a restore (the journal: bot/ops/erasure_journal.py).

`reapply()` runs in `python -m bot restore` and at every start: the people the journal says were
erased after the restored copy was taken are erased again, by the same code as /supprimer
(CandidateStore.erase: their forum topic's deletion queued, nothing sent to them) or, for those
the retention purge had erased, by the purge itself (their time is still up; their counts go to
the anonymous figures as before). `prune()` drops the journal lines no backup can need.
"""

from __future__ import annotations

import logging

from bot.kernel.clock import Clock
from bot.ops.backup import Backups
from bot.ops.erasure_journal import ErasureJournal, horizon
from bot.retention.service import Retention
from bot.screening.store import CandidateStore

log = logging.getLogger(__name__)


class Erasures:
    def __init__(
        self,
        *,
        journal: ErasureJournal | None,
        candidates: CandidateStore,
        retention: Retention,
        backups: Backups,
        clock: Clock,
    ) -> None:
        self.journal = journal
        self.candidates = candidates
        self.retention = retention
        self.backups = backups
        self.clock = clock

    async def reapply(self) -> int:
        """Erase again everyone erased after the database's copy was taken; how many. A journal
        that cannot be read is logged, and the bot goes on (it was not restored, most often)."""
        if self.journal is None:
            return 0
        try:
            if not self.journal.entries():
                return 0
            found = self.journal.erased_again(await self.candidates.identities())
        except (OSError, ValueError) as error:
            log.error("erasure journal %s not read: %s", self.journal.path, type(error).__name__)
            return 0
        if not found:
            return 0
        if "r" in found.values():  # erased by the purge: their time is still up
            await self.retention.run()
        still = self.journal.erased_again(await self.candidates.identities())
        for candidate_id in sorted(still):
            await self.candidates.erase(candidate_id, self.clock.now(), reason="restore")
        log.warning("%d erasure(s) made after the restored copy re-applied", len(found))
        return len(found)

    def prune(self) -> int:
        """Drop the journal lines older than any backup that can still be restored."""
        if self.journal is None:
            return 0
        limit = horizon(self.clock.now(), self.backups.keep, self.backups.oldest())
        try:
            dropped = self.journal.prune(limit)
        except (OSError, ValueError) as error:
            log.error("erasure journal %s not pruned: %s", self.journal.path, type(error).__name__)
            return 0
        if dropped:
            log.info("erasure journal: %d line(s) older than the backups pruned", dropped)
        return dropped
