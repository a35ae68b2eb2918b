"""Benchmark: the bot's footprint on a small server (issue 14).

The bot runs as `python -m bot run` in its own process against the local fake Bot API:
  idle      RSS (VmRSS, and the peak VmHWM) once it is ready and has sat idle for --idle seconds,
            on an empty database;
  start     start to ready (its last Bot API call before polling, deleteWebhook) with --pending
            outbox rows waiting (100,000 by default, due in 30 days), median of --runs starts;
  nudge     with --nudge, bench/nudge.py as it is (5,000 nudges while 20 candidates screen).

    .venv/bin/python bench/footprint.py [--pending 100000] [--runs 3] [--idle 5] [--nudge]
    [--root OTHER_CHECKOUT]   # run another checkout's bot (its own venv python) to compare
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.nudge import prepare  # noqa: E402


def rss_mb(pid: int) -> dict[str, float]:
    """VmRSS (now) and VmHWM (the peak) of a process, in MB."""
    found = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            found[key] = round(int(value.split()[0]) / 1024, 1)
    return found


async def start_once(root: Path, python: str, db: Path, idle: float) -> dict[str, Any]:
    """Start the bot on `db`, wait until it is ready, sit idle, measure, stop it."""
    from bot.fakeapi import FakeTelegram

    async with FakeTelegram() as server:
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith(("FABNUM_", "TELEGRAM_"))},
            "TELEGRAM_BOT_TOKEN": server.token,
            "TELEGRAM_API_URL": server.base_url,
            "FABNUM_DATABASE": str(db),
            "FABNUM_LOG_LEVEL": "WARNING",
            "FABNUM_ENV_FILE": str(db.parent / "no.env"),
        }
        started = time.perf_counter()
        process = await asyncio.create_subprocess_exec(
            python, "-m", "bot", "run", cwd=root, env=env
        )
        try:
            # deleteWebhook is PTB's last call before it starts polling (see bench/nudge.py)
            await server.wait_until(lambda: bool(server.requests_for("deleteWebhook")), 120)
            ready = time.perf_counter() - started
            await asyncio.sleep(idle)  # the outbox job's first runs, then idle polling
            memory = rss_mb(process.pid)
        finally:
            process.terminate()
            await process.wait()
    return {"ready_s": round(ready, 2), **memory}


async def run(args: argparse.Namespace, root: Path, python: str) -> dict[str, Any]:
    result: dict[str, Any] = {"root": str(root)}
    with tempfile.TemporaryDirectory() as tmp:
        empty = Path(tmp) / "empty.db"
        prepare(empty, [], dt.datetime.now(dt.UTC), 0)
        idle = [await start_once(root, python, empty, args.idle) for _ in range(args.runs)]
        result["idle_rss_mb"] = statistics.median(r["VmRSS"] for r in idle)
        result["idle_peak_rss_mb"] = statistics.median(r["VmHWM"] for r in idle)
        result["empty_start_to_ready_s"] = statistics.median(r["ready_s"] for r in idle)
        loaded = Path(tmp) / "pending.db"
        prepare(loaded, [], dt.datetime.now(dt.UTC), args.pending)
        starts = [await start_once(root, python, loaded, 1.0) for _ in range(args.runs)]
        result["pending_outbox_rows"] = args.pending
        result["start_to_ready_s"] = statistics.median(r["ready_s"] for r in starts)
        result["start_to_ready_runs_s"] = [r["ready_s"] for r in starts]
        result["pending_rss_mb"] = statistics.median(r["VmRSS"] for r in starts)
    return result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pending", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--idle", type=float, default=5.0)
    parser.add_argument("--nudge", action="store_true", help="also run bench/nudge.py")
    parser.add_argument("--root", help="another checkout of the bot, to compare")
    parser.add_argument("--python", help="its Python (default: ROOT/.venv/bin/python)")
    args = parser.parse_args()
    root = Path(args.root).resolve() if args.root else ROOT
    python = args.python or (
        str(root / ".venv" / "bin" / "python") if args.root else sys.executable
    )
    result = asyncio.run(run(args, root, python))
    if args.nudge:  # this checkout's bench/nudge.py, as it is
        out = subprocess.run(
            [sys.executable, str(ROOT / "bench" / "nudge.py")],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        )
        result["nudge"] = json.loads(out.stdout.strip().splitlines()[-1])
    print(json.dumps(result))


if __name__ == "__main__":
    main()
