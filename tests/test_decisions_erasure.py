"""An erased person's decision previews go with them: the preview's outbox row names their draft
by id only, and ids are reused, so the next person's preview must find its key free."""

from __future__ import annotations

from bot.core.pipeline import Stage
from bot.kernel.clock import FakeClock
from bot.services import Services
from tests.test_staff_service import GONESSE, seed_candidate


async def decided(services: Services, clock: FakeClock, telegram_id: int) -> tuple[int, int]:
    cid = await seed_candidate(services.candidates, clock.now(), telegram_id)
    await services.pipeline.move(cid, to=Stage.INTERVIEW, by=GONESSE.user_id, at=clock.now())
    await services.pipeline.move(cid, to=Stage.NOT_SELECTED, by=GONESSE.user_id, at=clock.now())
    draft = await services.decisions.store.latest_draft(cid)
    assert draft is not None
    return cid, draft.id


async def previews(services: Services, draft_id: int) -> list[str]:
    rows = await services.db.fetchall(
        "SELECT state FROM outbox WHERE key = ?", (f"decision-preview:{draft_id}",)
    )
    return [str(r[0]) for r in rows]


async def test_the_next_persons_preview_is_not_lost_to_a_reused_id(
    services: Services, clock: FakeClock
) -> None:
    first, draft = await decided(services, clock, 1001)
    assert await previews(services, draft) == ["pending"]
    assert await services.candidates.erase(first, clock.now(), reason="candidate_request")
    assert await previews(services, draft) == []
    second, again = await decided(services, clock, 1002)
    assert (second, again) == (first, draft)  # the same ids, given again
    assert await previews(services, again) == ["pending"]
