"""Benchmark: staff commands on a database of many candidates (issue 15).

For each size, in a process of its own (so its peak RSS is its own): a database made with the
project's migrations up to 0010, filled with candidates spread over 10 sites (8 answers and one
event each, a realistic mix of stages: tests/staffscale.py), then migrated to the latest version
(timed: migration 0011 adds the stage kept in SQL and backfills it). Then the staff services are
called directly, as an admin who sees every site, N runs each (p50/p95): /pipeline (all sites
and one), /revue, /candidat (one first name, and one number), /shortlist, /digest, /sorties (a
site's staff, one site); once: the CSV export of every candidate, /sorties by an admin (which
attaches the funders' report), the funders' report alone, the retention purge a month later.
While each staff command runs, a new person starts the bot and accepts the notice on the same
event loop: the worst of their reply times is printed. Peak RSS
of the process last.

    .venv/bin/python bench/staff_scale.py [--sizes 1000,10000,50000] [--runs 20]
    make bench-staff          # 1,000 / 10,000 / 50,000
    make bench-staff SIZES=2000 RUNS=5   # a quick run (about 15 s)

Targets (issue 15), at 50,000: each staff command <= 150 ms p95, the CSV <= 2 s, peak RSS <= 150
MB, the funders' report and the purge <= 5 s each, a candidate's reply during any of them <= 100
ms, migrations <= 10 s.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
SITES = 10
NOW = dt.datetime(2026, 11, 25, 9, 0, tzinfo=dt.UTC)
ACCEPT = ""  # the notice's accept button, encoded


def rss_mb() -> float:
    """The process's peak resident set so far, in MB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def rules_with_sites(folder: Path, sites: tuple[str, ...]) -> Path:
    """The project's rules file with these sites (copies of the first site's settings)."""
    text = (ROOT / "conversations" / "sites.toml").read_text("utf-8")
    parts = re.split(r"^\[sites\.[a-z0-9_]+\]\n", text, flags=re.MULTILINE)
    head, first = parts[0], parts[1]
    body = first.split("\n", 1)[1]  # after the name
    path = folder / "sites.toml"
    path.write_text(
        head + "".join(f'[sites.{s}]\nname = "Site {s[4:]}"\n{body}\n' for s in sites), "utf-8"
    )
    return path


async def measure(size: int, runs: int) -> dict[str, Any]:
    from bot.app import build_services
    from bot.config import Settings, StaffMember
    from bot.db.database import Database
    from bot.kernel.clock import FakeClock
    from bot.kernel.person import Person
    from bot.screening.buttons import Accept, encode
    from tests.botharness import with_staff
    from tests.staffscale import migrations_before, populate, sites_of

    global ACCEPT
    ACCEPT = encode(Accept())

    sites = sites_of(SITES)
    folder = Path(tempfile.mkdtemp(prefix="fabnum-staff-bench-"))
    path = folder / "bench.db"
    old = Database(path)
    await old.connect(migrate=False)
    await old.migrate(migrations_before())
    await old.close()
    started = time.perf_counter()
    populate(path, size, sites, now=NOW)
    filled = time.perf_counter() - started

    admin = StaffMember(7_000_000_001, "admin")
    site_staff = StaffMember(7_000_000_002, "staff", frozenset({"site01"}))
    base = Settings(
        token="123456:TEST-TOKEN-fabnum-fake-api-0000000",
        database=path,
        rules_file=rules_with_sites(folder, sites),
    )
    settings = with_staff(base, admin, site_staff)
    clock = FakeClock(NOW)
    services = build_services(settings, clock)
    started = time.perf_counter()
    await services.db.connect()  # migrates: 0011 adds and backfills the stage
    migration = time.perf_counter() - started

    people = iter(range(8_000_000_000, 9_000_000_000))

    async def candidate_reply() -> float:
        """A new person: /start, then the notice accepted (a candidates row written)."""
        user = next(people)
        person = Person(user_id=user, chat_id=user)
        begin = time.perf_counter()
        notice = await services.screening.start(person, None)
        assert notice.actions
        await services.screening.button(person, ACCEPT)
        return time.perf_counter() - begin

    async def with_candidates(work: Callable[[], Awaitable[object]]) -> tuple[float, float]:
        """(the staff work's time, the worst candidate reply while it ran)."""
        done = asyncio.Event()
        worst = 0.0

        async def candidates() -> None:
            nonlocal worst
            while not done.is_set():
                worst = max(worst, await candidate_reply())
                await asyncio.sleep(0.005)

        side = asyncio.create_task(candidates())
        await asyncio.sleep(0)
        begin = time.perf_counter()
        await work()
        took = time.perf_counter() - begin
        done.set()
        await side
        return took, worst

    staff = services.staff
    cohort = await services.pipeline.find_cohort("Promo site01")  # the one to come
    assert cohort is not None
    commands: dict[str, Callable[[], Awaitable[object]]] = {
        "/pipeline": lambda: staff.report.pipeline(admin, []),
        "/pipeline site": lambda: staff.report.pipeline(admin, ["site01"]),
        "/revue": lambda: staff.review.queue(admin),
        "/candidat name": lambda: staff.cards.find(admin, "Ibrahim"),
        "/candidat number": lambda: staff.cards.find(admin, str(size // 2)),
        "/shortlist": lambda: staff.shortlist.reply(admin, cohort, None),
        "/digest": lambda: staff.digest.command(admin),
        "/digest site01 (staff)": lambda: staff.digest.command(site_staff),
        "/sorties site01 (staff)": lambda: services.alumni.outcomes.command(site_staff, ["site01"]),
    }
    figures: dict[str, Any] = {
        "size": size,
        "fill_s": filled,
        "migration_s": migration,
        "commands": {},
        "rss_after_mb": {"migration": rss_mb()},
    }
    await candidate_reply()  # warm up
    for name, work in commands.items():
        await work()  # warm up
        times, worst = [], 0.0
        for _ in range(runs):
            took, slowest = await with_candidates(work)
            times.append(took)
            worst = max(worst, slowest)
        figures["commands"][name] = {
            "p50_ms": 1000 * statistics.median(times),
            "p95_ms": 1000 * percentile(times, 0.95),
            "candidate_worst_ms": 1000 * worst,
        }
        figures["rss_after_mb"][name] = rss_mb()
    once: dict[str, Callable[[], Awaitable[object]]] = {
        "CSV export": lambda: staff.exports.pipeline(admin),
        "/sorties admin + report": lambda: services.alumni.outcomes.command(admin, []),
        "funders' report": lambda: funders(services),
    }
    for name, work in once.items():
        took, worst = await with_candidates(work)
        figures["commands"][name] = {"once_ms": 1000 * took, "candidate_worst_ms": 1000 * worst}
        figures["rss_after_mb"][name] = rss_mb()
    clock.advance(dt.timedelta(days=31))  # a month of contacts are now past the retention
    before = await services.pipeline.count(None)
    took, worst = await with_candidates(services.retention.run)
    erased = before - await services.pipeline.count(None)
    figures["commands"]["retention purge"] = {
        "once_ms": 1000 * took,
        "candidate_worst_ms": 1000 * worst,
        "erased": erased,
    }
    await services.db.close()
    figures["peak_rss_mb"] = rss_mb()
    shutil.rmtree(folder)
    return figures


async def funders(services: Any) -> bytes:
    """The funders' report (HTML), every site, as /sorties attaches it for an admin."""
    from bot.reports.data import funders_report
    from bot.reports.html import render_funders_report

    ctx = services.alumni.outcomes.ctx
    report = await funders_report(  # as /sorties does (bot/alumni/outcomes.py)
        services.db,
        ctx.store,
        ctx.outcomes,
        now=ctx.clock.now(),
        tz=ctx.settings.timezone,
        programme=ctx.programme.name,
        site_names={s: ctx.programme.sites[s].name for s in ctx.programme.site_ids},
    )
    return (await asyncio.to_thread(render_funders_report, report)).encode("utf-8")


def show(all_figures: list[dict[str, Any]]) -> None:
    names = list(all_figures[0]["commands"])
    sizes = [f"{f['size']:,}" for f in all_figures]
    print("\nStaff commands, called directly (admin, every site), 10 sites:")
    print(f"{'':24}" + "".join(f"{s:>30}" for s in sizes))
    for name in names:
        cells = []
        for f in all_figures:
            c = f["commands"][name]
            if "p95_ms" in c:
                cells.append(f"{c['p50_ms']:7.1f} / {c['p95_ms']:7.1f} ms")
            else:
                cells.append(f"{c['once_ms']:9.0f} ms once")
        print(f"{name:24}" + "".join(f"{c:>30}" for c in cells))
    print("\nWorst candidate reply (/start + accept) while each ran:")
    for name in names:
        worst = [f"{f['commands'][name]['candidate_worst_ms']:.1f} ms" for f in all_figures]
        print(f"{name:24}" + "".join(f"{w:>30}" for w in worst))
    print()
    for label, key, unit in (
        ("migration to latest", "migration_s", "s"),
        ("peak RSS", "peak_rss_mb", "MB"),
    ):
        print(f"{label:24}" + "".join(f"{f[key]:>27.2f} {unit:2}" for f in all_figures))
    for f in all_figures:
        purge = f["commands"]["retention purge"]
        print(f"{f['size']:,} candidates: the purge a month later erased {purge['erased']:,}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="1000,10000,50000")
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)  # a child process
    args = parser.parse_args()
    if args.one:
        print(json.dumps(asyncio.run(measure(args.one, args.runs))))
        return
    results = []
    for size in (int(s) for s in args.sizes.split(",")):
        print(f"{size:,} candidates...", flush=True)
        out = subprocess.run(
            [sys.executable, __file__, "--one", str(size), "--runs", str(args.runs)],
            check=False,
            capture_output=True,
            text=True,
        )
        if out.returncode:
            sys.exit(out.stderr)
        results.append(json.loads(out.stdout.strip().splitlines()[-1]))
    show(results)


if __name__ == "__main__":
    main()
