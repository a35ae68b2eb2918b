"""The funders' report: figures per year and site, a self-contained HTML file checked in a real
headless browser (Chromium) when one is installed, and by html.parser always."""

from __future__ import annotations

import base64
import datetime as dt
import os
import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.alumni.store import AlumniStore
from bot.core.followup import FollowupPolicy
from bot.core.outcomes import load_outcomes
from bot.reports.charts import milestones_chart
from bot.reports.data import FundersReport, cohort_outcomes, funders_report
from bot.reports.figures import outcome_cells
from bot.reports.html import render_funders_report
from bot.services import Services

PARIS = ZoneInfo("Europe/Paris")
OUTCOMES = load_outcomes(Path(__file__).resolve().parent.parent / "conversations" / "outcomes.toml")
FOLLOWUP = FollowupPolicy()
PNG = b"\x89PNG\r\n\x1a\n"
NOW = dt.datetime(2027, 12, 1, 9, 0, tzinfo=dt.UTC)
SITES = {"gonesse": "Gonesse", "marcq": "Marcq-en-Barœul"}


async def candidate(services: Services, tid: int, *, site: str, gender: str, result: str) -> int:
    at = dt.datetime(2026, 3, 1, 9, 0, tzinfo=dt.UTC)
    store = services.candidates
    c = await store.create(
        telegram_id=tid, chat_id=tid, language="fr", source=None, consent_version="v", now=at
    )
    await store.save_answer(c.id, "site", site, at)
    await store.save_answer(c.id, "gender", gender, at)
    await store.submit(c.id, result=result, reasons=[], now=at)
    return c.id


async def build(services: Services) -> FundersReport:
    """Gonesse 2026: 30 candidates (15 women), 26 eligible (13 women), 25 admitted and trained
    (13 women), who left in June 2026; at 6 months 20 answered: 15 positive (5 CDI, 5
    apprenticeships, 5 trainings), 5 short jobs. Marcq 2026: one candidate, a woman, oriented.
    Gonesse has 5 people or more on each side of every share; Marcq's one person must not show."""
    alumni = AlumniStore(services.db, FOLLOWUP, PARIS)
    situations = ["cdi", "apprenticeship", "training", "cdd_short", None]
    tid = 100
    for i in range(30):
        tid += 1
        result = "eligible" if i < 26 else "review"
        gender = "femme" if i % 2 == 0 else ("homme" if i < 26 else "no_answer")
        cid = await candidate(services, tid, site="gonesse", gender=gender, result=result)
        if i < 25:
            async with services.db.transaction() as conn:
                await alumni.mark_exit(
                    conn,
                    candidate_id=cid,
                    site="gonesse",
                    cohort="Promo 1 <2026>",
                    exit_date=dt.date(2026, 6, 30),
                    now=NOW,
                )
            if situations[i % 5]:
                await alumni.save_answer(cid, 6, "situation", str(situations[i % 5]), NOW)
    await candidate(services, 999, site="marcq", gender="femme", result="oriented")
    return await funders_report(
        services.db,
        alumni,
        OUTCOMES,
        now=NOW,
        tz=PARIS,
        programme="FabNum <test>",
        site_names=SITES,
    )


async def test_figures_per_year_and_site(services: Services) -> None:
    report = await build(services)
    gonesse, marcq = report.rows
    assert (gonesse.year, gonesse.site, marcq.site) == (2026, "gonesse", "marcq")
    assert {s: (c.total, c.women) for s, c in gonesse.stages.items()} == {
        "candidates": (30, 15),
        "eligible": (26, 13),
        "admitted": (25, 13),
        "trained": (25, 13),
    }
    assert gonesse.stages["candidates"].women_share == 0.5
    o = gonesse.outcome
    assert (o.alumni, o.respondents, o.positive) == (25, 20, 15)
    assert o.positive_among_respondents == 0.75 and o.positive_among_all == 0.6
    assert marcq.stages["eligible"].total == 0 and marcq.outcome.alumni == 0
    assert marcq.stages["candidates"].women == 1
    assert report.totals[2026].stages["candidates"].total == 31


async def test_cohort_outcomes_per_milestone(services: Services) -> None:
    await build(services)
    alumni = AlumniStore(services.db, FOLLOWUP, PARIS)
    (cohort,) = await cohort_outcomes(alumni, OUTCOMES, NOW, site_names=SITES)
    assert cohort.key.cohort == "Promo 1 <2026>"
    assert sorted(cohort.milestones) == [0, 3, 6, 12]
    assert cohort.milestones[0].respondents == 0 and cohort.milestones[0].alumni == 25
    assert cohort.milestones[6].respondents == 20
    assert await cohort_outcomes(alumni, OUTCOMES, NOW, site_names=SITES, site="marcq") == []
    cells = {m: outcome_cells(r, OUTCOMES) for m, r in cohort.milestones.items()}
    png = milestones_chart("Promo 1", cells, (70, 80))
    assert png.startswith(PNG)


class Structure(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.tags: list[str] = []
        self.ids: set[str] = set()
        self.images: list[str] = []
        self.external: list[str] = []
        self.text: list[str] = []
        self.errors: list[str] = []

    VOID = frozenset({"meta", "img", "br", "link", "hr", "input"})

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        self.tags.append(tag)
        if a.get("id"):
            self.ids.add(str(a["id"]))
        if tag == "img":
            self.images.append(str(a.get("src")))
            if not a.get("alt"):
                self.errors.append("img without alt")
        for name in ("src", "href"):
            value = a.get(name)
            if value and not value.startswith(("data:", "#")):
                self.external.append(value)
        if tag not in self.VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> closes {self.stack[-1:] or 'nothing'}")
        else:
            self.stack.pop()

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def check_structure(html: str) -> Structure:
    assert html.startswith("<!DOCTYPE html>")
    parser = Structure()
    parser.feed(html)
    parser.close()
    assert parser.errors == []
    assert parser.stack == []
    assert parser.external == []  # self-contained: nothing fetched
    return parser


async def test_html_is_self_contained_and_escaped(services: Services) -> None:
    html = render_funders_report(await build(services))
    parser = check_structure(html)
    assert {"funnel", "outcomes", "categories", "chart-women", "chart-positive"} <= parser.ids
    assert parser.tags.count("table") == 3
    assert "FabNum &lt;test&gt;" in html and "<test>" not in html
    text = " ".join(parser.text)
    assert "parmi les répondants" in text and "parmi tous les sortants" in text
    assert "75 %" in text and "60 %" in text and "50 %" in text
    assert "CDI (contrat à durée indéterminée)" in text
    for src in parser.images:
        kind, _, data = src.partition(",")
        assert kind == "data:image/png;base64"
        assert base64.b64decode(data).startswith(PNG)


async def test_empty_report(services: Services) -> None:
    alumni = AlumniStore(services.db, FOLLOWUP, PARIS)
    report = await funders_report(
        services.db, alumni, OUTCOMES, now=NOW, tz=PARIS, programme="FabNum", site_names=SITES
    )
    parser = check_structure(render_funders_report(report))
    assert "empty" in parser.ids and parser.images == []


def chromium() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None


def run_browser(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, capture_output=True, text=True, timeout=90, env=env, check=False)


PROBE = """<script>
window.addEventListener('load', () => {
  const imgs = [...document.images];
  document.body.setAttribute('data-probe', JSON.stringify({
    images: imgs.map(i => i.complete && i.naturalWidth > 0 ? i.naturalWidth : 0),
    rows: document.querySelectorAll('#funnel tbody tr').length,
    width: document.documentElement.scrollWidth,
  }));
});
</script></body>"""


@pytest.mark.skipif(
    chromium() is None,
    reason="no headless browser: install Debian's `chromium` package to check the report in a "
    "real browser (the structure is still checked with html.parser)",
)
async def test_report_renders_in_headless_chromium(services: Services, tmp_path: Path) -> None:
    browser = chromium()
    assert browser is not None
    html = render_funders_report(await build(services))
    page = tmp_path / "report.html"
    page.write_text(html.replace("</body>", PROBE), encoding="utf-8")
    shot = tmp_path / "report.png"
    common = [
        browser,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--disable-dev-shm-usage",
        f"--user-data-dir={tmp_path / 'profile'}",
        "--virtual-time-budget=5000",
    ]
    env = {**os.environ, "HOME": str(tmp_path)}
    dom = run_browser([*common, "--dump-dom", page.as_uri()], env)
    assert dom.returncode == 0, dom.stderr[-2000:]
    match = re.search(r"data-probe=\"([^\"]*)\"", dom.stdout)
    assert match, dom.stdout[:500]
    import html as html_module
    import json

    probe = json.loads(html_module.unescape(match.group(1)))
    assert len(probe["images"]) == 2 and all(w > 100 for w in probe["images"]), probe
    assert probe["rows"] == 3  # Gonesse, Marcq, total 2026
    run_browser([*common, f"--screenshot={shot}", "--window-size=1280,2000", page.as_uri()], env)
    assert shot.read_bytes().startswith(PNG)
