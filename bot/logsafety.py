"""Logs that carry ids and counts, never the token, names or answers, at every level.

- FABNUM_LOG_LEVEL sets the bot's own loggers (`bot.*`) only. The libraries' loggers (httpx,
  httpcore, telegram, apscheduler, aiosqlite) stay at WARNING: at DEBUG they log every request
  URL (which holds the token), every update's payload (names, answers) and every SQL parameter.
  FABNUM_LIBRARY_LOG_LEVEL raises them on purpose, and the bot then warns that its logs may hold
  personal data.
- A filter on the root handlers replaces the token (and the `bot<token>` part of a URL, and
  anything shaped like a bot token) with `<token>` in every record: message, arguments and
  exception text.
- Files the bot writes are for its own user only (umask 0o077); a `.env` readable by others is
  reported at start.
"""

from __future__ import annotations

import logging
import os
import re
import stat
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import TextIO

LIBRARY_LOGGERS = ("httpx", "httpcore", "telegram", "apscheduler", "aiosqlite", "asyncio")
# A Telegram bot token: the bot's id, a colon, then 35 letters, digits, - or _.
TOKEN_SHAPE = re.compile(r"\b\d{3,20}:[A-Za-z0-9_-]{30,}")
FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
REDACTED = "<token>"

log = logging.getLogger(__name__)


class RedactSecrets(logging.Filter):
    """Replaces the secrets (and anything shaped like a bot token) with `<token>` in a record.

    Put on a handler, it sees every record the handler formats, whichever logger made it."""

    def __init__(self, secrets: Iterable[str | None] = ()) -> None:
        super().__init__()
        self.secrets = sorted({s for s in secrets if s}, key=len, reverse=True)

    def redact(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, REDACTED)
            # a URL-encoded token (the colon as %3A) in a logged URL
            text = text.replace(secret.replace(":", "%3A"), REDACTED)
        return TOKEN_SHAPE.sub(REDACTED, text)

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a record whose arguments do not fit its format: keep the format only
            message = str(record.msg)
        record.msg = self.redact(message)
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.redact(record.exc_text)
        if record.stack_info:
            record.stack_info = self.redact(record.stack_info)
        return True


class BotLogHandler(logging.StreamHandler[TextIO]):
    """The handler setup_logging puts on the root logger (a second call replaces it)."""


class _Stderr(BotLogHandler):
    """Writes to whatever sys.stderr is at the time of each record (as logging's last resort
    does), not to the stream of the moment it was made."""

    def __init__(self) -> None:
        super().__init__(sys.stderr)

    @property
    def stream(self) -> TextIO:
        return sys.stderr

    @stream.setter
    def stream(self, value: TextIO) -> None:
        pass


def setup_logging(
    level: str,
    *,
    library_level: str | None = None,
    secrets: Iterable[str | None] = (),
    stream: TextIO | None = None,
) -> None:
    """One handler on the root logger (to stderr), with the redacting filter; the bot's own
    loggers at `level`, the libraries' at `library_level` (default WARNING, or `level` if that is
    higher)."""
    numeric = logging.getLevelName(level)
    libraries = library_level or ("WARNING" if numeric < logging.WARNING else level)
    root = logging.getLogger()
    for old in [h for h in root.handlers if isinstance(h, BotLogHandler)]:
        root.removeHandler(old)
    handler = BotLogHandler(stream) if stream is not None else _Stderr()
    handler.setFormatter(logging.Formatter(FORMAT))
    handler.addFilter(RedactSecrets(secrets))
    root.addHandler(handler)
    root.setLevel(libraries)
    for name in LIBRARY_LOGGERS:
        logging.getLogger(name).setLevel(libraries)
    logging.getLogger("bot").setLevel(level)
    if library_level is not None and logging.getLevelName(library_level) < logging.WARNING:
        log.warning(
            "FABNUM_LIBRARY_LOG_LEVEL=%s: library logs may contain personal data (names, "
            "answers, Telegram ids); keep them like the database and turn this off when done",
            library_level,
        )


def restrict_new_files() -> None:
    """Files and folders the process creates are for its user only (0600 and 0700)."""
    os.umask(0o077)


def warn_if_open(path: Path | None, what: str) -> bool:
    """Log a warning (the path and its mode, nothing of its content) when group or others may
    read or write `path`. Returns True if it warned."""
    if path is None:
        return False
    try:
        mode = stat.S_IMODE(path.stat().st_mode)
    except OSError:
        return False
    if mode & 0o077 == 0:
        return False
    log.warning(
        "%s %s is open to group or others (mode %s): run chmod %s %s",
        what,
        path,
        oct(mode)[2:].zfill(3),
        "700" if path.is_dir() else "600",
        path,
    )
    return True
