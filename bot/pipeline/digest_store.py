"""What the digest reads about every open cohort at once, in a few statements whatever the
number of cohorts (issue 15): their shortlists counted from one index, the first lines of each
site's shortlist in one statement, the admitted of every cohort in one."""

from __future__ import annotations

import json
from collections.abc import Collection, Sequence

from bot.core.pipeline import Stage
from bot.pipeline.models import CandidateView
from bot.pipeline.read_store import _COLUMNS, _FROM, FACT_SQL, CandidateReads, _view, ranking_order


class DigestReads(CandidateReads):
    """The reads of bot/pipeline/shortlist.py Shortlist.summaries (PipelineStore has them)."""

    async def ready_counts_by_site(
        self, sites: Collection[str], stages: Collection[Stage], qpv: Collection[str]
    ) -> list[tuple[str, int | None, str | None, str | None, bool, int]]:
        """The candidates ready for a cohort at these sites, counted in one statement from the
        (site, stage, gender, source, postcode) index: (site, the cohort of a waitlisted person
        placed in one, else None; gender, source, in a QPV, how many). A cohort's shortlist is
        its site's rows whose cohort is None or its own (read_store._ready_where)."""
        chosen = sorted(sites)
        if not chosen:
            return []
        marks = ", ".join(f"'{Stage(s).value}'" for s in stages)  # Stage values only
        names = {f"s{i}": s for i, s in enumerate(chosen)}
        rows = await self.db.read_all(
            "SELECT c.site, CASE WHEN c.stage = 'waitlisted' THEN p.cohort_id END, c.gender,"
            f" c.source, {FACT_SQL['qpv']}, COUNT(*) {_FROM}"
            f" WHERE c.site IN ({', '.join(':' + k for k in names)}) AND c.stage IN ({marks})"
            " GROUP BY 1, 2, 3, 4, 5",
            {**names, "qpv": json.dumps(sorted(qpv))},
        )
        return [
            (str(r[0]), None if r[1] is None else int(r[1]), r[2], r[3], bool(r[4]), int(r[5]))
            for r in rows
        ]

    async def ranked_ready_by_site(
        self,
        limits: dict[str, int],
        stages: Collection[Stage],
        rules: Sequence[tuple[str, str]],
        qpv: Collection[str],
    ) -> dict[str, list[CandidateView]]:
        """The first limits[site] candidates ready at each site, in the rules' order, in one
        statement (one ordered, limited part per site); with the waitlisted of every cohort."""
        chosen = sorted(site for site, n in limits.items() if n > 0)
        if not chosen:
            return {}
        marks = ", ".join(f"'{Stage(s).value}'" for s in stages)  # Stage values only
        order = ranking_order(rules)
        parts = [
            f"SELECT * FROM (SELECT {_COLUMNS}, c.profile {_FROM} WHERE c.site = :s{i}"
            f" AND c.stage IN ({marks}) ORDER BY {order} LIMIT {int(limits[site])})"
            for i, site in enumerate(chosen)
        ]
        params = {f"s{i}": s for i, s in enumerate(chosen)}
        rows = await self.db.read_all(
            " UNION ALL ".join(parts), {**params, "qpv": json.dumps(sorted(qpv))}
        )
        found: dict[str, list[CandidateView]] = {site: [] for site in chosen}
        for r in rows:
            found[str(r["site"])].append(_view(r, json.loads(r["profile"]), []))
        return found

    async def in_cohorts(
        self, cohort_ids: Collection[int], stages: Collection[Stage]
    ) -> dict[int, list[CandidateView]]:
        """Members of these cohorts in `stages`, per cohort (the answers a shortlist reads)."""
        ids = sorted(cohort_ids)
        found: dict[int, list[CandidateView]] = {i: [] for i in ids}
        if not ids:
            return found
        views = await self._shortlist_views(
            f"p.cohort_id IN ({', '.join('?' * len(ids))})"
            f" AND c.stage IN ({', '.join('?' * len(stages))})",
            (*ids, *(Stage(s).value for s in stages)),
        )
        for v in views:
            if v.cohort_id is not None:
                found[v.cohort_id].append(v)
        return found
