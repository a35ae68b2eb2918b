"""A database of many candidates, as an older version of the bot left it: for the migration test
on 50,000 candidates (tests/test_pipeline_stage_migration.py) and the staff benchmark
(bench/staff_scale.py).

`populate()` writes straight into a database migrated to the level before 0011 (the stage not
kept in SQL yet), with executemany: each candidate has 8 answers and one event, and that event
(with the candidates row) decides their stage, in a realistic mix (`MIX`). Cohort stages get a
placement in their site's cohort. No Telegram, no services: seconds for 50,000 people.
"""

from __future__ import annotations

import datetime as dt
import json
import random
import sqlite3
from collections.abc import Iterator, Sequence
from pathlib import Path

from bot.core.pipeline import COHORT_STAGES, Stage
from bot.db.database import Migration, load_migrations

STAGE_COLUMNS_VERSION = 11  # the migration that adds the stage kept in SQL

# Share of each stage among the candidates of a database kept 24 months (most are old).
MIX: dict[Stage, int] = {
    Stage.SCREENING: 15,
    Stage.TO_REVIEW: 3,
    Stage.ELIGIBLE: 20,
    Stage.ORIENTED: 8,
    Stage.SESSION_BOOKED: 2,
    Stage.ATTENDED: 3,
    Stage.ABSENT: 3,
    Stage.INTERVIEW: 2,
    Stage.ADMITTED: 2,
    Stage.WAITLISTED: 2,
    Stage.NOT_SELECTED: 20,
    Stage.IN_TRAINING: 5,
    Stage.EXITED: 15,
}
FIRST_NAMES = (
    "Léa", "Inès", "Yanis", "Mohamed", "Chloé", "Lucas", "Aïcha", "Théo", "Manon", "Noah",
    "Sarah", "Adam", "Jade", "Rayan", "Emma", "Hugo", "Zoé", "Nathan", "Camille", "Ibrahim",
)  # fmt: skip
GENDERS = ("femme", "homme", "autre", None)
SOURCES = ("mission-locale", "france-travail", "flyer", None)


def migrations_before(version: int = STAGE_COLUMNS_VERSION) -> list[Migration]:
    return [m for m in load_migrations() if m.version < version]


def sites_of(count: int) -> tuple[str, ...]:
    return tuple(f"site{i:02d}" for i in range(1, count + 1))


def _stages(n: int, rng: random.Random) -> list[Stage]:
    stages = list(MIX)
    return rng.choices(stages, weights=[MIX[s] for s in stages], k=n)


def _facts(stage: Stage) -> tuple[str, str | None, str | None, str, dict[str, object] | None]:
    """(status, result, review_status, event kind, event detail) that derive `stage`."""
    if stage is Stage.SCREENING:
        return "screening", None, None, "answered", {"step": "postcode"}
    if stage is Stage.TO_REVIEW:
        return "submitted", "review", "pending", "submitted", {"result": "review"}
    if stage is Stage.ELIGIBLE:
        return "submitted", "eligible", None, "submitted", {"result": "eligible"}
    if stage is Stage.ORIENTED:
        return "submitted", "review", "confirmed", "review", {"decision": "confirmed", "by": 1}
    return "submitted", "eligible", None, "stage", {"to": stage.value, "by": 1}


def populate(
    path: Path | str,
    n: int,
    sites: Sequence[str],
    *,
    now: dt.datetime,
    seed: int = 15,
    months: int = 24,
) -> dict[Stage, int]:
    """Add `n` candidates over `sites` (and one open cohort per site) to a database at the level
    before migration 0011; returns how many were made in each stage."""
    rng = random.Random(seed)
    stages = _stages(n, rng)
    conn = sqlite3.connect(path)
    try:
        conn.execute("PRAGMA foreign_keys = ON")
        start = (now + dt.timedelta(days=60)).date()
        cohorts = {}
        for site in sites:
            cursor = conn.execute(
                "INSERT INTO cohorts (site, name, start_date, end_date, capacity, created_at,"
                " created_by) VALUES (?, ?, ?, ?, 12, ?, 1)",
                (
                    site,
                    f"Promo {site}",
                    start.isoformat(),
                    (start + dt.timedelta(days=150)).isoformat(),
                    now.isoformat(timespec="seconds"),
                ),
            )
            cohorts[site] = int(cursor.lastrowid or 0)
        first = int(conn.execute("SELECT COALESCE(MAX(id), 0) FROM candidates").fetchone()[0]) + 1
        conn.executemany(
            "INSERT INTO candidates (id, telegram_id, chat_id, language, source, consent_version,"
            " consented_at, status, result, result_reasons, review_status, human_requested_at,"
            " created_at, updated_at, last_contact_at, submitted_at)"
            " VALUES (?, ?, ?, 'fr', ?, 'v1', ?, ?, ?, '[]', ?, ?, ?, ?, ?, ?)",
            _candidates(first, stages, rng, now, months),
        )
        conn.executemany(
            "INSERT INTO answers (candidate_id, step, value, complete, answered_at)"
            " VALUES (?, ?, ?, 1, ?)",
            _answers(first, n, sites, rng, now),
        )
        conn.executemany(
            "INSERT INTO candidate_events (candidate_id, at, kind, detail) VALUES (?, ?, ?, ?)",
            (
                (first + i, now.isoformat(timespec="seconds"), kind, json.dumps(detail))
                for i, stage in enumerate(stages)
                for _, _, _, kind, detail in [_facts(stage)]
            ),
        )
        conn.executemany(
            "INSERT INTO placements (candidate_id, cohort_id, at) VALUES (?, ?, ?)",
            (
                (first + i, cohorts[sites[i % len(sites)]], now.isoformat(timespec="seconds"))
                for i, stage in enumerate(stages)
                if stage in COHORT_STAGES
            ),
        )
        exited = [first + i for i, stage in enumerate(stages) if stage is Stage.EXITED]
        conn.executemany(
            "INSERT INTO alumni (candidate_id, site, cohort_id, cohort, exit_date, completed,"
            " marked_by, marked_at) VALUES (?, ?, ?, ?, ?, ?, 1, ?)",
            (
                (cid, site, cohorts[site], f"Promo {site}", exit.isoformat(), int(cid % 5 != 0), at)
                for cid in exited
                for site in [sites[(cid - first) % len(sites)]]
                for exit in [(now - dt.timedelta(days=cid % 700)).date()]
                for at in [now.isoformat(timespec="seconds")]
            ),
        )
        conn.executemany(
            "INSERT INTO followups (candidate_id, milestone, due_at, sent_at, answered_at,"
            " answered_via, situation) VALUES (?, ?, ?, ?, ?, ?, ?)",
            _followups(exited, rng, now),
        )
        conn.commit()
    finally:
        conn.close()
    made = dict.fromkeys(Stage, 0)
    for stage in stages:
        made[stage] += 1
    return made


def _candidates(
    first: int, stages: Sequence[Stage], rng: random.Random, now: dt.datetime, months: int
) -> Iterator[tuple[object, ...]]:
    for i, stage in enumerate(stages):
        status, result, review, _, _ = _facts(stage)
        created = now - dt.timedelta(minutes=rng.randrange(months * 30 * 24 * 60))
        at = created.isoformat(timespec="seconds")
        human = at if rng.random() < 0.01 else None
        yield (
            first + i,
            10_000_000 + first + i,
            10_000_000 + first + i,
            SOURCES[i % len(SOURCES)],
            at,
            status,
            result,
            review,
            human,
            at,
            at,
            at,
            at if status == "submitted" else None,
        )


def _followups(
    exited: Sequence[int], rng: random.Random, now: dt.datetime
) -> Iterator[tuple[object, ...]]:
    situations = ("cdi", "cdd_long", "apprenticeship", "training", "job_seeking", "other")
    for cid in exited:
        exit = now - dt.timedelta(days=cid % 700)
        for milestone in (0, 3, 6, 12):
            due = exit + dt.timedelta(days=30 * milestone)
            at = due.isoformat(timespec="seconds")
            if due > now:
                yield cid, milestone, at, None, None, None, None
            elif rng.random() < 0.7:
                yield cid, milestone, at, at, at, "bot", rng.choice(situations)
            else:
                yield cid, milestone, at, at, None, None, None


def _answers(
    first: int, n: int, sites: Sequence[str], rng: random.Random, now: dt.datetime
) -> Iterator[tuple[object, ...]]:
    at = now.isoformat(timespec="seconds")
    for i in range(n):
        cid = first + i
        answers = {
            "site": sites[i % len(sites)],
            "first_name": f"{FIRST_NAMES[i % len(FIRST_NAMES)]}{'' if i % 7 else ' Marie'}",
            "birth": f"{2000 + i % 9}-0{1 + i % 9}",
            "situation": "none",
            "qualification": rng.choice(("none", "brevet", "cap_bep")),
            "postcode": f"{95000 + i % 900}",
            "availability": rng.choice(("yes", "yes", "discuss")),
            "gender": GENDERS[i % len(GENDERS)],
        }
        for step, value in answers.items():
            if value is not None:
                yield cid, step, json.dumps(value, ensure_ascii=False), at
        if answers["gender"] is None:
            yield cid, "followed_by", json.dumps("mission_locale"), at  # still 8 answers
