"""What every use case of the staff pipeline shares: its store, settings and rendering helpers.

Access is decided by the caller (bot/telegram/gate.py): the use cases are only reached by a
StaffMember from the settings. Inside, every query is limited to the member's sites; a candidate
or cohort of another site is answered exactly like one that does not exist.
No per-candidate gender is ever rendered; diversity is shown as aggregates (bot/core/diversity).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from bot.config import Settings, StaffMember
from bot.core.diversity import QpvList
from bot.core.flow import Flow
from bot.core.pipeline import Stage
from bot.core.ranking import ShortlistRules
from bot.core.sites import Programme
from bot.kernel.actions import Keyboard, Response, Toast
from bot.kernel.clock import Clock
from bot.kernel.rendering import Renderer
from bot.pipeline.models import CandidateView, Cohort
from bot.pipeline.store import PipelineStore
from bot.pipeline.views import can_see, fr_date, visible_sites
from bot.screening.service import ScreeningService

MAX_LIST = 15  # lines of a list in one message
TELEGRAM_MAX_TEXT = 4096  # characters in one message


@dataclass(frozen=True)
class PipelineContext:
    settings: Settings
    store: PipelineStore
    renderer: Renderer
    programme: Programme
    screening: ScreeningService  # how an answer is shown (cards, CSV)
    flow: Flow  # the screening questions (conversations/screening.py)
    clock: Clock
    rules: ShortlistRules
    qpv: QpvList

    @property
    def lang(self) -> str:
        return self.settings.language

    @property
    def tz(self) -> ZoneInfo:
        return self.settings.timezone

    def now(self) -> dt.datetime:
        return self.clock.now()

    def today(self) -> dt.date:
        return self.now().astimezone(self.tz).date()

    def render(self, template: str, **context: Any) -> str:
        return self.renderer.render(
            self.lang, f"staff/{template}", programme=self.programme, **context
        )

    def label(self, key: str) -> str:
        return self.renderer.label(self.lang, key)

    def stage(self, stage: Stage | str) -> str:
        return self.label(f"stage.{Stage(stage).value}")

    def site_name(self, site: str | None) -> str:
        if site is None:
            return self.label("staff.no_site")
        found = self.programme.sites.get(site)
        return found.name if found else site

    def say(self, template: str, keyboard: Keyboard = (), **context: Any) -> Response:
        return Response().send(self.render(template, **context), keyboard)

    def usage(self, what: str) -> Response:
        return self.say("usage", what=what)

    def toast(self, what: str) -> Response:
        return Response().add(Toast(self.render("toast", what=what)))

    async def visible(self, member: StaffMember) -> list[CandidateView]:
        return await self.store.candidates(visible_sites(member))

    async def candidate(self, member: StaffMember, candidate_id: int) -> CandidateView | None:
        view = await self.store.candidate(candidate_id)
        return view if view is not None and can_see(member, view) else None

    async def cohort(self, member: StaffMember, cohort_id: int) -> Cohort | None:
        cohort = await self.store.cohort(cohort_id)
        return cohort if cohort is not None and member.can_see_site(cohort.site) else None

    def allowed_sites(self, member: StaffMember) -> list[str]:
        return [s for s in self.programme.sites if member.can_see_site(s)]

    def site_choices(self, member: StaffMember) -> list[str]:
        return [f"{s} ({self.site_name(s)})" for s in self.allowed_sites(member)]

    def summary(self, view: CandidateView) -> dict[str, Any]:
        return {
            "id": view.id,
            "first_name": view.first_name,
            "site": self.site_name(view.site),
            "stage": self.stage(view.stage),
            "result": view.result,
            "applied": fr_date(view.submitted_at or view.created_at, self.tz),
        }
