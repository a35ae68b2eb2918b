"""/sorties through the staff service: the small-count rule on every line and on the chart, and
the report lines by their readable names."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from typing import Any

import pytest

from bot.config import StaffMember
from bot.fakeapi.html_check import check_telegram_html
from bot.kernel.actions import Send, SendPhoto, settled
from bot.kernel.clock import FakeClock
from bot.reports.figures import OutcomeCells
from bot.services import Services
from tests.test_reports_funders import OUTCOMES, candidate

ADMIN = StaffMember(500, "admin")
EXIT = dt.date(2026, 6, 30)


async def alumni(
    services: Services,
    clock: FakeClock,
    cohort: str,
    site: str,
    answers: list[str | None],
    first: int,
) -> None:
    """Alumni of `cohort` who left on EXIT, each with their answer at exit (None: no answer)."""
    store = services.alumni.store
    for i, answer in enumerate(answers):
        cid = await candidate(services, first + i, site=site, gender="femme", result="eligible")
        async with services.db.transaction() as conn:
            await store.mark_exit(
                conn, candidate_id=cid, site=site, cohort=cohort, exit_date=EXIT, now=clock.now()
            )
        if answer is not None:
            await store.save_answer(cid, 0, "situation", answer, clock.now())


async def two_cohorts(services: Services, clock: FakeClock) -> None:
    # Promo Marcq: one alumna, who answered "CDI"
    await alumni(services, clock, "Promo Marcq", "marcq", ["cdi"], 100)
    # Promo Gonesse: 12 alumni, all answered: 6 CDI, 5 trainings, 1 looking for work
    answers: list[str | None] = ["cdi"] * 6 + ["training"] * 5 + ["job_seeking"]
    await alumni(services, clock, "Promo Gonesse", "gonesse", answers, 200)


def text_of(reply: Any) -> str:
    return "\n".join(check_telegram_html(a.text) for a in reply.actions if isinstance(a, Send))


def block(text: str, cohort: str) -> str:
    """The lines of one cohort in the /sorties message."""
    after = text.split(cohort, 1)[1]
    return after.split("\n\n", 1)[0]


@pytest.fixture
def charted(monkeypatch: pytest.MonkeyPatch) -> list[Mapping[int, OutcomeCells]]:
    """What /sorties hands to the chart (the PNG itself is drawn as usual)."""
    import bot.alumni.outcomes as service

    seen: list[Mapping[int, OutcomeCells]] = []
    real = service.milestones_chart

    def spy(title: str, milestones: Mapping[int, OutcomeCells], targets: tuple[int, int]) -> bytes:
        seen.append(milestones)
        return real(title, milestones, targets)

    monkeypatch.setattr(service, "milestones_chart", spy)
    return seen


async def test_sorties_masks_a_one_person_cohort(
    services: Services, clock: FakeClock, charted: list[Mapping[int, OutcomeCells]]
) -> None:
    await two_cohorts(services, clock)
    reply = await settled(await services.alumni.outcomes.command(ADMIN, []))
    text = text_of(reply)
    marcq = block(text, "Promo Marcq")
    assert "À la sortie : < 5/< 5 ont répondu (n/d)" in marcq
    assert "Sorties positives : n/d des répondants, n/d de tous les sortants" in marcq
    assert "Emploi durable" not in marcq and "100 %" not in marcq
    gonesse = block(text, "Promo Gonesse")
    # 12 of 12 answered; 11 positive would leave the 1 looking for work: only a bound
    assert "À la sortie : 12/12 ont répondu (100 %)" in gonesse
    assert "Sorties positives : > 58 % des répondants, > 58 % de tous les sortants" in gonesse
    # the one looking for work is not named, and the trainings (5) are withheld with them, or
    # 12 - 6 - 5 would give that one away
    assert "Emploi durable 6" in gonesse
    assert "En recherche" not in gonesse and "Formation qualifiante" not in gonesse
    assert "+3 mois : < 5/12 ont répondu (0 %)" in gonesse  # 0 % of 12 is fine to show
    assert "moins de 5 ne sont pas nommées" in text
    # readable names only, never the ids of outcomes.toml
    for category in OUTCOMES.categories.values():
        assert category.group not in text and category.id not in text
    # every count shown is "< 5" or 5 and more (shares, bounds, years and months aside)
    counts = re.sub(r"\d+ %|[<>≥] \d+|\b20\d\d\b|\+\d+ mois|objectifs.*", "", text)
    assert all(int(n) >= 5 for n in re.findall(r"\d+", counts)), counts
    # the chart sums both cohorts: 13 alumni against Gonesse's 12 would give Marcq's one away,
    # so no share is drawn at exit
    (total,) = charted
    assert total[0].alumni.text() == "≥ 12"
    assert [total[0].value(r) for r in ("response_rate", "positive_among_all")] == [None, None]
    (photo,) = [a for a in reply.actions if isinstance(a, SendPhoto)]
    png, caption = photo.content, photo.caption
    assert png.startswith(b"\x89PNG") and "Hachures « n/d »" in caption


async def test_sorties_of_one_cohort_draws_its_exact_rates(
    services: Services, clock: FakeClock, charted: list[Mapping[int, OutcomeCells]]
) -> None:
    await two_cohorts(services, clock)
    text = text_of(
        await settled(await services.alumni.outcomes.command(ADMIN, ["Promo", "Gonesse"]))
    )
    assert "Promo Marcq" not in text
    (total,) = charted
    assert total[0].value("response_rate") == 1.0  # 12 of 12: drawn
    assert total[0].value("positive_among_respondents") is None  # a bound: not drawn
    assert total[3].value("response_rate") == 0.0  # 0 % of 12: a real (empty) bar


async def test_sorties_for_many_cohorts_come_in_messages_of_700_characters(
    services: Services, clock: FakeClock
) -> None:
    """Issue 13 C: every message fits on a phone; each cohort's figures are there once, the
    targets in the first message and the note on small counts in the last."""
    names = [f"Promo {n:02d}" for n in range(9)]
    for n, name in enumerate(names):
        answers: list[str | None] = ["cdi"] * 6 + ["training"] * 6 + [None]
        await alumni(services, clock, name, "gonesse", answers, 1000 + 100 * n)
    reply = await services.alumni.outcomes.command(ADMIN, [])
    texts = [check_telegram_html(a.text) for a in reply.actions if isinstance(a, Send)]
    assert len(texts) > 2
    assert all(len(t) <= 700 for t in texts), [len(t) for t in texts]
    together = "\n".join(texts)
    for name in names:
        assert together.count(f"{name} · Gonesse") >= 1
    assert together.count("• À la sortie : ") == len(names)
    assert texts[0].startswith("📊 Sorties") and together.count("📊 Sorties") == 1
    assert "ne sont pas nommées" in texts[-1] and together.count("ne sont pas nommées") == 1
