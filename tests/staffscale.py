"""A database of many candidates, as an older version of the bot left it: for the migration test
on 50,000 candidates (tests/test_pipeline_stage_migration.py) and the staff benchmark
(bench/staff_scale.py).

`populate()` writes straight into a database migrated to the level before 0013 (the stage not
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

# The migration that adds the stage kept in SQL (its number may change when branches merge).
STAGE_COLUMNS_VERSION = next(
    m.version for m in load_migrations() if m.name.endswith("_staff_scale")
)

# Share of each stage (per thousand) among the candidates of a database kept 24 months: most
# are old; 10 sites of two cohorts of about 14 a year make about 1,100 learners in 2 years.
MIX: dict[Stage, int] = {
    Stage.SCREENING: 180,
    Stage.TO_REVIEW: 30,
    Stage.ELIGIBLE: 250,
    Stage.ORIENTED: 100,
    Stage.SESSION_BOOKED: 20,
    Stage.ATTENDED: 30,
    Stage.ABSENT: 30,
    Stage.INTERVIEW: 20,
    Stage.ADMITTED: 3,
    Stage.WAITLISTED: 4,
    Stage.NOT_SELECTED: 310,
    Stage.IN_TRAINING: 5,
    Stage.EXITED: 18,
}
PAST_COHORTS = 4  # per site, ended (the exited were in them); then one running, one to come
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


def _stages(n: int, rng: random.Random, mix: dict[Stage, int]) -> list[Stage]:
    stages = list(mix)
    return rng.choices(stages, weights=[mix[s] for s in stages], k=n)


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
    mix: dict[Stage, int] | None = None,
) -> dict[Stage, int]:
    """Add `n` candidates over `sites` (and one open cohort per site) to a database at the level
    before migration 0013; returns how many were made in each stage."""
    rng = random.Random(seed)
    stages = _stages(n, rng, mix or MIX)
    conn = sqlite3.connect(path)
    try:
        conn.execute("PRAGMA foreign_keys = ON")
        # per site: PAST_COHORTS ended, one running, one to come (its name: "Promo <site>")
        cohorts: dict[str, list[tuple[int, str]]] = {}
        for site in sites:
            for k in range(PAST_COHORTS + 2):
                start = (now + dt.timedelta(days=60 - 180 * (PAST_COHORTS + 1 - k))).date()
                name = f"Promo {site}" if k == PAST_COHORTS + 1 else f"Promo {site} {k + 1}"
                end = start + dt.timedelta(days=150)
                cursor = conn.execute(
                    "INSERT INTO cohorts (site, name, start_date, end_date, capacity,"
                    " created_at, created_by) VALUES (?, ?, ?, ?, 14, ?, 1)",
                    (site, name, start.isoformat(), end.isoformat(), now.isoformat()),
                )
                cohorts.setdefault(site, []).append((int(cursor.lastrowid or 0), end.isoformat()))
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
        placed = {
            first + i: _cohort_of(stage, first + i, cohorts[sites[i % len(sites)]])
            for i, stage in enumerate(stages)
            if stage in COHORT_STAGES
        }
        conn.executemany(
            "INSERT INTO placements (candidate_id, cohort_id, at) VALUES (?, ?, ?)",
            ((cid, cohort, now.isoformat()) for cid, (cohort, _) in placed.items()),
        )
        exited = [first + i for i, stage in enumerate(stages) if stage is Stage.EXITED]
        at = now.isoformat(timespec="seconds")
        conn.executemany(
            "INSERT INTO alumni (candidate_id, site, cohort_id, cohort, exit_date, completed,"
            " marked_by, marked_at) VALUES (?, ?, ?, ?, ?, ?, 1, ?)",
            (
                (cid, site, cohort, f"Promo {site} {cohort}", end, int(cid % 5 != 0), at)
                for cid in exited
                for site in [sites[(cid - first) % len(sites)]]
                for cohort, end in [placed[cid]]
            ),
        )
        conn.executemany(
            "INSERT INTO followups (candidate_id, milestone, due_at, sent_at, answered_at,"
            " answered_via, situation) VALUES (?, ?, ?, ?, ?, ?, ?)",
            _followups([(cid, placed[cid][1]) for cid in exited], rng, now),
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


def _cohort_of(stage: Stage, cid: int, cohorts: Sequence[tuple[int, str]]) -> tuple[int, str]:
    """(cohort id, end date): the exited in a past cohort, learners in the running one, the
    admitted and waitlisted in the one to come."""
    if stage is Stage.EXITED:
        return cohorts[cid % PAST_COHORTS]
    return cohorts[PAST_COHORTS if stage is Stage.IN_TRAINING else PAST_COHORTS + 1]


def _followups(
    exited: Sequence[tuple[int, str]], rng: random.Random, now: dt.datetime
) -> Iterator[tuple[object, ...]]:
    situations = ("cdi", "cdd_long", "apprenticeship", "training", "job_seeking", "other")
    for cid, end in exited:
        exit = dt.datetime.combine(dt.date.fromisoformat(end), dt.time(12), tzinfo=dt.UTC)
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
