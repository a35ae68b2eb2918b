"""Erasures survive a restore: the erasure journal (bot/ops/erasure_journal.py).

A backup is taken; then people are erased (/supprimer, the retention purge). Restoring the backup
would bring them back: `python -m bot restore` erases them again and says how many, and so does
the start of the bot on a copy put back by hand. Someone who came back after their erasure (a new
application) stays. The journal names nobody (a keyed hash of the Telegram id), is this user's
only, and drops the lines no backup left can need."""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import hashlib
import logging
import os
import shutil
import stat
import sys
from pathlib import Path

import pytest

from bot.app import build_services
from bot.config import Settings
from bot.fakeapi import FakeTelegram
from bot.kernel.clock import FakeClock
from bot.kernel.person import Person
from bot.ops.backup import restore, take_backup
from bot.ops.erasure_journal import MARGIN, ErasureJournal, horizon
from bot.services import Services
from tests.botharness import running_bot, services_of
from tests.test_backup_restore import CODE_VERSION, ROOT
from tests.test_security_erasure import find_button
from tests.test_staff_service import seed_candidate

ASKED, CAME_BACK, STAYS, EARLIER, LATER = (7_100_000_001 + i for i in range(5))


async def supprimer(services: Services, telegram_id: int) -> None:
    """The person's own /supprimer, confirmed."""
    person = Person(user_id=telegram_id, chat_id=telegram_id)
    confirm = await services.screening.delete(person)
    await services.screening.button(person, find_button(confirm, "delete:yes"))
    assert await services.candidates.by_telegram_id(telegram_id) is None


async def people(settings: Settings, clock: FakeClock) -> set[int]:
    services = build_services(settings, clock)
    await services.db.connect()
    try:
        return {telegram_id for _, telegram_id, _ in await services.candidates.identities()}
    finally:
        await services.db.close()


async def history_then_backup(settings: Settings, clock: FakeClock) -> Path:
    """EARLIER was erased and came back before the backup; the backup holds ASKED, CAME_BACK,
    STAYS and EARLIER's new application; then ASKED and CAME_BACK are erased, CAME_BACK comes
    back, LATER comes and goes."""
    services = build_services(settings, clock)
    await services.db.connect()
    try:
        await seed_candidate(services.candidates, clock.now(), EARLIER)
        clock.advance(dt.timedelta(minutes=1))
        await supprimer(services, EARLIER)
        clock.advance(dt.timedelta(minutes=1))
        for telegram_id in (ASKED, CAME_BACK, STAYS, EARLIER):
            await seed_candidate(services.candidates, clock.now(), telegram_id)
        clock.advance(dt.timedelta(hours=1))
        backup = take_backup(settings.database, settings.backup_folder, clock.now(), 14)
        clock.advance(dt.timedelta(hours=1))
        await supprimer(services, ASKED)
        await supprimer(services, CAME_BACK)
        clock.advance(dt.timedelta(minutes=1))
        await seed_candidate(services.candidates, clock.now(), CAME_BACK)
        await seed_candidate(services.candidates, clock.now(), LATER)
        clock.advance(dt.timedelta(minutes=1))
        await supprimer(services, LATER)
    finally:
        await services.db.close()
    return backup.path


def put_back_by_hand(backup: Path, database: Path) -> None:
    for suffix in ("-wal", "-shm"):
        Path(f"{database}{suffix}").unlink(missing_ok=True)
    shutil.copyfile(backup, database)


async def test_restore_command_erases_again_whoever_was_erased_after_the_backup(
    settings: Settings, clock: FakeClock
) -> None:
    backup = await history_then_backup(settings, clock)
    assert await people(settings, clock) == {STAYS, EARLIER, CAME_BACK}
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("FABNUM_", "TELEGRAM_"))},
        "FABNUM_DATABASE": str(settings.database),
        "FABNUM_ENV_FILE": "none",
        "FABNUM_LOG_LEVEL": "ERROR",
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "restore",
        str(backup),
        cwd=ROOT,
        env=env,
        stdout=asyncio.subprocess.PIPE,
    )
    out, _ = await process.communicate()
    assert process.returncode == 0, out
    assert b"2 erasure(s) made after this backup re-applied" in out, out
    # ASKED and CAME_BACK's old row are gone again; the application made before the backup by
    # someone erased before it stays (it came after that erasure)
    assert await people(settings, clock) == {STAYS, EARLIER}

    journal = ErasureJournal(settings.database)
    text = journal.path.read_text("ascii")
    assert len(text.splitlines()) == 6  # 4 before the restore, 2 re-applied
    for telegram_id in (ASKED, CAME_BACK, STAYS, EARLIER, LATER):
        assert str(telegram_id) not in text
        assert hashlib.sha256(str(telegram_id).encode()).hexdigest() not in text
    assert journal.tag(ASKED) in text  # only with this install's key
    for path in (journal.path, journal.key_path):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600


async def test_a_copy_put_back_by_hand_is_settled_when_the_bot_starts(
    server: FakeTelegram,
    settings: Settings,
    clock: FakeClock,
    caplog: pytest.LogCaptureFixture,
) -> None:
    backup = await history_then_backup(settings, clock)
    put_back_by_hand(backup, settings.database)
    assert await people(settings, clock) == {ASKED, CAME_BACK, STAYS, EARLIER}
    caplog.set_level(logging.WARNING, logger="bot.ops.erasures")
    async with running_bot(server, settings, clock) as app:
        services = services_of(app)
        left = {t for _, t, _ in await services.candidates.identities()}
        assert left == {STAYS, EARLIER}
        reasons = await services.db.fetchall("SELECT reason FROM erasures WHERE reason = 'restore'")
        assert len(reasons) == 2
    assert "2 erasure(s) made after the restored copy re-applied" in caplog.text
    # a second start finds nothing more to do
    async with running_bot(server, settings, clock) as app:
        assert await services_of(app).erasures.reapply() == 0


async def test_people_the_purge_had_erased_are_purged_again_and_counted(
    settings: Settings, clock: FakeClock
) -> None:
    services = build_services(settings, clock)
    await services.db.connect()
    try:
        await seed_candidate(services.candidates, clock.now(), STAYS)
        await seed_candidate(services.candidates, clock.now(), ASKED)
        clock.advance(dt.timedelta(days=2 * 366))  # 24 months without contact, just over
        backup = take_backup(settings.database, settings.backup_folder, clock.now(), 14)
        await seed_candidate(services.candidates, clock.now(), LATER)  # after the backup
        assert await services.retention.run() == 2
    finally:
        await services.db.close()
    restore(backup.path, settings.database, clock.now(), CODE_VERSION)
    services = build_services(settings, clock)
    await services.db.connect()
    try:
        assert await services.erasures.reapply() == 2
        assert await services.candidates.identities() == []
        # by the purge itself: they stay in the anonymous figures
        kinds = await services.db.fetchall("SELECT reason, count FROM erasures")
        assert ("retention", 2) in [tuple(r) for r in kinds]
        funnel = await services.db.fetchone("SELECT SUM(count) FROM funnel_aggregates")
        assert funnel is not None and funnel[0] > 0
    finally:
        await services.db.close()


async def test_the_journal_drops_what_no_backup_can_bring_back(
    settings: Settings, clock: FakeClock
) -> None:
    settings = dataclasses.replace(settings, backup_keep=14)
    journal = ErasureJournal(settings.database)
    now = clock.now()
    for days in (40, 23, 22, 21, 1):
        journal.record(days, now - dt.timedelta(days=days), "candidate_request")
    assert horizon(now, 14, None) == now - dt.timedelta(days=14) - MARGIN
    services = build_services(settings, clock)
    await services.db.connect()
    try:
        # an older backup still in the folder keeps its lines
        take_backup(settings.database, settings.backup_folder, now - dt.timedelta(days=30), 14)
        assert services.erasures.prune() == 1  # the line of 40 days ago
        assert len(journal.entries()) == 4
        for old in settings.backup_folder.iterdir():
            old.unlink()
        take_backup(settings.database, settings.backup_folder, now, 14)
        assert (
            services.erasures.prune() == 2
        )  # 23 and 22 days: past 14 days + 7 of margin (21: kept)
        assert sorted(e.tag for e in journal.entries()) == sorted([journal.tag(21), journal.tag(1)])
        assert services.erasures.prune() == 0
    finally:
        await services.db.close()
    assert stat.S_IMODE(journal.path.stat().st_mode) == 0o600


async def test_a_journal_that_cannot_be_written_does_not_stop_an_erasure(
    services: Services, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    await seed_candidate(services.candidates, clock.now(), ASKED)
    journal = ErasureJournal(services.settings.database)
    journal.path.mkdir()  # not a file: every write fails
    await supprimer(services, ASKED)
    assert "erasure journal" in caplog.text and "IsADirectoryError" in caplog.text
    assert str(ASKED) not in caplog.text
    assert await services.erasures.reapply() == 0  # nor the start of the bot
    assert services.erasures.prune() == 0
    assert "not read: IsADirectoryError" in caplog.text
