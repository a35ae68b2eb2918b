"""The pipeline chart as a PNG: the funnel, and the share of women per stage against the target.

Made with matplotlib's object API on the Agg backend (no display, no pyplot global state), so it
can run in a worker thread. Stages and shares over fewer than 5 people are not drawn: only their
masked text ("< 5", "< 36 %", "–") is written, like everywhere else on the staff side.
"""

from __future__ import annotations

import io
import warnings
from collections.abc import Sequence
from dataclasses import dataclass

from bot.core.disclosure import SMALL, protect
from bot.core.diversity import Share


@dataclass(frozen=True)
class ChartText:
    title: str
    funnel_title: str
    share_title: str
    target_label: str
    subtitle: str = ""


def render_png(
    funnel: Sequence[tuple[str, int]],
    shares: Sequence[tuple[str, Share]],
    target: float,
    text: ChartText,
    small: int = SMALL,
) -> bytes:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(10, 6.5), dpi=100, layout="constrained")
    FigureCanvasAgg(figure)
    figure.suptitle(text.title, fontsize=14, fontweight="bold")
    left, right = figure.subplots(1, 2, gridspec_kw={"width_ratios": [1.2, 1]})

    labels = [label for label, _ in funnel][::-1]
    values = [value for _, value in funnel][::-1]
    # a stage of fewer than `small` people gets no bar, only "< 5" (the staff aggregates' rule)
    shown = [protect({"n": value}, small=small).total for value in values]
    lengths = [v if f.exact else 0 for v, f in zip(values, shown, strict=True)]
    bars = left.barh(labels, lengths, color="#2b6cb0")
    top = max(lengths, default=0) or 1  # the scale must not give a masked stage away either
    for bar, count in zip(bars, shown, strict=True):
        left.text(
            bar.get_width() + top * 0.01,
            bar.get_y() + bar.get_height() / 2,
            count.text(),
            va="center",
            fontsize=9,
        )
    left.set_xlim(0, top * 1.15)
    left.set_title(text.funnel_title, fontsize=11)
    left.spines[["top", "right"]].set_visible(False)

    names = [label for label, _ in shares]
    heights = [100 * s.value if s.exact else 0 for _, s in shares]
    colors = ["#c05621" if (s.below_target or False) else "#2f855a" for _, s in shares]
    share_bars = right.bar(range(len(names)), heights, color=colors)
    for index, (bar, (_, share)) in enumerate(zip(share_bars, shares, strict=True)):
        right.text(index, bar.get_height() + 2, share.text, ha="center", fontsize=8)
    right.axhline(100 * target, color="#742a2a", linestyle="--", linewidth=1.2)
    right.text(
        len(names) - 0.5,
        100 * target + 1.5,
        text.target_label,
        ha="right",
        fontsize=8,
        color="#742a2a",
    )
    right.set_xticks(range(len(names)), names, rotation=30, ha="right", fontsize=9)
    right.set_ylim(0, 100)
    right.set_ylabel("%")
    right.set_title(text.share_title, fontsize=11)
    right.spines[["top", "right"]].set_visible(False)
    if text.subtitle:
        figure.supxlabel(text.subtitle, fontsize=8, color="#4a5568")
    buffer = io.BytesIO()
    with warnings.catch_warnings():
        # An empty chart (no candidates yet) cannot be laid out: it is still a valid image.
        warnings.filterwarnings("ignore", "constrained_layout not applied", UserWarning)
        figure.savefig(buffer, format="png")
    return buffer.getvalue()
