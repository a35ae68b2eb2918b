"""The thread use cases without Telegram: pending /humain requests for the staff views, the
card's button, staff of another site."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest

from bot.app import build_services
from bot.config import Settings, StaffMember
from bot.kernel.actions import Response, Send
from bot.kernel.clock import FakeClock
from bot.messages.buttons import MESSAGES, WriteTo
from bot.services import Services
from tests.botharness import with_staff
from tests.test_staff_service import seed_candidate

ADMIN = StaffMember(500, "admin")
MARCQ = StaffMember(600, "staff", frozenset({"marcq"}))


@pytest.fixture
async def services(tmp_path: Path, clock: FakeClock) -> Services:
    base = Settings(token="123456:TEST-TOKEN-fabnum-fake-api-0000000", database=tmp_path / "t.db")
    built = build_services(with_staff(base, ADMIN, MARCQ), clock)
    await built.db.connect()
    yield built  # type: ignore[misc]
    await built.db.close()


def text(response: Response) -> str:
    return "\n".join(
        re.sub(r"<[^>]+>", "", a.text) for a in response.actions if isinstance(a, Send)
    )


async def request(services: Services, tg: int, site: str, name: str) -> int:
    cid = await seed_candidate(services.candidates, services.clock.now(), tg, site=site, name=name)
    candidate = await services.candidates.by_id(cid)
    assert candidate is not None
    await services.messages.on_human(candidate)
    return cid


async def test_unanswered_requests_after_two_working_days_until_staff_write(
    services: Services, clock: FakeClock
) -> None:
    # Wednesday 25/11/2026 10:00 in Paris
    gonesse = await request(services, 2001, "gonesse", "Léa")
    marcq = await request(services, 2002, "marcq", "Inès")
    messages = services.messages
    assert await messages.unanswered(clock.now()) == []
    clock.advance(dt.timedelta(days=2))  # Friday 10:00: exactly the deadline
    assert await messages.unanswered(clock.now()) == []
    clock.advance(dt.timedelta(minutes=1))
    pending = await messages.unanswered(clock.now())
    assert [(p.candidate_id, p.first_name, p.site) for p in pending] == [
        (gonesse, "Léa", "gonesse"),
        (marcq, "Inès", "marcq"),
    ]
    assert [p.candidate_id for p in await messages.unanswered(clock.now(), {"marcq"})] == [marcq]
    section = await messages.digest_unanswered_text(frozenset({"marcq"}))
    assert "sans réponse depuis 2 jours ouvrés : 1" in section
    assert f"n° {marcq} · Inès · depuis le 25/11" in section and "Léa" not in section

    # marcq staff cannot write to a gonesse candidate (as if unknown); the admin can
    refused = await messages.write(MARCQ, f"{gonesse} Bonjour")
    assert text(refused) == f"Aucun candidat n° {gonesse} dans tes sites."
    assert text(await messages.write(ADMIN, f"{gonesse} Bonjour")).startswith("✅ Envoyé")
    assert [p.candidate_id for p in await messages.unanswered(clock.now())] == [marcq]
    assert await messages.digest_unanswered_text(frozenset({"gonesse"})) == ""  # no section


async def test_the_card_button_says_how_to_write_to_site_staff_only(services: Services) -> None:
    gonesse = await request(services, 2001, "gonesse", "Léa")
    button = services.messages.card_button("fr", gonesse)
    assert button.text == "✍️ Écrire" and MESSAGES.decode(button.data) == WriteTo(gonesse)
    shown = await services.messages.close_pressed(ADMIN, button.data)
    assert text(shown) == f"✍️ Pour écrire au n° {gonesse} : /ecrire {gonesse} ton message"
    refused = await services.messages.close_pressed(MARCQ, button.data)
    assert text(refused) == ""  # a toast only: "no longer active"


async def test_staff_views_show_late_requests_and_the_write_button(
    services: Services, clock: FakeClock
) -> None:
    """The wiring in bot/app.py: /revue and the digest list the /humain requests late by 2
    working days (and nothing when none is late); every card has the ✍️ Écrire button."""
    gonesse = await request(services, 2001, "gonesse", "Léa")
    queue = text(await services.staff.review.queue(ADMIN))
    assert "sans réponse" not in queue
    assert "sans réponse" not in text(await services.staff.digest.response())
    clock.advance(dt.timedelta(days=2, minutes=1))  # Friday 10:01: two working days later
    queue = text(await services.staff.review.queue(ADMIN))
    assert "Demandes /humain sans réponse depuis 2 jours ouvrés : 1" in queue
    assert f"n° {gonesse} · Léa" in queue
    assert "sans réponse" not in text(await services.staff.review.queue(MARCQ))  # another site
    assert f"n° {gonesse} · Léa" in text(await services.staff.digest.response())
    card = await services.staff.cards.find(ADMIN, str(gonesse))
    labels = [
        b.text for a in card.actions if isinstance(a, Send) for row in a.keyboard for b in row
    ]
    assert "✍️ Écrire" in labels
