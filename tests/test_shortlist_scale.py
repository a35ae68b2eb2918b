"""The shortlist's SQL order (bot/pipeline/read_store.py ranking_order, which lets SQL pick the
first lines of a shortlist of thousands) is the order of the pure rules (bot/core/ranking.py
rank, the reference), for several sets of rules, on a database with many ties."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from bot.config import DEFAULT_QPV_FILE
from bot.core.diversity import load_qpv
from bot.core.pipeline import Stage
from bot.core.ranking import FACTS, Rule, ShortlistRules, rank
from bot.db.database import Database
from bot.db.unit_of_work import UnitOfWork
from bot.pipeline.store import PipelineStore
from bot.pipeline.views import ranking_facts
from tests.staffscale import migrations_before, populate, sites_of

NOW = dt.datetime(2026, 11, 25, 9, 0, tzinfo=dt.UTC)
READY = (
    Stage.ELIGIBLE,
    Stage.SESSION_BOOKED,
    Stage.ATTENDED,
    Stage.ABSENT,
    Stage.INTERVIEW,
    Stage.WAITLISTED,
)
RULE_SETS = [
    [Rule(f, "earliest" if FACTS[f] == "date" else "yes") for f in FACTS],
    [Rule("applied_at", "latest"), Rule("qpv", "yes"), Rule("followed", "yes")],
    [Rule("available", "yes"), Rule("interviewed", "yes"), Rule("attended_session", "yes")],
    [Rule("qpv", "yes")],
]


@pytest.mark.parametrize("rules", RULE_SETS, ids=lambda r: "-".join(x.fact for x in r))
async def test_sql_order_is_the_order_of_the_rules(tmp_path: Path, rules: list[Rule]) -> None:
    path = tmp_path / "many.db"
    db = Database(path)
    await db.connect(migrate=False)
    await db.migrate(migrations_before())
    await db.close()
    populate(path, 3000, sites_of(2), now=NOW)
    db = Database(path)
    await db.connect()
    try:
        store = PipelineStore(db, UnitOfWork(db))
        qpv = load_qpv(DEFAULT_QPV_FILE)
        cohort = (await store.cohorts({"site01"}))[0]
        pairs = [(r.fact, r.prefer) for r in rules]
        everyone = await store.ranked_ready("site01", READY, cohort.id, pairs, qpv.postcodes, None)
        assert len(everyone) > 400
        assert any(qpv.contains(v.answers.get("postcode")) for v in everyone)
        expected = rank(
            {v.id: ranking_facts(v, qpv) for v in everyone}, ShortlistRules(READY, tuple(rules))
        )
        assert [v.id for v in everyone] == [r.candidate_id for r in expected]
        first = await store.ranked_ready("site01", READY, cohort.id, pairs, qpv.postcodes, 30)
        assert [v.id for v in first] == [r.candidate_id for r in expected[:30]]
        counted = await store.ready_counts("site01", READY, cohort.id, qpv.postcodes)
        assert counted.count == len(everyone)
        assert counted.qpv == sum(qpv.contains(v.answers.get("postcode")) for v in everyone)
    finally:
        await db.close()
