"""Benchmark: 200 candidates screening at once through the local Bot API, against a bare echo bot.

Each phase runs in its own subprocess so that its peak RSS is its own:
  fabnum  the real Application (composition root of production) on a fresh SQLite file;
  echo    a bare PTB echo bot (replies to every text and button with one message).
Both are driven by the same number of simulated people, over HTTP on 127.0.0.1, with no rate
limiter. Printed: updates/s, p50/p95 from a person's update to the bot's reply, peak RSS, ratio.

    .venv/bin/python bench/screening.py [--candidates 200]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

# One screening, as the steps a candidate takes: (kind, value).
SCRIPT: list[tuple[str, str]] = [
    ("command", "start"),
    ("button", "J'accepte"),
    ("button", "Gonesse"),
    ("text", "Léa"),
    ("text", "06/2005"),
    ("button", "Rien de tout ça"),
    ("button", "Aucun diplôme"),
    ("button", "plus d'1 an"),
    ("text", "95500"),
    ("button", "Oui"),
    ("button", "Coder"),
    ("button", "Valider"),
    ("button", "Mission Locale"),
    ("button", "Femme"),
    ("button", "C'est bon"),
]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


async def drive(server: Any, user: Any, latencies: list[float], echo: bool) -> int:
    """Play the script for one person; return the number of updates sent."""
    updates = 0
    for kind, value in SCRIPT:
        before = len(server.messages(user.id))
        start = time.perf_counter()
        if kind == "command":
            server.send_command(user, value)
        elif kind == "text":
            server.send_text(user, value)
        else:
            if echo:
                messages = server.messages(user.id)
                server.press_button(user, messages[-1], index=0)
            else:
                target = next(m for m in reversed(server.messages(user.id)) if m.buttons)
                server.press_button(user, target, text=value)
        updates += 1
        await server.wait_for_message(user.id, after=before, timeout=60)
        latencies.append(time.perf_counter() - start)
        if kind == "command" and not echo:
            # the notice comes as a second message after the welcome
            await server.wait_for_message(user.id, after=before + 1, timeout=60)
    return updates


async def phase(name: str, candidates: int) -> dict[str, Any]:
    from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
    from telegram.ext import ApplicationBuilder, CallbackQueryHandler, MessageHandler, filters

    from bot.app import build_application
    from bot.config import Settings
    from bot.fakeapi import FakeTelegram

    async with FakeTelegram() as server:
        with tempfile.TemporaryDirectory() as tmp:
            if name == "fabnum":
                settings = Settings(
                    token=server.token, api_url=server.base_url, database=Path(tmp) / "bench.db"
                )
                application = build_application(settings)
            else:
                again = InlineKeyboardButton("again", callback_data="x")
                keyboard = InlineKeyboardMarkup([[again]])

                async def echo_text(update: Update, context: Any) -> None:
                    assert update.effective_message is not None
                    await update.effective_message.reply_text(
                        update.effective_message.text or "?", reply_markup=keyboard
                    )

                async def echo_button(update: Update, context: Any) -> None:
                    query = update.callback_query
                    assert query is not None and update.effective_chat is not None
                    await query.answer()
                    await context.bot.send_message(
                        update.effective_chat.id, query.data or "?", reply_markup=keyboard
                    )

                application = (
                    ApplicationBuilder()
                    .token(server.token)
                    .base_url(server.base_url)
                    .concurrent_updates(True)
                    .build()
                )
                application.add_handler(MessageHandler(filters.ALL, echo_text))
                application.add_handler(CallbackQueryHandler(echo_button))
            async with application:
                await application.start()
                assert application.updater is not None
                await application.updater.start_polling(poll_interval=0, timeout=1)
                users = [server.new_user(f"C{i}") for i in range(candidates)]
                latencies: list[float] = []
                start = time.perf_counter()
                counts = await asyncio.gather(
                    *(drive(server, u, latencies, name == "echo") for u in users)
                )
                elapsed = time.perf_counter() - start
                await application.updater.stop()
                await application.stop()
    return {
        "phase": name,
        "candidates": candidates,
        "updates": sum(counts),
        "seconds": round(elapsed, 2),
        "updates_per_s": round(sum(counts) / elapsed, 1),
        "p50_ms": round(statistics.median(latencies) * 1000, 1),
        "p95_ms": round(percentile(latencies, 0.95) * 1000, 1),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--candidates", type=int, default=200)
    parser.add_argument("--phase", choices=["fabnum", "echo"])
    args = parser.parse_args()
    if args.phase:
        print(json.dumps(asyncio.run(phase(args.phase, args.candidates))))
        return
    results = {}
    for name in ("fabnum", "echo"):
        out = subprocess.run(
            [sys.executable, __file__, "--phase", name, "--candidates", str(args.candidates)],
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
    print("(peak RSS includes the fake Bot API and the simulated people, in the same process)")


if __name__ == "__main__":
    main()
