"""The weekly digest: durable rows in the outbox, one per ISO week, sent to the staff group."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest

from bot.alumni.rules import DIGEST_CALL_LINES
from bot.app import build_services
from bot.config import Settings, StaffMember
from bot.fakeapi import FakeTelegram
from bot.kernel.actions import Response, Send
from bot.kernel.clock import FakeClock
from bot.outbox.store import OutboxStore
from bot.pipeline.digest import DIGEST_KIND, WeeklyDigest, digest_key, next_digest_at
from bot.services import Services
from tests.botharness import dispatcher_runs, running_bot, services_of, wait_for
from tests.test_staff_service import seed_candidate

PARIS = ZoneInfo("Europe/Paris")


def weekly(services: Services) -> WeeklyDigest:
    """The weekly digest's planner and message kind, as the composition root builds them."""
    return WeeklyDigest(
        settings=services.settings, db=services.db, digest_of=services.staff.digest.response
    )


GROUP = -1001234567890


def test_next_digest_time_is_local_and_dst_aware() -> None:
    # Wednesday 25/11/2026 10:00 UTC -> Monday 30/11/2026 08:00 Paris (07:00 UTC)
    now = dt.datetime(2026, 11, 25, 10, 0, tzinfo=dt.UTC)
    at = next_digest_at(now, PARIS, 0, 8)
    assert at == dt.datetime(2026, 11, 30, 7, 0, tzinfo=dt.UTC)
    assert digest_key(at, PARIS) == "digest:2026-W49"
    # exactly at the time: the next one is a week later
    assert next_digest_at(at, PARIS, 0, 8) == dt.datetime(2026, 12, 7, 7, 0, tzinfo=dt.UTC)
    # same weekday, earlier hour: today
    assert next_digest_at(now, PARIS, 2, 12) == dt.datetime(2026, 11, 25, 11, 0, tzinfo=dt.UTC)
    # summer time: 08:00 Paris is 06:00 UTC
    summer = next_digest_at(dt.datetime(2027, 6, 1, tzinfo=dt.UTC), PARIS, 4, 8)
    assert summer == dt.datetime(2027, 6, 4, 6, 0, tzinfo=dt.UTC)
    # ISO week 53 and the year boundary
    assert digest_key(dt.datetime(2027, 1, 1, 12, tzinfo=dt.UTC), PARIS) == "digest:2026-W53"


@pytest.fixture
async def group_settings(settings: Settings) -> Settings:
    return dataclasses.replace(
        settings,
        staff={500: StaffMember(500, "admin")},
        staff_chat_id=GROUP,
        outbox_interval=0.2,
    )


async def test_planner_adds_one_row_per_week_and_survives_restarts(
    group_settings: Settings, clock: FakeClock
) -> None:
    for _restart in range(2):
        services = build_services(group_settings, clock)
        await services.db.connect()
        try:
            added = await weekly(services).plan(clock.now())
            assert added == (1 if _restart == 0 else 0)
            assert await weekly(services).plan(clock.now()) == 0
        finally:
            await services.db.close()
    services = build_services(group_settings, clock)
    await services.db.connect()
    try:
        row = await OutboxStore(services.db).by_key("digest:2026-W49")
        assert row is not None and row.kind == DIGEST_KIND and row.chat_id == GROUP
        assert row.due_at == dt.datetime(2026, 11, 30, 7, 0, tzinfo=dt.UTC)
        assert not row.quiet_hours and not row.bulk
        await seed_candidate(services.candidates, clock.now(), 1001)
        response = await weekly(services).render(row)
        assert response is not None and "Nouveaux candidats : <b>1</b>" in response.actions[0].text  # type: ignore[union-attr]
        clock.set(row.due_at + dt.timedelta(seconds=1))
        assert await weekly(services).plan(clock.now()) == 1  # the following week
        assert await OutboxStore(services.db).by_key("digest:2026-W50") is not None
    finally:
        await services.db.close()


async def test_no_staff_group_no_digest(settings: Settings, clock: FakeClock) -> None:
    services = build_services(settings, clock)
    await services.db.connect()
    try:
        assert await weekly(services).plan(clock.now()) == 0
    finally:
        await services.db.close()


async def test_digest_reaches_the_staff_group(
    server: FakeTelegram, group_settings: Settings, clock: FakeClock
) -> None:
    admin = server.new_user("Admin")
    settings = dataclasses.replace(group_settings, staff={admin.id: StaffMember(admin.id, "admin")})
    async with running_bot(server, settings, clock) as application:
        server.send_group_text(admin, GROUP, "bonjour")  # the bot is in the group
        store = services_of(application).outbox.store
        key = digest_key(next_digest_at(clock.now(), PARIS, 0, 8), PARIS)

        async def planned() -> bool:
            return await store.by_key(key) is not None

        await wait_for(planned)  # the planner put next Monday's digest in the outbox
        await dispatcher_runs(server, application)  # and the dispatcher had its chances
        assert not [m for m in server.messages(GROUP) if "Résumé" in m.plain_text]
        clock.set(dt.datetime(2026, 11, 30, 7, 0, 1, tzinfo=dt.UTC))
        digest = await server.wait_for_message(
            GROUP, after=0, timeout=5, predicate=lambda m: "Résumé de la semaine" in m.plain_text
        )
        assert "À relire (/revue) : 0" in digest.plain_text
        await dispatcher_runs(server, application, 3)  # several dispatcher runs: still one
        assert len([m for m in server.messages(GROUP) if "Résumé" in m.plain_text]) == 1


async def _alumni(services: Services, clock: FakeClock, names: list[str]) -> list[int]:
    """Learners of "Promo Test" at Gonesse marked as exited today (surveys in the outbox)."""
    ids = []
    for index, name in enumerate(names):
        cid = await seed_candidate(services.candidates, clock.now(), 7001 + index, name=name)
        assert await services.alumni.exits.mark_exit(
            cid, site="gonesse", cohort="Promo Test", exit_date=clock.now().date()
        )
        ids.append(cid)
    return ids


async def test_digest_lists_alumni_to_call(group_settings: Settings, clock: FakeClock) -> None:
    services = build_services(group_settings, clock)
    await services.db.connect()
    try:
        silent, answered = await _alumni(services, clock, ["Bilal", "Awa"])
        await services.alumni.store.save_answer(answered, 0, "situation", "cdi", clock.now())
        await weekly(services).plan(clock.now())
        row = await OutboxStore(services.db).by_key("digest:2026-W49")
        assert row is not None

        # day 5: reminders still running, nobody to call yet
        clock.set(clock.now() + dt.timedelta(days=5))
        text = _texts(await weekly(services).render(row))
        assert len(text) == 1 and "Anciens à appeler : 0" in text[0]

        # day 11: the one who never answered is to call, the one who answered is not
        clock.set(clock.now() + dt.timedelta(days=6))
        (text,) = _texts(await weekly(services).render(row))
        assert "Résumé de la semaine" in text and "Anciens à appeler : 1" in text
        assert f"Bilal #{silent} · Promo Test · sortie · pas de réponse depuis le 25/11/2026" in (
            text
        )
        assert "Awa" not in text and "/appels" in text
    finally:
        await services.db.close()


async def test_digest_call_list_is_capped_under_telegram_limit(
    group_settings: Settings, clock: FakeClock
) -> None:
    services = build_services(group_settings, clock)
    await services.db.connect()
    try:
        names = [f"Prénom{'x' * 40}{i}" for i in range(25)]
        await _alumni(services, clock, names)
        clock.set(clock.now() + dt.timedelta(days=11))
        await weekly(services).plan(clock.now())
        row = await OutboxStore(services.db).by_key("digest:2026-W50")
        assert row is not None
        response = await weekly(services).render(row)
        assert response is not None
        assert all(len(a.text) <= 4096 for a in response.actions if isinstance(a, Send))
        texts = _texts(response)
        whole = "\n".join(texts)
        assert "Anciens à appeler : 25" in whole
        assert sum(1 for n in names if n in whole) == DIGEST_CALL_LINES
        assert f"… et {25 - DIGEST_CALL_LINES} de plus : /appels" in whole
    finally:
        await services.db.close()


def _texts(response: Response | None) -> list[str]:
    assert response is not None
    return [re.sub(r"<[^>]+>", "", a.text) for a in response.actions if isinstance(a, Send)]


async def test_long_digest_comes_in_messages_of_700_characters(
    group_settings: Settings, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 13 C: many open cohorts and a long call list make several messages, each within
    700 characters, in order, nothing lost or repeated (the outbox sends them one by one)."""
    services = build_services(group_settings, clock)
    await services.db.connect()
    try:
        names = [f"Prénom{'x' * 30}{i}" for i in range(8)]
        await _alumni(services, clock, names)
        clock.set(clock.now() + dt.timedelta(days=11))
        await weekly(services).plan(clock.now())
        row = await OutboxStore(services.db).by_key("digest:2026-W50")
        assert row is not None
        (counts,) = await services.staff.digest.recruitment()
        cohorts = [f"📋 <b>Promo {n}</b> : " + "y" * 300 for n in range(5)]

        async def many_cohorts(sites: object = None) -> list[str]:
            return [counts, *cohorts]

        monkeypatch.setattr(services.staff.digest, "recruitment", many_cohorts)
        sends = _texts(await weekly(services).render(row))
        assert len(sends) >= 4 and all(len(t) <= 700 for t in sends), [len(t) for t in sends]
        assert "Résumé de la semaine" in sends[0] and "Anciens à appeler : 8" in "".join(sends)
        together = "\n".join(sends)
        for n in range(5):
            assert together.count(f"Promo {n} :") == 1
        assert all(together.count(name) == 1 for name in names)
        assert together.index("Promo 4") < together.index("Anciens à appeler")
    finally:
        await services.db.close()


async def test_a_digest_with_many_cohorts_fits_each_message(
    group_settings: Settings, clock: FakeClock
) -> None:
    """Open cohorts with their shortlists, through the real rendering: one message per cohort
    or more, the counts first, each within 700 characters."""
    services = build_services(group_settings, clock)
    await services.db.connect()
    try:
        for n in range(6):
            await services.staff.cohorts.create(
                StaffMember(1, "admin"),
                ["gonesse", "01/03/2027", "30/09/2027", "12", f"Promo {n} de la rentrée de mars"],
            )
        parts = await services.staff.digest.recruitment()
        assert len(parts) >= 2 and "Résumé de la semaine" in parts[0]
        plain = [re.sub(r"<[^>]+>", "", p) for p in parts]
        assert all(len(p) <= 700 for p in plain), [len(p) for p in plain]
        assert sum(p.count("sur la shortlist") for p in plain) == 6
        assert "Le détail (genres, sources)" in plain[-1]
    finally:
        await services.db.close()


async def test_digest_command_has_the_call_list_of_the_members_sites(
    group_settings: Settings, clock: FakeClock
) -> None:
    services = build_services(group_settings, clock)
    await services.db.connect()
    try:
        (silent,) = await _alumni(services, clock, ["Bilal"])
        clock.set(clock.now() + dt.timedelta(days=11))
        admin = StaffMember(1, "admin")
        marcq = StaffMember(2, "staff", frozenset({"marcq"}))
        (for_admin,) = _texts(await services.staff.digest.command(admin))
        (for_marcq,) = _texts(await services.staff.digest.command(marcq))
        assert f"Bilal #{silent}" in for_admin and "Anciens à appeler : 1" in for_admin
        assert "Bilal" not in for_marcq and "Anciens à appeler : 0" in for_marcq
    finally:
        await services.db.close()
