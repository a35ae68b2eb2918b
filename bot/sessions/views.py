"""How a session reads in a message, shared by booking, staff administration and reminders."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from bot.core.sites import Programme
from bot.kernel.actions import Button, Keyboard
from bot.kernel.rendering import Renderer
from bot.screening.store import CandidateStore
from bot.sessions import rules
from bot.sessions.buttons import Cancel, Change, encode
from bot.sessions.rules import InfoSession


class SessionViews:
    def __init__(
        self,
        *,
        renderer: Renderer,
        programme: Programme,
        candidates: CandidateStore,
        timezone: ZoneInfo,
    ) -> None:
        self.renderer = renderer
        self.programme = programme
        self.candidates = candidates
        self.tz = timezone

    def render(self, lang: str, name: str, **context: Any) -> str:
        return self.renderer.render(lang, name, programme=self.programme, **context)

    def label(self, lang: str, key: str) -> str:
        return self.renderer.label(lang, key)

    def describe(self, session: InfoSession, lang: str) -> dict[str, Any]:
        site = self.programme.sites.get(session.site)
        return {
            "id": session.id,
            "starts_at": session.starts_at,  # {{ session.starts_at | datetime }}
            "site": site.name if site else session.site,
            "place": session.place,
            "address": session.address,
            "map_url": rules.map_link(session.address, session.map_url),
            "capacity": session.capacity,
            "booked": session.booked,
            "free": max(0, session.capacity - session.booked),
            "language": session.language,
            "cancelled": session.status == "cancelled",
        }

    def booking_keyboard(self, lang: str, booking_id: int, session: InfoSession) -> Keyboard:
        return (
            (
                Button(
                    self.label(lang, "sessions.btn_map"),
                    url=self.describe(session, lang)["map_url"],
                ),
            ),
            (Button(self.label(lang, "sessions.btn_change"), encode(Change(booking_id))),),
            (Button(self.label(lang, "sessions.btn_cancel"), encode(Cancel(booking_id))),),
        )

    async def site_of(self, candidate_id: int) -> str | None:
        answers = await self.candidates.answers(candidate_id)
        site = answers.complete.get("site")
        return str(site) if site else None

    async def first_name(self, candidate_id: int) -> str:
        answers = await self.candidates.answers(candidate_id)
        return str(answers.complete.get("first_name") or f"#{candidate_id}")
