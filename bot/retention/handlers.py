"""The daily retention purge job (bot/retention/purge.py), registered on the Application."""

from __future__ import annotations

import datetime as dt

from telegram.ext import Application, ContextTypes

from bot.retention.purge import purge, retention_policy
from bot.services import Services

Context = ContextTypes.DEFAULT_TYPE


def register(application: Application, services: Services) -> None:  # type: ignore[type-arg]
    """The daily retention purge at FABNUM_PURGE_HOUR local time (never skipped when late)."""

    async def daily(context: Context) -> None:
        await run_purge(services)

    if application.job_queue is None:
        return
    application.job_queue.run_daily(
        daily,
        time=dt.time(services.settings.purge_hour, 0, tzinfo=services.settings.timezone),
        name="retention_purge",
        job_kwargs={"misfire_grace_time": None, "coalesce": True},
    )


async def run_purge(services: Services) -> int:
    outcomes = services.alumni.outcomes
    plan = await purge(
        services.db,
        services.clock.now(),
        services.settings.timezone,
        retention_policy(services.programme.retention_months, outcomes.alumni_delay_months),
        outcomes.followup,
    )
    return plan.total
