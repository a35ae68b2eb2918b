"""Command line: `python -m bot run | status | demo | migrate | purge | sessions load FILE` (also
installed as `fabnum-bot`)."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from pathlib import Path

from bot import logsafety
from bot.config import ConfigError, Settings, env_file_path, load_settings
from bot.core.outcomes import OutcomesError
from bot.core.sites import RulesError
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


async def migrate(settings: Settings) -> None:
    from bot.db.database import Database

    db = Database(settings.database)
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
    from bot.core.outcomes import load_outcomes
    from bot.core.sites import load_programme
    from bot.db.database import Database
    from bot.kernel.clock import SystemClock
    from bot.retention.purge import describe, purge, retention_policy

    programme = load_programme(settings.rules_file)
    outcomes = load_outcomes(settings.outcomes_file)
    policy = retention_policy(programme.retention_months, outcomes.alumni_delay_months)
    db = Database(settings.database)
    await db.connect()
    try:
        plan = await purge(
            db,
            SystemClock().now(),
            settings.timezone,
            policy,
            outcomes.followup,
            dry_run=dry_run,
        )
    finally:
        await db.close()
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
    except SessionsFileError as exc:
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
