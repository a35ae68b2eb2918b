"""`python -m bot sessions load FILE`: migrate, load, one line; a bad file: one sentence, exit 1."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from bot.__main__ import main
from bot.config import PACKAGE_ROOT

EXAMPLE = PACKAGE_ROOT.parent / "conversations" / "sessions.example.toml"
GOOD = """
[[sessions]]
site = "gonesse"
date = "2026-12-03"
time = "14:00"
capacity = 12
place = "FabNum Gonesse"
address = "3 rue de Paris, 95500 Gonesse"
"""


@pytest.fixture
def db_path(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    monkeypatch.chdir(tmp_path)  # no .env from the checkout
    path = tmp_path / "data" / "cli.db"
    monkeypatch.setenv("FABNUM_DATABASE", str(path))
    monkeypatch.delenv("FABNUM_SESSIONS_FILE", raising=False)
    return path


def sessions_in(path: Path) -> list[tuple[str, str, int]]:
    with sqlite3.connect(path) as conn:
        rows = conn.execute("SELECT site, starts_at, capacity FROM info_sessions ORDER BY id")
        return [(r[0], r[1], r[2]) for r in rows]


def test_load_migrates_a_new_database_then_is_idempotent(
    db_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["sessions", "load", str(EXAMPLE)]) == 0
    assert capsys.readouterr().out.strip() == f"{EXAMPLE}: 2 created, 0 already there"
    assert main(["sessions", "load", str(EXAMPLE)]) == 0
    assert capsys.readouterr().out.strip() == f"{EXAMPLE}: 0 created, 2 already there"
    # local times in the file, UTC in the database (Paris is UTC+1 in December)
    assert sessions_in(db_path) == [
        ("gonesse", "2026-12-03T13:00:00+00:00", 12),
        ("marcq", "2026-12-04T09:00:00+00:00", 10),
    ]


@pytest.mark.parametrize(
    ("content", "says"),
    [
        ("[[sessions]\nsite = 1", "not valid TOML"),
        (GOOD.replace('"gonesse"', '"lyon"'), "session #1: unknown site 'lyon'"),
        (GOOD.replace("capacity = 12", "capacity = 0"), "capacity must be between 1 and 500"),
        (GOOD.replace('time = "14:00"', 'time = "25:00"'), "needs site, date (2026-12-03)"),
        (GOOD.replace('place = "FabNum Gonesse"\n', ""), "needs site, date"),
        (GOOD + 'language = "de"\n', "language must be one of fr, en"),
        ("sessions = 3\n", "must be [[sessions]] tables"),
        # the first entry is fine, the second is not: nothing at all is added
        (GOOD + GOOD.replace("2026-12-03", "2026-12-32"), "session #2: needs site"),
    ],
)
def test_a_bad_file_is_one_sentence_exit_1_and_adds_nothing(
    db_path: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    content: str,
    says: str,
) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text(content, encoding="utf-8")
    assert main(["sessions", "load", str(bad)]) == 1
    captured = capsys.readouterr()
    message = [line for line in captured.err.splitlines() if line.startswith("fabnum-bot:")]
    assert len(message) == 1 and says in message[0], captured.err
    assert str(bad) in message[0]
    assert "Traceback" not in captured.err and captured.out == ""
    assert sessions_in(db_path) == []


def test_a_missing_file(db_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["sessions", "load", "nowhere.toml"]) == 1
    err = capsys.readouterr().err
    assert "nowhere.toml: cannot read it" in err and "Traceback" not in err


def test_the_running_bot_sees_loaded_sessions_and_waitlist_is_told(
    db_path: Path, tmp_path: Path
) -> None:
    """Loading writes the same rows as /nouvelle_session: the site's waitlist gets a
    "seat free" row in the outbox, sent by the bot's dispatcher."""
    assert main(["migrate"]) == 0
    with sqlite3.connect(db_path) as conn:
        conn.execute(
            "INSERT INTO candidates (telegram_id, chat_id, language, consent_version,"
            " consented_at, status, created_at, updated_at, last_contact_at)"
            " VALUES (5, 5, 'fr', 'v', 'x', 'submitted', 'x', 'x', 'x')"
        )
        conn.execute(
            "INSERT INTO waitlist (candidate_id, site, joined_at) VALUES (1, 'gonesse', 'x')"
        )
    later = tmp_path / "later.toml"  # the CLI runs on the real clock: a date never past
    later.write_text(GOOD.replace("2026-12-03", "2099-12-03"), encoding="utf-8")
    assert main(["sessions", "load", str(later)]) == 0
    with sqlite3.connect(db_path) as conn:
        kinds = [r[0] for r in conn.execute("SELECT kind FROM outbox WHERE chat_id = 5")]
    assert kinds == ["sessions.seat_free"]
