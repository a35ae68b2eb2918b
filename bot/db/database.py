"""SQLite through aiosqlite: WAL, foreign keys, busy timeout, numbered migrations.

One connection is shared by the whole bot. aiosqlite runs it in a thread, so two coroutines could
interleave statements inside one transaction; every access therefore goes through one asyncio lock.
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
import os
import re
import stat
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiosqlite

from bot.db import stage

log = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
_MIGRATION_RE = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")

Params = Sequence[Any] | dict[str, Any]
Backfill = Callable[[aiosqlite.Connection], Awaitable[object]]

# Python run after a migration's SQL, in its transaction: what SQL alone cannot compute. By the
# migration's name without its number (NNNN_<name>.sql), so a renumbered file keeps its step.
BACKFILLS: dict[str, Backfill] = {"staff_scale": stage.backfill}


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    sql: str


def load_migrations(directory: Path = MIGRATIONS_DIR) -> list[Migration]:
    """The numbered migrations in order; numbers must be unique and increasing."""
    migrations = []
    for path in sorted(directory.glob("*.sql")):
        match = _MIGRATION_RE.match(path.name)
        if match is None:
            raise RuntimeError(f"migration file {path.name} is not named NNNN_name.sql")
        migrations.append(Migration(int(match.group(1)), path.stem, path.read_text("utf-8")))
    versions = [m.version for m in migrations]
    if len(set(versions)) != len(versions) or versions != sorted(versions) or 0 in versions:
        raise RuntimeError(f"migration numbers must be unique and start at 0001: {versions}")
    return migrations


def _private_folder(folder: Path) -> None:
    """Create the database folder (and missing parents) 0700; only warn about an existing one
    that group or others may open (it may be shared on purpose, e.g. /var/lib)."""
    missing = [p for p in (folder, *folder.parents) if not p.exists()]
    folder.mkdir(parents=True, exist_ok=True)
    for created in missing:
        os.chmod(created, 0o700)
    if not missing and stat.S_IMODE(folder.stat().st_mode) & 0o077:
        log.warning(
            "database folder %s is open to group or others (mode %s): chmod 700 it unless it"
            " is shared on purpose",
            folder,
            oct(stat.S_IMODE(folder.stat().st_mode))[2:],
        )


def _private_files(path: Path) -> None:
    """The database and its -wal/-shm files: readable and writable by this user only."""
    for file in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        try:
            mode = stat.S_IMODE(file.stat().st_mode)
        except FileNotFoundError:
            continue
        if mode & 0o077:
            os.chmod(file, 0o600)
            if file.stat().st_size > 0:
                log.warning("%s was open to group or others (mode %o): now 600", file, mode)


# Called with (current version, versions about to be applied) before migrations are applied to a
# database that already has a schema (version > 0): bot/ops/backup.py takes a backup there.
BeforeMigrate = Callable[[int, Sequence[int]], None]
# Runs inside every transaction the current task (and the tasks it starts) commits, just before
# COMMIT, while set: bot/inbox marks the update being handled applied with its changes.
CommitHook = Callable[[aiosqlite.Connection], Awaitable[None]]
_BEFORE_COMMIT: contextvars.ContextVar[CommitHook | None] = contextvars.ContextVar(
    "before_commit", default=None
)


def set_before_commit(hook: CommitHook | None) -> contextvars.Token[CommitHook | None]:
    """Set the hook of the current context (reset it with `reset_before_commit(token)`)."""
    return _BEFORE_COMMIT.set(hook)


def reset_before_commit(token: contextvars.Token[CommitHook | None]) -> None:
    _BEFORE_COMMIT.reset(token)


class Database:
    def __init__(self, path: Path | str, *, before_migrate: BeforeMigrate | None = None) -> None:
        self.path = Path(path)
        self._before_migrate = before_migrate
        self._conn: aiosqlite.Connection | None = None
        self._lock = asyncio.Lock()
        # The task inside a transaction: its further statements and transactions join it (a
        # helper works the same called alone or from inside a bigger change); others wait.
        self._owner: asyncio.Task[Any] | None = None

    def _in_own_transaction(self) -> bool:
        return self._owner is not None and self._owner is asyncio.current_task()

    @asynccontextmanager
    async def _turn(self) -> AsyncIterator[None]:
        """The connection for one statement: at once inside this task's own transaction."""
        if self._in_own_transaction():
            yield
        else:
            async with self._lock:
                yield

    async def connect(self, *, migrate: bool = True) -> None:
        if self._conn is not None:
            return
        on_disk = str(self.path) != ":memory:"
        if on_disk:
            _private_folder(self.path.parent)
        conn = await aiosqlite.connect(self.path, isolation_level=None)
        if on_disk:
            _private_files(self.path)  # before WAL: SQLite gives -wal and -shm the file's mode
        conn.row_factory = aiosqlite.Row
        await conn.execute("PRAGMA journal_mode = WAL")
        await conn.execute("PRAGMA foreign_keys = ON")
        await conn.execute("PRAGMA busy_timeout = 5000")
        await conn.execute("PRAGMA synchronous = NORMAL")
        # Deleted rows are overwritten with zeros in the file (and in the WAL frames written
        # from now on), whatever the compile-time default of the SQLite library: an erasure must
        # not stay readable on disk.
        await conn.execute("PRAGMA secure_delete = ON")
        self._conn = conn
        if migrate:
            await self.migrate()

    async def close(self) -> None:
        if self._conn is not None:
            await self._conn.close()
            self._conn = None

    @property
    def conn(self) -> aiosqlite.Connection:
        if self._conn is None:
            raise RuntimeError("Database.connect() was not called")
        return self._conn

    async def user_version(self) -> int:
        row = await self.fetchone("PRAGMA user_version")
        return int(row[0]) if row else 0

    async def migrate(self, migrations: Iterable[Migration] | None = None) -> list[int]:
        """Apply the migrations newer than PRAGMA user_version, each in its own transaction.

        On a database that already has a schema, `before_migrate` runs first (in a thread, on a
        connection of its own: the backup); if it raises, nothing is applied."""
        applied = []
        async with self._lock:
            cursor = await self.conn.execute("PRAGMA user_version")
            row = await cursor.fetchone()
            current = int(row[0]) if row else 0
            pending = [
                m
                for m in (migrations if migrations is not None else load_migrations())
                if m.version > current
            ]
            if pending and current > 0 and self._before_migrate is not None:
                versions = [m.version for m in pending]
                await asyncio.to_thread(self._before_migrate, current, versions)
            for migration in pending:
                backfill = BACKFILLS.get(migration.name.split("_", 1)[-1])
                script = f"BEGIN IMMEDIATE;\n{migration.sql}\n"
                end = f"PRAGMA user_version = {migration.version};\nCOMMIT;"
                try:
                    if backfill is None:
                        await self.conn.executescript(script + end)
                    else:
                        await self.conn.executescript(script)
                        await backfill(self.conn)
                        await self.conn.execute(f"PRAGMA user_version = {migration.version}")
                        await self.conn.execute("COMMIT")
                except Exception:
                    if self.conn.in_transaction:
                        await self.conn.execute("ROLLBACK")
                    raise
                applied.append(migration.version)
        return applied

    @property
    def in_transaction(self) -> bool:
        """True inside a transaction of the current task."""
        return self._in_own_transaction()

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[aiosqlite.Connection]:
        """BEGIN IMMEDIATE ... COMMIT, rolled back on error; nobody else uses the connection.

        Re-entrant: inside a transaction of the same task it joins that one (committed or rolled
        back with it), so one version of each helper serves alone and inside a bigger change."""
        if self._in_own_transaction():
            yield self.conn
            return
        async with self._lock:
            await self.conn.execute("BEGIN IMMEDIATE")
            self._owner = asyncio.current_task()
            try:
                yield self.conn
            except BaseException:
                await self.conn.execute("ROLLBACK")
                raise
            else:
                hook = _BEFORE_COMMIT.get()
                if hook is not None:
                    try:
                        await hook(self.conn)
                    except BaseException:
                        await self.conn.execute("ROLLBACK")
                        raise
                await self.conn.execute("COMMIT")
            finally:
                self._owner = None

    async def checkpoint(self) -> bool:
        """Copy the WAL into the main file and truncate it to zero bytes (after an erasure, so
        the erased rows' old page images do not wait in the -wal file until shutdown).

        True when it completed; False (logged) when another connection's read transaction kept
        it from going to the end: the WAL is then truncated at a later checkpoint.
        """
        async with self._lock:
            cursor = await self.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            row = await cursor.fetchone()
        busy, frames, done = (int(v) for v in row) if row else (1, -1, -1)
        if busy or frames != done:
            log.warning(
                "WAL checkpoint incomplete: busy=%d, %d frames in the log, %d checkpointed",
                busy,
                frames,
                done,
            )
            return False
        return True

    async def execute(self, sql: str, params: Params = ()) -> int:
        """One statement (autocommit, or in this task's transaction); returns lastrowid."""
        if (
            _BEFORE_COMMIT.get() is not None and not self._in_own_transaction()
        ):  # its own transaction, for the hook
            async with self.transaction() as conn:
                cursor = await conn.execute(sql, params)
                return cursor.lastrowid or 0
        async with self._turn():
            cursor = await self.conn.execute(sql, params)
            return cursor.lastrowid or 0

    async def fetchone(self, sql: str, params: Params = ()) -> aiosqlite.Row | None:
        async with self._turn():
            cursor = await self.conn.execute(sql, params)
            return await cursor.fetchone()

    async def fetchall(self, sql: str, params: Params = ()) -> list[aiosqlite.Row]:
        async with self._turn():
            cursor = await self.conn.execute(sql, params)
            return list(await cursor.fetchall())
