"""Backups of the SQLite database (issue 14): a consistent copy taken while the bot runs and
writes, checked, named by date and rotated; and the restore, refused while a bot runs.

The copy is `VACUUM INTO` (bot/ops/backup_store.py) from a connection of its own: one read
transaction, so a snapshot of every row committed before it started, taken without stopping
writers (WAL mode). The copy holds no free pages (nothing erased lingers in it) and is made a
single file (journal DELETE), then checked (integrity_check) before it gets its final name.
Files are this user's only (0600, folder 0700). Everything here is blocking: the running bot
calls it in a thread.

Backups hold personal data: a person erased (/supprimer, the retention purge) stays in the
backups taken before, until they rotate out (the last FABNUM_BACKUP_KEEP are kept).
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import fcntl
import logging
import os
import re
import sqlite3
import stat
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from bot.kernel.clock import Clock
from bot.ops import backup_store as store
from bot.ops.lock import lock_path

log = logging.getLogger(__name__)

SUFFIX = ".sqlite"


def _name_re(database: Path) -> re.Pattern[str]:
    """Backups of data/fabnum.db are fabnum-2026-11-30T020000Z.sqlite (UTC, so names sort in
    time order across daylight saving; a second copy in the same second gets -1, -2...). The
    database's own name comes first: the backups of another database in the same folder (the
    demo's) are neither confused with these nor rotated with them."""
    return re.compile(
        rf"^{re.escape(database.stem)}-(\d{{4}}-\d{{2}}-\d{{2}}T\d{{6}}Z)(?:-(\d+))?\.sqlite$"
    )


class BackupError(Exception):
    """A backup or restore could not be made; the message says why in one sentence."""


class BotRunning(BackupError):
    """A bot holds the database's lock: a restore under it would be overwritten or corrupt it."""


@dataclass(frozen=True)
class Backup:
    path: Path
    size: int  # bytes
    seconds: float
    version: int  # migrations version of the copy
    removed: tuple[Path, ...] = ()  # older backups rotated out


@dataclass(frozen=True)
class Restored:
    database: Path
    aside: Path | None  # where the replaced database was kept (None: there was none)
    version: int
    counts: dict[str, int]  # rows per table of the restored database


@contextlib.contextmanager
def exclusive(database: Path) -> Iterator[None]:
    """Hold the database's lock (a non-blocking flock) for the block, or raise BotRunning."""
    path = lock_path(database)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            raise BotRunning(
                f"a bot is running on {database} (its lock {path} is held): stop it first "
                "(systemctl stop fabnum-bot), then restore."
            ) from None
        yield
    finally:
        os.close(fd)  # releases the flock


def stamp(now: dt.datetime) -> str:
    return now.astimezone(dt.UTC).strftime("%Y-%m-%dT%H%M%SZ")


def backups_in(folder: Path, database: Path) -> list[Path]:
    """The backups of `database` in a folder, oldest first (only files named like them: nothing
    else is ever touched by the rotation)."""
    found = []
    name_re = _name_re(database)
    if folder.is_dir():
        for path in folder.iterdir():
            match = name_re.match(path.name)
            if match and path.is_file():
                found.append((match.group(1), int(match.group(2) or 0), path))
    return [path for _, _, path in sorted(found)]


def taken_at(path: Path, database: Path) -> dt.datetime | None:
    """When a backup of `database` was taken, from its name (None: not named like one)."""
    match = _name_re(database).match(path.name)
    if match is None:
        return None
    return dt.datetime.strptime(match.group(1), "%Y-%m-%dT%H%M%SZ").replace(tzinfo=dt.UTC)


def rotate(folder: Path, database: Path, keep: int) -> tuple[Path, ...]:
    """Delete all but the newest `keep` backups of `database`; the ones deleted."""
    existing = backups_in(folder, database)
    doomed = existing[: max(len(existing) - max(keep, 1), 0)]
    for path in doomed:
        path.unlink(missing_ok=True)
    return tuple(doomed)


def _private_folder(folder: Path) -> None:
    """The backup folder (and missing parents) 0700; an existing one open to others is closed."""
    missing = [p for p in (folder, *folder.parents) if not p.exists()]
    folder.mkdir(parents=True, exist_ok=True)
    for created in missing:
        os.chmod(created, 0o700)
    mode = stat.S_IMODE(folder.stat().st_mode)
    if mode & 0o077:
        os.chmod(folder, 0o700)
        log.warning("backup folder %s was open to group or others (mode %o): now 700", folder, mode)


def _new_private_file(path: Path) -> None:
    """An empty file only this user may read, created before any byte is written in it."""
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    os.chmod(path, 0o600)  # whatever the umask


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def check(path: Path) -> int:
    """Make a copy a single file and check it: its migrations version, or BackupError when
    the integrity check finds a fault or it is not a FabNum database."""
    try:
        checked = store.check(path)
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"{path} is not a readable SQLite database ({exc}).") from None
    if checked.problems:
        raise BackupError(f"{path} fails the integrity check ({len(checked.problems)} problems).")
    if checked.version == 0 or not checked.fabnum:
        raise BackupError(f"{path} is not a FabNum database (no migrations applied).")
    return checked.version


def take_backup(database: Path, folder: Path, now: dt.datetime, keep: int) -> Backup:
    """A checked copy of `database` in `folder`, named by `now`; then the rotation."""
    if not database.is_file():
        raise BackupError(f"no database at {database}: nothing to back up.")
    started = time.perf_counter()
    _private_folder(folder)
    base = f"{database.stem}-{stamp(now)}"
    target = folder / f"{base}{SUFFIX}"
    number = 0
    while target.exists():
        number += 1
        target = folder / f"{base}-{number}{SUFFIX}"
    partial = folder / f".{target.name}.partial"
    partial.unlink(missing_ok=True)
    _new_private_file(partial)
    try:
        store.vacuum_into(database, partial)
        version = check(partial)
        _fsync(partial)
        os.replace(partial, target)
        _fsync(folder)
    except sqlite3.Error as exc:
        raise BackupError(f"the copy of {database} failed ({type(exc).__name__}: {exc}).") from None
    finally:
        partial.unlink(missing_ok=True)
    removed = rotate(folder, database, keep)
    backup = Backup(
        path=target,
        size=target.stat().st_size,
        seconds=time.perf_counter() - started,
        version=version,
        removed=removed,
    )
    log.info(
        "backup %s: %d bytes in %.2f s, version %d, %d old ones removed",
        target.name,
        backup.size,
        backup.seconds,
        version,
        len(removed),
    )
    return backup


def _database_files(database: Path) -> list[Path]:
    return [database, *(database.with_name(database.name + s) for s in ("-wal", "-shm"))]


def restore(backup: Path, database: Path, now: dt.datetime, code_version: int) -> Restored:
    """Put `backup` in place of `database`, with no bot running (the lock is held throughout).

    The backup is copied next to the database and checked first (integrity, a migrations version
    not newer than this code's); only then is the current database, with its -wal and -shm, kept
    aside under a dated name, and the copy renamed into place and checked again."""
    if not backup.is_file():
        raise BackupError(f"no backup file at {backup}.")
    with exclusive(database):
        database.parent.mkdir(parents=True, exist_ok=True)
        incoming = database.with_name(f".{database.name}.restoring")
        incoming.unlink(missing_ok=True)
        _new_private_file(incoming)
        try:
            with backup.open("rb") as src, incoming.open("wb") as dst:
                while chunk := src.read(1 << 20):
                    dst.write(chunk)
            version = check(incoming)
            if version > code_version:
                raise BackupError(
                    f"{backup} comes from a newer version of the bot (migrations {version}, this "
                    f"code knows {code_version}): update the bot first, then restore."
                )
            _fsync(incoming)
            aside = _keep_aside(database, now)
            os.replace(incoming, database)
            _fsync(database.parent)
        finally:
            incoming.unlink(missing_ok=True)
        check(database)
        return Restored(database, aside, version, store.counts(database))


def _keep_aside(database: Path, now: dt.datetime) -> Path | None:
    """Rename the current database and its -wal/-shm together (a set SQLite opens as one), e.g.
    fabnum.before-restore-2026-11-30T020000Z.db; then fold the WAL into it (best effort)."""
    if not database.exists():
        for leftover in _database_files(database)[1:]:
            leftover.unlink(missing_ok=True)  # a stale WAL must not apply to the restored file
        return None
    name = f"{database.stem}.before-restore-{stamp(now)}"
    aside = database.with_name(name + database.suffix)
    number = 0
    while any(p.exists() for p in _database_files(aside)):
        number += 1
        aside = database.with_name(f"{name}-{number}{database.suffix}")
    for current, moved in zip(_database_files(database), _database_files(aside), strict=True):
        if current.exists():
            os.replace(current, moved)
    with contextlib.suppress(sqlite3.Error):
        store.fold_wal(aside)
    return aside


class Backups:
    """The backups of one database, as the running bot, the command line and the migrations
    take them (built once in bot/app.py)."""

    def __init__(self, *, database: Path, folder: Path, keep: int, clock: Clock) -> None:
        self.database = database
        self.folder = folder
        self.keep = keep
        self.clock = clock

    def oldest(self) -> dt.datetime | None:
        """When the oldest backup still in the folder was taken (None: there is none)."""
        found = backups_in(self.folder, self.database)
        return taken_at(found[0], self.database) if found else None

    def take(self) -> Backup:
        """A backup now (blocking)."""
        return take_backup(self.database, self.folder, self.clock.now(), self.keep)

    async def run(self) -> Backup:
        """A backup now, in a thread: the event loop goes on answering people meanwhile."""
        return await asyncio.to_thread(self.take)

    def before_migration(self, current: int, pending: Sequence[int]) -> None:
        """Called by Database.migrate before it applies `pending` to a database at version
        `current` (> 0: one that holds data); a failure stops the migration."""
        backup = self.take()
        log.info(
            "backup before migrations %s (from version %d): %s",
            ",".join(str(v) for v in pending),
            current,
            backup.path.name,
        )
