"""How an interview reads in a message, in a language, and the candidate's buttons."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from bot.core.sites import Programme
from bot.interviews.buttons import Cannot, Change, Coming, encode
from bot.interviews.rules import Interview
from bot.kernel.actions import Button, Keyboard
from bot.kernel.rendering import Renderer
from bot.sessions.rules import map_link


class InterviewViews:
    def __init__(self, *, renderer: Renderer, programme: Programme, timezone: ZoneInfo) -> None:
        self.renderer = renderer
        self.programme = programme
        self.tz = timezone

    def render(self, lang: str, name: str, **context: Any) -> str:
        return self.renderer.render(lang, f"interviews/{name}", programme=self.programme, **context)

    def label(self, lang: str, key: str) -> str:
        return self.renderer.label(lang, key)

    def describe(self, interview: Interview, lang: str) -> dict[str, Any]:
        return {
            "id": interview.id,
            "starts_at": interview.starts_at,
            "place": interview.place,
            "address": interview.address if interview.address != interview.place else "",
            "map_url": map_link(interview.address),
            "answer": interview.answer,
            "status": interview.status,
        }

    def answer_keyboard(self, lang: str, interview_id: int) -> Keyboard:
        return (
            (Button(self.label(lang, "iv.btn_coming"), encode(Coming(interview_id))),),
            (Button(self.label(lang, "iv.btn_change"), encode(Change(interview_id))),),
            (Button(self.label(lang, "iv.btn_cannot"), encode(Cannot(interview_id))),),
        )

    def map_keyboard(self, lang: str, interview: Interview) -> Keyboard:
        return ((Button(self.label(lang, "iv.btn_map"), url=map_link(interview.address)),),)
