"""Benchmark: the time `python -m bot run` takes to exit after SIGTERM (issue 14, item 6) while a
reply to a person and a scheduled send are both in flight, the Bot API holding each answer for
`--hold` seconds (past PTB's 5 s read timeout: the worst case, Telegram hanging).

Printed: the hold, the exit code, the seconds from the signal to the exit, the scheduled row's
state afterwards (sent: recorded before the exit; pending or failed: settled by the next start).

    .venv/bin/python bench/stop.py [--hold 1.5] [--signal TERM|INT]
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import signal
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.app import build_services  # noqa: E402
from bot.config import Settings  # noqa: E402
from bot.fakeapi import FakeTelegram  # noqa: E402
from bot.outbox.store import schedule  # noqa: E402
from tests.botharness import bot_process_env  # noqa: E402


class SlowTelegram(FakeTelegram):
    hold = 1.5

    async def _send_message(self, call: Any) -> Any:  # type: ignore[override]
        result = await super()._send_message(call)
        await asyncio.sleep(self.hold)
        return result


async def main(hold: float, sig: signal.Signals) -> dict[str, Any]:
    db_path = Path(tempfile.mkdtemp()) / "stop.db"
    async with SlowTelegram() as server:
        server.hold = hold
        lea = server.new_user("Léa")
        services = build_services(Settings(database=db_path))
        await services.db.connect()
        now = dt.datetime.now(dt.UTC)
        async with services.db.transaction() as conn:
            await schedule(
                conn,
                key="bench",
                kind="ops.alert",
                chat_id=lea.id,
                due_at=now,
                payload={"alert": "backup_failed", "facts": {}},
                bulk=False,
                quiet_hours=False,
                now=now,
            )
        await services.db.close()
        server.send_command(lea, "start")
        env = bot_process_env(server, db_path, FABNUM_OUTBOX_INTERVAL="1")
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "run", cwd=ROOT, env=env
        )

        def sent(word: str) -> bool:
            return any(word in m.plain_text for m in server.messages(lea.id))

        await server.wait_until(lambda: sent("Avant de commencer") and sent("sauvegarde"), 60)
        started = time.perf_counter()
        process.send_signal(sig)
        await process.wait()
        seconds = round(time.perf_counter() - started, 2)
        services = build_services(Settings(database=db_path))
        await services.db.connect(migrate=False)
        try:
            row = await services.outbox.store.by_key("bench")
        finally:
            await services.db.close()
        return {
            "hold_s": hold,
            "signal": sig.name,
            "exit_code": process.returncode,
            "exit_after_signal_s": seconds,
            "scheduled_row": None if row is None else row.state,
        }


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--hold", type=float, default=1.5)
    parser.add_argument("--signal", choices=["TERM", "INT"], default="TERM")
    args = parser.parse_args()
    chosen = signal.SIGTERM if args.signal == "TERM" else signal.SIGINT
    print(json.dumps(asyncio.run(main(args.hold, chosen))))
