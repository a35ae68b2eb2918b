"""Nudges: at most two messages (FABNUM_NUDGES, 24 h and 72 h by default) to a candidate who
stopped their screening half-way, with a button that resumes where they were.

A planner, run by the outbox dispatcher on each of its runs, finds who stopped long enough ago
and adds one outbox row each (unique key `screening.nudge:<candidate>:<number>`, so a restart
neither loses nor doubles one); the second only after the first went out. At send time the row
is dropped if they came back since. At most once: an unsolicited message is never sent twice.
"""

from __future__ import annotations

import datetime as dt

from bot.config import Settings
from bot.db.database import Database
from bot.kernel.actions import Button, Response
from bot.kernel.clock import Clock
from bot.kernel.rendering import Renderer
from bot.outbox.kinds import MessageKind
from bot.outbox.store import OutboxRow, OutboxStore, parse_time, schedule
from bot.screening.buttons import Resume, encode
from bot.screening.store import CandidateStore

NUDGE_KIND = "screening.nudge"


class Nudges:
    def __init__(
        self,
        *,
        db: Database,
        candidates: CandidateStore,
        outbox: OutboxStore,
        renderer: Renderer,
        clock: Clock,
        settings: Settings,
    ) -> None:
        self.db = db
        self.candidates = candidates
        self.outbox = outbox
        self.renderer = renderer
        self.clock = clock
        self.settings = settings

    def kinds(self) -> list[MessageKind]:
        return [MessageKind(NUDGE_KIND, self.render, at_most_once=True)]

    async def render(self, row: OutboxRow) -> Response | None:
        candidate = await self.candidates.by_id(row.candidate_id) if row.candidate_id else None
        if candidate is None or candidate.status == "submitted":
            return None
        last = parse_time(candidate.last_contact_at)
        number = int(row.payload.get("number", 1))
        delays = self.settings.nudge_delays
        if last is None or number > len(delays) or self.clock.now() - last < delays[number - 1]:
            return None  # they came back since
        lang = candidate.language
        answers = await self.candidates.answers(candidate.id)
        first_name = answers.complete.get("first_name")
        text = self.renderer.render(
            lang,
            "reminders/nudge",
            number=number,
            first_name=str(first_name) if first_name else None,
        )
        resume = Button(self.renderer.label(lang, "btn.resume"), encode(Resume()))
        return Response().send(text, ((resume,),))

    async def plan(self, now: dt.datetime) -> int:
        """Schedule the nudges of candidates who stopped screening half-way (at most two)."""
        delays = self.settings.nudge_delays
        planned = 0
        for number, delay in enumerate(delays, start=1):
            found = await self.candidates.stalled(now - delay, number)
            if not found:
                continue
            async with self.db.transaction() as conn:
                for candidate_id, chat_id in found:
                    if number > 1:
                        # the second only after the first went out
                        previous = await self.outbox.by_key(
                            f"screening.nudge:{candidate_id}:{number - 1}"
                        )
                        if previous is None or previous.state != "sent":
                            continue
                    if await schedule(
                        conn,
                        key=f"screening.nudge:{candidate_id}:{number}",
                        kind="screening.nudge",
                        chat_id=chat_id,
                        candidate_id=candidate_id,
                        subject=f"candidate:{candidate_id}",
                        due_at=now,
                        not_after=now + dt.timedelta(hours=36),
                        payload={"number": number},
                        now=now,
                    ):
                        planned += 1
        return planned
