"""Cohorts, moves, reviews, notes and the audit log on a real SQLite file."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.core.pipeline import Stage, TransitionRefused
from bot.kernel.clock import FakeClock
from bot.pipeline.store import CohortExists
from bot.services import Services

STAFF = 42


async def make_candidate(services: Services, tg: int, result: str = "eligible") -> int:
    now = services.clock.now()
    store = services.candidates
    c = await store.create(
        telegram_id=tg, chat_id=tg, language="fr", source="ml", consent_version="v", now=now
    )
    await store.save_answer(c.id, "site", "gonesse", now)
    await store.save_answer(c.id, "first_name", "Léa", now)
    await store.submit(c.id, result=result, reasons=[], now=now)
    return c.id


async def test_cohorts_unique_per_site(services: Services, clock: FakeClock) -> None:
    p = services.pipeline
    made = await p.create_cohort(
        site="gonesse",
        name="Promo Mars 2027",
        start=dt.date(2027, 3, 1),
        end=dt.date(2027, 9, 30),
        capacity=12,
        by=STAFF,
        at=clock.now(),
    )
    assert made.capacity == 12 and made.is_open(dt.date(2027, 1, 1))
    with pytest.raises(CohortExists):
        await p.create_cohort(
            site="gonesse",
            name="Promo Mars 2027",
            start=dt.date(2027, 3, 1),
            end=dt.date(2027, 9, 30),
            capacity=12,
            by=STAFF,
            at=clock.now(),
        )
    assert (await p.find_cohort("promo mars 2027")) == made
    assert (await p.find_cohort(str(made.id), sites={"marcq"})) is None
    assert [c.name for c in await p.cohorts({"gonesse"})] == ["Promo Mars 2027"]
    log = await p.audit_log()
    assert log[-1]["action"] == "cohort_created" and log[-1]["staff_id"] == STAFF


async def test_move_through_the_pipeline_to_exited(services: Services, clock: FakeClock) -> None:
    p = services.pipeline
    cohort = await p.create_cohort(
        site="gonesse",
        name="P1",
        start=dt.date(2027, 3, 1),
        end=dt.date(2027, 9, 30),
        capacity=10,
        by=STAFF,
        at=clock.now(),
    )
    cid = await make_candidate(services, 1001)
    assert await p.stage_of(cid) is Stage.ELIGIBLE
    with pytest.raises(TransitionRefused) as refused:
        await p.move(cid, to="admitted", by=STAFF, at=clock.now())
    assert refused.value.reason == "not_allowed"
    await p.move(cid, to="interview", by=STAFF, at=clock.now(), reason="bon profil")
    with pytest.raises(TransitionRefused) as refused:
        await p.move(cid, to=Stage.ADMITTED, by=STAFF, at=clock.now())
    assert refused.value.reason == "no_cohort"
    previous = await p.move(cid, to=Stage.ADMITTED, by=STAFF, at=clock.now(), cohort_id=cohort.id)
    assert previous is Stage.INTERVIEW
    await p.move(cid, to="in_training", by=STAFF, at=clock.now())
    assert await p.members(cohort.id) == [cid]
    assert await p.members(cohort.id, {Stage.IN_TRAINING}) == [cid]
    moved = await p.move_cohort(cohort.id, to="exited", by=STAFF, at=clock.now(), reason="fin")
    assert moved == [cid] and await p.stage_of(cid) is Stage.EXITED
    view = await p.candidate(cid)
    assert view is not None and view.cohort_id == cohort.id
    stage_events = [e.detail for e in view.events if e.kind == "stage"]
    assert [e["to"] for e in stage_events] == ["interview", "admitted", "in_training", "exited"]
    assert stage_events[0]["reason"] == "bon profil" and stage_events[0]["by"] == STAFF
    audit = await p.audit_log(cid)
    # starting the training and the exit each tell the candidate at once (bot/decisions)
    stage, told = "stage", "decision_message"
    assert [a["action"] for a in audit] == [stage, stage, stage, told, stage, told]
    assert audit[0]["detail"]["from"] == "eligible"


async def test_reviews_and_notes(services: Services, clock: FakeClock) -> None:
    p = services.pipeline
    a = await make_candidate(services, 1001, "oriented")
    b = await make_candidate(services, 1002, "review")
    assert await p.stage_of(a) is Stage.TO_REVIEW
    await p.review(a, decision="overturned", by=STAFF, at=clock.now(), comment="ok")
    await p.review(b, decision="confirmed", by=STAFF, at=clock.now())
    assert await p.stage_of(a) is Stage.ELIGIBLE and await p.stage_of(b) is Stage.ORIENTED
    with pytest.raises(TransitionRefused):
        await p.review(a, decision="confirmed", by=STAFF, at=clock.now())
    row = await services.candidates.by_id(a)
    assert row is not None and row.review_status == "overturned"
    await p.add_note(a, text="A rappeler lundi", by=STAFF, at=clock.now())
    view = await p.candidate(a)
    assert view is not None and view.events[-1].detail["text"] == "A rappeler lundi"
    audit = await p.audit_log(a)
    assert [x["action"] for x in audit] == ["review", "note"]
    assert audit[1]["detail"] is None  # the note's text is not copied to the audit


async def test_erasure_keeps_the_audit_but_not_the_person(
    services: Services, clock: FakeClock
) -> None:
    p = services.pipeline
    cohort = await p.create_cohort(
        site="gonesse",
        name="P1",
        start=dt.date(2027, 3, 1),
        end=dt.date(2027, 9, 30),
        capacity=10,
        by=STAFF,
        at=clock.now(),
    )
    cid = await make_candidate(services, 1001)
    await p.move(cid, to="interview", by=STAFF, at=clock.now())
    await p.move(cid, to="waitlisted", by=STAFF, at=clock.now(), cohort_id=cohort.id)
    await p.add_note(cid, text="note", by=STAFF, at=clock.now())
    await services.candidates.erase(cid, clock.now(), reason="candidate_request")
    assert await p.candidate(cid) is None and await p.members(cohort.id) == []
    # who did what and when stays; whom (the candidate's id) goes with the person
    assert await p.audit_log(cid) == []
    kept = [a for a in await p.audit_log() if a["action"] in ("stage", "note")]
    assert len(kept) == 3 and all(a["candidate_id"] is None for a in kept)
    assert all(a["staff_id"] == STAFF for a in kept)
