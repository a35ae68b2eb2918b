"""The retention purge erases the right people, everything about them, and keeps the figures."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.alumni.store import AlumniStore
from bot.core.followup import FollowupPolicy
from bot.core.retention import RetentionPolicy
from bot.db.database import Database
from bot.retention.purge import purge
from bot.services import Services

PARIS = ZoneInfo("Europe/Paris")
FOLLOWUP = FollowupPolicy()
RETENTION = RetentionPolicy()
T0 = dt.datetime(2024, 1, 10, 9, 0, tzinfo=dt.UTC)


async def make_candidate(
    services: Services,
    telegram_id: int,
    at: dt.datetime,
    *,
    site: str = "gonesse",
    gender: str = "femme",
    result: str = "eligible",
) -> int:
    store = services.candidates
    candidate = await store.create(
        telegram_id=telegram_id,
        chat_id=telegram_id,
        language="fr",
        source="ml",
        consent_version="v1",
        now=at,
    )
    await store.save_answer(candidate.id, "site", site, at)
    await store.save_answer(candidate.id, "first_name", f"Zoé{telegram_id}", at)
    await store.save_answer(candidate.id, "gender", gender, at)
    await store.submit(candidate.id, result=result, reasons=[], now=at)
    return candidate.id


async def make_alumnus(
    services: Services, telegram_id: int, exit_day: dt.date, situation: str | None
) -> int:
    at = dt.datetime.combine(exit_day, dt.time(9), tzinfo=dt.UTC) - dt.timedelta(days=200)
    candidate_id = await make_candidate(services, telegram_id, at)
    alumni = AlumniStore(services.db, FOLLOWUP, PARIS)
    async with services.db.transaction() as conn:
        assert await alumni.mark_exit(
            conn,
            candidate_id=candidate_id,
            site="gonesse",
            cohort="P1",
            exit_date=exit_day,
            now=at,
        )
    if situation:
        for milestone in FOLLOWUP.milestones_months:
            await alumni.save_answer(candidate_id, milestone, "situation", situation, at)
            await alumni.save_answer(candidate_id, milestone, "helped", "a_lot", at)
    return candidate_id


async def tables(db: Database) -> list[str]:
    rows = await db.fetchall(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
    )
    return [r["name"] for r in rows]


async def traces(db: Database, telegram_id: int, name: str, candidate_id: int) -> list[str]:
    """Every table cell that still holds something of the person."""
    found = []
    for table in await tables(db):
        fks = await db.fetchall(f"PRAGMA foreign_key_list({table})")
        person_columns = {fk["from"] for fk in fks if fk["table"] == "candidates"}
        for row in await db.fetchall(f"SELECT * FROM {table}"):
            for column in row.keys():  # noqa: SIM118 (aiosqlite.Row)
                value = row[column]
                if value == telegram_id or (isinstance(value, str) and name in value):
                    found.append(f"{table}.{column}")
                if column in person_columns and value == candidate_id:
                    found.append(f"{table}.{column}")
                if table == "candidates" and column == "id" and value == candidate_id:
                    found.append("candidates.id")
    return found


async def test_every_reference_to_a_candidate_cascades(services: Services) -> None:
    for table in await tables(services.db):
        for fk in await services.db.fetchall(f"PRAGMA foreign_key_list({table})"):
            if fk["table"] in ("candidates", "alumni"):
                assert fk["on_delete"] == "CASCADE", (table, fk["from"])


async def test_purge_erases_the_right_people_and_keeps_the_figures(services: Services) -> None:
    db = services.db
    now = dt.datetime(2027, 6, 1, 2, 0, tzinfo=dt.UTC)
    old = await make_candidate(services, 9001, T0, gender="femme")  # 2024-01: erased
    recent = await make_candidate(services, 9002, now - dt.timedelta(days=300))
    # last contact exactly 24 months ago to the second: not yet
    edge = await make_candidate(services, 9003, now - dt.timedelta(days=730))
    # admitted by staff (stage event) but never marked as exited, no cohort, last seen 2024-01:
    # erased as if they had left then (follow-up over 2025-01, plus 6 months)
    admitted = await make_candidate(services, 9004, T0)
    await services.candidates.add_event(admitted, "stage", T0, {"to": "admitted", "by": 1})
    # the same, placed in a cohort that ends in 2026-12: kept until 2028
    training = await make_candidate(services, 9008, T0)
    await services.candidates.add_event(training, "stage", T0, {"to": "in_training", "by": 1})
    await db.execute(
        "INSERT INTO cohorts (id, site, name, start_date, end_date, capacity, created_at)"
        " VALUES (1, 'gonesse', 'P2', '2026-03-01', '2026-12-15', 12, ?)",
        (T0.isoformat(),),
    )
    await db.execute(
        "INSERT INTO placements (candidate_id, cohort_id, at) VALUES (?, 1, ?)",
        (training, T0.isoformat()),
    )
    done = await make_alumnus(services, 9005, dt.date(2025, 6, 30), "cdi")  # erased
    silent = await make_alumnus(services, 9006, dt.date(2025, 6, 30), None)  # erased
    following = await make_alumnus(services, 9007, dt.date(2026, 6, 30), "training")  # kept
    # Other features' tables that reference candidates (if present): they must cascade.
    if "outbox" in await tables(db):
        await db.execute(
            "INSERT INTO outbox (key, kind, chat_id, candidate_id, due_at, created_at)"
            " VALUES ('k1', 'test', 9001, ?, ?, ?)",
            (old, T0.isoformat(), T0.isoformat()),
        )
    if "reengagement" in await tables(db):
        await db.execute(
            "INSERT INTO reengagement (candidate_id, site, opted_in_at) VALUES (?, 'gonesse', ?)",
            (old, T0.isoformat()),
        )

    before_counts = await report_numbers(services, now)
    plan = await purge(db, now, PARIS, RETENTION, FOLLOWUP, dry_run=True)
    assert set(plan.candidates) == {old} and set(plan.alumni) == {done, silent}
    assert set(plan.unexited) == {admitted}
    assert await db.fetchone("SELECT 1 FROM candidates WHERE id = ?", (old,)) is not None
    assert await db.fetchall("SELECT * FROM erasures") == []

    plan = await purge(db, now, PARIS, RETENTION, FOLLOWUP)
    assert plan.total == 4
    kept = {r["id"] for r in await db.fetchall("SELECT id FROM candidates")}
    assert kept == {recent, edge, training, following}
    for telegram_id, candidate_id in ((9001, old), (9005, done), (9006, silent), (9004, admitted)):
        assert await traces(db, telegram_id, f"Zoé{telegram_id}", candidate_id) == []
    assert len(await AlumniStore(db, FOLLOWUP, PARIS).followups(following)) == 4
    erasures = {
        (r["reason"], r["kind"]): r["count"] for r in await db.fetchall("SELECT * FROM erasures")
    }
    assert erasures == {
        ("retention", "candidate"): 1,
        ("retention", "alumnus"): 2,
        ("retention", "admitted_not_exited"): 1,
    }
    # the figures are the same, now from anonymous aggregates
    assert await report_numbers(services, now) == before_counts
    # running again erases nothing more
    assert (await purge(db, now, PARIS, RETENTION, FOLLOWUP)).total == 0


async def report_numbers(services: Services, now: dt.datetime) -> str:
    from bot.core.outcomes import load_outcomes
    from bot.reports.data import funders_report

    outcomes = load_outcomes(Path("conversations/outcomes.toml"))
    alumni = AlumniStore(services.db, FOLLOWUP, PARIS)
    report = await funders_report(
        services.db,
        alumni,
        outcomes,
        now=now,
        tz=PARIS,
        programme="FabNum",
        site_names={"gonesse": "Gonesse"},
    )
    rows = [
        (r.year, r.site, {s: (c.total, c.women) for s, c in r.stages.items()}, r.outcome)
        for r in report.rows
    ]
    counts = await alumni.outcome_counts(now)
    return json.dumps([repr(rows), repr(counts)])


def test_purge_command_dry_run(tmp_path: Path) -> None:
    db_path = tmp_path / "cli.db"
    env = {"FABNUM_DATABASE": str(db_path), "PATH": "/usr/bin:/bin", "FABNUM_ENV_FILE": "/none"}
    result = subprocess.run(
        [sys.executable, "-m", "bot", "purge", "--dry-run"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "would erase 0 candidates never admitted and 0 alumni" in result.stdout
