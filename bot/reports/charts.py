"""PNG charts with matplotlib's object API (Figure renders with Agg; no pyplot global state,
no display needed); bytes out."""

from __future__ import annotations

import io
from collections.abc import Sequence

from matplotlib.figure import Figure

from bot.core.outcomes import Rates

COLOURS = ("#2b6cb0", "#38a169", "#d69e2e", "#9f7aea")


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
    """Bars in percent per group, one colour per series, with an optional target line."""
    width = 0.8 / max(1, len(series))
    fig = Figure(figsize=(max(6.0, 1.2 * len(groups) + 3), 3.6), dpi=100)
    ax = fig.subplots()
    for index, (name, values) in enumerate(series):
        xs = [g + index * width - 0.4 + width / 2 for g in range(len(groups))]
        heights = [_pct(v) for v in values]
        bars = ax.bar(xs, heights, width, label=name, color=COLOURS[index % len(COLOURS)])
        ax.bar_label(bars, labels=["n/a" if v is None else f"{_pct(v):.0f}" for v in values])
    if target is not None:
        ax.axhline(target, color="#c53030", linestyle="--", linewidth=1.2, label=target_label)
    ax.set_xticks(range(len(groups)), list(groups))
    ax.set_ylim(0, 110)
    ax.set_ylabel("%")
    ax.set_title(title)
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    return buffer.getvalue()


def milestones_chart(title: str, milestones: dict[int, Rates], targets: tuple[int, int]) -> bytes:
    """The /sorties chart: per milestone, response rate and both positive-exit rates."""
    labels = [("J0" if m == 0 else f"+{m} mois") for m in milestones]
    rates = list(milestones.values())
    return grouped_bars(
        title,
        labels,
        [
            ("Taux de réponse", [r.response_rate for r in rates]),
            ("Sorties positives / répondants", [r.positive_among_respondents for r in rates]),
            ("Sorties positives / tous", [r.positive_among_all for r in rates]),
        ],
        target=float(targets[1]),
        target_label=f"Objectif sorties positives {targets[1]} %",
    )
