"""The funders' report: one self-contained HTML file (inline CSS, charts as base64 PNG)."""

from __future__ import annotations

import base64
from pathlib import Path

import jinja2

from bot.alumni.facts import STAGES
from bot.reports.charts import grouped_bars
from bot.reports.data import FundersReport

TEMPLATES = Path(__file__).resolve().parent / "templates"
STAGE_NAMES = {
    "candidates": "Candidats",
    "eligible": "Éligibles",
    "admitted": "Admis",
    "trained": "Formés",
}


def _env() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["pct"] = _pct
    return env


def _pct(value: float | None) -> str:
    return "n/d" if value is None else f"{round(value * 100)} %"


def _data_uri(png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


def report_charts(report: FundersReport) -> dict[str, str]:
    """The two charts of the report, as data: URIs (empty dict when there is no row)."""
    if not report.rows:
        return {}
    labels = [f"{r.year} {r.site_name}" for r in report.rows]
    targets = report.outcomes.targets
    women = grouped_bars(
        "Part des femmes à chaque étape",
        labels,
        [(STAGE_NAMES[s], [r.stages[s].women_share for r in report.rows]) for s in STAGES],
        target=float(targets.women_share),
        target_label=f"Objectif {targets.women_share} %",
    )
    positive = grouped_bars(
        f"Sorties positives à {report.milestone} mois",
        labels,
        [
            ("parmi les répondants", [r.outcome.positive_among_respondents for r in report.rows]),
            ("parmi tous les sortants", [r.outcome.positive_among_all for r in report.rows]),
        ],
        target=float(targets.positive_rate),
        target_label=f"Objectif {targets.positive_rate} %",
    )
    return {"women": _data_uri(women), "positive": _data_uri(positive)}


def render_funders_report(report: FundersReport, *, charts: bool = True) -> str:
    template = _env().get_template("funders.html.j2")
    return template.render(
        report=report,
        stages=STAGES,
        stage_names=STAGE_NAMES,
        charts=report_charts(report) if charts else {},
    )
