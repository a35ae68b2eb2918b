"""One bot per database (issue 14): an OS lock on a file next to the database, held for the life
of the process. Two pollers on one token would steal each other's updates, two writers on one
file would interleave their outbox runs.

`fcntl.flock` is released by the kernel when the process ends, however it ends (even SIGKILL): no
stale lock to clean up after a crash. The file itself stays; its content (the pid) is only a hint
for a person.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from pathlib import Path
from typing import IO


class AlreadyRunning(Exception):
    """Another process holds the lock of this database; the message says so in one sentence."""


def lock_path(database: Path) -> Path:
    return database.with_name(database.name + ".lock")


class InstanceLock:
    """`acquire()` or raise AlreadyRunning; `release()` (or the end of the process) frees it."""

    def __init__(self, database: Path) -> None:
        self.database = database
        self.path = lock_path(database)
        self._file: IO[str] | None = None

    def acquire(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle = open(self.path, "a+", encoding="utf-8")  # noqa: SIM115 (held for the process)
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            handle.seek(0)
            pid = handle.read().strip()
            handle.close()
            holder = f" (process {pid})" if pid.isdigit() else ""
            raise AlreadyRunning(
                f"another bot is already running on {self.database}{holder}: stop it first "
                "(systemctl stop fabnum-bot, or Ctrl+C in its terminal); two bots on one "
                "database would steal each other's updates."
            ) from None
        handle.seek(0)
        handle.truncate()
        handle.write(f"{os.getpid()}\n")
        handle.flush()
        self._file = handle

    def release(self) -> None:
        if self._file is not None:
            with contextlib.suppress(OSError):
                fcntl.flock(self._file.fileno(), fcntl.LOCK_UN)
            self._file.close()
            self._file = None

    def __enter__(self) -> InstanceLock:
        self.acquire()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.release()


def is_running(database: Path) -> bool:
    """True if a bot holds the lock of this database now (for `status`, and `restore` to refuse).
    Takes the lock for an instant when it is free, so it never blocks."""
    path = lock_path(database)
    if not path.exists():
        return False
    with open(path, encoding="utf-8") as handle:
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_SH | fcntl.LOCK_NB)
        except OSError:
            return True
        fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
        return False
