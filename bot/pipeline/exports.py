"""/export: the pipeline as CSV, the funnel chart as a PNG, a cohort's shortlist as CSV.
Every export is written to the staff audit log (who, what, how many rows)."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Mapping, Sequence

from bot.config import StaffMember
from bot.core.diversity import GenderCounts, Share, gender_counts
from bot.core.flow import Step
from bot.core.pipeline import FUNNEL, FUNNEL_MASKS
from bot.core.text import fold
from bot.kernel.actions import Button, Response, SendFile, SendPhoto
from bot.pipeline.buttons import Export, encode
from bot.pipeline.chart import ChartText, render_png
from bot.pipeline.context import PipelineContext
from bot.pipeline.export import CsvFile, safe_cell, to_csv
from bot.pipeline.models import CandidateView, Cohort
from bot.pipeline.shortlist import Shortlist
from bot.pipeline.views import fr_date, fr_datetime, visible_sites

log = logging.getLogger(__name__)

CHART_FILENAME = "fabnum-pipeline.png"
SHOWN_MAX = 20_000  # answers whose cells the pipeline export remembers
# The pipeline CSV: these columns, then one per screening question in the flow's order (its
# answer as the card shows it), then PIPELINE_COLUMNS_AFTER. A question added to the flow gets
# its column with no change here.
PIPELINE_COLUMNS = ("id", "first_name", "site", "stage", "result", "review", "source")
PIPELINE_COLUMNS_AFTER = ("consented_at", "submitted_at", "cohort")
# Questions without a column of their own: the first name and the site have theirs above;
# gender is never shown per candidate (aggregates only).
NOT_EXPORTED = frozenset({"first_name", "site", "gender"})
# Columns computed from a question's answer, right after that question's column.
DERIVED_COLUMNS: dict[str, tuple[str, ...]] = {"postcode": ("qpv",)}


class Exports:
    def __init__(self, ctx: PipelineContext, shortlist: Shortlist) -> None:
        self.ctx = ctx
        self.shortlist = shortlist

    async def command(self, member: StaffMember, args: Sequence[str]) -> Response:
        ctx = self.ctx
        what = fold(args[0]) if args else ""
        if what in ("pipeline", "candidats", "csv"):
            return await self.pipeline(member)
        if what in ("graphique", "chart", "png", "image"):
            return await self.chart(member)
        if what == "shortlist":
            if len(args) < 2:
                return await self.shortlist.picker(member, "export")
            cohort, _ = await self.shortlist.find_cohort(member, args[1:])
            if cohort is None:
                return ctx.say("not_found", query=" ".join(args[1:]))
            return await self.cohort_shortlist(member, cohort)
        keyboard = (
            (Button(ctx.label("staff.btn.export_pipeline"), encode(Export("p"))),),
            (Button(ctx.label("staff.btn.export_chart"), encode(Export("g"))),),
            (Button(ctx.label("staff.btn.export_shortlist"), encode(Export("s"))),),
        )
        return ctx.say("export_menu", keyboard)

    def _stamp(self) -> str:
        return self.ctx.now().astimezone(self.ctx.tz).strftime("%Y-%m-%d")

    async def pipeline(self, member: StaffMember) -> Response:
        """Every candidate the member can see, as CSV: read and written a chunk at a time
        (bot/pipeline/read_store.py chunks), so neither every row nor every candidate is held
        at once, and candidates' replies get the database between two chunks."""
        ctx = self.ctx
        sites = visible_sites(member)
        cohorts = {c.id: c for c in await ctx.store.cohorts(sites)}
        questions = [s for s in ctx.flow.steps if s.key not in NOT_EXPORTED]
        header = [
            *(ctx.label(f"csv.{k}") for k in PIPELINE_COLUMNS),
            *(h for s in questions for h in self._question_headers(s.key)),
            *(ctx.label(f"csv.{k}") for k in PIPELINE_COLUMNS_AFTER),
        ]
        file = CsvFile(header, ctx.settings.export_separator)
        shown: dict[tuple[str, object], list[str]] = {}  # the cells of an answer, computed once
        async for views in ctx.store.chunks(sites):
            file.write_safe(self._pipeline_row(v, questions, cohorts, shown) for v in views)
        await ctx.store.audit(
            by=member.user_id,
            action="export",
            at=ctx.now(),
            detail={"what": "pipeline", "rows": file.rows},
        )
        log.info("pipeline export: %s rows", file.rows)
        caption = ctx.render("export_caption", what="pipeline", count=file.rows)
        return Response().add(SendFile(f"pipeline-{self._stamp()}.csv", file.content(), caption))

    def _pipeline_row(
        self,
        v: CandidateView,
        questions: Sequence[Step],
        cohorts: Mapping[int, Cohort],
        shown: dict[tuple[str, object], list[str]],
    ) -> list[str]:
        """A candidate's row, every cell safe (bot/pipeline/export.py safe_cell); the cells of
        an answer come safe from `shown`."""
        ctx = self.ctx
        cohort = cohorts.get(v.cohort_id) if v.cohort_id else None
        before = (
            v.id,
            v.first_name,
            ctx.site_name(v.site),
            ctx.stage(v.stage),
            ctx.label(f"staff.result.{v.result}") if v.result else "",
            ctx.label(f"staff.review.{v.review_status}") if v.review_status else "",
            v.source or "",
        )
        after = (
            fr_datetime(v.created_at, ctx.tz),
            fr_datetime(v.submitted_at, ctx.tz),
            cohort.name if cohort else "",
        )
        return [
            *map(safe_cell, before),
            *(cell for s in questions for cell in self._cells(v, s, shown)),
            *map(safe_cell, after),
        ]

    def _cells(
        self, view: CandidateView, step: Step, shown: dict[tuple[str, object], list[str]]
    ) -> list[str]:
        """A question's cells, as _question_cells, remembered per answer for the export."""
        value = view.answers.get(step.key)
        plain = not isinstance(value, list | dict)
        key = (step.key, value if plain else json.dumps(value, ensure_ascii=False, sort_keys=True))
        cells = shown.get(key)
        if cells is None:
            if len(shown) >= SHOWN_MAX:  # free text answers: every value differs
                shown.clear()
            cells = shown[key] = [safe_cell(c) for c in self._question_cells(view, step.key)]
        return cells

    def _question_headers(self, key: str) -> list[str]:
        """A question's column (`csv.<key>` in labels.j2, else its title as on the card), then
        the columns derived from its answer."""
        ctx = self.ctx
        labels = ctx.renderer.labels(ctx.lang)
        header = labels.get(f"csv.{key}") or ctx.label(f"title.{key}")
        return [header, *(ctx.label(f"csv.{d}") for d in DERIVED_COLUMNS.get(key, ()))]

    def _question_cells(self, view: CandidateView, key: str) -> list[str]:
        cells = [self._answer(view, key)]
        if "qpv" in DERIVED_COLUMNS.get(key, ()):
            qpv = self.ctx.qpv.contains(view.answers.get(key))
            cells.append(self.ctx.label("staff.yes") if qpv else self.ctx.label("staff.no"))
        return cells

    def _answer(self, view: CandidateView, key: str) -> str:
        step = self.ctx.flow.step(key)
        if step is None or key not in view.answers:
            return ""
        return self.ctx.screening.display(self.ctx.lang, step, view.answers[key])

    async def cohort_shortlist(self, member: StaffMember, cohort: Cohort) -> Response:
        ctx = self.ctx
        sv = await self.shortlist.view(cohort, everyone=True)
        header = [
            ctx.label("csv.rank"),
            ctx.label("csv.id"),
            ctx.label("csv.first_name"),
            ctx.label("csv.stage"),
            *[ctx.label(f"rank.{r.fact}") for r in ctx.rules.rules],
            ctx.label("csv.top_n"),
        ]
        table = []
        for r in sv.ranked:
            v = sv.people[r.candidate_id]
            facts = []
            for fact, value in r.facts.items():
                if fact == "applied_at":
                    facts.append(fr_date(str(value)))
                else:
                    facts.append(ctx.label("staff.yes") if value else ctx.label("staff.no"))
            table.append(
                [
                    r.position,
                    v.id,
                    v.first_name,
                    ctx.stage(v.stage),
                    *facts,
                    ctx.label("staff.yes") if r.position <= sv.top_n else "",
                ]
            )
        content = to_csv(header, table, ctx.settings.export_separator)
        await ctx.store.audit(
            by=member.user_id,
            action="export",
            at=ctx.now(),
            cohort_id=cohort.id,
            detail={"what": "shortlist", "rows": len(table)},
        )
        caption = ctx.render(
            "export_caption", what="shortlist", count=len(table), cohort=cohort.name
        )
        filename = f"shortlist-{fold(cohort.name).replace(' ', '-')[:30]}-{self._stamp()}.csv"
        return Response().add(SendFile(filename, content, caption))

    async def shortlist_of(self, member: StaffMember, cohort_id: int) -> Response | None:
        """A cohort's shortlist as CSV (buttons st:xs, st:x:s:<id>); None if not found."""
        cohort = await self.ctx.cohort(member, cohort_id)
        return await self.cohort_shortlist(member, cohort) if cohort else None

    async def chart(self, member: StaffMember) -> Response:
        ctx = self.ctx
        sites = visible_sites(member)
        groups = await ctx.store.reached_by_gender(sites)  # (reached, gender, count), in SQL
        funnel = []
        shares: list[tuple[str, Share]] = []
        small = ctx.rules.small_group
        for step in FUNNEL:
            mask = FUNNEL_MASKS[step]
            genders: GenderCounts = gender_counts(
                gender for reached, gender, n in groups if reached & mask for _ in range(n)
            )
            funnel.append((ctx.label(f"funnel.{step}"), genders.total))
            shares.append(
                (ctx.label(f"funnel.{step}"), genders.women_share(ctx.rules.women_target, small))
            )
        total = sum(n for _, _, n in groups)
        target = ctx.rules.women_target
        text = ChartText(
            title=ctx.label("chart.title"),
            funnel_title=ctx.label("chart.funnel"),
            share_title=ctx.label("chart.women"),
            target_label=ctx.label("chart.target").replace("{n}", str(round(100 * target))),
            subtitle=ctx.label("chart.note").replace("{n}", str(small)),
        )
        png = await asyncio.to_thread(render_png, funnel, shares, target, text, small)
        await ctx.store.audit(
            by=member.user_id, action="export", at=ctx.now(), detail={"what": "chart"}
        )
        caption = ctx.render("export_caption", what="chart", count=total)
        return Response().add(SendPhoto(png, caption, filename=CHART_FILENAME))
