"""Charts and the funders' report drawn in a short-lived process of their own (issue 15).

matplotlib (and numpy, Pillow under it) takes tens of MB once imported, and drawing holds the
GIL for a hundred milliseconds or more: in the bot's process it would stay in its memory for
good and delay candidates' replies. `draw()` starts `python -m bot.reports.worker`, hands it the
job's name and arguments (pickled, from this same program: never data from outside), and reads
the bytes it writes; the process then ends and its memory with it. Blocking: call it in a
thread (asyncio.to_thread).
"""

from __future__ import annotations

import importlib
import pickle
import subprocess
import sys
from typing import Any

# The jobs a worker runs: name -> (module, function); the function returns bytes or text.
JOBS = {
    "milestones_chart": ("bot.reports.charts", "milestones_chart"),
    "funders_report": ("bot.reports.html", "render_funders_report"),
    "pipeline_chart": ("bot.pipeline.chart", "render_png"),
}
TIMEOUT = 120.0  # seconds: a worker that takes longer is stopped and the job fails


class WorkerError(RuntimeError):
    """The worker process failed (its standard error, last lines, is in the message)."""


def draw(job: str, *args: Any) -> bytes:
    """Run one job in a new process; its result as bytes (text as UTF-8)."""
    if job not in JOBS:
        raise ValueError(f"unknown job {job!r}")
    done = subprocess.run(
        [sys.executable, "-m", "bot.reports.worker"],
        input=pickle.dumps((job, args)),
        capture_output=True,
        timeout=TIMEOUT,
        check=False,
    )
    if done.returncode != 0:
        tail = done.stderr.decode("utf-8", "replace").strip().splitlines()[-3:]
        raise WorkerError(f"{job} failed ({done.returncode}): {' | '.join(tail)}")
    return done.stdout


def run(job: str, args: tuple[Any, ...]) -> bytes:
    module, name = JOBS[job]
    result = getattr(importlib.import_module(module), name)(*args)
    return result.encode("utf-8") if isinstance(result, str) else bytes(result)


def main() -> None:
    job, args = pickle.loads(sys.stdin.buffer.read())  # from the bot's own process
    sys.stdout.buffer.write(run(job, args))
    sys.stdout.buffer.flush()


if __name__ == "__main__":
    main()
