"""Charts and the funders' report are drawn in a worker process (bot/reports/worker.py): the
bot's own process never imports matplotlib, and a failing job says why."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from bot.reports.worker import WorkerError, draw

ROOT = Path(__file__).resolve().parent.parent

PROBE = """
import json, sys
from bot.core.diversity import Share
from bot.pipeline.chart import ChartText
from bot.reports.worker import draw

text = ChartText("Pipeline", "Funnel", "Women", "Target 40 %")
funnel = [("Candidates", 120), ("Eligible", 80), ("Admitted", 3)]
shares = [(label, Share(n // 2, n, 0.4, 5)) for label, n in funnel]
png = draw("pipeline_chart", funnel, shares, 0.4, text, 5)
print(json.dumps({
    "png": png.startswith(b"\\x89PNG"),
    "heavy": sorted(m for m in sys.modules if m.split(".")[0] in ("matplotlib", "numpy", "PIL")),
}))
"""


def test_a_chart_is_drawn_without_matplotlib_in_the_callers_process() -> None:
    done = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    seen = json.loads(done.stdout)
    assert seen == {"png": True, "heavy": []}


def test_a_failing_job_raises_with_its_error() -> None:
    with pytest.raises(WorkerError, match="pipeline_chart failed"):
        draw("pipeline_chart", "not", "the", "arguments")
    with pytest.raises(ValueError, match="unknown job"):
        draw("os.system", "true")
