"""One staff group per site (FABNUM_SITE_CHATS): its weekly digest and its unconfirmed-booking
flags cover that site only; FABNUM_STAFF_CHAT_ID stays the all-sites group."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re

from bot.app import build_services
from bot.config import Settings, StaffMember
from bot.kernel.actions import Response, Send
from bot.kernel.clock import FakeClock
from bot.outbox.store import OutboxStore
from bot.pipeline.digest import DIGEST_KIND
from bot.services import Services
from tests.test_staff_digest import weekly
from tests.test_staff_service import seed_candidate

ALL_SITES = -1000000000001
GONESSE = -1000000000002
MARCQ = -1000000000003


def _text(response: Response | None) -> str:
    assert response is not None
    return "\n".join(
        re.sub(r"<[^>]+>", "", a.text) for a in response.actions if isinstance(a, Send)
    )


def _settings(settings: Settings, **changes: object) -> Settings:
    return dataclasses.replace(
        settings,
        staff={
            500: StaffMember(500, "admin"),
            600: StaffMember(600, "staff", frozenset({"marcq"})),
        },
        **changes,  # type: ignore[arg-type]
    )


async def _seed(services: Services, clock: FakeClock) -> None:
    await seed_candidate(services.candidates, clock.now(), 2001, site="gonesse")
    await seed_candidate(services.candidates, clock.now(), 2002, site="gonesse")
    await seed_candidate(services.candidates, clock.now(), 2003, site="marcq")


async def test_one_digest_per_chat_each_covering_its_sites(
    settings: Settings, clock: FakeClock
) -> None:
    settings = _settings(
        settings, staff_chat_id=ALL_SITES, site_chats={"gonesse": GONESSE, "marcq": MARCQ}
    )
    services = build_services(settings, clock)
    await services.db.connect()
    try:
        await _seed(services, clock)
        assert await weekly(services).plan(clock.now()) == 3
        assert await weekly(services).plan(clock.now()) == 0  # planned once per week and chat
        store = OutboxStore(services.db)
        rows = {
            key: await store.by_key(key)
            for key in ("digest:2026-W49", "digest:2026-W49:gonesse", "digest:2026-W49:marcq")
        }
        chats = {key: row.chat_id for key, row in rows.items() if row is not None}
        assert chats == {
            "digest:2026-W49": ALL_SITES,
            "digest:2026-W49:gonesse": GONESSE,
            "digest:2026-W49:marcq": MARCQ,
        }
        texts = {key: _text(await weekly(services).render(row)) for key, row in rows.items() if row}
        assert all(row.kind == DIGEST_KIND for row in rows.values() if row)
        assert "Nouveaux candidats : 3" in texts["digest:2026-W49"]
        assert "Nouveaux candidats : 2" in texts["digest:2026-W49:gonesse"]
        assert "Nouveaux candidats : 1" in texts["digest:2026-W49:marcq"]
    finally:
        await services.db.close()


async def test_site_chats_alone_give_site_digests_only(
    settings: Settings, clock: FakeClock
) -> None:
    services = build_services(_settings(settings, site_chats={"marcq": MARCQ}), clock)
    await services.db.connect()
    try:
        await _seed(services, clock)
        assert await weekly(services).plan(clock.now()) == 1
        store = OutboxStore(services.db)
        assert await store.by_key("digest:2026-W49") is None
        row = await store.by_key("digest:2026-W49:marcq")
        assert row is not None and row.chat_id == MARCQ
        assert "Nouveaux candidats : 1" in _text(await weekly(services).render(row))
    finally:
        await services.db.close()


async def _flag_chats(services: Services, site: str, clock: FakeClock) -> list[int]:
    """The chats the unconfirmed-booking flag of a new session at `site` is planned for."""
    session_id = await services.sessions.admin.create_session(
        site=site,
        starts_at=clock.now() + dt.timedelta(days=3),
        capacity=10,
        place="Salle 1",
        address="1 rue de Paris",
    )
    rows = await services.db.fetchall(
        "SELECT chat_id FROM outbox WHERE kind = 'sessions.unconfirmed' AND subject = ?",
        (f"session:{session_id}",),
    )
    return sorted(int(r[0]) for r in rows)


async def test_flags_go_to_the_sites_chat_else_the_all_sites_chat(
    settings: Settings, clock: FakeClock
) -> None:
    settings = _settings(settings, staff_chat_id=ALL_SITES, site_chats={"gonesse": GONESSE})
    services = build_services(settings, clock)
    await services.db.connect()
    try:
        assert await _flag_chats(services, "gonesse", clock) == [GONESSE]
        assert await _flag_chats(services, "marcq", clock) == [ALL_SITES]
    finally:
        await services.db.close()


async def test_without_group_chats_flags_go_to_the_sites_staff(
    settings: Settings, clock: FakeClock
) -> None:
    services = build_services(_settings(settings, site_chats={"gonesse": GONESSE}), clock)
    await services.db.connect()
    try:
        assert await _flag_chats(services, "marcq", clock) == [500, 600]
        assert await _flag_chats(services, "gonesse", clock) == [GONESSE]
        assert await weekly(services).plan(clock.now()) == 1  # gonesse's; no all-sites digest
    finally:
        await services.db.close()
