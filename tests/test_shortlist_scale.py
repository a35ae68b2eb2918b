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


async def test_the_digest_reads_every_shortlist_as_each_one_alone(tmp_path: Path) -> None:
    """Shortlist.summaries (the digest: every open cohort in three statements) gives what
    Shortlist.view gives for each cohort alone, with two cohorts a site and the waitlisted of
    one of them left out of the other's shortlist."""
    from bot.app import build_services
    from bot.config import Settings
    from bot.kernel.clock import FakeClock

    path = tmp_path / "digest.db"
    db = Database(path)
    await db.connect(migrate=False)
    await db.migrate(migrations_before())
    await db.close()
    populate(path, 2500, ("gonesse", "marcq"), now=NOW)
    services = build_services(
        Settings(token="123456:TEST-TOKEN-fabnum-fake-api-0000000", database=path),
        FakeClock(NOW),
    )
    await services.db.connect()
    try:
        shortlist = services.staff.shortlist
        cohorts = await services.pipeline.cohorts(None)
        assert len(cohorts) >= 4
        together = await shortlist.summaries(cohorts)
        waitlisted_elsewhere = 0
        for cohort, sv in zip(cohorts, together, strict=True):
            alone = await shortlist.view(cohort)
            assert sv.whole.count == alone.whole.count and sv.whole.qpv == alone.whole.qpv
            assert sorted(sv.whole.genders, key=str) == sorted(alone.whole.genders, key=str)
            assert sorted(sv.whole.sources, key=str) == sorted(alone.whole.sources, key=str)
            assert sv.top_n == alone.top_n
            assert [r.candidate_id for r in sv.ranked] == [
                r.candidate_id for r in alone.ranked[: alone.top_n]
            ]
            assert [v.id for v in sv.admitted] == [v.id for v in alone.admitted]
            assert shortlist.summary(sv) == shortlist.summary(alone)
            row = await services.db.fetchone(
                "SELECT COUNT(*) FROM candidates c JOIN placements p ON p.candidate_id = c.id"
                " WHERE c.stage = 'waitlisted' AND c.site = ? AND p.cohort_id != ?",
                (cohort.site, cohort.id),
            )
            waitlisted_elsewhere += int(row[0]) if row else 0
        assert waitlisted_elsewhere > 0  # some shortlists leave another cohort's waitlisted out
        assert any(sv.top_n >= 5 for sv in together)  # a "what if" is compared too
    finally:
        await services.db.close()
