"""The token redacted from any log record, library loggers kept at WARNING, and files for the
bot's user only: the data folder 0700, the database and its WAL files 0600 (issue 10)."""

from __future__ import annotations

import io
import logging
import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot import logsafety
from bot.db.database import Database
from bot.logsafety import LIBRARY_LOGGERS, RedactSecrets, setup_logging, warn_if_open

TOKEN = "7730019283:AAF-q8Zx1vW9nLp2Rk7TeYb5HsMd3Jc4Gfo"


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def restore_logging() -> Iterator[None]:
    """setup_logging changes process-wide logging: put it back as it was after the test."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    levels = {name: logging.getLogger(name).level for name in (*LIBRARY_LOGGERS, "bot")}
    try:
        yield
    finally:
        for handler in list(root.handlers):
            if handler not in handlers:
                root.removeHandler(handler)
        root.setLevel(level)
        for name, old in levels.items():
            logging.getLogger(name).setLevel(old)


def test_filter_redacts_message_arguments_urls_and_exceptions() -> None:
    secret = TOKEN.partition(":")[2]
    other = "123456:TEST-TOKEN-fabnum-fake-api-0000000"  # shaped like a token, not configured
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(name)s %(message)s"))
    handler.addFilter(RedactSecrets([TOKEN, None]))
    logger = logging.getLogger("tests.redaction")
    logger.addHandler(handler)
    logger.propagate = False
    try:
        logger.warning("Set Bot API URL: https://api.telegram.org/bot%s", TOKEN)
        logger.warning("encoded %s, other %s", TOKEN.replace(":", "%3A"), other)
        try:
            raise RuntimeError(f"POST https://api.telegram.org/bot{TOKEN}/sendMessage failed")
        except RuntimeError:
            logger.exception("call failed")
        logger.warning("no secret, %d ids", 3)
    finally:
        logger.removeHandler(handler)
    text = stream.getvalue()
    assert TOKEN not in text and secret not in text and "TEST-TOKEN" not in text
    assert "https://api.telegram.org/bot<token>\n" in text
    assert "encoded <token>, other <token>" in text
    assert "RuntimeError: POST https://api.telegram.org/bot<token>/sendMessage failed" in text
    assert "no secret, 3 ids" in text


def test_libraries_stay_at_warning_unless_asked(restore_logging: None) -> None:
    stream = io.StringIO()
    setup_logging("DEBUG", secrets=[TOKEN], stream=stream)
    logging.getLogger("bot.test").debug("bot debug line")
    for name in (*LIBRARY_LOGGERS, "matplotlib", "telegram.ext.ExtBot"):
        logging.getLogger(name).info("library line %s", TOKEN)
    logging.getLogger("httpx").warning("library warning bot%s", TOKEN)
    text = stream.getvalue()
    assert "bot debug line" in text and "library line" not in text
    assert "library warning bot<token>" in text and TOKEN not in text
    assert "personal data" not in text

    stream = io.StringIO()
    setup_logging("INFO", library_level="DEBUG", secrets=[TOKEN], stream=stream)
    ours = [h for h in logging.getLogger().handlers if isinstance(h, logsafety.BotLogHandler)]
    assert len(ours) == 1  # a second call replaces the handler
    logging.getLogger("telegram.ext").debug("payload %s", TOKEN)
    logging.getLogger("bot.test").debug("bot debug line")
    text = stream.getvalue()
    assert "library logs may contain personal data" in text
    assert "payload <token>" in text and "bot debug line" not in text

    stream = io.StringIO()
    setup_logging("ERROR", stream=stream)
    logging.getLogger("httpx").warning("quiet")
    assert stream.getvalue() == ""


async def test_database_folder_created_0700_and_files_0600(tmp_path: Path) -> None:
    old = os.umask(0o022)  # as a careless service manager would leave it
    try:
        database = Database(tmp_path / "new" / "deeper" / "fabnum.db")
        await database.connect()
        await database.execute("CREATE TABLE t (x)")
        await database.execute("INSERT INTO t VALUES (1)")
        files = sorted(f.name for f in (tmp_path / "new" / "deeper").iterdir())
        modes = {name: mode(tmp_path / "new" / "deeper" / name) for name in files}
        await database.close()
    finally:
        os.umask(old)
    assert mode(tmp_path / "new") == 0o700
    assert mode(tmp_path / "new" / "deeper") == 0o700
    assert files == ["fabnum.db", "fabnum.db-shm", "fabnum.db-wal"]  # open: WAL files too
    assert set(modes.values()) == {0o600}, modes


async def test_existing_folder_is_only_reported_and_files_are_tightened(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o755)
    path = shared / "fabnum.db"
    database = Database(path)
    await database.connect()
    await database.close()
    path.chmod(0o644)
    caplog.set_level(logging.WARNING, logger="bot.db.database")
    database = Database(path)
    await database.connect()
    await database.close()
    assert mode(shared) == 0o755  # not the bot's folder: not changed
    assert mode(path) == 0o600
    messages = [r.getMessage() for r in caplog.records]
    assert any(f"database folder {shared} is open to group or others" in m for m in messages)
    assert any(f"{path} was open to group or others (mode 644): now 600" in m for m in messages)


def test_env_file_open_to_others_is_reported(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    env = tmp_path / ".env"
    env.write_text(f"TELEGRAM_BOT_TOKEN={TOKEN}\n", encoding="utf-8")
    caplog.set_level(logging.WARNING, logger="bot.logsafety")
    env.chmod(0o600)
    assert not warn_if_open(env, "the .env file")
    env.chmod(0o640)
    assert warn_if_open(env, "the .env file")
    assert not warn_if_open(tmp_path / "missing.env", "the .env file")
    (record,) = caplog.records
    assert record.getMessage() == (
        f"the .env file {env} is open to group or others (mode 640): run chmod 600 {env}"
    )
    assert logsafety.__name__ == record.name


def test_every_command_runs_with_a_private_umask(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, restore_logging: None
) -> None:
    """main() sets umask 0o077 before any command: whatever the bot writes is its user's only."""
    from bot.__main__ import main

    for key in [k for k in os.environ if k.startswith(("FABNUM_", "TELEGRAM_"))]:
        monkeypatch.delenv(key)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("FABNUM_DATABASE", str(tmp_path / "data" / "fabnum.db"))
    old = os.umask(0o022)
    try:
        assert main(["migrate"]) == 0
    finally:
        during = os.umask(old)
    assert during == 0o077
    assert mode(tmp_path / "data") == 0o700 and mode(tmp_path / "data" / "fabnum.db") == 0o600
