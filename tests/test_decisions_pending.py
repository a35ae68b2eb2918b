"""Decision messages still waiting for "Envoyer" are never forgotten: /revue shows them again,
with their buttons, to the staff of the candidate's site; the digest counts them per site."""

from __future__ import annotations

from bot.core.pipeline import Stage
from bot.kernel.actions import Send
from bot.kernel.clock import FakeClock
from bot.services import Services
from tests.test_staff_service import ADMIN, GONESSE, MARCQ, seed_candidate


async def test_drafts_wait_in_revue_and_the_digest_for_their_site_only(
    services: Services, clock: FakeClock
) -> None:
    decisions = services.decisions
    assert (await decisions.pending(GONESSE)).actions == []
    assert await decisions.digest_pending_text() == ""
    ids = [await seed_candidate(services.candidates, clock.now(), 1001 + i) for i in range(7)]
    for cid in ids:
        await services.pipeline.move(cid, to=Stage.INTERVIEW, by=GONESSE.user_id, at=clock.now())
        await services.pipeline.move(cid, to=Stage.NOT_SELECTED, by=GONESSE.user_id, at=clock.now())
    marcq = await decisions.pending(MARCQ)
    assert marcq.actions == []
    assert await decisions.digest_pending_text(frozenset({"marcq"})) == ""
    assert "attente d'envoi : 7" in await decisions.digest_pending_text(frozenset({"gonesse"}))
    assert "attente d'envoi : 7" in await decisions.digest_pending_text(None)
    shown = [a for a in (await decisions.pending(GONESSE)).actions if isinstance(a, Send)]
    assert "en attente : 7" in shown[0].text and "et 2 de plus" in shown[0].text
    previews = shown[1:]
    assert len(previews) == 5 and all("Voici le message pour" in p.text for p in previews)
    first = await decisions.store.latest_draft(ids[0])
    assert first is not None
    assert [b.data for b in previews[0].keyboard[0]] == [f"dec:s:{first.id}", f"dec:e:{first.id}"]
    # sent or dropped: no longer waiting
    await decisions.pressed(ADMIN, f"dec:s:{first.id}")
    assert "attente d'envoi : 6" in await decisions.digest_pending_text(None)
    # /revue carries them after its own items
    queue = await services.staff.review.queue(GONESSE)
    texts = [a.text for a in queue.actions if isinstance(a, Send)]
    assert any("Messages de décision en attente : 6" in t for t in texts)
