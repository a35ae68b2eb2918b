"""PNG charts with matplotlib's object API (Figure renders with Agg; no pyplot global state,
no display needed); bytes out."""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence

from matplotlib.figure import Figure

from bot.reports.figures import OutcomeCells

COLOURS = ("#2b6cb0", "#38a169", "#d69e2e", "#9f7aea")
WITHHELD = "n/d"
WITHHELD_NOTE = "n/d (hachuré) : part sur moins de 5 personnes, ou qui en trahirait, non dessinée"
WITHHELD_HEIGHT = 6.0  # a short hatched outline, clearly not a value


def _pct(value: float | None) -> float:
    return 0.0 if value is None else round(value * 100, 1)


def grouped_bars(
    title: str,
    groups: Sequence[str],
    series: Sequence[tuple[str, Sequence[float | None]]],
    *,
    target: float | None = None,
    target_label: str = "",
) -> bytes:
    """The PNG of `bars_figure`."""
    fig = bars_figure(title, groups, series, target=target, target_label=target_label)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    return buffer.getvalue()


def bars_figure(
    title: str,
    groups: Sequence[str],
    series: Sequence[tuple[str, Sequence[float | None]]],
    *,
    target: float | None = None,
    target_label: str = "",
) -> Figure:
    """Bars in percent per group, one colour per series, with an optional target line.

    A value of None is a share that may not be shown (it rests on fewer than 5 people, or would
    give such a figure away): no bar is drawn for it, only a short hatched outline marked "n/d",
    explained by a note under the chart.
    """
    width = 0.8 / max(1, len(series))
    fig = Figure(figsize=(max(6.0, 1.2 * len(groups) + 3), 3.9), dpi=100)
    ax = fig.subplots()
    withheld = False
    for index, (name, values) in enumerate(series):
        xs = [g + index * width - 0.4 + width / 2 for g in range(len(groups))]
        colour = COLOURS[index % len(COLOURS)]
        shown = [(x, v) for x, v in zip(xs, values, strict=True) if v is not None]
        hidden = [x for x, v in zip(xs, values, strict=True) if v is None]
        bars = ax.bar(
            [x for x, _ in shown], [_pct(v) for _, v in shown], width, label=name, color=colour
        )
        ax.bar_label(bars, labels=[f"{_pct(v):.0f}" for _, v in shown])
        if hidden:
            withheld = True
            marks = ax.bar(
                hidden,
                [WITHHELD_HEIGHT] * len(hidden),
                width,
                facecolor="none",
                edgecolor=colour,
                hatch="///",
                linewidth=0.8,
            )
            ax.bar_label(marks, labels=[WITHHELD] * len(hidden), fontsize=7)
    if target is not None:
        ax.axhline(target, color="#c53030", linestyle="--", linewidth=1.2, label=target_label)
    ax.set_xticks(range(len(groups)), list(groups))
    ax.set_ylim(0, 110)
    ax.set_ylabel("%")
    ax.set_title(title)
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    if withheld:
        fig.text(0.01, 0.01, WITHHELD_NOTE, fontsize=7, color="#4a5568")
    fig.tight_layout(rect=(0, 0.04 if withheld else 0, 1, 1))
    return fig


def milestones_chart(
    title: str, milestones: Mapping[int, OutcomeCells], targets: tuple[int, int]
) -> bytes:
    """The /sorties chart: per milestone, response rate and both positive-exit rates (only those
    that may be shown exactly; see bot/reports/figures.py)."""
    labels = [("J0" if m == 0 else f"+{m} mois") for m in milestones]
    cells = list(milestones.values())
    return grouped_bars(
        title,
        labels,
        [
            ("Taux de réponse", [c.value("response_rate") for c in cells]),
            (
                "Sorties positives / répondants",
                [c.value("positive_among_respondents") for c in cells],
            ),
            ("Sorties positives / tous", [c.value("positive_among_all") for c in cells]),
        ],
        target=float(targets[1]),
        target_label=f"Objectif sorties positives {targets[1]} %",
    )
