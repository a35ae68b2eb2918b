"""A candidate's data rights (GDPR): /mes_donnees shows and sends everything stored about them
(art. 15 and 20), /supprimer erases it (art. 17) after a confirmation."""

from __future__ import annotations

import contextlib
import json
import logging
from dataclasses import asdict
from typing import Any

from bot.kernel.actions import EditPressed, Response, SendFile, Toast
from bot.kernel.person import Person
from bot.screening.buttons import EraseMe, KeepMyData
from bot.screening.conversation import Conversation
from bot.screening.store import Candidate

log = logging.getLogger(__name__)

# Columns and history keys that hold a staff member's Telegram id (who moved, noted, marked
# attendance or an exit, recorded a phone answer, created a session or a cohort, set an interview,
# decided a decision message).
STAFF_ID_KEYS = frozenset(
    {
        "by",
        "staff_id",
        "marked_by",
        "attendance_by",
        "answered_by",
        "created_by",
        "closed_by",
        "set_by",
        "decided_by",
    }
)
# Text columns of other tables that hold JSON (staff_audit.detail, outbox.payload,
# followups.answers): decoded in the export, so what they hold is checked and reads as JSON.
JSON_COLUMNS = frozenset({"detail", "payload", "answers"})


class DataRights:
    def __init__(self, conversation: Conversation) -> None:
        self.conversation = conversation
        self.store = conversation.store

    async def my_data(self, person: Person) -> Response:
        c = self.conversation
        candidate = await self.store.by_telegram_id(person.user_id)
        lang = c.lang(person, candidate)
        if candidate is None:
            return Response().send(c.render(lang, "my_data_none"))
        export = await self.export(candidate)
        answers = await self.store.answers(candidate.id)
        items = []
        for step in c.flow.steps:
            if step.key in answers.complete:
                items.append(
                    {
                        "title": c.label(lang, f"title.{step.key}"),
                        "value": c.display(lang, step, answers.complete[step.key]),
                    }
                )
        text = c.render(lang, "my_data", candidate=candidate, items=items)
        export = without_staff_ids(export, c.label(lang, "data.staff"))
        content = json.dumps(export, ensure_ascii=False, indent=2).encode("utf-8")
        caption = c.render(lang, "my_data_file")
        return Response().send(text).add(SendFile("mes-donnees-fabnum.json", content, caption))

    async def export(self, candidate: Candidate) -> dict[str, Any]:
        """Everything stored about one candidate (GDPR art. 15 and 20)."""
        answers = await self.store.answers(candidate.id)
        return {
            "candidate": asdict(candidate),
            "answers": answers.complete,
            "answers_in_progress": answers.drafts,
            "history": await self.store.events(candidate.id),
            "other_records": await self.store.linked_records(candidate.id),
            "controller": self.conversation.programme.controller,
            "contact": self.conversation.programme.contact,
        }

    async def delete(self, person: Person) -> Response:
        c = self.conversation
        candidate = await self.store.by_telegram_id(person.user_id)
        lang = c.lang(person, candidate)
        if candidate is None:
            return Response().send(c.render(lang, "my_data_none"))
        return Response().send(
            c.render(lang, "delete_confirm"),
            (
                (c.button(lang, "btn.delete_yes", EraseMe()),),
                (c.button(lang, "btn.delete_no", KeepMyData()),),
            ),
        )

    async def delete_answer(
        self, person: Person, candidate: Candidate, pressed: EraseMe | KeepMyData
    ) -> Response:
        c = self.conversation
        lang = candidate.language
        response = Response().add(Toast("")).add(EditPressed())
        if isinstance(pressed, KeepMyData):
            response.send(c.render(lang, "delete_kept"))
            response.actions.extend((await c.where_we_are(person, candidate)).actions)
            return response
        await self.store.erase(candidate.id, c.now(), reason="candidate_request")
        log.info("candidate %s erased on request", candidate.id)
        return response.send(c.render(lang, "deleted"))


def without_staff_ids(value: Any, staff: str) -> Any:
    """The export with every staff Telegram id replaced by `staff` ("équipe FabNum"): the
    candidate sees that the team acted, not who in it (a staff id is the staff member's data)."""
    if isinstance(value, dict):
        cleaned = {}
        for key, item in value.items():
            if key in STAFF_ID_KEYS and isinstance(item, int) and not isinstance(item, bool):
                cleaned[key] = staff
                continue
            if key in JSON_COLUMNS and isinstance(item, str):
                with contextlib.suppress(ValueError):
                    item = json.loads(item)
            cleaned[key] = without_staff_ids(item, staff)
        return cleaned
    if isinstance(value, list | tuple):
        return [without_staff_ids(item, staff) for item in value]
    return value
