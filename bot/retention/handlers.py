"""The daily retention purge job (bot/retention/purge.py), registered on the Application."""

from __future__ import annotations

import datetime as dt

from telegram.ext import Application, ContextTypes

from bot.services import Services

Context = ContextTypes.DEFAULT_TYPE


def register(application: Application, services: Services) -> None:  # type: ignore[type-arg]
    """The daily retention purge at FABNUM_PURGE_HOUR local time (never skipped when late)."""

    async def daily(context: Context) -> None:
        await services.retention.run()

    if application.job_queue is None:
        return
    application.job_queue.run_daily(
        daily,
        time=dt.time(services.settings.purge_hour, 0, tzinfo=services.settings.timezone),
        name="retention_purge",
        job_kwargs={"misfire_grace_time": None, "coalesce": True},
    )
