"""The stage kept in SQL (migration 0013, bot/db/stage.py) always equals the stage derived from the
facts (bot/core/pipeline.py derive, the reference), after every kind of move, made by the real
services: screening answered and finished, /annuler and resume, /humain and its handling, review
outcomes, session booked, cancelled, attended, absent, a session cancelled by staff, interview,
admission, waiting list, not selected, training, exit, restart, erasure, the retention purge.
After each step every candidate of the database is checked, not only the one moved."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from bot.config import Settings, StaffMember
from bot.core.pipeline import Stage
from bot.kernel.clock import FakeClock
from bot.kernel.person import Person
from bot.screening.buttons import StartOver
from bot.services import Services
from tests.botharness import with_staff
from tests.stagecheck import kept_and_derived
from tests.test_screening_service import answer_all, button

ADMIN = StaffMember(7_345_678_901, "admin")
STAFF_CHAT = Person(user_id=ADMIN.user_id, chat_id=ADMIN.user_id)
LEA = Person(user_id=6_100_000_001, chat_id=6_100_000_001)
YANIS = Person(user_id=6_100_000_002, chat_id=6_100_000_002)
INES = Person(user_id=6_100_000_003, chat_id=6_100_000_003)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    base = Settings(token="123456:TEST-TOKEN-fabnum-fake-api-0000000", database=tmp_path / "t.db")
    return with_staff(base, ADMIN)


async def assert_in_sync(s: Services) -> dict[int, Stage]:
    """Every candidate's kept columns equal what their facts say; returns their stages."""
    stages = {}
    rows = await s.db.fetchall("SELECT id FROM candidates ORDER BY id")
    for row in rows:
        cid = int(row["id"])
        stored, expected, derived, view = await kept_and_derived(s.db, s.pipeline, cid)
        assert stored == expected, (cid, [e.kind for e in view.events])
        stages[cid] = derived.stage
    return stages


async def finished(s: Services, person: Person, **changes: object) -> int:
    summary = await answer_all(s, person, **changes)
    await assert_in_sync(s)  # answers given, screening not finished
    await s.screening.button(person, button(summary, "C'est bon").data)
    candidate = await s.candidates.by_telegram_id(person.user_id)
    assert candidate is not None
    return candidate.id


async def stage(s: Services, cid: int) -> Stage:
    return (await assert_in_sync(s))[cid]


async def test_every_kind_of_move_keeps_the_stored_stage_equal_to_the_derived_one(
    services: Services, clock: FakeClock
) -> None:
    s = services
    now = clock.now
    lea = await finished(s, LEA, first_name="Léa-Émilie")
    assert await stage(s, lea) is Stage.ELIGIBLE
    row = await s.db.fetchone("SELECT site, name_key FROM candidates WHERE id = ?", (lea,))
    assert row is not None and tuple(row) == ("gonesse", "lea emilie")

    # /humain, then handled by staff
    await s.screening.human(LEA)
    assert (await s.pipeline.review_queue(None, 8))[0] == 1
    await s.pipeline.review(lea, decision="human_handled", by=ADMIN.user_id, at=now())
    assert await stage(s, lea) is Stage.ELIGIBLE
    assert await s.pipeline.pending_count(None) == 0

    # a session: booked, cancelled by the candidate, booked again, attended
    session_id = await s.sessions.admin.create_session(
        site="gonesse",
        starts_at=now() + dt.timedelta(days=3),
        capacity=10,
        place="FabNum Gonesse",
        address="3 rue de Paris, Gonesse",
        created_by=ADMIN.user_id,
    )
    await s.sessions.button(LEA, f"s:book:{session_id}")
    assert await stage(s, lea) is Stage.SESSION_BOOKED
    booking = await s.sessions.store.live_booking(lea)
    session = await s.sessions.store.session(session_id)
    assert booking is not None and session is not None
    await s.sessions.store.cancel_booking(lea, booking[0], session, now())
    assert await stage(s, lea) is Stage.ELIGIBLE
    await s.sessions.button(LEA, f"s:book:{session_id}")
    booking = await s.sessions.store.live_booking(lea)
    assert booking is not None
    await s.sessions.button(LEA, f"s:yes:{booking[0]}")
    clock.advance(dt.timedelta(days=3, hours=2))
    await s.sessions.button(STAFF_CHAT, f"s:at:{booking[0]}:y")
    assert await stage(s, lea) is Stage.ATTENDED

    # interview, cohort: admitted, waitlisted, admitted again, training, exit
    await s.staff.moves.command(ADMIN, [f"#{lea}", "entretien"])
    assert await stage(s, lea) is Stage.INTERVIEW
    start = clock.now().date() + dt.timedelta(days=20)
    end = start + dt.timedelta(days=120)
    await s.staff.cohorts.create(
        ADMIN, ["gonesse", start.isoformat(), end.isoformat(), "12", "Promo", "Printemps"]
    )
    cohort = (await s.pipeline.cohorts(None))[0]
    await s.pipeline.move(lea, to="admitted", by=ADMIN.user_id, at=now(), cohort_id=cohort.id)
    assert await stage(s, lea) is Stage.ADMITTED
    await s.pipeline.move(lea, to="waitlisted", by=ADMIN.user_id, at=now())
    assert await stage(s, lea) is Stage.WAITLISTED
    await s.pipeline.move(lea, to="admitted", by=ADMIN.user_id, at=now())
    await s.pipeline.move(lea, to="in_training", by=ADMIN.user_id, at=now())
    assert await stage(s, lea) is Stage.IN_TRAINING
    assert await s.pipeline.cohort_stage_counts(cohort.id) == {
        **dict.fromkeys(Stage, 0),
        Stage.IN_TRAINING: 1,
    }
    await s.alumni.exits.command(ADMIN, [f"#{lea}"])
    assert await stage(s, lea) is Stage.EXITED

    # a result to review: confirmed (oriented), then made eligible, booked, absent, the session
    # cancelled by staff; not selected; an interview after all
    yanis = await finished(s, YANIS, first_name="Yanis", qualification="bac")
    assert await stage(s, yanis) is Stage.TO_REVIEW
    assert (await s.pipeline.review_queue(None, 8))[0] == 1
    await s.staff.review.decide(ADMIN, yanis, "confirmed")
    assert await stage(s, yanis) is Stage.ORIENTED
    await s.pipeline.move(yanis, to="eligible", by=ADMIN.user_id, at=now())
    later = await s.sessions.admin.create_session(
        site="gonesse",
        starts_at=now() + dt.timedelta(days=2),
        capacity=10,
        place="FabNum Gonesse",
        address="3 rue de Paris, Gonesse",
        created_by=ADMIN.user_id,
    )
    await s.sessions.store.book(yanis, YANIS.chat_id, "gonesse", later, now())
    assert await stage(s, yanis) is Stage.SESSION_BOOKED
    await s.staff.moves.command(ADMIN, [f"#{yanis}", "absent"])  # too early: refused
    assert await stage(s, yanis) is Stage.SESSION_BOOKED
    await s.sessions.admin.cancel_session(later, by=ADMIN.user_id)
    assert await stage(s, yanis) is Stage.ELIGIBLE
    third = await s.sessions.admin.create_session(
        site="gonesse",
        starts_at=now() + dt.timedelta(days=1),
        capacity=10,
        place="FabNum Gonesse",
        address="3 rue de Paris, Gonesse",
        created_by=ADMIN.user_id,
    )
    await s.sessions.store.book(yanis, YANIS.chat_id, "gonesse", third, now())
    booking = await s.sessions.store.live_booking(yanis)
    assert booking is not None
    clock.advance(dt.timedelta(days=1, hours=2))
    await s.sessions.button(STAFF_CHAT, f"s:at:{booking[0]}:n")
    assert await stage(s, yanis) is Stage.ABSENT
    await s.pipeline.move(yanis, to="not_selected", by=ADMIN.user_id, at=now())
    assert await stage(s, yanis) is Stage.NOT_SELECTED
    await s.pipeline.move(yanis, to="interview", by=ADMIN.user_id, at=now())
    assert await stage(s, yanis) is Stage.INTERVIEW

    # overturned; then /annuler-like pause is only for screening: restart instead, then resume
    ines = await finished(s, INES, first_name="Inès", qualification="bac")
    await s.staff.review.decide(ADMIN, ines, "overturned")
    assert await stage(s, ines) is Stage.ELIGIBLE
    candidate = await s.candidates.by_id(ines)
    assert candidate is not None
    await s.screening.restart(INES)
    await s.screening.button(INES, encode_start_over())
    assert await stage(s, ines) is Stage.SCREENING
    row = await s.db.fetchone("SELECT site, name_key FROM candidates WHERE id = ?", (ines,))
    assert row is not None and tuple(row) == (None, None)  # the answers went
    await s.screening.cancel(INES)
    assert (await s.candidates.by_id(ines)) is not None
    assert await stage(s, ines) is Stage.SCREENING

    # the row's own facts changed without an event (CandidateStore.update)
    await s.candidates.update(
        ines, now(), status="submitted", result="review", review_status="pending"
    )
    assert await stage(s, ines) is Stage.TO_REVIEW
    await s.candidates.update(ines, now(), human_requested_at=now().isoformat())
    assert (await assert_in_sync(s))[ines] is Stage.TO_REVIEW
    assert await s.pipeline.pending_count(None) == 1
    await s.candidates.update(ines, now(), status="screening", result=None, review_status=None)
    assert await stage(s, ines) is Stage.SCREENING

    # erasure of one person: the others stay as they were
    before = await assert_in_sync(s)
    await s.candidates.erase(yanis, now(), "candidate_request")
    after = await assert_in_sync(s)
    assert after == {k: v for k, v in before.items() if k != yanis}

    # the retention purge, years later: whoever is left is still in sync
    clock.advance(dt.timedelta(days=3 * 365))
    await s.retention.run()
    await assert_in_sync(s)


def encode_start_over() -> str:
    from bot.screening.buttons import encode

    return encode(StartOver())


async def test_a_complete_answer_ticked_again_moves_where_screening_stops(
    services: Services, clock: FakeClock
) -> None:
    """A multiple choice ticked again is incomplete: the next question is that one again."""
    await answer_all(services, LEA)
    candidate = await services.candidates.by_telegram_id(LEA.user_id)
    assert candidate is not None
    assert (await assert_in_sync(services))[candidate.id] is Stage.SCREENING
    step = await services.db.fetchone(
        "SELECT screening_step FROM candidates WHERE id = ?", (candidate.id,)
    )
    assert step is not None and step[0] is None  # every question answered, not sent yet
    await services.candidates.save_answer(
        candidate.id, "interests", ["web"], clock.now(), complete=False
    )
    await assert_in_sync(services)
    step = await services.db.fetchone(
        "SELECT screening_step FROM candidates WHERE id = ?", (candidate.id,)
    )
    assert step is not None and step[0] == "interests"
