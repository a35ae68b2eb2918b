"""Answers taken by phone, at the storage level: what one call to save_call_situation changes."""

from __future__ import annotations

import datetime as dt

from bot.alumni.rules import parse_milestone, parse_situation, subject
from bot.kernel.clock import FakeClock
from bot.services import Services
from tests.test_staff_service import seed_candidate


async def _exited(services: Services, clock: FakeClock, tg: int) -> int:
    cid = await seed_candidate(services.candidates, clock.now(), tg, name="Bilal")
    assert await services.alumni.exits.mark_exit(
        cid, site="gonesse", cohort="Promo Test", exit_date=clock.now().date()
    )
    return cid


async def _pending(services: Services, cid: int) -> int:
    row = await services.db.fetchone(
        "SELECT COUNT(*) AS n FROM outbox WHERE subject = ? AND state = 'pending'",
        (subject(cid, 0),),
    )
    assert row is not None
    return int(row["n"])


async def _audits(services: Services, cid: int) -> int:
    row = await services.db.fetchone(
        "SELECT COUNT(*) AS n FROM staff_audit WHERE candidate_id = ? AND action = 'followup_call'",
        (cid,),
    )
    assert row is not None
    return int(row["n"])


async def test_phone_answer_marks_answered_cancels_reminders_and_audits(
    services: Services, clock: FakeClock
) -> None:
    store = services.alumni.store
    cid = await _exited(services, clock, 8001)
    assert await _pending(services, cid) == 3  # J0 survey and two reminders
    first = clock.now() + dt.timedelta(days=1)
    assert await store.save_call_situation(
        cid, 0, "cdi", staff_id=42, now=first, subject=subject(cid, 0)
    )
    followup = await store.followup(cid, 0)
    assert followup is not None and followup.situation == "cdi"
    assert followup.answered_via == "call" and followup.answered_by == 42
    assert await _pending(services, cid) == 0 and await _audits(services, cid) == 1
    other = await store.followup(cid, 3)
    assert other is not None and other.answered_at is None  # only that milestone

    # a mis-press corrected by phone: the situation changes, the answer time does not
    later = first + dt.timedelta(hours=1)
    assert await store.save_call_situation(
        cid, 0, "cdd_long", staff_id=43, now=later, subject=subject(cid, 0)
    )
    corrected = await store.followup(cid, 0)
    assert corrected is not None and corrected.situation == "cdd_long"
    assert corrected.answered_at == followup.answered_at and corrected.answered_by == 43
    assert await _audits(services, cid) == 2


async def test_an_answer_given_in_telegram_wins(services: Services, clock: FakeClock) -> None:
    store = services.alumni.store
    cid = await _exited(services, clock, 8002)
    await store.save_answer(cid, 0, "situation", "job_seeking", clock.now())
    assert not await store.save_call_situation(
        cid, 0, "cdi", staff_id=42, now=clock.now(), subject=subject(cid, 0)
    )
    followup = await store.followup(cid, 0)
    assert followup is not None and followup.situation == "job_seeking"
    assert followup.answered_via == "bot" and followup.answered_by is None
    assert await _audits(services, cid) == 0
    assert not await store.save_call_situation(
        cid, 9, "cdi", staff_id=42, now=clock.now(), subject=subject(cid, 9)
    )  # no such survey


def test_typed_milestones_and_situations(services: Services) -> None:
    ctx = services.alumni.calls.ctx
    milestones = ctx.outcomes.followup.milestones_months

    def milestone(text: str) -> int | None:
        return parse_milestone(text, milestones)

    def situation(lang: str, text: str) -> str | None:
        return parse_situation(text, ctx.outcomes.ids, lambda c: ctx.label(lang, "situation", c))

    assert [milestone(w) for w in ("sortie", "J0", "+3", "6", "12m", "+6 mois")] == [
        0,
        0,
        3,
        6,
        12,
        6,
    ]
    assert milestone("+5") is None and milestone("demain") is None
    assert situation("fr", "CDI") == "cdi"
    assert situation("fr", "cdd_long") == "cdd_long"
    assert situation("fr", "cdd long") == "cdd_long"
    assert situation("fr", "alternance") == "apprenticeship"
    assert situation("fr", "CDD") is None  # two buttons start with it
    assert situation("fr", "") is None and situation("fr", "pizza") is None
