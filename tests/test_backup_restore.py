"""Backups that restore (issue 14): a copy taken while 20 candidates answer and a nudge runs
holds every row committed before it started and passes integrity_check; the restore gives the
same counts; the rotation keeps N; a restore is refused while the database's lock is held."""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import fcntl
import os
import sqlite3
import stat
import sys
from pathlib import Path

import pytest

from bot.app import build_services
from bot.config import Settings
from bot.db.database import load_migrations
from bot.fakeapi import FakeTelegram
from bot.kernel.clock import FakeClock
from bot.ops import backup_store
from bot.ops.backup import BackupError, BotRunning, backups_in, lock_path, restore, take_backup
from bot.outbox.store import schedule
from tests import flowscript as fs
from tests.botharness import Chat, running_bot, services_of, wait_for

ROOT = Path(__file__).resolve().parent.parent
CODE_VERSION = max(m.version for m in load_migrations())
NUDGED = 60
SCREENERS = 20


def rows(path: Path) -> dict[str, set[tuple[object, ...]]]:
    """What must survive in a backup, read in one transaction: candidates and outbox rows by id
    (sent outbox rows marked), answers and history rows whole."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        conn.execute("BEGIN")
        found = {
            "candidates": set(conn.execute("SELECT id FROM candidates")),
            "outbox": set(conn.execute("SELECT id FROM outbox")),
            "outbox_sent": set(conn.execute("SELECT id FROM outbox WHERE state = 'sent'")),
            "answers": set(conn.execute("SELECT * FROM answers")),
            "candidate_events": set(conn.execute("SELECT * FROM candidate_events")),
        }
        conn.execute("COMMIT")
        return found
    finally:
        conn.close()


async def nudge_rows(settings: Settings, server: FakeTelegram, clock: FakeClock) -> None:
    """NUDGED candidates silent for two days, each with a nudge due now (the planner's key)."""
    services = build_services(settings, clock)
    await services.db.connect()
    try:
        for i in range(NUDGED):
            user = server.new_user(f"Nudge{i}")
            server._open_private(user)  # they started the bot earlier
            candidate = await services.candidates.create(
                telegram_id=user.id,
                chat_id=user.id,
                language="fr",
                source=None,
                consent_version="x",
                now=clock.now() - dt.timedelta(days=2),
            )
            async with services.db.transaction() as conn:
                await schedule(
                    conn,
                    key=f"screening.nudge:{candidate.id}:1",
                    kind="screening.nudge",
                    chat_id=user.id,
                    candidate_id=candidate.id,
                    due_at=clock.now(),
                    quiet_hours=False,
                    payload={"number": 1},
                )
    finally:
        await services.db.close()


async def screen(chat: Chat) -> None:
    await chat.command("start", "Avant de commencer")
    await chat.press("J'accepte", expect=fs.first_heading())
    await fs.answer(chat, fs.profile(gender="no_answer"), last="Tes réponses")


async def test_backup_while_people_answer_and_a_nudge_runs_then_restore(
    server: FakeTelegram, settings: Settings, clock: FakeClock, tmp_path: Path
) -> None:
    folder = tmp_path / "backups"
    settings = dataclasses.replace(settings, backup_dir=folder, backup_keep=3)
    await nudge_rows(settings, server, clock)
    nudged = {(m,) for m in range(1, NUDGED + 1)}
    async with running_bot(server, settings, clock) as application:
        services = services_of(application)
        chats = [Chat(server, server.new_user(f"Cand{i}")) for i in range(SCREENERS)]
        screening = asyncio.gather(*(screen(c) for c in chats))

        def sent_nudges() -> int:
            return len(rows(settings.database)["outbox_sent"] & nudged)

        async def under_way() -> bool:  # a twentieth of the answers are in, the nudge is due
            return len(rows(settings.database)["answers"]) >= SCREENERS

        await wait_for(under_way, 30, "screenings under way")
        before = rows(settings.database)  # every row committed before the backup starts
        backup = await services.backups.run()  # in a thread, while the bot goes on
        await screening

        async def all_nudged() -> bool:
            return sent_nudges() == NUDGED

        await wait_for(all_nudged, 30, "every nudge sent")
        finished = rows(settings.database)
    copy = rows(backup.path)
    for table, seen in before.items():
        assert seen <= copy[table], f"{table}: rows committed before the backup are missing"
    assert len(finished["answers"]) > len(before["answers"])  # people went on answering
    assert backup_store.check(backup.path).problems == ()
    assert backup.version == CODE_VERSION
    assert stat.S_IMODE(backup.path.stat().st_mode) == 0o600
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert not backup.path.with_name(backup.path.name + "-wal").exists()  # one self-contained file

    expected = backup_store.counts(backup.path)
    assert expected["candidates"] >= NUDGED + 1
    done = restore(backup.path, settings.database, clock.now(), CODE_VERSION)
    assert backup_store.counts(settings.database) == expected == done.counts
    assert done.aside is not None
    assert len(rows(done.aside)["answers"]) == len(finished["answers"])  # the old one, whole
    # the restored database opens and migrates like any other
    services = build_services(settings, clock)
    await services.db.connect()
    try:
        assert await services.db.user_version() == CODE_VERSION
    finally:
        await services.db.close()


async def make_database(path: Path, clock: FakeClock, people: int = 3, first: int = 1000) -> None:
    services = build_services(Settings(database=path), clock)
    await services.db.connect()
    try:
        for i in range(people):
            await services.candidates.create(
                telegram_id=first + i,
                chat_id=first + i,
                language="fr",
                source=None,
                consent_version="x",
                now=clock.now(),
            )
    finally:
        await services.db.close()


async def test_rotation_keeps_the_last_n_and_nothing_else_is_touched(
    tmp_path: Path, clock: FakeClock
) -> None:
    database = tmp_path / "data" / "fabnum.db"
    await make_database(database, clock)
    folder = tmp_path / "backups"
    folder.mkdir()
    (folder / "notes.txt").write_text("mine")
    (folder / "other-2026-11-20T090000Z.sqlite").write_text("another database's backup")
    taken = []
    for _ in range(6):
        taken.append(take_backup(database, folder, clock.now(), keep=4).path)
        clock.advance(dt.timedelta(days=1))
    same_second = take_backup(database, folder, clock.now(), keep=4).path
    again = take_backup(database, folder, clock.now(), keep=4).path
    assert same_second.name == "fabnum-2026-12-01T090000Z.sqlite"
    assert again.name == "fabnum-2026-12-01T090000Z-1.sqlite"
    assert backups_in(folder, database) == [*taken[4:], same_second, again]
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        [
            "notes.txt",
            "other-2026-11-20T090000Z.sqlite",
            *(p.name for p in backups_in(folder, database)),
        ]
    )
    assert taken[0].name == "fabnum-2026-11-25T090000Z.sqlite"  # UTC, sortable


async def test_restore_is_refused_while_the_lock_is_held(tmp_path: Path, clock: FakeClock) -> None:
    database = tmp_path / "fabnum.db"
    await make_database(database, clock)
    backup = take_backup(database, tmp_path / "backups", clock.now(), keep=14)
    await make_database(database, clock, people=2, first=2000)  # two more since the backup
    before = backup_store.counts(database)
    fd = os.open(lock_path(database), os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)  # as a running bot holds it
        with pytest.raises(BotRunning, match="stop it first"):
            restore(backup.path, database, clock.now(), CODE_VERSION)
        # the command line says so too, and leaves the database as it was
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot",
            "restore",
            str(backup.path),
            cwd=ROOT,
            env={**os.environ, "FABNUM_DATABASE": str(database), "FABNUM_ENV_FILE": "none"},
            stderr=asyncio.subprocess.PIPE,
        )
        _, err = await process.communicate()
        assert process.returncode == 1
        assert b"a bot is running on" in err
    finally:
        os.close(fd)
    assert backup_store.counts(database) == before
    assert not list(tmp_path.glob("*before-restore*"))  # noqa: ASYNC240
    done = restore(backup.path, database, clock.now(), CODE_VERSION)  # lock free: it goes
    assert done.counts["candidates"] == before["candidates"] - 2


async def test_restore_refuses_a_newer_or_damaged_file_and_keeps_the_database(
    tmp_path: Path, clock: FakeClock
) -> None:
    database = tmp_path / "fabnum.db"
    await make_database(database, clock)
    backup = take_backup(database, tmp_path / "backups", clock.now(), keep=14).path
    before = backup_store.counts(database)
    conn = sqlite3.connect(backup)
    conn.execute(f"PRAGMA user_version = {CODE_VERSION + 1}")
    conn.close()
    with pytest.raises(BackupError, match="newer version of the bot"):
        restore(backup, database, clock.now(), CODE_VERSION)
    garbage = tmp_path / "garbage.sqlite"
    garbage.write_bytes(b"not a database at all" * 100)
    with pytest.raises(BackupError, match="not a readable SQLite database"):
        restore(garbage, database, clock.now(), CODE_VERSION)
    with pytest.raises(BackupError, match="no backup file"):
        restore(tmp_path / "missing.sqlite", database, clock.now(), CODE_VERSION)
    assert backup_store.counts(database) == before
    left = {p.name for p in tmp_path.iterdir()}  # noqa: ASYNC240
    assert not {n for n in left if "before-restore" in n or "restoring" in n}


async def test_backup_command_line(tmp_path: Path, clock: FakeClock) -> None:
    database = tmp_path / "data" / "fabnum.db"
    await make_database(database, clock)
    env = {**os.environ, "FABNUM_DATABASE": str(database), "FABNUM_ENV_FILE": "none"}
    env.pop("FABNUM_BACKUP_DIR", None)
    for args in ([], [str(tmp_path / "elsewhere")]):
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot",
            "backup",
            *args,
            cwd=ROOT,
            env={**env, "FABNUM_LOG_LEVEL": "WARNING"},
            stdout=asyncio.subprocess.PIPE,
        )
        out, _ = await process.communicate()
        assert process.returncode == 0
        assert b"integrity ok" in out
    assert (
        len(backups_in(database.parent / "backups", database)) == 1
    )  # the default: next to the database
    assert len(backups_in(tmp_path / "elsewhere", database)) == 1
    assert backup_store.counts(backups_in(tmp_path / "elsewhere", database)[0])["candidates"] == 3


async def test_a_database_with_data_is_backed_up_before_migrations(
    tmp_path: Path, clock: FakeClock
) -> None:
    from bot.db.database import Database
    from bot.ops.backup import Backups

    migrations = load_migrations()
    path = tmp_path / "old.db"
    folder = tmp_path / "backups"
    backups = Backups(database=path, folder=folder, keep=14, clock=clock)
    db = Database(path, before_migrate=backups.before_migration)
    await db.connect(migrate=False)
    try:
        assert await db.migrate(migrations[:-1])  # a fresh database: nothing to back up
        assert backups_in(folder, path) == []
        await db.execute(
            "INSERT INTO candidates (telegram_id, chat_id, language, consent_version,"
            " consented_at, created_at, updated_at, last_contact_at)"
            " VALUES (1, 1, 'fr', 'x', 'x', 'x', 'x', 'x')"
        )
        assert await db.migrate(migrations) == [migrations[-1].version]
    finally:
        await db.close()
    (copy,) = backups_in(folder, path)
    assert backup_store.check(copy).version == migrations[-2].version
    assert backup_store.counts(copy)["candidates"] == 1


async def test_no_migration_when_the_backup_before_it_fails(
    tmp_path: Path, clock: FakeClock
) -> None:
    from bot.db.database import Database
    from bot.ops.backup import Backups

    migrations = load_migrations()
    path = tmp_path / "old.db"
    blocked = tmp_path / "a-file"
    blocked.write_text("not a folder")
    db = Database(
        path,
        before_migrate=Backups(
            database=path, folder=blocked, keep=14, clock=clock
        ).before_migration,
    )
    await db.connect(migrate=False)
    try:
        await db.migrate(migrations[:-1])
        with pytest.raises(OSError):
            await db.migrate(migrations)
        assert await db.user_version() == migrations[-2].version
    finally:
        await db.close()


async def test_the_daily_backup_job(
    server: FakeTelegram, settings: Settings, clock: FakeClock, tmp_path: Path
) -> None:
    from bot.app import build_application

    settings = dataclasses.replace(
        settings,
        token=server.token,
        api_url=server.base_url,
        backup_dir=tmp_path / "daily",
        backup_time=dt.time(4, 30),
    )
    application = build_application(settings, clock)
    assert application.job_queue is not None
    (job,) = application.job_queue.get_jobs_by_name("daily_backup")
    trigger = job.job.trigger
    assert "hour='4', minute='30'" in str(trigger)
    assert str(trigger.timezone) == "Europe/Paris"  # the site's local time
    await services_of(application).db.connect()
    try:
        async with application:
            await job.run(application)
    finally:
        await services_of(application).db.close()
    (copy,) = backups_in(tmp_path / "daily", settings.database)
    assert backup_store.check(copy).version == CODE_VERSION


def test_env_example_lists_the_backup_keys() -> None:
    text = (ROOT / ".env.example").read_text(encoding="utf-8")
    for key in ("FABNUM_BACKUP_DIR", "FABNUM_BACKUP_KEEP", "FABNUM_BACKUP_HOUR"):
        assert f"\n{key}=" in text
