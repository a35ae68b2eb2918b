"""Benchmark: 200 candidates screening at once through the local Bot API, against a bare echo bot.

Each phase runs in its own subprocess, and the bot in a process of its own:
  fabnum  `python -m bot run`, the production entry point, on a fresh SQLite file;
  echo    a bare PTB echo bot (replies to every text and button with one message).
Both are driven by the same number of simulated people, over HTTP on 127.0.0.1, and the fake
API enforces no limits. The FabNum bot's own limiter is opened up (FABNUM_MESSAGES_PER_SECOND=1000,
FABNUM_CHAT_BURST=0) so the comparison measures its work, not Telegram's caps (bench/nudge.py
measures those); `--telegram-caps` keeps the production caps (30 msg/s, 1/s per chat after a
burst of 3), which bound 200 people answering at once. Printed: updates/s, p50/p95 from a
person's update to the bot's reply, peak RSS, ratio.

    .venv/bin/python bench/screening.py [--candidates 200] [--telegram-caps]
"""

from __future__ import annotations

import argparse
import asyncio
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
UNCAPPED = {"FABNUM_MESSAGES_PER_SECOND": "1000", "FABNUM_CHAT_BURST": "0"}


def screening_script() -> list[tuple[str, str, str | None]]:
    """One screening, as the steps a candidate takes: (kind, value, words in the bot's full reply).

    Derived from the flow (conversations/screening.py, through tests/flowscript.py): an eligible
    candidate answers every question, by button or text, and each answer is followed by the next
    question's "Question N/M". The latency of a step runs until that reply has arrived; a tick in
    a multi-select only edits the buttons, so it runs until the button press is answered."""
    from tests import flowscript as fs

    script: list[tuple[str, str, str | None]] = [
        ("command", "start", "Avant de commencer"),
        ("button", fs.label("fr", "btn.accept"), fs.first_heading()),
    ]
    for move in fs.walk(fs.ELIGIBLE, "fr"):
        *ticks, (kind, value) = fs.typed_or_pressed(move)
        script += [(k, v, None) for k, v in ticks]
        script.append((kind, value, move.then or "Tes réponses"))
    script.append(("button", fs.label("fr", "btn.confirm"), "Bravo"))
    return script


SCRIPT = screening_script()


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


async def drive(server: Any, user: Any, latencies: list[float], echo: bool) -> int:
    """Play the script for one person; return the number of updates sent."""
    for kind, value, expect in SCRIPT:
        before = len(server.messages(user.id))
        start = time.perf_counter()
        query_id = None
        if kind == "command":
            server.send_command(user, value)
        elif kind == "text":
            server.send_text(user, value)
        elif echo:
            query_id = server.press_button(user, server.messages(user.id)[-1], index=0)
        else:
            target = next(m for m in reversed(server.messages(user.id)) if m.buttons)
            query_id = server.press_button(user, target, text=value)
        if echo:
            await server.wait_for_message(user.id, after=before, timeout=60)
        elif expect is None:
            await server.wait_for_callback_answer(query_id, timeout=60)
        else:
            await server.wait_for_message(
                user.id, after=before, timeout=60, predicate=lambda m, w=expect: w in m.plain_text
            )
        latencies.append(time.perf_counter() - start)
    return len(SCRIPT)


def peak_rss_mb(pid: int) -> float:
    """VmHWM: the highest resident set size the process reached."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return round(int(line.split()[1]) / 1024, 1)
    return float("nan")


async def phase(name: str, candidates: int, telegram_caps: bool) -> dict[str, Any]:
    """Start the bot in its own process against a fake Bot API in this one, then drive it."""
    from bot.fakeapi import FakeTelegram

    async with FakeTelegram() as server:
        with tempfile.TemporaryDirectory() as tmp:
            if name == "fabnum":
                command = [sys.executable, "-m", "bot", "run"]
            else:
                command = [sys.executable, str(ROOT / "bench" / "echo_bot.py")]
                command += [server.token, server.base_url]
            env = {
                **os.environ,
                "TELEGRAM_BOT_TOKEN": server.token,
                "TELEGRAM_API_URL": server.base_url,
                "FABNUM_DATABASE": str(Path(tmp) / "bench.db"),
                "FABNUM_LOG_LEVEL": "WARNING",
                "FABNUM_ENV_FILE": str(Path(tmp) / "no.env"),
                # This fake API enforces no limits and its people answer at once: measure the
                # bot's own work against the bare echo bot, not Telegram's caps (30 msg/s,
                # 1/s per chat), which bench/nudge.py measures. --telegram-caps keeps them.
                **({} if telegram_caps else UNCAPPED),
            }
            process = await asyncio.create_subprocess_exec(*command, cwd=ROOT, env=env)
            try:
                await server.wait_until(lambda: bool(server.requests_for("getUpdates")), timeout=60)
                users = [server.new_user(f"C{i}") for i in range(candidates)]
                latencies: list[float] = []
                start = time.perf_counter()
                counts = await asyncio.gather(
                    *(drive(server, u, latencies, name == "echo") for u in users)
                )
                elapsed = time.perf_counter() - start
                rss = peak_rss_mb(process.pid)
            finally:
                process.terminate()
                await process.wait()
    return {
        "phase": name,
        "candidates": candidates,
        "updates": sum(counts),
        "seconds": round(elapsed, 2),
        "updates_per_s": round(sum(counts) / elapsed, 1),
        "p50_ms": round(statistics.median(latencies) * 1000, 1),
        "p95_ms": round(percentile(latencies, 0.95) * 1000, 1),
        "peak_rss_mb": rss,
        "api_calls": server.stats.total_requests,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--candidates", type=int, default=200)
    parser.add_argument("--phase", choices=["fabnum", "echo"])
    parser.add_argument("--telegram-caps", action="store_true")
    args = parser.parse_args()
    if args.phase:
        print(json.dumps(asyncio.run(phase(args.phase, args.candidates, args.telegram_caps))))
        return
    caps = ["--telegram-caps"] if args.telegram_caps else []
    results = {}
    for name in ("fabnum", "echo"):
        out = subprocess.run(
            [
                sys.executable,
                __file__,
                "--phase",
                name,
                "--candidates",
                str(args.candidates),
                *caps,
            ],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        results[name] = json.loads(out.strip().splitlines()[-1])
    header = ("", "updates", "secs", "upd/s", "p50 ms", "p95 ms", "RSS MB")
    print("{:8} {:>8} {:>7} {:>7} {:>8} {:>8} {:>7}".format(*header))
    for name, r in results.items():
        print(
            f"{name:8} {r['updates']:>8} {r['seconds']:>7} {r['updates_per_s']:>7} "
            f"{r['p50_ms']:>8} {r['p95_ms']:>8} {r['peak_rss_mb']:>7}"
        )
    ratio = results["fabnum"]["updates_per_s"] / results["echo"]["updates_per_s"]
    print(f"ratio fabnum/echo updates/s: {ratio:.2f} (target >= 0.60)")
    print("(the bot runs in its own process; peak RSS is that process's VmHWM)")


if __name__ == "__main__":
    main()
