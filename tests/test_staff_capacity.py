"""Cohort capacity: no admission beyond the places unless an admin confirms it, audited, and no
overbooking under concurrent presses (issue 10, item 10)."""

from __future__ import annotations

import asyncio
import datetime as dt

from bot.config import Settings
from bot.core.pipeline import Stage
from bot.fakeapi import FakeTelegram
from bot.kernel.actions import EditPressed, Toast
from bot.kernel.clock import FakeClock
from bot.pipeline.models import Cohort
from bot.pipeline.store import CohortFull, PipelineStore
from bot.screening.store import iso
from bot.services import Services
from tests.botharness import Chat, admin, running_bot, site_staff, with_staff
from tests.botharness import services_of as svc
from tests.test_staff_service import ADMIN, GONESSE, buttons, seed_candidate, texts


async def cohort_of(pipeline: PipelineStore, clock: FakeClock, capacity: int) -> Cohort:
    return await pipeline.create_cohort(
        site="gonesse",
        name="Promo Mars 2027",
        start=dt.date(2027, 3, 1),
        end=dt.date(2027, 9, 30),
        capacity=capacity,
        by=1,
        at=clock.now(),
    )


async def interviewed(services: Services, clock: FakeClock, count: int) -> list[int]:
    ids = []
    for n in range(count):
        cid = await seed_candidate(services.candidates, clock.now(), 1001 + n, name=f"P{n}")
        await services.pipeline.move(cid, to="interview", by=1, at=clock.now())
        ids.append(cid)
    return ids


async def seated(services: Services, cohort_id: int) -> list[int]:
    return await services.pipeline.members(cohort_id, (Stage.ADMITTED, Stage.IN_TRAINING))


async def test_store_refuses_an_admission_beyond_capacity(
    services: Services, clock: FakeClock
) -> None:
    p = services.pipeline
    cohort = await cohort_of(p, clock, 2)
    a, b, c, d = await interviewed(services, clock, 4)
    await p.move(a, to="admitted", by=1, at=clock.now(), cohort_id=cohort.id)
    await p.move(b, to="admitted", by=1, at=clock.now(), cohort_id=cohort.id)
    try:
        await p.move(c, to="admitted", by=1, at=clock.now(), cohort_id=cohort.id)
    except CohortFull as full:
        assert (full.cohort_id, full.capacity, full.admitted) == (cohort.id, 2, 2)
    else:
        raise AssertionError("a third admission into 2 places went through")
    assert await p.stage_of(c) is Stage.INTERVIEW  # nothing written: no event, no placement
    assert await p.members(cohort.id) == [a, b]
    # In training still takes a place; waitlisting does not; a place freed can be taken.
    await p.move(a, to="in_training", by=1, at=clock.now())
    await p.move(c, to="waitlisted", by=1, at=clock.now(), cohort_id=cohort.id)
    await p.move(b, to="not_selected", by=1, at=clock.now())
    await p.move(c, to="admitted", by=1, at=clock.now())  # the cohort of their placement
    assert sorted(await seated(services, cohort.id)) == [a, c]
    assert not [e for e in await p.audit_log() if e["action"] == "over_capacity"]

    # An admin's confirmation admits over capacity, and the audit says who, when, which cohort
    # and how many (no name, no free text).
    clock.advance(dt.timedelta(minutes=5))
    await p.move(d, to="admitted", by=500, at=clock.now(), cohort_id=cohort.id, over_capacity=True)
    assert sorted(await seated(services, cohort.id)) == [a, c, d]
    [entry] = [e for e in await p.audit_log() if e["action"] == "over_capacity"]
    assert entry["staff_id"] == 500 and entry["cohort_id"] == cohort.id
    assert entry["at"] == iso(clock.now())
    assert entry["detail"] == {"capacity": 2, "admitted": 3}
    assert entry["candidate_id"] is None


async def test_concurrent_admissions_never_exceed_capacity(
    services: Services, clock: FakeClock
) -> None:
    p = services.pipeline
    cohort = await cohort_of(p, clock, 3)
    ids = await interviewed(services, clock, 12)

    async def admit(cid: int) -> bool:
        try:
            await p.move(cid, to="admitted", by=1, at=clock.now(), cohort_id=cohort.id)
        except CohortFull:
            return False
        return True

    results = await asyncio.gather(*(admit(cid) for cid in ids))
    assert sum(results) == 3
    assert len(await seated(services, cohort.id)) == 3


async def test_site_staff_are_told_to_ask_an_admin_who_gets_a_confirm_button(
    services: Services, clock: FakeClock
) -> None:
    staff = services.staff
    cohort = await cohort_of(services.pipeline, clock, 1)
    first, second = await interviewed(services, clock, 2)
    done = await staff.button(GONESSE, f"st:m:{first}:admitted:{cohort.id}")
    assert "Entretien → Admis" in texts(done)

    local = await staff.button(GONESSE, f"st:m:{second}:admitted:{cohort.id}")
    assert "est complète : 1 admis pour 1 place." in texts(local)
    assert "demande à un admin" in texts(local)
    assert buttons(local) == {}
    assert isinstance(local.actions[0], Toast)
    forged = await staff.button(GONESSE, f"st:mo:{second}:{cohort.id}")
    assert "Seul un admin" in texts(forged)
    typed = await staff.moves.command(GONESSE, [str(second), "admis"])  # not placed: which cohort
    assert "Pour quelle promo" in texts(typed)
    assert await services.pipeline.stage_of(second) is Stage.INTERVIEW

    refused = await staff.button(ADMIN, f"st:m:{second}:admitted:{cohort.id}")
    assert "est complète" in texts(refused) and "demande à un admin" not in texts(refused)
    assert buttons(refused) == {"✅ Admettre quand même": f"st:mo:{second}:{cohort.id}"}
    confirmed = await staff.button(ADMIN, f"st:mo:{second}:{cohort.id}")
    assert "Entretien → Admis" in texts(confirmed)
    assert any(isinstance(a, EditPressed) for a in confirmed.actions)
    assert sorted(await seated(services, cohort.id)) == [first, second]
    audit = [e for e in await services.pipeline.audit_log() if e["action"] == "over_capacity"]
    assert [(e["staff_id"], e["cohort_id"], e["detail"]) for e in audit] == [
        (ADMIN.user_id, cohort.id, {"capacity": 1, "admitted": 2})
    ]
    again = await staff.button(ADMIN, f"st:mo:{second}:{cohort.id}")  # a double tap
    assert "déjà à l'étape" in texts(again)
    assert (
        len([e for e in await services.pipeline.audit_log() if e["action"] == "over_capacity"]) == 1
    )


async def test_three_staff_pressing_admit_at_once_on_the_last_place(
    server: FakeTelegram, settings: Settings, clock: FakeClock
) -> None:
    """Through the fake Bot API: three staff members, three candidates, one place, one press
    each at the same moment: one is admitted, the two others are told the cohort is full."""
    users = [server.new_user(f"Staff {n}") for n in range(3)]
    members = [admin(users[0]), site_staff(users[1], "gonesse"), site_staff(users[2], "gonesse")]
    settings = with_staff(settings, *members)
    async with running_bot(server, settings, clock) as app:
        services = svc(app)
        cohort = await cohort_of(services.pipeline, clock, 1)
        ids = await interviewed(services, clock, 3)
        chats = [Chat(server, u) for u in users]
        cards = []
        for chat, cid in zip(chats, ids, strict=True):
            cards.append(await chat.command("candidat", f"#{cid}", args=str(cid)))
        queries = []
        for chat, card in zip(chats, cards, strict=True):
            [data] = [b.callback_data for r in card.buttons for b in r if "Admettre" in b.text]
            assert data is not None
            queries.append(server.press_button(chat.user, card, data=f"{data}:{cohort.id}"))
        await asyncio.gather(*(server.wait_for_callback_answer(q) for q in queries))
        replies = [
            await server.wait_for_message(
                c.user.id,
                after=c.seen,
                predicate=lambda m: "→ Admis" in m.plain_text or "complète" in m.plain_text,
            )
            for c in chats
        ]
        admitted = [r for r in replies if "→ Admis" in r.plain_text]
        full = [r for r in replies if "complète" in r.plain_text]
        assert len(admitted) == 1 and len(full) == 2
        assert len(await seated(services, cohort.id)) == 1
