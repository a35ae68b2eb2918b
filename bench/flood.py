"""Benchmark: other people's replies while one private chat floods 1,000 texts and a group floods
500 commands (issue 10), against the local Bot API with Telegram's limits.

The bot runs as `python -m bot run` in its own process with its default settings (30 msg/s,
1 msg/s per chat after a burst of 3, a budget of 20 updates per 10 s per person); the fake API
enforces the same limits with 429s. Both floods are queued at once (a forwarded batch), then 20
other people each send /start, accept the notice and choose a site (3 replies each), starting
0.25 s apart. Latency runs from a person's update to the bot's reply. At the end the bot gets
SIGTERM and the time it takes to exit is measured.

Printed: replies measured, p50/p95/max, what the flooder and the group got, the drops the bot
logged, the time to exit after SIGTERM, peak RSS. `--no-budget` (FABNUM_FLOOD_UPDATES=0) shows
the per-chat queues alone: the flooder's 1,000 updates all queue, paced at 1 reply/s.
`--presses N` adds a third flooder pressing one button N times (how many presses were answered,
i.e. had their spinner stopped, by the time the people are done).

    .venv/bin/python bench/flood.py [--texts 1000] [--commands 500] [--presses 0] [--people 20]
                                    [--no-budget]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import signal
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.screening import peak_rss_mb, percentile  # noqa: E402

GROUP = -1001234567890
STEPS: list[tuple[str, str, str]] = [
    ("command", "start", "Avant de commencer"),
    ("button", "J'accepte", "Question 1/11"),
    ("button", "Gonesse", "Question 2/11"),
]


async def person(
    server: Any, user: Any, delay: float, latencies: list[float], patience: float
) -> bool:
    """Play the steps; False if a reply did not come within `patience` s (the person gives up)."""
    await asyncio.sleep(delay)
    for kind, value, expect in STEPS:
        before = len(server.messages(user.id))
        start = time.perf_counter()
        if kind == "command":
            server.send_command(user, value)
        else:
            target = next(m for m in reversed(server.messages(user.id)) if m.buttons)
            server.press_button(user, target, text=value)
        try:
            await server.wait_for_message(
                user.id,
                after=before,
                timeout=patience,
                predicate=lambda m, w=expect: w in m.plain_text,
            )
        except AssertionError:
            return False
        latencies.append(time.perf_counter() - start)
        await asyncio.sleep(1.0)  # a person reads, then answers
    return True


async def run(
    texts: int, commands: int, presses: int, people: int, budget: bool, patience: float
) -> dict[str, Any]:
    from bot.fakeapi import FakeTelegram, RateLimits

    limits = RateLimits(overall_per_second=30, per_chat_per_second=1, per_chat_burst=3)
    async with FakeTelegram(rate_limits=limits) as server:
        with tempfile.TemporaryDirectory() as tmp:
            env = {
                **{k: v for k, v in os.environ.items() if not k.startswith("FABNUM_")},
                "TELEGRAM_BOT_TOKEN": server.token,
                "TELEGRAM_API_URL": server.base_url,
                "FABNUM_DATABASE": str(Path(tmp) / "bench.db"),
                "FABNUM_LOG_LEVEL": "WARNING",
                "FABNUM_ENV_FILE": str(Path(tmp) / "no.env"),
                "FABNUM_QUIET_HOURS": "00:00-00:00",
            }
            if not budget:
                env["FABNUM_FLOOD_UPDATES"] = "0"
            process = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "bot",
                "run",
                cwd=ROOT,
                env=env,
                stderr=asyncio.subprocess.PIPE,
            )
            try:
                await server.wait_until(lambda: bool(server.requests_for("deleteWebhook")), 60)
                flooder = server.new_user("Flooder")
                member = server.new_user("Member")
                presser = server.new_user("Presser")
                query_ids: list[str] = []
                if presses:
                    server.send_command(presser, "start")
                    notice = await server.wait_for_message(
                        presser.id, after=0, timeout=30, predicate=lambda m: bool(m.buttons)
                    )
                for i in range(texts):
                    server.send_text(flooder, f"message {i}")
                for _ in range(commands):
                    server.send_group_text(member, GROUP, "/start")
                for _ in range(presses):
                    query_ids.append(server.press_button(presser, notice, text="J'accepte"))
                latencies: list[float] = []
                users = [server.new_user(f"P{i}") for i in range(people)]
                started = time.perf_counter()
                done = await asyncio.gather(
                    *(person(server, u, i * 0.25, latencies, patience) for i, u in enumerate(users))
                )
                people_seconds = time.perf_counter() - started
                flooder_messages = len(server.messages(flooder.id))
                answered = sum(q in server.callback_answers for q in query_ids)
                rss = peak_rss_mb(process.pid)
                process.send_signal(signal.SIGTERM)
                stopping = time.perf_counter()
                stderr = b""
                try:
                    _, stderr = await asyncio.wait_for(process.communicate(), patience)
                    exit_seconds: float | str = round(time.perf_counter() - stopping, 2)
                except TimeoutError:
                    exit_seconds = f"still running after {patience:g} s (killed)"
            finally:
                if process.returncode is None:
                    process.kill()
                    await process.wait()
    log = stderr.decode()
    over_budget = re.search(r"flood: (\d+) update\(s\) dropped over budget in all", log)
    queued = re.search(r"stopping: (\d+) queued update\(s\) dropped", log)
    return {
        "flood_budget": "20 per 10 s" if budget else "off",
        "flood_texts": texts,
        "group_commands": commands,
        "button_presses": presses,
        "people": people,
        "replies_measured": len(latencies),
        "people_without_reply": done.count(False),
        "reply_p50_ms": round(statistics.median(latencies) * 1000) if latencies else None,
        "reply_p95_ms": round(percentile(latencies, 0.95) * 1000) if latencies else None,
        "reply_max_ms": round(max(latencies) * 1000) if latencies else None,
        "people_done_s": round(people_seconds, 1),
        "flooder_messages_received": flooder_messages,
        "flooder_dropped_over_budget": int(over_budget.group(1)) if over_budget else 0,
        "queued_dropped_at_stop": int(queued.group(1)) if queued else 0,
        "presses_answered": answered,
        "group_messages": len(server.messages(GROUP)),
        "group_left": getattr(server, "left_group", lambda _: None)(GROUP),
        "http_429": server.stats.too_many_requests,
        "exit_after_sigterm_s": exit_seconds,
        "exit_code": process.returncode,
        "peak_rss_mb": rss,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--texts", type=int, default=1000)
    parser.add_argument("--commands", type=int, default=500)
    parser.add_argument("--presses", type=int, default=0)
    parser.add_argument("--people", type=int, default=20)
    parser.add_argument("--no-budget", action="store_true")
    parser.add_argument("--timeout", type=float, default=60, help="a person gives up after it")
    args = parser.parse_args()
    result = asyncio.run(
        run(
            args.texts,
            args.commands,
            args.presses,
            args.people,
            not args.no_budget,
            args.timeout,
        )
    )
    print(json.dumps(result))


if __name__ == "__main__":
    main()
