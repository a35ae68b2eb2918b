"""Outcomes (staff): /sorties, the rates per cohort and milestone, a chart and the funders'
report; every figure through the small-count rule (bot/core/disclosure.py).

The text goes first; the chart and the report follow (a Later action, bot/kernel/actions.py),
drawn in a short-lived process of their own (bot/reports/worker.py), so matplotlib never enters
the bot's memory and candidates' replies never wait for it (issue 15). The report's data code
(bot/reports/data.py) is imported when /sorties is used, not at start-up (issue 14)."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from bot.alumni.context import AlumniContext
from bot.config import StaffMember
from bot.core.disclosure import SMALL
from bot.core.text import fold
from bot.db.database import Database
from bot.kernel.actions import Later, Response, SendFile, SendPhoto
from bot.kernel.rendering import MAX_TEXT, plain_length

if TYPE_CHECKING:
    from bot.reports.data import FundersReport
    from bot.reports.figures import OutcomeCells

CHART_FILENAME = "fabnum-sorties.png"


def milestones_chart(
    title: str, milestones: Mapping[int, OutcomeCells], targets: tuple[int, int]
) -> bytes:
    """The /sorties chart (bot/reports/charts.py, matplotlib), drawn in a worker process."""
    from bot.reports.worker import draw

    return draw("milestones_chart", title, dict(milestones), targets)


def funders_html(report: FundersReport) -> bytes:
    """The funders' report (bot/reports/html.py, its charts by matplotlib), in a worker process."""
    from bot.reports.worker import draw

    return draw("funders_report", report)


class OutcomeReports:
    def __init__(self, ctx: AlumniContext, *, db: Database) -> None:
        self.ctx = ctx
        self.db = db

    def _texts(self, cohorts: list[dict[str, Any]], targets: Any) -> list[str]:
        """The figures in messages of at most MAX_TEXT characters: as many milestones as fit
        in each (a cohort's title again where it goes on), the targets first, the note last."""
        ctx = self.ctx

        def render(chunk: list[dict[str, Any]], header: bool, footnote: bool) -> str:
            return ctx.render(
                ctx.staff_lang,
                "alumni/staff_outcomes",
                cohorts=chunk,
                targets=targets,
                small=SMALL,
                header=header,
                footnote=footnote,
            )

        texts: list[str] = []
        chunk: list[dict[str, Any]] = []
        for cohort in cohorts:
            for milestone in cohort["milestones"]:
                grown = [dict(c) for c in chunk]
                if grown and grown[-1]["key"] is cohort:
                    grown[-1]["milestones"] = [*grown[-1]["milestones"], milestone]
                else:
                    grown.append({**cohort, "key": cohort, "milestones": [milestone]})
                if chunk and plain_length(render(grown, not texts, False)) > MAX_TEXT:
                    texts.append(render(chunk, not texts, False))
                    grown = [{**cohort, "key": cohort, "milestones": [milestone]}]
                chunk = grown
        last = render(chunk, not texts, True)
        if plain_length(last) > MAX_TEXT and chunk:
            texts.append(render(chunk, not texts, False))
            last = render([], False, True)
        return [*texts, last]

    async def command(self, member: StaffMember, args: Sequence[str]) -> Response:
        """/sorties [cohort | site | year]: rates per cohort and milestone, a chart, the report."""
        from bot.reports.data import cohort_outcomes, funders_report
        from bot.reports.figures import outcome_cells, total_outcome_cells

        ctx = self.ctx
        programme, outcomes = ctx.programme, ctx.outcomes
        lang = ctx.staff_lang
        sites = ctx.sites(member)
        target = " ".join(args).strip()
        filters: dict[str, Any] = {}
        if target.isdigit() and len(target) == 4:
            filters["exit_year"] = int(target)
        elif target:
            site = next(
                (
                    s
                    for s in sites
                    if fold(s) == fold(target) or fold(programme.sites[s].name) == fold(target)
                ),
                None,
            )
            if site is not None:
                filters["site"] = site
            else:
                filters["cohort_fold"] = fold(target)
        names = {s: programme.sites[s].name for s in programme.site_ids}
        now = ctx.clock.now()
        cohort_fold = filters.pop("cohort_fold", None)
        found = await cohort_outcomes(
            ctx.store, outcomes, now, site_names=names, sites=sites, **filters
        )
        if cohort_fold is not None:
            found = [c for c in found if fold(c.key.cohort) == cohort_fold]
        if not found:
            return Response().send(ctx.render(lang, "alumni/staff_outcomes_none", target=target))
        # every figure through the small-count rule (bot/core/disclosure.py); the report lines
        # by their readable names, only those shown exactly (file order: no ranking of "< 5")
        cells = [
            {m: outcome_cells(r, outcomes, SMALL) for m, r in c.milestones.items()} for c in found
        ]
        cohorts = [
            {
                "site": c.site_name,
                "cohort": c.key.cohort,
                "year": c.key.exit_year,
                "milestones": [
                    {
                        "months": m,
                        "cells": cell,
                        "groups": [(ctx.label(lang, "group", g), n) for g, n in cell.groups],
                    }
                    for m, cell in mine.items()
                ],
            }
            for c, mine in zip(found, cells, strict=True)
        ]
        reply = Response()
        for text in self._texts(cohorts, outcomes.targets):
            reply.send(text)
        # the chart sums cohorts: a total that would give back a cohort's masked figure is not drawn
        by_milestone: dict[int, list[OutcomeCells]] = {}
        for mine in cells:
            for m, cell in mine.items():
                by_milestone.setdefault(m, []).append(cell)
        total = {m: total_outcome_cells(c, SMALL) for m, c in sorted(by_milestone.items())}

        async def attachments() -> Response:
            """The report (for an admin, or a member's own sites) and the chart, drawn in worker
            processes (in threads that wait for them), once the text is sent."""
            later = Response()
            if member.is_admin or not target:
                report = await funders_report(
                    self.db,
                    ctx.store,
                    outcomes,
                    now=now,
                    tz=ctx.settings.timezone,
                    programme=programme.name,
                    site_names=names,
                    sites=None if member.is_admin else sites,
                )
                html = await asyncio.to_thread(funders_html, report)
                later.add(
                    SendFile(
                        f"rapport-financeurs-{ctx.today().isoformat()}.html",
                        html,
                        ctx.render(lang, "alumni/staff_report_caption"),
                    )
                )
            png = await asyncio.to_thread(
                milestones_chart,
                target or "FabNum",
                total,
                (outcomes.targets.response_rate, outcomes.targets.positive_rate),
            )
            chart = SendPhoto(
                png,
                ctx.render(lang, "alumni/staff_chart_caption", target=target),
                filename=CHART_FILENAME,
            )
            return later.add(chart)  # after the text and the report, as it always came

        return reply.add(Later(attachments))
