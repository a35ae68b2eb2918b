"""The funders' report: one self-contained HTML file (inline CSS, charts as base64 PNG)."""

from __future__ import annotations

import base64
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import jinja2

from bot.alumni.facts import STAGES
from bot.core.disclosure import SMALL, Figure
from bot.kernel.rendering import Renderer
from bot.reports.charts import grouped_bars
from bot.reports.data import FundersReport, YearSite
from bot.reports.figures import (
    OutcomeCells,
    StageCells,
    outcome_cells,
    stage_cells,
    total_outcome_cells,
    total_stage_cells,
)

TEMPLATES = Path(__file__).resolve().parent / "templates"
STAGE_NAMES = {
    "candidates": "Candidats",
    "eligible": "Éligibles",
    "admitted": "Admis",
    "trained": "Formés",
}


@dataclass(frozen=True)
class RowCells:
    """What one row (a site, or a year's total) of the report may show."""

    year: int
    site_name: str
    stages: Mapping[str, StageCells]
    outcome: OutcomeCells


@dataclass(frozen=True)
class ReportCells:
    rows: tuple[RowCells, ...]
    totals: Mapping[int, RowCells]


def report_cells(report: FundersReport, small: int = SMALL) -> ReportCells:
    """Every figure of the report through the small-count rule; a year's total row only shows
    what cannot give back a site's masked figure."""

    def row(r: YearSite) -> RowCells:
        return RowCells(
            r.year,
            r.site_name,
            {s: stage_cells(r.stages[s].total, r.stages[s].women, small) for s in STAGES},
            outcome_cells(r.outcome, report.outcomes, small),
        )

    rows = tuple(row(r) for r in report.rows)
    totals = {}
    for year in report.totals:
        mine = [r for r in rows if r.year == year]
        totals[year] = RowCells(
            year,
            "Total",
            {s: total_stage_cells([r.stages[s] for r in mine], small) for s in STAGES},
            total_outcome_cells([r.outcome for r in mine], small),
        )
    return ReportCells(rows, totals)


@cache
def _labels() -> Mapping[str, str]:
    return Renderer().labels("fr")


def group_name(group: str) -> str:
    """A report line's readable name (fu.group.<id> in fr/labels.j2)."""
    return _labels().get(f"fu.group.{group}", group.replace("_", " "))


def _env() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["pct"] = _pct
    env.filters["group_name"] = group_name
    env.filters["vs_target"] = _vs_target
    return env


def _vs_target(figure: Figure, target: int) -> str:
    """CSS class of a share against its target, only when what is shown decides it (a bound
    that straddles the target says neither)."""
    if figure.exact:
        return "ok" if figure.value >= target else "below"
    if figure.kind == "below" and figure.value <= target:
        return "below"
    if figure.kind == "above" and figure.value >= target:
        return "ok"
    return ""


def _pct(value: float | None) -> str:
    return "n/d" if value is None else f"{round(value * 100)} %"


def _data_uri(png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


def report_charts(report: FundersReport, cells: ReportCells | None = None) -> dict[str, str]:
    """The two charts of the report, as data: URIs (empty dict when there is no row). A share
    that may not be shown exactly is not drawn: a hatched "n/d" outline stands in its place."""
    if not report.rows:
        return {}
    cells = cells or report_cells(report)
    labels = [f"{r.year} {r.site_name}" for r in cells.rows]
    targets = report.outcomes.targets
    women = grouped_bars(
        "Part des femmes à chaque étape",
        labels,
        [(STAGE_NAMES[s], [r.stages[s].women_value for r in cells.rows]) for s in STAGES],
        target=float(targets.women_share),
        target_label=f"Objectif {targets.women_share} %",
    )
    positive = grouped_bars(
        f"Sorties positives à {report.milestone} mois",
        labels,
        [
            (
                "parmi les répondants",
                [r.outcome.value("positive_among_respondents") for r in cells.rows],
            ),
            (
                "parmi tous les sortants",
                [r.outcome.value("positive_among_all") for r in cells.rows],
            ),
        ],
        target=float(targets.positive_rate),
        target_label=f"Objectif {targets.positive_rate} %",
    )
    return {"women": _data_uri(women), "positive": _data_uri(positive)}


def render_funders_report(report: FundersReport, *, charts: bool = True) -> str:
    template = _env().get_template("funders.html.j2")
    cells = report_cells(report)
    return template.render(
        report=report,
        cells=cells,
        small=SMALL,
        stages=STAGES,
        stage_names=STAGE_NAMES,
        charts=report_charts(report, cells) if charts else {},
    )
