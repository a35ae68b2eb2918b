"""Benchmark: backup and restore of a database of N candidates (issue 14, figures in
docs/deploy.md).

Each candidate has the screening's answers, history events and a few outbox rows, as a busy
site would after a year or two. Printed: the database's size, the backup's time (copy,
integrity_check, rename) and size, the restore's time; `--while-writing` takes the backup while
another thread keeps committing rows (the copy holds every row committed before it started).

    .venv/bin/python bench/backup.py [--candidates 10000] [--while-writing]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sqlite3
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

ANSWERS = {
    "site": '"gonesse"',
    "birth": '"2005-06"',
    "first_name": '"Prénom"',
    "situation": '"none"',
    "qualification": '"brevet"',
    "left_school": '"over_year"',
    "postcode": '"95500"',
    "availability": '"yes"',
    "interests": '["programming", "design"]',
    "followed_by": '"mission_locale"',
    "gender": '"no_answer"',
}


def populate(db: Path, candidates: int) -> None:
    from bot.db.database import load_migrations

    conn = sqlite3.connect(db)
    conn.execute("PRAGMA journal_mode = WAL")
    for m in load_migrations():
        conn.executescript(m.sql)
        conn.execute(f"PRAGMA user_version = {m.version}")
    at = dt.datetime(2026, 11, 1, tzinfo=dt.UTC).isoformat(timespec="seconds")
    conn.executemany(
        "INSERT INTO candidates (id, telegram_id, chat_id, language, consent_version,"
        " consented_at, status, result, created_at, updated_at, last_contact_at, submitted_at)"
        " VALUES (?, ?, ?, 'fr', '2026-11-25', ?, 'submitted', 'eligible', ?, ?, ?, ?)",
        [(i, 10_000_000 + i, 10_000_000 + i, at, at, at, at, at) for i in range(1, candidates + 1)],
    )
    conn.executemany(
        "INSERT INTO answers (candidate_id, step, value, answered_at) VALUES (?, ?, ?, ?)",
        [(i, k, v, at) for i in range(1, candidates + 1) for k, v in ANSWERS.items()],
    )
    conn.executemany(
        "INSERT INTO candidate_events (candidate_id, at, kind, detail) VALUES (?, ?, ?, ?)",
        [
            (i, at, kind, '{"notice": "2026-11-25"}')
            for i in range(1, candidates + 1)
            for kind in ("consented", "submitted", "moved", "reviewed")
        ],
    )
    conn.executemany(
        "INSERT INTO outbox (key, kind, chat_id, candidate_id, payload, due_at, state,"
        " created_at) VALUES (?, 'screening.nudge', ?, ?, '{\"number\": 1}', ?, 'sent', ?)",
        [
            (f"k:{i}:{n}", 10_000_000 + i, i, at, at)
            for i in range(1, candidates + 1)
            for n in (1, 2)
        ],
    )
    conn.commit()
    conn.close()


def writer(db: Path, stop: threading.Event, written: list[int]) -> None:
    """Another connection committing one event at a time, as the running bot would."""
    conn = sqlite3.connect(db, isolation_level=None, timeout=30)
    at = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    while not stop.is_set():
        conn.execute(
            "INSERT INTO candidate_events (candidate_id, at, kind) VALUES (1, ?, 'bench')", (at,)
        )
        written.append(1)
    conn.close()


def run(candidates: int, while_writing: bool) -> dict[str, Any]:
    from bot.db.database import load_migrations
    from bot.ops import backup_store
    from bot.ops.backup import restore, take_backup

    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "data" / "fabnum.db"
        db.parent.mkdir()
        started = time.perf_counter()
        populate(db, candidates)
        populated = time.perf_counter() - started
        stop, written = threading.Event(), []
        thread = threading.Thread(target=writer, args=(db, stop, written))
        if while_writing:
            thread.start()
            time.sleep(0.2)
        before = backup_store.counts(db)["candidate_events"]
        backup = take_backup(db, Path(tmp) / "backups", dt.datetime.now(dt.UTC), keep=14)
        if while_writing:
            stop.set()
            thread.join()
        copied = backup_store.counts(backup.path)["candidate_events"]
        started = time.perf_counter()
        code = max(m.version for m in load_migrations())
        restored = restore(backup.path, db, dt.datetime.now(dt.UTC), code)
        restore_s = time.perf_counter() - started
        return {
            "candidates": candidates,
            "populate_s": round(populated, 1),
            "database_mb": round(
                sum(p.stat().st_size for p in db.parent.glob("fabnum.before-restore*")) / 1e6, 1
            ),
            "backup_s": round(backup.seconds, 2),
            "backup_mb": round(backup.size / 1e6, 1),
            "restore_s": round(restore_s, 2),
            "restored_candidates": restored.counts["candidates"],
            "rows_committed_meanwhile": len(written),
            "events_before_backup_all_in_copy": copied >= before,
        }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--candidates", type=int, default=10_000)
    parser.add_argument("--while-writing", action="store_true")
    args = parser.parse_args()
    print(json.dumps(run(args.candidates, args.while_writing)))


if __name__ == "__main__":
    main()
