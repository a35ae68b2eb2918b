"""The erasure journal: who was erased and when, outside the database, so a restore cannot bring
them back (GDPR art. 17: an erasure must outlive the backups taken before it).

`<database>.erased` (0600) gets one line per erasure, written in the erasure's transaction
before COMMIT (`Erasing`, bot/kernel/erasure.py) and flushed to disk: the time, the reason
(c: the person asked, r: the retention purge, x: re-applied) and an HMAC-SHA256 of the person's
Telegram id under a random key of this install, `<database>.erased.key` (0600). The journal alone
names nobody. The Telegram id, not the candidate's number: numbers are reused (the highest one
erased goes to the next person), a Telegram id always means the same person.

After a restore (`python -m bot restore`, and at every start, for a copy put back by hand),
every candidate whose keyed hash is in the journal with an erasure at or after the moment they
first came (candidates.created_at) is erased again (bot/ops/erasures.py): someone who came back
after their erasure is a new application and stays. Lines older than any backup that can still
be restored (FABNUM_BACKUP_KEEP days + a margin, and the oldest backup in the folder) are pruned.

Blocking file work, a few hundred bytes: called from the event loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import fcntl
import hashlib
import hmac
import logging
import os
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import aiosqlite

from bot.kernel.erasure import Erasing

log = logging.getLogger(__name__)

REASONS = {"candidate_request": "c", "retention": "r", "restore": "x"}
MARGIN = dt.timedelta(days=7)  # beyond FABNUM_BACKUP_KEEP days, before a line is pruned


@dataclass(frozen=True)
class Entry:
    at: dt.datetime
    reason: str  # c, r, x (REASONS)
    tag: str  # HMAC-SHA256 of the Telegram id, hex


def _iso(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).isoformat(timespec="seconds")


def _private(path: Path) -> int:
    """Open for appending, created 0600 (whatever the umask)."""
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    os.fchmod(fd, 0o600)
    return fd


class ErasureJournal:
    def __init__(self, database: Path) -> None:
        self.path = database.with_name(database.name + ".erased")
        self.key_path = database.with_name(database.name + ".erased.key")
        self._key: bytes | None = None

    @classmethod
    def of(cls, database: Path) -> ErasureJournal | None:
        """The journal of a database on disk (None for an in-memory one)."""
        return None if str(database) == ":memory:" else cls(database)

    # ------------------------------------------------------------------ the key
    def key(self) -> bytes:
        if self._key is None:
            self.key_path.parent.mkdir(parents=True, exist_ok=True)
            try:
                fd = os.open(self.key_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            except FileExistsError:
                self._key = bytes.fromhex(self.key_path.read_text("ascii").strip())
            else:
                key = secrets.token_bytes(32)
                try:
                    os.fchmod(fd, 0o600)
                    os.write(fd, key.hex().encode("ascii") + b"\n")
                    os.fsync(fd)
                finally:
                    os.close(fd)
                self._key = key
        return self._key

    def tag(self, telegram_id: int) -> str:
        return hmac.new(self.key(), str(telegram_id).encode(), hashlib.sha256).hexdigest()

    # ------------------------------------------------------------------ the lines
    @contextlib.contextmanager
    def _locked(self) -> Iterator[int]:
        fd = _private(self.path)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield fd
        finally:
            os.close(fd)  # releases the flock

    def record(self, telegram_id: int, at: dt.datetime, reason: str) -> None:
        line = f"{_iso(at)} {REASONS.get(reason, 'c')} {self.tag(telegram_id)}\n"
        with self._locked() as fd:
            os.write(fd, line.encode("ascii"))
            os.fsync(fd)

    async def on_erasing(self, conn: aiosqlite.Connection, event: Erasing) -> None:
        """Written before the erasure commits: a crash in between erases someone who asked for
        it (or whose time was up) once more after a restore, never the other way round. A
        journal that cannot be written does not stop the erasure (the person is erased now); it
        is logged for the people who run the bot."""
        try:
            # off the event loop: the flock and the fsync may take a while on a busy disk
            await asyncio.to_thread(self.record, event.telegram_id, event.at, event.reason)
        except (OSError, ValueError) as error:
            log.error("erasure journal %s not written: %s", self.path, type(error).__name__)

    def entries(self) -> list[Entry]:
        if not self.path.exists():
            return []
        found = []
        for line in self.path.read_text("ascii").splitlines():
            parts = line.split()
            if len(parts) != 3:
                continue
            with contextlib.suppress(ValueError):
                found.append(Entry(dt.datetime.fromisoformat(parts[0]), parts[1], parts[2]))
        return found

    def prune(self, before: dt.datetime) -> int:
        """Drop the lines older than `before`; how many."""
        if not self.path.exists():
            return 0
        with self._locked():
            entries = self.entries()
            kept = [e for e in entries if e.at >= before]
            if len(kept) == len(entries):
                return 0
            partial = self.path.with_name(self.path.name + ".partial")
            partial.unlink(missing_ok=True)
            fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            try:
                text = "".join(f"{_iso(e.at)} {e.reason} {e.tag}\n" for e in kept)
                os.write(fd, text.encode("ascii"))
                os.fsync(fd)
            finally:
                os.close(fd)
            os.replace(partial, self.path)
        return len(entries) - len(kept)

    def erased_again(self, identities: list[tuple[int, int, str]]) -> dict[int, str]:
        """Of (id, telegram_id, created_at) candidates, those the journal says were erased at
        or after they came: id -> reason of the latest such erasure."""
        latest: dict[str, Entry] = {}
        for entry in self.entries():
            if entry.tag not in latest or entry.at > latest[entry.tag].at:
                latest[entry.tag] = entry
        if not latest:
            return {}
        found = {}
        for candidate_id, telegram_id, created_at in identities:
            last = latest.get(self.tag(telegram_id))
            if last is not None and dt.datetime.fromisoformat(created_at) <= last.at:
                found[candidate_id] = last.reason
        return found


def horizon(now: dt.datetime, keep_days: int, oldest_backup: dt.datetime | None) -> dt.datetime:
    """Before this instant no backup that can be restored was taken: FABNUM_BACKUP_KEEP days and
    a margin ago, or before the oldest backup still in the folder if that is older."""
    limit = now - dt.timedelta(days=keep_days) - MARGIN
    if oldest_backup is not None:
        limit = min(limit, oldest_backup - MARGIN)
    return limit
