"""The jobs every running bot has (the outbox sender, the daily backup) and the error handler."""

from __future__ import annotations

import logging
from typing import Any

from telegram import Update
from telegram.ext import Application, ContextTypes

from bot.services import Services
from bot.telegram.serving import alert_error

log = logging.getLogger(__name__)

App = Application[Any, Any, Any, Any, Any, Any]


def schedule_outbox(application: App, services: Services) -> None:
    """One repeating job sends what the outbox has due; `first=0` is the run at start-up that
    picks up everything that fell due while the bot was down. misfire_grace_time=None: a late
    run is never skipped (APScheduler's default would skip a run more than 1 s late)."""

    async def dispatch(context: ContextTypes.DEFAULT_TYPE) -> None:
        await services.outbox.run_once(context.bot, lambda: context.application.running)

    assert application.job_queue is not None, "python-telegram-bot[job-queue] is required"
    application.job_queue.run_repeating(
        dispatch,
        interval=services.settings.outbox_interval,
        first=0,
        name="outbox",
        job_kwargs={"misfire_grace_time": None, "coalesce": True, "max_instances": 2},
    )


def schedule_backup(application: App, services: Services) -> None:
    """The daily backup at FABNUM_BACKUP_HOUR local time, copied in a thread (the loop goes on
    answering); a late run is never skipped. A failure is logged and raises a `backup_failed`
    alert (bot/ops/alerts.py), not a generic job error. After it, the erasure journal's lines
    that no backup left can need are pruned (bot/ops/erasures.py)."""

    async def daily_backup(context: ContextTypes.DEFAULT_TYPE) -> None:
        try:
            await services.backups.run()
            services.erasures.prune()  # journal lines older than every backup left
        except Exception as exc:  # any failure: the people who look after the bot are told
            log.error("daily backup failed: %s", type(exc).__name__)
            await services.ops.alerts.raise_alert("backup_failed", {"error": type(exc).__name__})

    settings = services.settings
    if settings.backup_time is None:  # FABNUM_BACKUP_HOUR=off
        return
    assert application.job_queue is not None, "python-telegram-bot[job-queue] is required"
    application.job_queue.run_daily(
        daily_backup,
        time=settings.backup_time.replace(tzinfo=settings.timezone),
        name="daily_backup",
        job_kwargs={"misfire_grace_time": None, "coalesce": True},
    )


async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    # No personal data in logs: the update id and the error type only.
    update_id = update.update_id if isinstance(update, Update) else None
    log.error(
        "error while handling update %s: %s",
        update_id,
        type(context.error).__name__,
        exc_info=context.error,
    )
    services: Services | None = context.application.bot_data.get("services")
    if services is not None:
        await alert_error(services.ops.alerts, update, context.error, context.job)
