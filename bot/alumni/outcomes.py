"""Outcomes (staff): /sorties, the rates per cohort and milestone, a chart and the funders'
report; every figure through the small-count rule (bot/core/disclosure.py).

The report code (bot/reports/, and matplotlib under it) is imported when /sorties is used, not
at start-up: it is most of an idle bot's memory (issue 14)."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from bot.alumni.context import AlumniContext
from bot.config import StaffMember
from bot.core.disclosure import SMALL
from bot.core.text import fold
from bot.db.database import Database
from bot.kernel.actions import Response, SendFile, SendPhoto

if TYPE_CHECKING:
    from bot.reports.figures import OutcomeCells

CHART_FILENAME = "fabnum-sorties.png"


def milestones_chart(
    title: str, milestones: Mapping[int, OutcomeCells], targets: tuple[int, int]
) -> bytes:
    """The /sorties chart (bot/reports/charts.py, matplotlib), imported on first use."""
    from bot.reports.charts import milestones_chart as draw

    return draw(title, milestones, targets)


class OutcomeReports:
    def __init__(self, ctx: AlumniContext, *, db: Database) -> None:
        self.ctx = ctx
        self.db = db

    async def command(self, member: StaffMember, args: Sequence[str]) -> Response:
        """/sorties [cohort | site | year]: rates per cohort and milestone, a chart, the report."""
        from bot.reports.data import cohort_outcomes, funders_report
        from bot.reports.figures import outcome_cells, total_outcome_cells
        from bot.reports.html import render_funders_report

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
        text = ctx.render(
            lang, "alumni/staff_outcomes", cohorts=cohorts, targets=outcomes.targets, small=SMALL
        )
        reply = Response().send(text)
        # the chart sums cohorts: a total that would give back a cohort's masked figure is not drawn
        by_milestone: dict[int, list[OutcomeCells]] = {}
        for mine in cells:
            for m, cell in mine.items():
                by_milestone.setdefault(m, []).append(cell)
        total = {m: total_outcome_cells(c, SMALL) for m, c in sorted(by_milestone.items())}
        # Drawing (matplotlib) takes a while: in a thread, so candidates' replies go on meanwhile.
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
            html = (await asyncio.to_thread(render_funders_report, report)).encode("utf-8")
            reply.add(
                SendFile(
                    f"rapport-financeurs-{ctx.today().isoformat()}.html",
                    html,
                    ctx.render(lang, "alumni/staff_report_caption"),
                )
            )
        return reply.add(chart)  # after the text and the report, as it always came
