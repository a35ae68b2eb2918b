"""What every use case of the follow-up shares: its store, settings and rendering helpers."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from bot.alumni.store import AlumniStore
from bot.config import Settings, StaffMember
from bot.core.flow import Flow
from bot.core.outcomes import Outcomes
from bot.core.sites import Programme
from bot.kernel.clock import Clock
from bot.kernel.rendering import Renderer


@dataclass(frozen=True)
class AlumniContext:
    store: AlumniStore
    renderer: Renderer
    programme: Programme
    outcomes: Outcomes
    flow: Flow  # the survey (conversations/alumni_survey.py)
    clock: Clock
    settings: Settings

    def today(self) -> dt.date:
        return self.clock.now().astimezone(self.settings.timezone).date()

    @property
    def staff_lang(self) -> str:
        return self.settings.language

    def render(self, lang: str, name: str, **context: Any) -> str:
        return self.renderer.render(lang, name, programme=self.programme, **context)

    def label(self, lang: str, step: str, value: str) -> str:
        return self.renderer.label(lang, f"fu.{step}.{value}")

    @property
    def dynamic(self) -> dict[str, tuple[str, ...]]:
        """The survey's choices that come from outcomes.toml."""
        return {"situations": self.outcomes.ids}

    def sites(self, member: StaffMember) -> frozenset[str]:
        return frozenset(s for s in self.programme.site_ids if member.can_see_site(s))
