import sqlite3
from pathlib import Path

import pytest

from bot.db.database import Database, load_migrations


async def test_empty_file_is_migrated_to_latest(tmp_path: Path) -> None:
    migrations = load_migrations()
    db = Database(tmp_path / "new.db")
    await db.connect()
    try:
        assert await db.user_version() == migrations[-1].version
        row = await db.fetchone("PRAGMA journal_mode")
        assert row is not None and row[0] == "wal"
        row = await db.fetchone("PRAGMA foreign_keys")
        assert row is not None and row[0] == 1
        assert await db.migrate() == []  # idempotent
    finally:
        await db.close()


async def test_every_earlier_version_upgrades(tmp_path: Path) -> None:
    migrations = load_migrations()
    for count in range(len(migrations) + 1):
        db = Database(tmp_path / f"v{count}.db")
        await db.connect(migrate=False)
        try:
            await db.migrate(migrations[:count])
            expected = migrations[count - 1].version if count else 0
            assert await db.user_version() == expected
            applied = await db.migrate()
            assert applied == [m.version for m in migrations[count:]]
            assert await db.user_version() == migrations[-1].version
        finally:
            await db.close()


async def test_failed_migration_leaves_the_previous_version(tmp_path: Path) -> None:
    from bot.db.database import Migration

    migrations = load_migrations()
    broken = [*migrations, Migration(migrations[-1].version + 1, "broken", "CREATE TABLE x (;")]
    db = Database(tmp_path / "b.db")
    await db.connect(migrate=False)
    try:
        with pytest.raises(sqlite3.Error):
            await db.migrate(broken)
        assert await db.user_version() == migrations[-1].version
    finally:
        await db.close()


async def test_foreign_keys_cascade_on_erase(tmp_path: Path) -> None:
    import datetime as dt

    from bot.screening.store import CandidateStore

    db = Database(tmp_path / "c.db")
    await db.connect()
    try:
        store = CandidateStore(db)
        now = dt.datetime(2026, 11, 25, tzinfo=dt.UTC)
        c = await store.create(
            telegram_id=1, chat_id=1, language="fr", source=None, consent_version="v", now=now
        )
        await store.save_answer(c.id, "first_name", "Léa", now)
        await store.erase(c.id, now, "candidate_request")
        for table in ("candidates", "answers", "candidate_events"):
            row = await db.fetchone(f"SELECT count(*) FROM {table}")
            assert row is not None and row[0] == 0
        row = await db.fetchone("SELECT reason, count FROM erasures")
        assert row is not None and tuple(row) == ("candidate_request", 1)
    finally:
        await db.close()
