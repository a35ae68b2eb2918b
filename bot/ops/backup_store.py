"""The SQL of backups (bot/ops/backup.py): the copy, its check, row counts, a checkpoint.

Plain sqlite3 connections of their own, blocking (the running bot calls them in a thread): they
never share the bot's aiosqlite connection, so a backup waits for no transaction of the bot's.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Checked:
    problems: tuple[str, ...]  # PRAGMA integrity_check's lines other than "ok"
    version: int  # PRAGMA user_version: the migrations applied
    fabnum: bool  # it has the candidates table


def vacuum_into(database: Path, target: Path) -> None:
    """A consistent copy of `database` in `target` (an empty file): one read transaction, so
    every row committed before it began, without blocking writers (WAL) nor free pages."""
    conn = sqlite3.connect(database, timeout=30, isolation_level=None)
    try:
        conn.execute("PRAGMA busy_timeout = 30000")
        conn.execute("VACUUM INTO ?", (str(target),))
    finally:
        conn.close()


def check(path: Path) -> Checked:
    """Switch a copy to a single file (journal DELETE: no -wal beside it) and check it."""
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.execute("PRAGMA journal_mode = DELETE")
        lines = [str(row[0]) for row in conn.execute("PRAGMA integrity_check")]
        version = int(conn.execute("PRAGMA user_version").fetchone()[0])
        tables = conn.execute(
            "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'candidates'"
        ).fetchone()[0]
    finally:
        conn.close()
    return Checked(tuple(line for line in lines if line != "ok"), version, bool(tables))


def counts(database: Path) -> dict[str, int]:
    """Rows per table, read only."""
    conn = sqlite3.connect(f"file:{database}?mode=ro", uri=True)
    try:
        names = [
            row[0]
            for row in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table'"
                " AND name NOT LIKE 'sqlite_%' ORDER BY name"
            )
        ]
        return {n: int(conn.execute(f'SELECT count(*) FROM "{n}"').fetchone()[0]) for n in names}
    finally:
        conn.close()


def fold_wal(database: Path) -> None:
    """Copy a database's -wal into it and empty the -wal (best effort: errors are raised)."""
    conn = sqlite3.connect(database, isolation_level=None)
    try:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        conn.close()
