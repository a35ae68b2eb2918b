"""The reports' own SQL: the anonymous funnel counts of people the retention purge erased."""

from __future__ import annotations

from bot.db.database import Database


async def funnel_aggregates(db: Database) -> list[tuple[int, str, str, str, int]]:
    """(year, site, stage, gender, count) rows, as bot/retention/store.py folds them."""
    rows = await db.read_all("SELECT year, site, stage, gender, count FROM funnel_aggregates")
    return [
        (int(r["year"]), str(r["site"]), str(r["stage"]), str(r["gender"]), int(r["count"]))
        for r in rows
    ]
