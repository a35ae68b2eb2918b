"""What the staff side reads about candidates, costing what the answer needs.

Lists and counts filter and aggregate in SQL on the columns kept with each candidate (stage,
reached, human_pending, site, name_key: migration 0013, bot/db/stage.py), with indexes; answers
are read only for the rows shown, and the history only for one candidate (a card, a move). The
export reads a chunk of rows at a time (`chunks`), one short statement each, so candidates'
replies get the connection between two chunks.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Collection, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import aiosqlite

from bot.core.pipeline import (
    FUNNEL,
    FUNNEL_MASKS,
    ORDER,
    Derived,
    Facts,
    Stage,
    derive,
    reached_mask,
)
from bot.db.database import Database
from bot.pipeline.models import CandidateView, Event

Sites = Collection[str] | None  # None: every site, and the candidates who chose none yet
PENDING = "(c.stage = 'to_review' OR c.human_pending = 1)"  # as the partial index says
QUEUE_ORDER = "COALESCE(c.submitted_at, c.created_at), c.id"
_COLUMNS = (
    "c.id, c.chat_id, c.language, c.source, c.status, c.result, c.result_reasons,"
    " c.review_status, c.human_requested_at, c.created_at, c.submitted_at, c.stage, c.reached,"
    " c.human_pending, c.site, p.cohort_id"
)
_FROM = "FROM candidates c LEFT JOIN placements p ON p.candidate_id = c.id"
CHUNK = 500  # rows per statement when reading many (the loop is free between two)
_IDS_PER_QUERY = 500
_NONE = (None, "", "[]")
_ANSWERS = (
    "(SELECT json_group_object(a.step, json(a.value)) FROM answers a"
    " WHERE a.candidate_id = c.id AND a.complete = 1)"
)


def site_filter(sites: Sites) -> tuple[str, tuple[str, ...]]:
    """A SQL condition on c.site and its parameters."""
    if sites is None:
        return "1", ()
    chosen = tuple(sorted(sites))
    if not chosen:
        return "0", ()
    return f"c.site IN ({', '.join('?' * len(chosen))})", chosen


def event_row(row: aiosqlite.Row) -> Event:
    detail = json.loads(row["detail"]) if row["detail"] else {}
    return Event(str(row["at"]), str(row["kind"]), detail if isinstance(detail, dict) else {})


def _view(row: aiosqlite.Row, answers: dict[str, Any], events: list[Event]) -> CandidateView:
    return CandidateView(
        id=int(row["id"]),
        chat_id=int(row["chat_id"]),
        language=str(row["language"]),
        source=row["source"],
        status=str(row["status"]),
        result=row["result"],
        reasons=json.loads(row["result_reasons"]) if row["result_reasons"] not in _NONE else [],
        review_status=row["review_status"],
        human_requested_at=row["human_requested_at"],
        created_at=str(row["created_at"]),
        submitted_at=row["submitted_at"],
        answers=answers,
        stage=Stage(row["stage"]),
        reached=int(row["reached"]),
        human_pending=bool(row["human_pending"]),
        site=row["site"],
        events=events,
        cohort_id=int(row["cohort_id"]) if row["cohort_id"] is not None else None,
    )


# ------------------------------------------------------------------ shortlists
# The SQL of each ranking fact (bot/core/ranking.py FACTS), on candidates c: the pure rank()
# stays the reference (tests/test_shortlist_scale.py checks the order is the same), this only
# lets SQL pick the first lines of a shortlist and count it without reading everyone.
def _bits(*stages: Stage) -> int:
    return reached_mask(stages)


FACT_SQL: dict[str, str] = {
    "attended_session": f"(c.reached & {_bits(Stage.ATTENDED)}) != 0",
    "interviewed": "(c.reached & "
    f"{_bits(Stage.INTERVIEW, Stage.WAITLISTED, Stage.ADMITTED, Stage.IN_TRAINING)}) != 0",
    "available": "json_extract(c.profile, '$.availability') = 'yes'",
    "followed": "json_extract(c.profile, '$.followed_by') IN "
    "('mission_locale', 'france_travail', 'cej')",
    "qpv": "json_extract(c.profile, '$.postcode') IN (SELECT value FROM json_each(:qpv))",
    "applied_at": "substr(COALESCE(c.submitted_at, c.created_at), 1, 10)",
}


def ranking_order(rules: Sequence[tuple[str, str]]) -> str:
    """ORDER BY terms for (fact, prefer) rules, as bot/core/ranking.py _key sorts."""
    terms = []
    for fact, prefer in rules:
        sql = FACT_SQL[fact]
        if prefer == "yes":
            terms.append(f"CASE WHEN {sql} THEN 0 ELSE 1 END")
        else:
            terms.append(f"COALESCE({sql}, '') = ''")
            terms.append(f"{sql} {'DESC' if prefer == 'latest' else 'ASC'}")
    return ", ".join([*terms, "c.id"])


@dataclass(frozen=True)
class GroupCounts:
    """A group of candidates, counted in SQL: by gender answer, by source, in a QPV."""

    count: int
    genders: list[tuple[str | None, int]]
    sources: list[tuple[str | None, int]]
    qpv: int


class CandidateReads:
    """The reading half of PipelineStore (bot/pipeline/store.py)."""

    db: Database

    async def _answers(self, ids: Sequence[int]) -> dict[int, dict[str, Any]]:
        answers: dict[int, dict[str, Any]] = {}
        for start in range(0, len(ids), _IDS_PER_QUERY):
            part = ids[start : start + _IDS_PER_QUERY]
            rows = await self.db.fetchall(  # one object a person: one json.loads each
                "SELECT candidate_id, json_group_object(step, json(value)) FROM answers"
                f" WHERE complete = 1 AND candidate_id IN ({', '.join('?' * len(part))})"
                " GROUP BY candidate_id",
                tuple(part),
            )
            for r in rows:
                answers[int(r[0])] = json.loads(r[1])
        return answers

    async def _views(
        self, where: str, params: Sequence[Any] = (), *, tail: str = "ORDER BY c.id"
    ) -> list[CandidateView]:
        """Candidates matching a condition on `c` (and `p`), with their answers (one JSON object
        each, made by SQL), no history: one statement."""
        rows = await self.db.fetchall(
            f"SELECT {_COLUMNS}, {_ANSWERS} AS answers {_FROM} WHERE {where} {tail}", params
        )
        return [_view(r, json.loads(r["answers"]) if r["answers"] else {}, []) for r in rows]

    async def candidates(
        self, sites: Sites = None, ids: Iterable[int] | None = None
    ) -> list[CandidateView]:
        """Candidates of these sites, or with these ids, with their answers (no history): for
        small sets; staff lists use the bounded queries below."""
        where, params = site_filter(sites)
        if ids is None:
            return await self._views(where, params)
        id_list = [int(i) for i in ids]
        found: list[CandidateView] = []
        for start in range(0, len(id_list), _IDS_PER_QUERY):
            part = id_list[start : start + _IDS_PER_QUERY]
            found += await self._views(
                f"{where} AND c.id IN ({', '.join('?' * len(part))})", (*params, *part)
            )
        return sorted(found, key=lambda v: v.id)

    async def candidate(self, candidate_id: int) -> CandidateView | None:
        """One candidate with answers and their whole history (a card, a move)."""
        rows = await self.db.fetchall(f"SELECT {_COLUMNS} {_FROM} WHERE c.id = ?", (candidate_id,))
        if not rows:
            return None
        events = await self.db.fetchall(
            "SELECT at, kind, detail FROM candidate_events WHERE candidate_id = ? ORDER BY id",
            (candidate_id,),
        )
        answers = await self._answers([candidate_id])
        return _view(rows[0], answers.get(candidate_id, {}), [event_row(e) for e in events])

    async def stage_of(self, candidate_id: int) -> Stage | None:
        row = await self.db.fetchone("SELECT stage FROM candidates WHERE id = ?", (candidate_id,))
        return Stage(row[0]) if row else None

    async def derived_from_facts(self, candidate_id: int) -> Derived | None:
        """The reference: the stage derived from the row and the whole history (tests check
        that the stage kept in SQL always equals it)."""
        row = await self.db.fetchone(
            "SELECT status, result, review_status FROM candidates WHERE id = ?", (candidate_id,)
        )
        if row is None:
            return None
        events = await self.db.fetchall(
            "SELECT at, kind, detail FROM candidate_events WHERE candidate_id = ? ORDER BY id",
            (candidate_id,),
        )
        history = tuple((e.kind, e.detail) for e in map(event_row, events))
        return derive(Facts(str(row[0]), row[1], row[2], history))

    # ------------------------------------------------------------ counts (SQL)
    async def stage_counts(self, sites: Sites) -> dict[Stage, int]:
        where, params = site_filter(sites)
        rows = await self.db.fetchall(
            f"SELECT c.stage, COUNT(*) FROM candidates c WHERE {where} GROUP BY c.stage", params
        )
        counts = dict.fromkeys(ORDER, 0)
        for stage, count in rows:
            counts[Stage(stage)] = int(count)
        return counts

    async def funnel(self, sites: Sites) -> dict[str, int]:
        """Candidates who ever reached each funnel step (bot/core/pipeline.py FUNNEL)."""
        where, params = site_filter(sites)
        sums = ", ".join(f"SUM(c.reached & {FUNNEL_MASKS[step]} != 0)" for step in FUNNEL)
        row = await self.db.fetchone(f"SELECT {sums} FROM candidates c WHERE {where}", params)
        return {step: int(row[i] or 0) if row else 0 for i, step in enumerate(FUNNEL)}

    async def reached_by_gender(self, sites: Sites) -> list[tuple[int, str | None, int]]:
        """(reached mask, gender answer, count): the funnel chart's shares of women."""
        where, params = site_filter(sites)
        rows = await self.db.fetchall(
            "SELECT c.reached, json_extract(a.value, '$'), COUNT(*) FROM candidates c"
            " LEFT JOIN answers a ON a.candidate_id = c.id AND a.step = 'gender'"
            f" AND a.complete = 1 WHERE {where} GROUP BY 1, 2",
            params,
        )
        return [(int(r[0]), r[1], int(r[2])) for r in rows]

    async def overview(
        self, sites: Sites
    ) -> tuple[dict[Stage, int], dict[str, int], dict[str, int]]:
        """(count per stage, the funnel, count per source): /pipeline, in one read of the rows."""
        where, params = site_filter(sites)
        sums = ", ".join(f"SUM(c.reached & {FUNNEL_MASKS[step]} != 0)" for step in FUNNEL)
        rows = await self.db.fetchall(
            f"SELECT c.stage, COALESCE(c.source, ''), COUNT(*), {sums} FROM candidates c"
            f" WHERE {where} GROUP BY 1, 2",
            params,
        )
        stages = dict.fromkeys(ORDER, 0)
        funnel = dict.fromkeys(FUNNEL, 0)
        sources: dict[str, int] = {}
        for row in rows:
            stages[Stage(row[0])] += int(row[2])
            sources[str(row[1])] = sources.get(str(row[1]), 0) + int(row[2])
            for i, step in enumerate(FUNNEL):
                funnel[step] += int(row[3 + i] or 0)
        return stages, funnel, sources

    async def source_counts(self, sites: Sites) -> dict[str, int]:
        where, params = site_filter(sites)
        rows = await self.db.fetchall(
            f"SELECT COALESCE(c.source, ''), COUNT(*) FROM candidates c WHERE {where} GROUP BY 1",
            params,
        )
        return {str(r[0]): int(r[1]) for r in rows}

    async def count(self, sites: Sites) -> int:
        where, params = site_filter(sites)
        row = await self.db.fetchone(f"SELECT COUNT(*) FROM candidates c WHERE {where}", params)
        return int(row[0]) if row else 0

    async def new_since(self, sites: Sites, since: str) -> tuple[int, int]:
        """(created since, finished screening since): the digest's first line."""
        where, params = site_filter(sites)
        created = await self.db.fetchone(
            f"SELECT COUNT(*) FROM candidates c WHERE c.created_at >= ? AND {where}",
            (since, *params),
        )
        finished = await self.db.fetchone(
            f"SELECT COUNT(*) FROM candidates c WHERE c.submitted_at >= ? AND {where}",
            (since, *params),
        )
        return (int(created[0]) if created else 0, int(finished[0]) if finished else 0)

    async def screening_answers(
        self, sites: Sites, valued: Collection[str]
    ) -> list[tuple[dict[str, Any], int]]:
        """Where the screening stops: the answers of everyone still screening, grouped in SQL,
        (answers, how many people gave them). Only the steps in `valued` keep their value (the
        flow's conditions read them); the others are there with None (answered or not)."""
        where, params = site_filter(sites)
        keep = tuple(sorted(valued))
        marks = ", ".join("?" * len(keep)) or "NULL"
        rows = await self.db.fetchall(
            "SELECT given, COUNT(*) FROM (SELECT json_group_object(a.step, CASE WHEN a.step IN"
            f" ({marks}) THEN json(a.value) END) AS given FROM candidates c JOIN answers a"
            " ON a.candidate_id = c.id AND a.complete = 1"
            f" WHERE c.stage = 'screening' AND {where} GROUP BY c.id) GROUP BY given",
            (*keep, *params),
        )
        groups = [(dict(json.loads(r[0])), int(r[1])) for r in rows]
        row = await self.db.fetchone(
            f"SELECT COUNT(*) FROM candidates c WHERE c.stage = 'screening' AND {where}", params
        )
        silent = (int(row[0]) if row else 0) - sum(n for _, n in groups)  # not one answer yet
        return [*groups, ({}, silent)] if silent > 0 else groups

    # ----------------------------------------------------------- bounded lists
    async def review_queue(self, sites: Sites, limit: int) -> tuple[int, list[CandidateView]]:
        """How many wait for a person (a result to review, a /humain request), and the oldest
        `limit` of them."""
        where, params = site_filter(sites)
        row = await self.db.fetchone(
            f"SELECT COUNT(*) FROM candidates c WHERE {PENDING} AND {where}", params
        )
        views = await self._views(
            f"{PENDING} AND {where}", params, tail=f"ORDER BY {QUEUE_ORDER} LIMIT {int(limit)}"
        )
        return (int(row[0]) if row else 0, views)

    async def pending_count(self, sites: Sites) -> int:
        where, params = site_filter(sites)
        row = await self.db.fetchone(
            f"SELECT COUNT(*) FROM candidates c WHERE {PENDING} AND {where}", params
        )
        return int(row[0]) if row else 0

    async def find_by_name(
        self, sites: Sites, wanted: str, limit: int
    ) -> tuple[int, list[CandidateView]]:
        """Candidates whose folded first name contains `wanted` (folded): how many, and the
        first `limit` by number. Read from the name index (name_key, site, id) alone."""
        where, params = site_filter(sites)
        rows = await self.db.fetchall(
            "SELECT c.id FROM candidates c INDEXED BY candidates_by_name"
            f" WHERE instr(c.name_key, ?) > 0 AND {where} ORDER BY c.id",
            (wanted, *params),
        )
        ids = [int(r[0]) for r in rows]
        return len(ids), await self.candidates(ids=ids[:limit])

    async def _shortlist_views(
        self, where: str, params: Sequence[Any] | dict[str, Any], tail: str = "ORDER BY c.id"
    ) -> list[CandidateView]:
        """Candidates with only the answers a shortlist reads (candidates.profile, kept with the
        stage: bot/db/stage.py PROFILE_STEPS), by number: one row each, nothing joined."""
        rows = await self.db.fetchall(
            f"SELECT {_COLUMNS}, c.profile {_FROM} WHERE {where} {tail}", params
        )
        return [_view(r, json.loads(r["profile"]), []) for r in rows]

    async def in_cohort(self, cohort_id: int, stages: Collection[Stage]) -> list[CandidateView]:
        """A cohort's members in `stages` (with the answers a shortlist reads only)."""
        marks = ", ".join("?" * len(stages))
        return await self._shortlist_views(
            f"p.cohort_id = ? AND c.stage IN ({marks})",
            (cohort_id, *(s.value for s in stages)),
        )

    async def cohort_stage_counts(self, cohort_id: int) -> dict[Stage, int]:
        rows = await self.db.fetchall(
            "SELECT c.stage, COUNT(*) FROM placements p JOIN candidates c ON c.id = p.candidate_id"
            " WHERE p.cohort_id = ? GROUP BY c.stage",
            (cohort_id,),
        )
        counts = dict.fromkeys(ORDER, 0)
        for stage, count in rows:
            counts[Stage(stage)] = int(count)
        return counts

    async def chunks(self, sites: Sites, size: int = CHUNK) -> AsyncIterator[list[CandidateView]]:
        """Every candidate of these sites by number, `size` at a time, with their answers."""
        where, params = site_filter(sites)
        last = 0
        while True:
            views = await self._views(
                f"c.id > ? AND {where}", (last, *params), tail=f"ORDER BY c.id LIMIT {int(size)}"
            )
            if not views:
                return
            yield views
            last = views[-1].id

    @staticmethod
    def _ready_where(stages: Collection[Stage]) -> str:
        marks = ", ".join(f"'{Stage(s).value}'" for s in stages)  # Stage values only
        return (
            f"c.site = :site AND c.stage IN ({marks}) AND (p.cohort_id IS NULL"
            " OR p.cohort_id = :cohort OR c.stage != 'waitlisted')"
        )

    async def ranked_ready(
        self,
        site: str,
        stages: Collection[Stage],
        cohort_id: int,
        rules: Sequence[tuple[str, str]],
        qpv: Collection[str],
        limit: int | None,
    ) -> list[CandidateView]:
        """The first `limit` (None: all) candidates ready for a cohort, in the rules' order."""
        tail = f"ORDER BY {ranking_order(rules)}"
        if limit is not None:
            tail += f" LIMIT {int(limit)}"
        params = {"site": site, "cohort": cohort_id, "qpv": json.dumps(sorted(qpv))}
        return await self._shortlist_views(self._ready_where(stages), params, tail)

    async def ready_counts(
        self, site: str, stages: Collection[Stage], cohort_id: int, qpv: Collection[str]
    ) -> GroupCounts:
        """The whole shortlist of a cohort, counted."""
        where = self._ready_where(stages)
        params = {"site": site, "cohort": cohort_id, "qpv": json.dumps(sorted(qpv))}
        rows = await self.db.fetchall(
            "SELECT json_extract(c.profile, '$.gender'), c.source, "
            f"{FACT_SQL['qpv']}, COUNT(*) {_FROM} WHERE {where} GROUP BY 1, 2, 3",
            params,
        )
        genders: dict[str | None, int] = {}
        sources: dict[str | None, int] = {}
        qpv_count = count = 0
        for gender, source, in_qpv, n in rows:
            genders[gender] = genders.get(gender, 0) + int(n)
            sources[source] = sources.get(source, 0) + int(n)
            qpv_count += int(n) if in_qpv else 0
            count += int(n)
        return GroupCounts(count, list(genders.items()), list(sources.items()), qpv_count)
