"""Re-engagement (issue 5): one message when the next cohort of a candidate's site opens.

Who is asked: a candidate whose screening result says "not now" (availability "no"), under the
result (bot/screening/answers.py), and a candidate staff put on a waiting list, in a message sent
through the outbox in the same transaction as the move (bot/reengagement/reactions.py, handling the
pipeline's `Moved` event). Nothing is pre-ticked: two buttons, "🔔 prévenir" and "non merci"; "oui"
stores a `reengagement` row with the time (the consent), and an event in their history; "finalement
non" deletes it.

When it is sent: bot/reengagement/reactions.py handles `CohortCreated`, inside the transaction that
creates a cohort (/nouvelle_cohorte). Planning there rather than in a periodic planner that looks
for new cohorts: the cohort and its outbox rows commit together (no opening missed or planned
twice, nothing to remember about "cohorts already seen"), staff are told at once how many people
will hear about it, and nothing polls. A cohort inserted by hand in SQL is not announced (there is
no other way to create one). The rows are due at once; the dispatcher holds them to the sending
window (quiet hours), drops them after /stop or a block, and drops them after the cohort's start.

Exactly once: the row is planned with the unique outbox key `reengage:<candidate>:<cohort>` and the
opt-in is marked spent (`notified_cohort_id`, `notified_at`) in the same transaction, so the opt-in
is used by ONE opening; later cohorts are not announced unless the person opts in again (the issue:
"one message when the next cohort of their site opens"). Someone stopped or unreachable at planning
time is not planned and keeps their opt-in for a later opening. At send time the message is skipped
for someone admitted, in training or alumni, or who withdrew; an erased person's rows go with them
(ON DELETE CASCADE).
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any
from zoneinfo import ZoneInfo

import aiosqlite

from bot.core import reengagement as core
from bot.core.pipeline import Stage
from bot.core.sites import Programme
from bot.db.database import Database
from bot.kernel.actions import Button, EditPressed, Keyboard, Response, Toast
from bot.kernel.clock import Clock
from bot.kernel.person import Person
from bot.kernel.rendering import Renderer
from bot.outbox.kinds import MessageKind
from bot.outbox.store import OutboxRow
from bot.pipeline.store import PipelineStore
from bot.reengagement import store
from bot.reengagement.buttons import CODEC, Apply, OptIn, OptOut, Withdraw
from bot.reengagement.kinds import ASK_KIND, AT_MOST_ONCE, COHORT_KIND, subject
from bot.screening.service import ScreeningService
from bot.screening.store import CandidateStore
from bot.sessions.booking import Booking

log = logging.getLogger(__name__)

__all__ = ["ASK_KIND", "AT_MOST_ONCE", "COHORT_KIND", "ReengagementService", "subject"]


class ReengagementService:
    def __init__(
        self,
        *,
        db: Database,
        candidates: CandidateStore,
        pipeline: PipelineStore,
        screening: ScreeningService,
        renderer: Renderer,
        programme: Programme,
        clock: Clock,
        timezone: ZoneInfo,
    ) -> None:
        self.db = db
        self.candidates = candidates
        self.pipeline = pipeline
        self.screening = screening
        self.renderer = renderer
        self.programme = programme
        self.clock = clock
        self.timezone = timezone

    # ------------------------------------------------------------------ helpers
    def _render(self, lang: str, name: str, **context: Any) -> str:
        return self.renderer.render(
            lang, f"reengagement/{name}", programme=self.programme, **context
        )

    def _button(self, lang: str, what: str) -> str:
        return self._render(lang, "button", what=what)

    def _site_name(self, site: str | None) -> str:
        found = self.programme.sites.get(site or "")
        return found.name if found else (site or "")

    def _today(self) -> dt.date:
        return self.clock.now().astimezone(self.timezone).date()

    def optin_keyboard(self, lang: str, origin: core.Origin) -> Keyboard:
        return (
            (Button(self._button(lang, "yes"), CODEC.encode(OptIn(origin.value))),),
            (Button(self._button(lang, "no"), CODEC.encode(OptOut(origin.value))),),
        )

    async def optin(self, candidate_id: int) -> aiosqlite.Row | None:
        return await store.optin(self.db, candidate_id)

    # ---------------------------------------------------------------- buttons
    async def button(self, person: Person, data: str) -> Response:
        """re:yes:<origin>, re:no:<origin> (under the question), re:off (withdraw, under the
        confirmation), re:go (restart the application): bot/reengagement/buttons.py. Anything
        else: a stale button's answer."""
        pressed = CODEC.decode(data)
        candidate = await self.candidates.by_telegram_id(person.user_id)
        if candidate is None or pressed is None:
            return await self.screening.button(person, data)
        if isinstance(pressed, Apply):
            response = Response().add(Toast("")).add(EditPressed())
            response.actions.extend((await self.screening.restart(person)).actions)
            return response
        if isinstance(pressed, Withdraw):
            return await self._no(candidate.id, candidate.language, None)
        origin = _origin(pressed.origin)
        if origin is None:
            return await self.screening.button(person, data)
        if isinstance(pressed, OptIn):
            return await self._yes(person, candidate.id, candidate.language, origin)
        return await self._no(candidate.id, candidate.language, origin)

    async def _kept_keyboard(self, candidate_id: int, lang: str, origin: core.Origin) -> Keyboard:
        """The pressed message's buttons without the opt-in ones (the result keeps /humain)."""
        if origin is not core.Origin.RESULT:
            return ()
        candidate = await self.candidates.by_id(candidate_id)
        outcome = candidate.result if candidate is not None else None
        return self.screening.result_keyboard(lang, outcome, reengage=False)

    async def _yes(
        self, person: Person, candidate_id: int, lang: str, origin: core.Origin
    ) -> Response:
        view = await self.pipeline.candidate(candidate_id)
        assert view is not None
        said_not_now = view.answers.get("availability") == "no"
        if not core.may_opt_in(origin, said_not_now=said_not_now, visited=view.derived.visited):
            return await self.screening.button(person, CODEC.encode(OptIn(origin.value)))
        site = view.site
        if site is None and view.cohort_id is not None:
            cohort = await self.pipeline.cohort(view.cohort_id)
            site = cohort.site if cohort else None
        if site is None:
            return await self.screening.button(person, CODEC.encode(OptIn(origin.value)))
        existing = await self.optin(candidate_id)
        response = Response()
        if existing is not None and existing["notified_cohort_id"] is None:
            response.add(Toast(self._render(lang, "toast", what="already")))
        else:
            await self._store_optin(candidate_id, site, origin)
            response.add(Toast(""))
        keyboard = await self._kept_keyboard(candidate_id, lang, origin)
        response.add(EditPressed(append=self._button(lang, "yes"), keyboard=keyboard))
        withdraw = ((Button(self._button(lang, "withdraw"), CODEC.encode(Withdraw())),),)
        text = self._render(lang, "answer", what="yes", site=self._site_name(site))
        return response.send(text, withdraw)

    async def _no(self, candidate_id: int, lang: str, origin: core.Origin | None) -> Response:
        """The "non merci" under a question (origin), or "finalement non" under a confirmation."""
        withdrawn = await self._withdraw(candidate_id, origin)
        response = Response().add(Toast(""))
        if origin is None:
            response.add(EditPressed())
        else:
            keyboard = await self._kept_keyboard(candidate_id, lang, origin)
            response.add(EditPressed(append=self._button(lang, "no"), keyboard=keyboard))
        return response.send(self._render(lang, "answer", what="withdrawn" if withdrawn else "no"))

    async def _store_optin(self, candidate_id: int, site: str, origin: core.Origin) -> None:
        """The consent, with its time: a new opt-in (or a renewed one after a message)."""
        await store.store_optin(self.db, candidate_id, site, origin, self.clock.now())
        log.info("candidate %s opted in to re-engagement", candidate_id)

    async def _withdraw(self, candidate_id: int, origin: core.Origin | None) -> bool:
        """Delete the opt-in and any message still pending; False if there was none."""
        where = origin.value if origin is not None else "withdraw"
        if not await store.withdraw(self.db, candidate_id, where, self.clock.now()):
            return False
        log.info("candidate %s withdrew from re-engagement", candidate_id)
        return True

    # ------------------------------------------------------------ outbox renderers
    def kinds(self) -> list[MessageKind]:
        return [
            MessageKind(ASK_KIND, self._render_ask, at_most_once=ASK_KIND in AT_MOST_ONCE),
            MessageKind(COHORT_KIND, self._render_cohort, at_most_once=COHORT_KIND in AT_MOST_ONCE),
        ]

    async def _render_ask(self, row: OutboxRow) -> Response | None:
        """The waiting-list message, if they are still on a waiting list at send time."""
        if row.candidate_id is None:
            return None
        candidate = await self.candidates.by_id(row.candidate_id)
        view = await self.pipeline.candidate(row.candidate_id)
        cohort = await self.pipeline.cohort(int(row.payload.get("cohort_id", 0)))
        if candidate is None or view is None or cohort is None:
            return None
        if view.stage is not Stage.WAITLISTED:
            return None
        existing = await self.optin(candidate.id)
        opted_in = existing is not None and existing["notified_cohort_id"] is None
        lang = candidate.language
        text = self._render(
            lang,
            "waitlisted",
            first_name=view.first_name or None,
            cohort=cohort.name,
            site=self._site_name(cohort.site),
            opted_in=opted_in,
        )
        keyboard = () if opted_in else self.optin_keyboard(lang, core.Origin.WAITLIST)
        return Response().send(text, keyboard)

    async def _render_cohort(self, row: OutboxRow) -> Response | None:
        """The next cohort opens: one button, the session offer if they may book one, else the
        screening restart (their answers are old, and "not now" may have become "yes")."""
        if row.candidate_id is None:
            return None
        cohort_id = int(row.payload.get("cohort_id", 0))
        candidate = await self.candidates.by_id(row.candidate_id)
        view = await self.pipeline.candidate(row.candidate_id)
        cohort = await self.pipeline.cohort(cohort_id)
        existing = await self.optin(row.candidate_id)
        if candidate is None or view is None or cohort is None or existing is None:
            return None
        opted_for = existing["notified_cohort_id"]
        if not core.still_wanted(view.stage, opted_for=opted_for, cohort_id=cohort_id):
            return None
        if cohort.start_date <= self._today():
            return None
        lang = candidate.language
        may_book = Booking.may_book(candidate)
        text = self._render(
            lang,
            "next_cohort",
            first_name=view.first_name or None,
            cohort=cohort.name,
            site=self._site_name(cohort.site),
            start=cohort.start_date,
            may_book=may_book,
        )
        if may_book:
            button = Button(self.renderer.label(lang, "btn.offer_session"), "s:offer")
        else:
            button = Button(self._button(lang, "apply"), CODEC.encode(Apply()))
        return Response().send(text, ((button,),))


def _origin(value: str) -> core.Origin | None:
    try:
        return core.Origin(value)
    except ValueError:
        return None
