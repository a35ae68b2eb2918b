"""The daily backup job (bot/ops/backup.py), registered on the Application by bot/app.py."""

from __future__ import annotations

import logging
from typing import Any

from telegram.ext import Application, ContextTypes

from bot.services import Services

log = logging.getLogger("bot.app")


def schedule_backup(
    application: Application[Any, Any, Any, Any, Any, Any], services: Services
) -> None:
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

    assert application.job_queue is not None, "python-telegram-bot[job-queue] is required"
    settings = services.settings
    application.job_queue.run_daily(
        daily_backup,
        time=settings.backup_time.replace(tzinfo=settings.timezone),
        name="daily_backup",
        job_kwargs={"misfire_grace_time": None, "coalesce": True},
    )
