"""Benchmark: a nudge to N recipients through the outbox, against the local Bot API with
Telegram's limits (30 msg/s overall, 1 msg/s per chat, 429s), while 20 candidates screen.

The bot runs as `python -m bot run` in its own process, with FABNUM_CHAT_BURST set to the fake
API's per-chat burst (`--burst`, 1 by default: the strictest reading of Telegram's limit).
Printed: nudges/s and all messages/s sustained (nudges + the screeners' replies, which share the
30 msg/s), 429s, lost, duplicated, peak RSS, screening reply p50/p95, start-to-ready.

    .venv/bin/python bench/nudge.py [--recipients 5000] [--pending 100000] [--screeners 20]
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.screening import SCRIPT, peak_rss_mb, percentile  # noqa: E402


def prepare(db_path: Path, user_ids: list[int], due: dt.datetime, pending_future: int) -> None:
    """Candidates silent for two days, each with one nudge row due now (written directly)."""
    from bot.db.database import load_migrations

    conn = sqlite3.connect(db_path)
    conn.execute("PRAGMA journal_mode = WAL")
    for m in load_migrations():
        conn.executescript(m.sql)
        conn.execute(f"PRAGMA user_version = {m.version}")
    old = (due - dt.timedelta(days=2)).isoformat(timespec="seconds")
    now = due.isoformat(timespec="seconds")
    conn.executemany(
        "INSERT INTO candidates (id, telegram_id, chat_id, language, consent_version,"
        " consented_at, created_at, updated_at, last_contact_at) VALUES (?, ?, ?, 'fr', 'x', ?,"
        " ?, ?, ?)",
        [(i + 1, uid, uid, old, old, old, old) for i, uid in enumerate(user_ids)],
    )
    conn.executemany(
        "INSERT INTO outbox (key, kind, chat_id, candidate_id, payload, due_at, quiet_hours,"
        " created_at) VALUES (?, 'screening.nudge', ?, ?, '{\"number\": 1}', ?, 0, ?)",
        [(f"screening.nudge:{i + 1}:1", uid, i + 1, now, now) for i, uid in enumerate(user_ids)],
    )
    later = (due + dt.timedelta(days=30)).isoformat(timespec="seconds")
    conn.executemany(
        "INSERT INTO outbox (key, kind, chat_id, due_at, created_at) VALUES (?, 'x', 1, ?, ?)",
        [(f"future:{i}", later, now) for i in range(pending_future)],
    )
    conn.commit()
    conn.close()


def delivered_calls(server: Any, window: tuple[float, float]) -> int:
    """Messages that reached a chat (sent or edited) in the window: what Telegram's limits count."""
    counted = {"sendmessage", "editmessagetext", "editmessagereplymarkup", "senddocument"}
    return sum(
        1
        for r in server.requests
        if r.status == 200 and r.method.lower() in counted and window[0] <= r.time <= window[1]
    )


async def screen(server: Any, user: Any, latencies: list[float]) -> None:
    for kind, value, expect in SCRIPT:
        await asyncio.sleep(1.5)  # a person reads and answers
        before = len(server.messages(user.id))
        start = time.perf_counter()
        query_id = None
        if kind == "command":
            server.send_command(user, value)
        elif kind == "text":
            server.send_text(user, value)
        else:
            target = next(m for m in reversed(server.messages(user.id)) if m.buttons)
            query_id = server.press_button(user, target, text=value)
        if expect is None:
            await server.wait_for_callback_answer(query_id, timeout=60)
        else:
            await server.wait_for_message(
                user.id, after=before, timeout=60, predicate=lambda m, w=expect: w in m.plain_text
            )
        latencies.append(time.perf_counter() - start)


async def run(recipients: int, pending: int, burst: int, screeners: int) -> dict[str, Any]:
    from bot.fakeapi import FakeTelegram, RateLimits

    limits = RateLimits(overall_per_second=30, per_chat_per_second=1, per_chat_burst=burst)
    async with FakeTelegram(rate_limits=limits) as server:
        with tempfile.TemporaryDirectory() as tmp:
            users = [server.new_user(f"N{i}") for i in range(recipients)]
            for user in users:
                server._open_private(user)  # they started the bot earlier
            db = Path(tmp) / "bench.db"
            prepare(db, [u.id for u in users], dt.datetime.now(dt.UTC), pending)
            env = {
                **os.environ,
                "TELEGRAM_BOT_TOKEN": server.token,
                "TELEGRAM_API_URL": server.base_url,
                "FABNUM_DATABASE": str(db),
                "FABNUM_LOG_LEVEL": "WARNING",
                "FABNUM_ENV_FILE": str(Path(tmp) / "no.env"),
                "FABNUM_QUIET_HOURS": "00:00-00:00",
                "FABNUM_CHAT_BURST": str(burst),
            }
            started = time.perf_counter()
            process = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "bot", "run", cwd=ROOT, env=env
            )
            try:
                # deleteWebhook is PTB's last call before it starts polling; the fake API records a
                # request when it answers, so the first getUpdates (a 10 s long poll) would be late.
                await server.wait_until(lambda: bool(server.requests_for("deleteWebhook")), 60)
                ready = time.perf_counter() - started

                recipient_chats = {u.id for u in users}
                nudge_times: list[float] = []  # when each nudge reached the API (its clock)
                seen = 0

                def count_nudges() -> int:
                    """Incremental over the request log: cheap, as the fake API shares this loop."""
                    nonlocal seen
                    log = server.requests
                    for r in log[seen:]:
                        if (
                            r.status == 200
                            and r.method.lower() == "sendmessage"
                            and r.params.get("chat_id") in recipient_chats
                        ):
                            nudge_times.append(r.time)
                    seen = len(log)
                    return len(nudge_times)

                first = time.perf_counter()
                latencies: list[float] = []
                people = [server.new_user(f"S{i}") for i in range(screeners)]
                screening = asyncio.gather(*(screen(server, u, latencies) for u in people))
                while True:
                    await asyncio.sleep(1)
                    if count_nudges() >= recipients or time.perf_counter() - first > 900:
                        break
                # From the first nudge to the last one, on the fake API's own clock.
                window = (min(nudge_times), max(nudge_times)) if nudge_times else (0.0, 1.0)
                elapsed = max(window[1] - window[0], 1e-9)
                sent_during = delivered_calls(server, window)
                await screening
                rss = peak_rss_mb(process.pid)
            finally:
                process.terminate()
                await process.wait()
            counts = [
                sum("avais commencé" in m.plain_text for m in server.messages(u.id)) for u in users
            ]
    return {
        "recipients": recipients,
        "pending_future_rows": pending,
        "per_chat_burst": burst,
        "start_to_ready_s": round(ready, 2),
        "nudge_seconds": round(elapsed, 1),
        "screeners": screeners,
        "nudges_per_s": round((len(nudge_times) - 1) / elapsed, 1),
        "all_messages_per_s": round(sent_during / elapsed, 1),
        "http_429": server.stats.too_many_requests,
        "lost": sum(1 for c in counts if c == 0),
        "duplicated": sum(1 for c in counts if c > 1),
        "screening_replies": len(latencies),
        "screening_p50_ms": round(statistics.median(latencies) * 1000) if latencies else None,
        "screening_p95_ms": round(percentile(latencies, 0.95) * 1000) if latencies else None,
        "peak_rss_mb": rss,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--recipients", type=int, default=5000)
    parser.add_argument("--pending", type=int, default=0)
    parser.add_argument("--burst", type=int, default=1)
    parser.add_argument("--screeners", type=int, default=20)
    args = parser.parse_args()
    result = asyncio.run(run(args.recipients, args.pending, args.burst, args.screeners))
    print(json.dumps(result))


if __name__ == "__main__":
    main()
