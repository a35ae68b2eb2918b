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
from bot.reports.charts import WITHHELD_HEIGHT, WITHHELD_NOTE, bars_figure, milestones_chart
from bot.reports.data import FundersReport, cohort_outcomes, funders_report
from bot.reports.figures import outcome_cells
from bot.reports.html import render_funders_report, report_cells
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


def table_cells(html: str, table_id: str) -> list[dict[str, str]]:
    """The rows of a report table as {column header: cell text}."""
    table = re.search(rf'<table id="{table_id}">(.*?)</table>', html, re.S)
    assert table, table_id
    rows = re.findall(r"<tr[^>]*>(.*?)</tr>", table.group(1), re.S)

    def cells(row: str) -> list[str]:
        found = re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)
        return [html_unescape(re.sub(r"<[^>]+>", "", c)).strip() for c in found]

    header = cells(rows[0])
    # "dont femmes" comes after each stage: name it after its stage
    names = [h if h != "dont femmes" else f"{header[i - 1]} femmes" for i, h in enumerate(header)]
    return [dict(zip(names, cells(r), strict=True)) for r in rows[1:]]


def html_unescape(text: str) -> str:
    import html as html_module

    return html_module.unescape(text)


def assert_no_count_under_five(rows: list[dict[str, str]]) -> None:
    """Every figure is "< 5", "n/d", a bound, a share, or a count of 5 or more."""
    for row in rows:
        for column, text in row.items():
            if column in ("Année", "Année de sortie", "Site"):
                continue
            number = re.fullmatch(r"(?:≥ )?(\d+)", text)
            if number:
                assert int(number.group(1)) >= 5, (column, text, row)
            else:
                assert re.fullmatch(r"< 5|n/d|[<>] \d+ %|\d+ %", text), (column, text, row)


async def test_one_marcq_candidate_shows_only_less_than_five(services: Services) -> None:
    """A database with one candidate, at Marcq, a woman: "< 5" and "n/d", nothing else."""
    await candidate(services, 999, site="marcq", gender="femme", result="eligible")
    alumni = AlumniStore(services.db, FOLLOWUP, PARIS)
    report = await funders_report(
        services.db, alumni, OUTCOMES, now=NOW, tz=PARIS, programme="FabNum", site_names=SITES
    )
    html = render_funders_report(report)
    check_structure(html)
    funnel = table_cells(html, "funnel")
    marcq, total = funnel
    assert marcq["Site"] == "Marcq-en-Barœul" and total["Site"] == "Total"
    for row in funnel:
        assert row["Candidats"] == row["Éligibles"] == "< 5"
        assert {row[f"{s} femmes"] for s in ("Candidats", "Éligibles", "Admis", "Formés")} == {
            "n/d"
        }
    assert_no_count_under_five(funnel)
    assert_no_count_under_five(table_cells(html, "outcomes"))
    shown = [t for row in funnel + table_cells(html, "outcomes") for t in row.values()]
    assert "0 %" not in shown and "100 %" not in shown
    # the chart has the row, but no bar for her: every share is withheld
    cells = report_cells(report)
    assert all(c.women_value is None for c in cells.rows[0].stages.values())


async def test_a_small_site_next_to_a_large_one(services: Services) -> None:
    """Gonesse's figures are exact; Marcq's one woman shows nowhere, not even by subtraction
    from the year's total (16 women of 31 against 15 of 30 would give her away)."""
    report = await build(services)
    html = render_funders_report(report)
    funnel = table_cells(html, "funnel")
    gonesse, marcq, total = funnel
    assert (gonesse["Candidats"], gonesse["Candidats femmes"]) == ("30", "50 %")
    assert (gonesse["Admis"], gonesse["Admis femmes"]) == ("25", "52 %")
    assert (marcq["Candidats"], marcq["Candidats femmes"]) == ("< 5", "n/d")
    assert (total["Candidats"], total["Candidats femmes"]) == ("≥ 30", "n/d")
    assert (total["Admis"], total["Admis femmes"]) == ("25", "52 %")  # Marcq had nobody there
    assert "31" not in " ".join(total.values()) and "52 %" not in total["Candidats femmes"]
    assert_no_count_under_five(funnel)
    outcomes = table_cells(html, "outcomes")
    assert_no_count_under_five(outcomes)
    assert [r["parmi les répondants"] for r in outcomes] == ["75 %", "n/d", "75 %"]
    assert "moins de 5 personnes s'écrit « &lt; 5 »" in html
    cells = report_cells(report)
    assert cells.rows[0].stages["candidates"].women_value == 0.5
    assert all(c.women_value is None for c in cells.rows[1].stages.values())
    # readable names of the report lines, never their ids
    text = " ".join(check_structure(html).text)
    assert "Emploi durable" in text and "Emploi court" in text and "Création d'entreprise" in text
    for category in OUTCOMES.categories.values():
        assert category.group not in html and f">{category.id}<" not in html


def test_charts_draw_no_bar_for_a_withheld_share() -> None:
    figure = bars_figure("t", ["Gonesse", "Marcq"], [("femmes", [0.5, None])], target=40.0)
    (ax,) = figure.axes
    bars = [p for p in ax.patches if p.get_hatch() is None]
    withheld = [p for p in ax.patches if p.get_hatch()]
    assert [round(b.get_height()) for b in bars] == [50]
    assert len(withheld) == 1 and withheld[0].get_height() == WITHHELD_HEIGHT
    assert withheld[0].get_facecolor()[3] == 0  # an outline: no value is drawn
    texts = [t.get_text() for t in ax.texts] + [t.get_text() for t in figure.texts]
    assert "n/d" in texts and WITHHELD_NOTE in texts
    clean = bars_figure("t", ["Gonesse"], [("femmes", [0.0])])
    assert [p.get_height() for p in clean.axes[0].patches] == [0.0]  # 0 % of 5+: a real bar
    assert WITHHELD_NOTE not in [t.get_text() for t in clean.texts]
