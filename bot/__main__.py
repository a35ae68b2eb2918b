"""Command line: `python -m bot run | status | demo | migrate | purge | sessions load FILE |
backup [DIR] | restore FILE` (also installed as `fabnum-bot`)."""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import logging
import sys
from pathlib import Path

from bot import logsafety
from bot.config import ConfigError, Settings, env_file_path, load_settings
from bot.core.outcomes import OutcomesError
from bot.core.sites import RulesError
from bot.ops.backup import BackupError, Backups
from bot.ops.lock import AlreadyRunning
from bot.sessions.loading import SessionsFileError


def setup_logging(level: str, settings: Settings | None = None) -> None:
    """The bot's loggers at `level`, the libraries' at WARNING (FABNUM_LIBRARY_LOG_LEVEL to
    change), the token redacted from every record (bot/logsafety.py)."""
    logsafety.setup_logging(
        level,
        library_level=settings.library_log_level if settings is not None else None,
        secrets=[s for s in (settings.token, settings.ops.webhook_secret) if s]
        if settings is not None
        else [],
    )


def run(settings: Settings) -> None:
    """Long polling or webhook (FABNUM_WEBHOOK_URL), one bot per database (bot/ops/lock.py),
    until SIGTERM or SIGINT (bot/telegram/serving.py)."""
    from bot.app import build_application
    from bot.ops.lock import InstanceLock
    from bot.telegram.serving import run_until_signalled

    with InstanceLock(settings.database):  # held until the process ends, however it ends
        application = build_application(settings)
        services = application.bot_data["services"]
        logging.getLogger("bot").info("FabNum Bot starting (database %s)", settings.database)
        asyncio.run(
            run_until_signalled(
                application, settings.ops, services.ops.health, services.ops.heartbeat
            )
        )


def status(settings: Settings) -> int:
    """`python -m bot status`: the health report for a person; 0 when the bot runs and is well."""
    from bot.kernel.clock import SystemClock
    from bot.kernel.rendering import Renderer
    from bot.ops.service import status_text

    text, well = asyncio.run(
        status_text(settings, SystemClock(), Renderer(default_language=settings.language))
    )
    print(text)
    return 0 if well else 1


def backups(settings: Settings, folder: Path | None = None) -> Backups:
    from bot.kernel.clock import SystemClock

    return Backups(
        database=settings.database,
        folder=folder or settings.backup_folder,
        keep=settings.backup_keep,
        clock=SystemClock(),
    )


def backup(settings: Settings, folder: Path | None) -> str:
    """A checked copy now, while the bot may be running (issue 14)."""
    taken = backups(settings, folder).take()
    removed = f", {len(taken.removed)} older removed" if taken.removed else ""
    return (
        f"{taken.path} ({taken.size / 1e6:.1f} MB, {taken.seconds:.1f} s, integrity ok, "
        f"schema version {taken.version}{removed})"
    )


def restore(settings: Settings, file: Path) -> str:
    """Put a backup in place of the database; refused while a bot runs on it (issue 14)."""
    from bot.db.database import load_migrations
    from bot.kernel.clock import SystemClock
    from bot.ops.backup import restore as restore_backup
    from bot.ops.backup import taken_at
    from bot.ops.erasure_journal import MARGIN

    code_version = max(m.version for m in load_migrations())
    done = restore_backup(file, settings.database, SystemClock().now(), code_version)
    kept = f"; the previous database is kept as {done.aside}" if done.aside else ""
    people = done.counts.get("candidates", 0)
    erased = asyncio.run(reapply_erasures(settings))
    taken = taken_at(file, settings.database)
    kept_days = settings.backup_keep + MARGIN.days
    too_old = taken is not None and SystemClock().now() - taken > dt.timedelta(days=kept_days)
    warning = (
        f" Warning: this backup is older than the erasure journal keeps ({kept_days} days):"
        " people erased before that may be back; check with the person in charge of data."
        if too_old
        else ""
    )
    return (
        f"{settings.database}: restored from {file} (integrity ok, schema version "
        f"{done.version}, {people} candidates){kept}. {erased} erasure(s) made after this "
        f"backup re-applied (the erasure journal).{warning} Start the bot."
    )


async def reapply_erasures(settings: Settings) -> int:
    """After a restore: the schema brought up to date (no backup before it: the file restored
    is one), then the people erased since that backup erased again (bot/ops/erasures.py)."""
    from bot.app import build_services
    from bot.db.database import Database

    bare = Database(settings.database)
    await bare.connect()  # migrations, if the backup is older than the code
    await bare.close()
    services = build_services(settings)
    await services.db.connect()
    try:
        return await services.erasures.reapply()
    finally:
        await services.db.close()


async def migrate(settings: Settings) -> None:
    from bot.db.database import Database

    # a database that has data is backed up before any migration (FABNUM_BACKUP_DIR)
    db = Database(settings.database, before_migrate=backups(settings).before_migration)
    await db.connect(migrate=False)
    try:
        before = await db.user_version()
        applied = await db.migrate()
        after = await db.user_version()
    finally:
        await db.close()
    print(f"{settings.database}: schema version {before} -> {after} ({len(applied)} applied)")


async def purge(settings: Settings, *, dry_run: bool) -> None:
    """The retention purge (issue 5), as the daily job runs it; --dry-run only counts."""
    from bot.app import build_services
    from bot.retention.purge import describe, purge

    services = build_services(settings)  # its unit of work: topics deleted, the journal
    r = services.retention
    await services.db.connect()
    try:
        plan = await purge(
            r.db, r.clock.now(), r.timezone, r.retention, r.followup, dry_run=dry_run, work=r.work
        )
    finally:
        await services.db.close()
    print(f"{settings.database}: {describe(plan, dry_run=dry_run)}")


async def load_sessions(settings: Settings, path: Path) -> str:
    """Migrate the database if needed and load a sessions file, as FABNUM_SESSIONS_FILE does at
    start-up. Waiting candidates are told through the outbox by the running bot."""
    from bot.app import build_services

    services = build_services(settings)
    await services.db.connect()
    try:
        added, known = await services.sessions.file.load_file(path)
    finally:
        await services.db.close()
    return f"{path}: {added} created, {known} already there"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="fabnum-bot", description="FabNum recruitment bot")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("run", help="run the bot with the token from .env (long polling or webhook)")
    sub.add_parser("status", help="is the bot running and well? (database, outbox, Telegram)")
    demo = sub.add_parser("demo", help="chat with the bot in this terminal, no Telegram needed")
    demo.add_argument("--fresh", action="store_true", help="start from an empty demo database")
    demo.add_argument(
        "--staff", action="store_true", help="be a staff admin (/staff, /pipeline), not a candidate"
    )
    sub.add_parser("migrate", help="create or update the database schema")
    purge_cmd = sub.add_parser("purge", help="erase the people whose retention period is over")
    purge_cmd.add_argument("--dry-run", action="store_true", help="only show what would go")
    sessions_cmd = sub.add_parser("sessions", help="information sessions")
    sessions_sub = sessions_cmd.add_subparsers(dest="sessions_command", required=True)
    load_cmd = sessions_sub.add_parser(
        "load", help="add the sessions of a TOML file (loading twice adds nothing)"
    )
    load_cmd.add_argument("file", type=Path, help="e.g. conversations/sessions.example.toml")
    backup_cmd = sub.add_parser(
        "backup", help="a checked copy of the database now (also while the bot runs)"
    )
    backup_cmd.add_argument(
        "dir", type=Path, nargs="?", help="folder (default FABNUM_BACKUP_DIR, data/backups)"
    )
    restore_cmd = sub.add_parser(
        "restore", help="put a backup in place of the database (the bot must be stopped)"
    )
    restore_cmd.add_argument("file", type=Path, help="e.g. data/backups/fabnum-...Z.sqlite")
    args = parser.parse_args(argv)
    logsafety.restrict_new_files()  # the database, its folder, WAL files: this user only
    try:
        settings = load_settings()
        setup_logging(settings.log_level if args.command != "demo" else "WARNING", settings)
        logsafety.warn_if_open(env_file_path(), "the .env file")
        if args.command == "run":
            settings.require_token()
            run(settings)
        elif args.command == "status":
            return status(settings)
        elif args.command == "demo":
            from bot.demo import run_demo

            asyncio.run(run_demo(settings, fresh=args.fresh, staff=args.staff))
        elif args.command == "migrate":
            asyncio.run(migrate(settings))
        elif args.command == "purge":
            asyncio.run(purge(settings, dry_run=args.dry_run))
        elif args.command == "sessions":
            print(asyncio.run(load_sessions(settings, args.file)))
        elif args.command == "backup":
            print(backup(settings, args.dir))
        elif args.command == "restore":
            print(restore(settings, args.file))
    except (SessionsFileError, BackupError) as exc:
        print(f"fabnum-bot: {exc}", file=sys.stderr)
        return 1
    except (ConfigError, RulesError, OutcomesError, AlreadyRunning) as exc:
        print(f"fabnum-bot: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
