"""The retention purge as the daily job runs it, built once with its policies (bot/app.py)."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from bot.core.followup import FollowupPolicy
from bot.core.retention import RetentionPolicy
from bot.db.database import Database
from bot.db.unit_of_work import UnitOfWork
from bot.kernel.clock import Clock
from bot.retention.purge import purge


class Retention:
    def __init__(
        self,
        *,
        db: Database,
        clock: Clock,
        timezone: ZoneInfo,
        retention: RetentionPolicy,
        followup: FollowupPolicy,
        work: UnitOfWork | None = None,
    ) -> None:
        self.db = db
        self.clock = clock
        self.timezone = timezone
        self.retention = retention
        self.followup = followup
        self.work = work  # its Erasing handlers: forum topics, the erasure journal

    async def run(self) -> int:
        """Erase everyone whose time is up, now; how many people were erased."""
        plan = await purge(
            self.db,
            self.clock.now(),
            self.timezone,
            self.retention,
            self.followup,
            work=self.work,
        )
        return plan.total
