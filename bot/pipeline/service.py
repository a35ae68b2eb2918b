"""The staff side, Telegram-free: commands and buttons in, replies out.

Access is decided by the caller (bot/pipeline/handlers.py): these methods are only reached by a
StaffMember from the settings. Inside, every query is limited to the member's sites; a candidate
or cohort of another site is answered exactly like one that does not exist.
No per-candidate gender is ever rendered; diversity is shown as aggregates (bot/core/diversity).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections import Counter
from collections.abc import Awaitable, Callable, Collection, Sequence
from dataclasses import dataclass, field
from typing import Any

from bot.config import Settings, StaffMember
from bot.core.diversity import (
    GenderCounts,
    QpvList,
    Share,
    gender_counts,
    masked_counts,
    qpv_share,
)
from bot.core.flow import Flow
from bot.core.pipeline import (
    COHORT_STAGES,
    FUNNEL,
    ORDER,
    Stage,
    TransitionRefused,
    allowed_moves,
    counts_by_stage,
)
from bot.core.pipeline import (
    funnel as funnel_counts,
)
from bot.core.ranking import Ranked, ShortlistRules, rank
from bot.core.sites import Programme
from bot.core.text import fold
from bot.kernel.actions import Button, EditPressed, Keyboard, Response, SendFile, Toast, rows
from bot.kernel.clock import Clock
from bot.kernel.rendering import Renderer
from bot.pipeline.chart import ChartText, render_png
from bot.pipeline.export import to_csv
from bot.pipeline.models import CandidateView, Cohort
from bot.pipeline.store import CohortExists, CohortFull, PipelineStore
from bot.pipeline.views import (
    can_see,
    card_notes,
    fr_date,
    fr_datetime,
    match_site,
    note_pages,
    parse_date,
    plain_length,
    ranking_facts,
    visible_sites,
)
from bot.screening.service import ScreeningService

log = logging.getLogger(__name__)

MAX_LIST = 15  # lines of a list in one message
TELEGRAM_MAX_TEXT = 4096  # characters in one message
MAX_SHORTLIST_LINES = 20  # a longer shortlist is in the CSV export
MAX_REVIEW_ITEMS = 8  # review items sent as separate messages with their buttons
NOTE_MAX = 1000  # characters in one note
CARD_NOTES = 700  # characters of notes on a candidate's card; the rest under "all notes"
NOTES_PAGE = 3500  # characters of notes (with their date and author) in one message
# Stages staff can move a candidate to with a button on the card (reviews have their own).
CARD_MOVES = (
    Stage.INTERVIEW,
    Stage.ADMITTED,
    Stage.WAITLISTED,
    Stage.NOT_SELECTED,
    Stage.IN_TRAINING,
    Stage.EXITED,
    Stage.ELIGIBLE,
)
SHORT = {"c": "confirmed", "o": "overturned", "h": "human_handled"}


@dataclass
class StaffReply:
    """What to send: to the staff member, as photos, and to candidates (chat id, response)."""

    response: Response = field(default_factory=Response)
    photos: list[tuple[bytes, str]] = field(default_factory=list)
    notify: list[tuple[int, Response]] = field(default_factory=list)


@dataclass(frozen=True)
class ShortlistView:
    cohort: Cohort
    ranked: list[Ranked]
    people: dict[int, CandidateView]
    admitted: list[CandidateView]
    top_n: int


class StaffService:
    def __init__(
        self,
        *,
        settings: Settings,
        pipeline: PipelineStore,
        renderer: Renderer,
        programme: Programme,
        screening: ScreeningService,
        flow: Flow,
        clock: Clock,
        rules: ShortlistRules,
        qpv: QpvList,
        digest_sections: Sequence[Callable[[frozenset[str] | None], Awaitable[str]]] = (),
    ) -> None:
        self.settings = settings
        self.pipeline = pipeline
        self.renderer = renderer
        self.programme = programme
        self.screening = screening
        self.flow = flow
        self.clock = clock
        self.rules = rules
        self.qpv = qpv
        self.lang = settings.language
        self.tz = settings.timezone
        self.bot_username: str | None = None  # set at start-up, for deep links in the digest
        # Sections other features add to the digest (the alumni to call).
        self.digest_sections = tuple(digest_sections)

    # ------------------------------------------------------------------ basics
    def member(self, user_id: int) -> StaffMember | None:
        return self.settings.staff.get(user_id)

    def now(self) -> dt.datetime:
        return self.clock.now()

    def today(self) -> dt.date:
        return self.now().astimezone(self.tz).date()

    def _render(self, template: str, **context: Any) -> str:
        return self.renderer.render(
            self.lang, f"staff/{template}", programme=self.programme, **context
        )

    def _label(self, key: str) -> str:
        return self.renderer.label(self.lang, key)

    def _stage(self, stage: Stage | str) -> str:
        return self._label(f"stage.{Stage(stage).value}")

    def _site_name(self, site: str | None) -> str:
        if site is None:
            return self._label("staff.no_site")
        found = self.programme.sites.get(site)
        return found.name if found else site

    def _say(self, template: str, keyboard: Keyboard = (), **context: Any) -> StaffReply:
        return StaffReply(Response().send(self._render(template, **context), keyboard))

    def _usage(self, what: str) -> StaffReply:
        return self._say("usage", what=what)

    def _toast(self, what: str) -> StaffReply:
        return StaffReply(Response().add(Toast(self._render("toast", what=what))))

    async def _visible(self, member: StaffMember) -> list[CandidateView]:
        return await self.pipeline.candidates(visible_sites(member))

    async def _candidate(self, member: StaffMember, candidate_id: int) -> CandidateView | None:
        view = await self.pipeline.candidate(candidate_id)
        return view if view is not None and can_see(member, view) else None

    async def _cohort(self, member: StaffMember, cohort_id: int) -> Cohort | None:
        cohort = await self.pipeline.cohort(cohort_id)
        return cohort if cohort is not None and member.can_see_site(cohort.site) else None

    def _allowed_sites(self, member: StaffMember) -> list[str]:
        return [s for s in self.programme.sites if member.can_see_site(s)]

    # -------------------------------------------------------------------- help
    async def help(self, member: StaffMember) -> StaffReply:
        sites = [self._site_name(s) for s in self._allowed_sites(member)]
        return self._say("help", is_admin=member.is_admin, sites=sites)

    # ---------------------------------------------------------------- pipeline
    async def pipeline_report(self, member: StaffMember, args: Sequence[str]) -> StaffReply:
        site: str | None = None
        if args:
            names = {k: s.name for k, s in self.programme.sites.items()}
            site = match_site(" ".join(args), names, visible_sites(member))
            if site is None:
                return self._say("unknown_site", sites=self._site_choices(member))
        views = await self._visible(member)
        if site is not None:
            views = [v for v in views if v.site == site]
        starts = await self.pipeline.start_counts() if member.is_admin and site is None else None
        text = self._pipeline_text(views, site, starts)
        return StaffReply(Response().send(text, self._site_keyboard(member)))

    def _site_choices(self, member: StaffMember) -> list[str]:
        return [f"{s} ({self._site_name(s)})" for s in self._allowed_sites(member)]

    def _site_keyboard(self, member: StaffMember) -> Keyboard:
        buttons = [Button(self._site_name(s), f"st:p:{s}") for s in self._allowed_sites(member)]
        if len(buttons) < 2:
            return ()
        return rows(buttons, 3)

    def _pipeline_text(
        self, views: list[CandidateView], site: str | None, starts: dict[str, int] | None
    ) -> str:
        derived = [v.derived for v in views]
        stages = counts_by_stage(d.stage for d in derived)
        funnel = funnel_counts(derived)
        steps: list[dict[str, Any]] = []
        previous: int | None = None
        if starts is not None:
            # /start before consent is counted anonymously; consented people started too.
            started = max(sum(starts.values()), len(views))
            steps.append({"label": self._label("funnel.started"), "count": started, "drop": None})
            previous = started
        for step in FUNNEL:
            count = funnel[step]
            drop = None
            if previous and count < previous:
                drop = round(100 * (previous - count) / previous)
            steps.append({"label": self._label(f"funnel.{step}"), "count": count, "drop": drop})
            previous = count
        stopped = Counter(
            step.key
            for v in views
            if v.stage is Stage.SCREENING
            for step in [self.flow.next_step(v.answers)]
            if step is not None
        )
        in_screening = stages[Stage.SCREENING]
        dropoff = [
            {
                "label": self._label(f"title.{step.key}"),
                "count": stopped[step.key],
                "percent": round(100 * stopped[step.key] / in_screening) if in_screening else 0,
            }
            for step in self.flow.steps
            if stopped[step.key]
        ]
        sources = Counter(v.source or "" for v in views)
        return self._render(
            "pipeline",
            site=self._site_name(site) if site else None,
            all_sites=site is None,
            total=len(views),
            stages=[{"label": self._stage(s), "count": stages[s]} for s in ORDER if stages[s]],
            funnel=steps,
            dropoff=dropoff,
            sources=[
                {"source": k, "count": n}
                for k, n in sorted(sources.items(), key=lambda kv: (-kv[1], kv[0]))
            ][:MAX_LIST],
        )

    # ------------------------------------------------------------------ review
    async def review_queue(self, member: StaffMember) -> StaffReply:
        views = [v for v in await self._visible(member) if self._in_queue(v)]
        views.sort(key=lambda v: (v.submitted_at or v.created_at, v.id))
        reply = StaffReply()
        reply.response.send(
            self._render("review_header", count=len(views), shown=min(len(views), MAX_REVIEW_ITEMS))
        )
        for view in views[:MAX_REVIEW_ITEMS]:
            reply.response.send(*self._review_item(view))
        return reply

    @staticmethod
    def _in_queue(view: CandidateView) -> bool:
        return view.stage is Stage.TO_REVIEW or view.human_pending

    def _review_item(self, view: CandidateView) -> tuple[str, Keyboard]:
        buttons: list[tuple[Button, ...]] = []
        if view.stage is Stage.TO_REVIEW:
            buttons.append(
                (
                    Button(self._label("staff.btn.confirm"), f"st:r:{view.id}:c"),
                    Button(self._label("staff.btn.overturn"), f"st:r:{view.id}:o"),
                )
            )
        if view.human_pending:
            buttons.append((Button(self._label("staff.btn.human_done"), f"st:r:{view.id}:h"),))
        buttons.append(
            (
                Button(self._label("staff.btn.note"), f"st:n:{view.id}"),
                Button(self._label("staff.btn.card"), f"st:c:{view.id}"),
            )
        )
        text = self._render(
            "review_item",
            c=self._summary(view),
            to_review=view.stage is Stage.TO_REVIEW,
            human=view.human_pending,
            reasons=view.reasons,
        )
        return text, tuple(buttons)

    def _summary(self, view: CandidateView) -> dict[str, Any]:
        return {
            "id": view.id,
            "first_name": view.first_name,
            "site": self._site_name(view.site),
            "stage": self._stage(view.stage),
            "result": view.result,
            "applied": fr_date(view.submitted_at or view.created_at, self.tz),
        }

    async def _review(self, member: StaffMember, candidate_id: int, decision: str) -> StaffReply:
        view = await self._candidate(member, candidate_id)
        if view is None:
            return self._toast("not_found")
        try:
            await self.pipeline.review(
                candidate_id, decision=decision, by=member.user_id, at=self.now()
            )
        except TransitionRefused:
            return self._toast("already_done")
        log.info("staff review %s on candidate %s", decision, candidate_id)
        reply = StaffReply(Response().add(Toast("")))
        reply.response.add(EditPressed(append=self._label(f"staff.done.{decision}")))
        if decision == "overturned":
            reply.notify.append((view.chat_id, self._overturned_message(view)))
        return reply

    def _overturned_message(self, view: CandidateView) -> Response:
        text = self.renderer.render(
            view.language,
            "staff/candidate_overturned",
            programme=self.programme,
            first_name=view.first_name or None,
        )
        button = Button(self.renderer.label(view.language, "btn.offer_session"), "s:offer")
        return Response().send(text, ((button,),))

    # -------------------------------------------------------------- candidates
    async def find(self, member: StaffMember, query: str) -> StaffReply:
        query = query.strip().lstrip("#")
        if not query:
            return self._usage("candidate")
        if query.isdigit():
            view = await self._candidate(member, int(query))
            if view is None:
                return self._say("not_found", query=query)
            return await self.card(member, view)
        wanted = fold(query)
        found = [v for v in await self._visible(member) if wanted and wanted in fold(v.first_name)]
        if not found:
            return self._say("not_found", query=query)
        if len(found) == 1:
            return await self.card(member, found[0])
        buttons = [
            Button(f"#{v.id} {v.first_name[:30]} · {self._site_name(v.site)}", f"st:c:{v.id}")
            for v in found[:MAX_LIST]
        ]
        return self._say(
            "search_results", rows(buttons), query=query, count=len(found), shown=len(buttons)
        )

    async def card(self, member: StaffMember, view: CandidateView) -> StaffReply:
        context = self._card_context(view)
        text = self._render("card", **context)
        while plain_length(text) > TELEGRAM_MAX_TEXT and context["history"]:
            context["history"] = context["history"][1:]  # the oldest lines go first
            text = self._render("card", **context)
        return StaffReply(Response().send(text, self._card_keyboard(view)))

    def _notes(self, view: CandidateView) -> list[dict[str, Any]]:
        """The candidate's notes, newest first."""
        return [
            {
                "at": fr_datetime(event.at, self.tz),
                "by": event.detail.get("by"),
                "text": str(event.detail.get("text", "")),
            }
            for event in reversed(view.events)
            if event.kind == "note"
        ]

    async def notes_page(
        self, member: StaffMember, candidate_id: int, page: int
    ) -> StaffReply | None:
        """Every note of a candidate, newest first, a page per message (button st:nl); None for
        a candidate not found (or of another site) or a page that is not there."""
        view = await self._candidate(member, candidate_id)
        pages = note_pages(self._notes(view), NOTES_PAGE) if view else []
        if view is None or not 0 <= page < len(pages):
            return None
        keyboard: Keyboard = ()
        if page + 1 < len(pages):
            data = f"st:nl:{view.id}:{page + 1}"
            keyboard = ((Button(self._label("staff.btn.older_notes"), data),),)
        notes = [{**n, "text": str(n["text"])[:NOTES_PAGE]} for n in pages[page]]
        return self._say(
            "notes",
            keyboard,
            c=self._summary(view),
            notes=notes,
            page=page + 1,
            pages=len(pages),
        )

    def _card_context(self, view: CandidateView) -> dict[str, Any]:
        answers = []
        for step in self.flow.steps:
            if step.key in ("gender", "first_name"):
                continue  # gender is never shown per candidate; the name is in the title
            if step.key in view.answers:
                answers.append(
                    {
                        "title": self._label(f"title.{step.key}"),
                        "value": self.screening.display(self.lang, step, view.answers[step.key]),
                    }
                )
        history = []
        for event in view.events:
            if event.kind in ("answered", "edited", "note"):
                continue
            history.append(
                {
                    "at": fr_datetime(event.at, self.tz),
                    "kind": event.kind,
                    "to": self._stage(event.detail["to"])
                    if event.kind == "stage" and event.detail.get("to") in set(Stage)
                    else None,
                    "decision": event.detail.get("decision"),
                    "result": event.detail.get("result"),
                    "by": event.detail.get("by"),
                    "reason": event.detail.get("reason") or event.detail.get("comment"),
                }
            )
        return {
            "c": self._summary(view),
            "source": view.source,
            "reasons": view.reasons,
            "answers": answers,
            "history": history[-12:],
            "notes": card_notes(self._notes(view), CARD_NOTES),
            "human": view.human_pending,
            "qpv": self.qpv.contains(view.answers.get("postcode")),
        }

    def _card_keyboard(self, view: CandidateView) -> Keyboard:
        buttons = [
            Button(self._label(f"staff.move.{s.value}"), f"st:m:{view.id}:{s.value}")
            for s in allowed_moves(view.stage)
            if s in CARD_MOVES and view.stage is not Stage.TO_REVIEW
        ]
        keyboard = list(rows(buttons, 2))
        if view.stage is Stage.TO_REVIEW or view.human_pending:
            keyboard.extend(self._review_item(view)[1][:-1])
        keyboard.append((Button(self._label("staff.btn.note"), f"st:n:{view.id}"),))
        if not card_notes(self._notes(view), CARD_NOTES).complete:
            keyboard.append((Button(self._label("staff.btn.all_notes"), f"st:nl:{view.id}:0"),))
        return tuple(keyboard)

    async def move(
        self,
        member: StaffMember,
        candidate_id: int,
        target: Stage,
        *,
        cohort_id: int | None = None,
        reason: str | None = None,
        pressed: bool = False,
        over_capacity: bool = False,
    ) -> StaffReply:
        view = await self._candidate(member, candidate_id)
        if view is None:
            return (
                self._toast("not_found") if pressed else self._say("not_found", query=candidate_id)
            )
        if cohort_id is not None and await self._cohort(member, cohort_id) is None:
            return self._toast("not_found") if pressed else self._say("not_found", query=cohort_id)
        if view.site is not None and cohort_id is not None:
            cohort = await self.pipeline.cohort(cohort_id)
            if cohort is not None and cohort.site != view.site:
                return self._say(
                    "refused",
                    reason="other_site",
                    stage=self._stage(view.stage),
                    target=self._stage(target),
                )
        if target not in allowed_moves(view.stage):
            return self._say(
                "refused",
                reason="already_there" if target is view.stage else "not_allowed",
                stage=self._stage(view.stage),
                target=self._stage(target),
                allowed=[self._stage(s) for s in allowed_moves(view.stage)],
            )
        if target in COHORT_STAGES and cohort_id is None and view.cohort_id is None:
            choices = [
                c
                for c in await self.pipeline.cohorts({view.site} if view.site else set())
                if c.is_open(self.today())
            ]
            if not choices:
                return self._say("no_cohort", site=self._site_name(view.site))
            buttons = [
                Button(
                    f"{c.name} ({fr_date(c.start_date)})", f"st:m:{view.id}:{target.value}:{c.id}"
                )
                for c in choices[:MAX_LIST]
            ]
            return self._say(
                "choose_cohort", rows(buttons), c=self._summary(view), target=self._stage(target)
            )
        try:
            previous = await self.pipeline.move(
                candidate_id,
                to=target,
                by=member.user_id,
                at=self.now(),
                reason=reason,
                cohort_id=cohort_id,
                over_capacity=over_capacity and member.is_admin,
            )
        except CohortFull as full:
            return await self._cohort_full(member, view, full, pressed)
        except TransitionRefused as refused:
            return self._say(
                "refused",
                reason=refused.reason,
                stage=self._stage(refused.current),
                target=self._stage(target),
                allowed=[self._stage(s) for s in allowed_moves(refused.current)],
            )
        log.info("staff moved candidate %s: %s -> %s", candidate_id, previous.value, target.value)
        updated = await self.pipeline.candidate(candidate_id)
        assert updated is not None
        reply = StaffReply()
        if pressed:
            reply.response.add(Toast("")).add(EditPressed())
        reply.response.send(
            self._render(
                "moved",
                c=self._summary(updated),
                previous=self._stage(previous),
                reason=reason,
            ),
            self._card_keyboard(updated),
        )
        return reply

    async def _cohort_full(
        self, member: StaffMember, view: CandidateView, full: CohortFull, pressed: bool
    ) -> StaffReply:
        """No place left: an admin may confirm an admission over capacity, others ask one."""
        log.info("admission of candidate %s refused: cohort %s full", view.id, full.cohort_id)
        cohort = await self.pipeline.cohort(full.cohort_id)
        keyboard: Keyboard = ()
        if member.is_admin:
            data = f"st:mo:{view.id}:{full.cohort_id}"
            keyboard = ((Button(self._label("staff.btn.over_capacity"), data),),)
        reply = self._say(
            "cohort_full",
            keyboard,
            c=self._summary(view),
            cohort=cohort.name if cohort else full.cohort_id,
            capacity=full.capacity,
            admitted=full.admitted,
            is_admin=member.is_admin,
        )
        if pressed:
            reply.response.actions.insert(0, Toast(""))
        return reply

    async def move_command(self, member: StaffMember, args: Sequence[str]) -> StaffReply:
        """/etape <number> <stage> [reason]; the stage may be several words ("en formation")."""
        if len(args) < 2 or not args[0].lstrip("#").isdigit():
            return self._usage("move")
        for words in (3, 2, 1):
            target = self._parse_stage(" ".join(args[1 : 1 + words]))
            if target is not None:
                reason = " ".join(args[1 + words :]).strip()[:300] or None
                return await self.move(member, int(args[0].lstrip("#")), target, reason=reason)
        return self._say(
            "usage", what="move", stages=[f"{s.value} ({self._stage(s)})" for s in ORDER]
        )

    def _parse_stage(self, text: str) -> Stage | None:
        wanted = fold(text)
        for stage in ORDER:
            label = self._stage(stage)
            names = {
                fold(stage.value),
                fold(stage.value.replace("_", " ")),
                fold(label),
                fold(label.split("(")[0]),
            }
            if wanted in names:
                return stage
        return None

    async def note(self, member: StaffMember, args: Sequence[str]) -> StaffReply:
        """/note <number> <text>"""
        if len(args) < 2 or not args[0].lstrip("#").isdigit():
            return self._usage("note")
        candidate_id = int(args[0].lstrip("#"))
        view = await self._candidate(member, candidate_id)
        if view is None:
            return self._say("not_found", query=args[0])
        text = " ".join(args[1:]).strip()
        if len(text) > NOTE_MAX:
            # Nothing is stored; what they typed comes back so they can shorten it.
            log.info("staff note on candidate %s refused: %s characters", candidate_id, len(text))
            reply = self._say(
                "note_too_long", c=self._summary(view), length=len(text), most=NOTE_MAX
            )
            reply.response.send(self._render("note_back", id=view.id, text=text))
            return reply
        await self.pipeline.add_note(candidate_id, text=text, by=member.user_id, at=self.now())
        log.info("staff note on candidate %s", candidate_id)
        return self._say("noted", c=self._summary(view))

    # ----------------------------------------------------------------- cohorts
    async def cohorts(self, member: StaffMember) -> StaffReply:
        cohorts = await self.pipeline.cohorts(visible_sites(member))
        items = []
        for cohort in cohorts:
            members = await self.pipeline.candidates(ids=await self.pipeline.members(cohort.id))
            admitted = sum(1 for m in members if m.stage in (Stage.ADMITTED, Stage.IN_TRAINING))
            items.append(
                {
                    "id": cohort.id,
                    "name": cohort.name,
                    "site": self._site_name(cohort.site),
                    "start": fr_date(cohort.start_date),
                    "end": fr_date(cohort.end_date),
                    "capacity": cohort.capacity,
                    "admitted": admitted,
                    "waitlisted": sum(1 for m in members if m.stage is Stage.WAITLISTED),
                    "open": cohort.is_open(self.today()),
                }
            )
        buttons = [Button(f"📋 {c['name']}"[:60], f"st:s:{c['id']}") for c in items if c["open"]][
            :MAX_LIST
        ]
        return self._say("cohorts", rows(buttons, 2), cohorts=items, is_admin=member.is_admin)

    async def new_cohort(self, member: StaffMember, args: Sequence[str]) -> StaffReply:
        """/nouvelle_cohorte <site> <start> <end> <places> <name...> (admin only)."""
        if not member.is_admin:
            return self._say("admin_only")
        if len(args) < 5:
            return self._usage("new_cohort")
        names = {k: s.name for k, s in self.programme.sites.items()}
        site = match_site(args[0], names, None)
        start, end = parse_date(args[1]), parse_date(args[2])
        name = " ".join(args[4:]).strip()[:60]
        if site is None:
            return self._say("unknown_site", sites=self._site_choices(member))
        if start is None or end is None or end < start or not args[3].isdigit():
            return self._usage("new_cohort")
        capacity = int(args[3])
        if not 0 < capacity <= 500:
            return self._usage("new_cohort")
        try:
            cohort = await self.pipeline.create_cohort(
                site=site,
                name=name,
                start=start,
                end=end,
                capacity=capacity,
                by=member.user_id,
                at=self.now(),
            )
        except CohortExists:
            return self._say("cohort_exists", cohort_name=name)
        log.info("cohort %s created", cohort.id)
        text = self._render(
            "cohort_created",
            cohort_name=cohort.name,
            site=self._site_name(site),
            start=fr_date(start),
            end=fr_date(end),
            capacity=capacity,
        )
        # Opted-in candidates of the site were planned in the creation's transaction
        # (bot/reengagement/service.py): staff see how many will hear about this cohort.
        told = await self.pipeline.reengaged_count(cohort.id)
        if told:
            window = self.settings.quiet_hours
            text += "\n\n" + self.renderer.render(
                self.lang,
                "reengagement/staff_planned",
                count=told,
                opens=f"{window.start:%H:%M}",
                closes=f"{window.end:%H:%M}",
            )
        keyboard = ((Button(self._label("staff.btn.shortlist"), f"st:s:{cohort.id}"),),)
        return StaffReply(Response().send(text, keyboard))

    # --------------------------------------------------------------- shortlist
    async def _find_cohort(
        self, member: StaffMember, args: Sequence[str]
    ) -> tuple[Cohort | None, int | None]:
        sites = visible_sites(member)
        text = " ".join(args).strip()
        cohort = await self.pipeline.find_cohort(text, sites)
        if cohort is not None:
            return cohort, None
        if len(args) >= 2 and args[-1].isdigit():
            cohort = await self.pipeline.find_cohort(" ".join(args[:-1]), sites)
            if cohort is not None:
                return cohort, int(args[-1])
        return None, None

    async def shortlist_view(self, cohort: Cohort, top_n: int | None = None) -> ShortlistView:
        views = await self.pipeline.candidates({cohort.site})
        ready = [
            v
            for v in views
            if v.stage in self.rules.ready_stages
            and (v.cohort_id is None or v.cohort_id == cohort.id or v.stage is not Stage.WAITLISTED)
        ]
        people = {v.id: v for v in ready}
        ranked = rank({v.id: ranking_facts(v, self.qpv) for v in ready}, self.rules)
        admitted = [
            v
            for v in views
            if v.cohort_id == cohort.id and v.stage in (Stage.ADMITTED, Stage.IN_TRAINING)
        ]
        if top_n is None:
            top_n = max(cohort.capacity - len(admitted), 0)
        return ShortlistView(cohort, ranked, people, admitted, min(top_n, len(ranked)))

    def _aggregates(self, group: Sequence[CandidateView]) -> dict[str, Any]:
        small = self.rules.small_group
        genders = gender_counts(v.answers.get("gender") for v in group)
        share = genders.women_share(self.rules.women_target, small)
        return {
            "count": len(group),
            "genders": genders.shown(small),
            "women_share": share.text,
            "below_target": share.below_target,
            "qpv_share": qpv_share(
                (v.answers.get("postcode") for v in group), self.qpv, small
            ).text,
            "sources": masked_counts(
                (v.source for v in group), small, self._label("staff.no_source")
            )[:6],
        }

    def _shortlist_context(self, sv: ShortlistView) -> dict[str, Any]:
        lines = []
        for r in sv.ranked[: MAX_LIST * 2]:
            view = sv.people[r.candidate_id]
            lines.append(
                {
                    "position": r.position,
                    "c": self._summary(view),
                    "reasons": self._reasons(r),
                    "in_top": r.position <= sv.top_n,
                }
            )
        shortlisted = [sv.people[r.candidate_id] for r in sv.ranked]
        top = [sv.people[r.candidate_id] for r in sv.ranked[: sv.top_n]]
        return {
            "cohort": {
                "id": sv.cohort.id,
                "name": sv.cohort.name,
                "site": self._site_name(sv.cohort.site),
                "start": fr_date(sv.cohort.start_date),
                "capacity": sv.cohort.capacity,
            },
            "lines": lines,
            "total": len(sv.ranked),
            "more": max(len(sv.ranked) - len(lines), 0),
            "rules": [self._label(f"rank.{rule.fact}") for rule in self.rules.rules],
            "shortlist": self._aggregates(shortlisted),
            "admitted": self._aggregates(sv.admitted),
            # Adding fewer than 5 people to the admitted group would show their genders by
            # difference: the "what if" is only computed for 5 people or more.
            "what_if": self._aggregates([*sv.admitted, *top])
            if sv.top_n >= self.rules.small_group
            else None,
            "top_n": sv.top_n,
            "target": round(100 * self.rules.women_target),
            "small": self.rules.small_group,
        }

    def _reasons(self, ranked: Ranked) -> list[str]:
        reasons = []
        for fact, value in ranked.facts.items():
            if fact == "applied_at":
                reasons.append(self._label("rank.applied_at") + " " + fr_date(str(value)))
            else:
                mark = "✓" if value else "✗"
                reasons.append(f"{mark} {self._label(f'rank.{fact}')}")
        return reasons

    async def shortlist(self, member: StaffMember, args: Sequence[str]) -> StaffReply:
        if not args:
            return await self._cohort_picker(member, "shortlist")
        cohort, top_n = await self._find_cohort(member, args)
        if cohort is None:
            return self._say("not_found", query=" ".join(args))
        return await self._shortlist_reply(member, cohort, top_n)

    async def _shortlist_reply(
        self, member: StaffMember, cohort: Cohort, top_n: int | None
    ) -> StaffReply:
        sv = await self.shortlist_view(cohort, top_n)
        text = self._render("shortlist", **self._shortlist_context(sv))
        keyboard = ((Button(self._label("staff.btn.export_shortlist"), f"st:x:s:{cohort.id}"),),)
        await self.pipeline.audit(
            by=member.user_id, action="shortlist_viewed", at=self.now(), cohort_id=cohort.id
        )
        return StaffReply(Response().send(text, keyboard))

    async def _cohort_picker(self, member: StaffMember, what: str) -> StaffReply:
        cohorts = [
            c for c in await self.pipeline.cohorts(visible_sites(member)) if c.is_open(self.today())
        ]
        if not cohorts:
            return self._say("no_cohort", site=None)
        op = "s" if what == "shortlist" else "xs"
        buttons = [
            Button(f"{c.name} · {self._site_name(c.site)}"[:60], f"st:{op}:{c.id}")
            for c in cohorts[:MAX_LIST]
        ]
        return self._say("pick_cohort", rows(buttons), what=what)

    # ----------------------------------------------------------------- exports
    async def export(self, member: StaffMember, args: Sequence[str]) -> StaffReply:
        what = fold(args[0]) if args else ""
        if what in ("pipeline", "candidats", "csv"):
            return await self.export_pipeline(member)
        if what in ("graphique", "chart", "png", "image"):
            return await self.export_chart(member)
        if what == "shortlist":
            if len(args) < 2:
                return await self._cohort_picker(member, "export")
            cohort, _ = await self._find_cohort(member, args[1:])
            if cohort is None:
                return self._say("not_found", query=" ".join(args[1:]))
            return await self.export_shortlist(member, cohort)
        keyboard = (
            (Button(self._label("staff.btn.export_pipeline"), "st:x:p"),),
            (Button(self._label("staff.btn.export_chart"), "st:x:g"),),
            (Button(self._label("staff.btn.export_shortlist"), "st:x:s"),),
        )
        return self._say("export_menu", keyboard)

    def _stamp(self) -> str:
        return self.now().astimezone(self.tz).strftime("%Y-%m-%d")

    async def export_pipeline(self, member: StaffMember) -> StaffReply:
        views = await self._visible(member)
        cohorts = {c.id: c for c in await self.pipeline.cohorts(visible_sites(member))}
        questions = [s for s in self.flow.steps if s.key not in NOT_EXPORTED]
        header = [
            *(self._label(f"csv.{k}") for k in PIPELINE_COLUMNS),
            *(h for s in questions for h in self._question_headers(s.key)),
            *(self._label(f"csv.{k}") for k in PIPELINE_COLUMNS_AFTER),
        ]
        table = []
        for v in views:
            cohort = cohorts.get(v.cohort_id) if v.cohort_id else None
            table.append(
                [
                    v.id,
                    v.first_name,
                    self._site_name(v.site),
                    self._stage(v.stage),
                    self._label(f"staff.result.{v.result}") if v.result else "",
                    self._label(f"staff.review.{v.review_status}") if v.review_status else "",
                    v.source or "",
                    *(cell for s in questions for cell in self._question_cells(v, s.key)),
                    fr_datetime(v.created_at, self.tz),
                    fr_datetime(v.submitted_at, self.tz),
                    cohort.name if cohort else "",
                ]
            )
        content = to_csv(header, table, self.settings.export_separator)
        await self.pipeline.audit(
            by=member.user_id,
            action="export",
            at=self.now(),
            detail={"what": "pipeline", "rows": len(table)},
        )
        log.info("pipeline export: %s rows", len(table))
        caption = self._render("export_caption", what="pipeline", count=len(table))
        return StaffReply(
            Response().add(SendFile(f"pipeline-{self._stamp()}.csv", content, caption))
        )

    def _question_headers(self, key: str) -> list[str]:
        """A question's column (`csv.<key>` in labels.j2, else its title as on the card), then
        the columns derived from its answer."""
        labels = self.renderer.labels(self.lang)
        header = labels.get(f"csv.{key}") or self._label(f"title.{key}")
        return [header, *(self._label(f"csv.{d}") for d in DERIVED_COLUMNS.get(key, ()))]

    def _question_cells(self, view: CandidateView, key: str) -> list[str]:
        cells = [self._answer(view, key)]
        if "qpv" in DERIVED_COLUMNS.get(key, ()):
            qpv = self.qpv.contains(view.answers.get(key))
            cells.append(self._label("staff.yes") if qpv else self._label("staff.no"))
        return cells

    def _answer(self, view: CandidateView, key: str) -> str:
        step = self.flow.step(key)
        if step is None or key not in view.answers:
            return ""
        return self.screening.display(self.lang, step, view.answers[key])

    async def export_shortlist(self, member: StaffMember, cohort: Cohort) -> StaffReply:
        sv = await self.shortlist_view(cohort)
        header = [
            self._label("csv.rank"),
            self._label("csv.id"),
            self._label("csv.first_name"),
            self._label("csv.stage"),
            *[self._label(f"rank.{r.fact}") for r in self.rules.rules],
            self._label("csv.top_n"),
        ]
        table = []
        for r in sv.ranked:
            v = sv.people[r.candidate_id]
            facts = []
            for fact, value in r.facts.items():
                if fact == "applied_at":
                    facts.append(fr_date(str(value)))
                else:
                    facts.append(self._label("staff.yes") if value else self._label("staff.no"))
            table.append(
                [
                    r.position,
                    v.id,
                    v.first_name,
                    self._stage(v.stage),
                    *facts,
                    self._label("staff.yes") if r.position <= sv.top_n else "",
                ]
            )
        content = to_csv(header, table, self.settings.export_separator)
        await self.pipeline.audit(
            by=member.user_id,
            action="export",
            at=self.now(),
            cohort_id=cohort.id,
            detail={"what": "shortlist", "rows": len(table)},
        )
        caption = self._render(
            "export_caption", what="shortlist", count=len(table), cohort=cohort.name
        )
        filename = f"shortlist-{fold(cohort.name).replace(' ', '-')[:30]}-{self._stamp()}.csv"
        return StaffReply(Response().add(SendFile(filename, content, caption)))

    async def export_chart(self, member: StaffMember) -> StaffReply:
        views = await self._visible(member)
        derived = {v.id: v.derived for v in views}
        counts = funnel_counts(derived.values())
        funnel = [(self._label(f"funnel.{step}"), counts[step]) for step in FUNNEL]
        small = self.rules.small_group
        shares: list[tuple[str, Share]] = []
        for step in FUNNEL:
            group = [v for v in views if derived[v.id].reached(step)]
            genders: GenderCounts = gender_counts(v.answers.get("gender") for v in group)
            shares.append(
                (self._label(f"funnel.{step}"), genders.women_share(self.rules.women_target, small))
            )
        target = self.rules.women_target
        text = ChartText(
            title=self._label("chart.title"),
            funnel_title=self._label("chart.funnel"),
            share_title=self._label("chart.women"),
            target_label=self._label("chart.target").replace("{n}", str(round(100 * target))),
            subtitle=self._label("chart.note").replace("{n}", str(small)),
        )
        png = await asyncio.to_thread(render_png, funnel, shares, target, text, small)
        await self.pipeline.audit(
            by=member.user_id, action="export", at=self.now(), detail={"what": "chart"}
        )
        caption = self._render("export_caption", what="chart", count=len(views))
        return StaffReply(photos=[(png, caption)])

    # ------------------------------------------------------------------ digest
    async def digest_text(self, sites: Collection[str] | None = None) -> str:
        """The weekly digest: new candidates, reviews waiting, shortlists of open cohorts."""
        now = self.now()
        since = now - dt.timedelta(days=7)
        views = await self.pipeline.candidates(sites)
        new = [v for v in views if dt.datetime.fromisoformat(v.created_at) >= since]
        finished = [
            v
            for v in views
            if v.submitted_at and dt.datetime.fromisoformat(v.submitted_at) >= since
        ]
        reviews = sum(1 for v in views if self._in_queue(v))
        cohorts = []
        for cohort in await self.pipeline.cohorts(sites):
            if not cohort.is_open(self.today()):
                continue
            sv = await self.shortlist_view(cohort)
            ctx = self._shortlist_context(sv)
            cohorts.append(
                {
                    "cohort": ctx["cohort"],
                    "total": ctx["total"],
                    "top_n": ctx["top_n"],
                    "shortlist": ctx["shortlist"],
                    "admitted": ctx["admitted"],
                    "what_if": ctx["what_if"],
                }
            )
        link = None
        if self.rules.outreach_source:
            bot = self.bot_username or "<bot>"
            link = f"https://t.me/{bot}?start={self.rules.outreach_source}"
        return self._render(
            "digest",
            since=fr_date(since.astimezone(self.tz).date()),
            new=len(new),
            finished=len(finished),
            reviews=reviews,
            cohorts=cohorts,
            target=round(100 * self.rules.women_target),
            outreach_link=link,
        )

    async def digest_response(self, sites: frozenset[str] | None = None) -> Response:
        """The digest: recruitment, then the other services' sections (alumni to call), in one
        message if it fits Telegram's 4096 characters, else one message per part."""
        parts = [await self.digest_text(sites)]
        parts += [await section(sites) for section in self.digest_sections]
        together = "\n\n".join(parts)
        if len(together) <= TELEGRAM_MAX_TEXT:
            return Response().send(together)
        response = Response()
        for part in parts:
            response.send(part)
        return response

    async def digest(self, member: StaffMember) -> StaffReply:
        """/digest: the same digest now, for the member's sites."""
        return StaffReply(await self.digest_response(visible_sites(member)))

    # ----------------------------------------------------------------- buttons
    async def button(self, member: StaffMember, data: str) -> StaffReply:
        """st:<op>:<args>. Anything malformed, stale or of another site gets a short notice."""
        parts = data.split(":")
        op, args = (parts[1], parts[2:]) if len(parts) >= 2 else ("", [])
        ints = [int(a) for a in args if a.isdigit()]
        reply: StaffReply | None = None
        if op == "c" and len(args) == 1 and ints:
            view = await self._candidate(member, ints[0])
            reply = await self.card(member, view) if view else None
        elif op == "m" and len(args) in (2, 3) and args[0].isdigit():
            target = self._parse_stage(args[1]) if args[1] in set(Stage) else None
            into = int(args[2]) if len(args) == 3 and args[2].isdigit() else None
            if target is not None and target in CARD_MOVES and (len(args) == 2 or into):
                reply = await self.move(member, int(args[0]), target, cohort_id=into, pressed=True)
        elif op == "mo" and len(args) == 2 and len(ints) == 2:
            # Admit over capacity: the confirm button only admins get.
            if not member.is_admin:
                reply = self._say("admin_only")
            else:
                reply = await self.move(
                    member,
                    ints[0],
                    Stage.ADMITTED,
                    cohort_id=ints[1],
                    pressed=True,
                    over_capacity=True,
                )
        elif op == "r" and len(args) == 2 and args[0].isdigit() and args[1] in SHORT:
            reply = await self._review(member, int(args[0]), SHORT[args[1]])
        elif op == "n" and len(args) == 1 and ints:
            view = await self._candidate(member, ints[0])
            reply = self._say("note_how", c=self._summary(view)) if view else None
        elif op == "nl" and len(args) == 2 and len(ints) == 2:
            reply = await self.notes_page(member, ints[0], ints[1])
        elif op == "p" and len(args) == 1:
            if args[0] in self.programme.sites and member.can_see_site(args[0]):
                reply = await self.pipeline_report(member, [args[0]])
        elif op == "s" and len(args) == 1 and ints:
            cohort = await self._cohort(member, ints[0])
            reply = await self._shortlist_reply(member, cohort, None) if cohort else None
        elif op == "xs" and len(args) == 1 and ints:
            cohort = await self._cohort(member, ints[0])
            reply = await self.export_shortlist(member, cohort) if cohort else None
        elif op == "x" and args == ["p"]:
            reply = await self.export_pipeline(member)
        elif op == "x" and args == ["g"]:
            reply = await self.export_chart(member)
        elif op == "x" and args == ["s"]:
            reply = await self._cohort_picker(member, "export")
        elif op == "x" and len(args) == 2 and args[0] == "s" and args[1].isdigit():
            cohort = await self._cohort(member, int(args[1]))
            reply = await self.export_shortlist(member, cohort) if cohort else None
        if reply is None:
            return self._toast("stale")
        if not any(isinstance(a, Toast) for a in reply.response.actions):
            reply.response.actions.insert(0, Toast(""))
        return reply


# The pipeline CSV: these columns, then one per screening question in the flow's order (its
# answer as the card shows it), then PIPELINE_COLUMNS_AFTER. A question added to the flow gets
# its column with no change here.
PIPELINE_COLUMNS = ("id", "first_name", "site", "stage", "result", "review", "source")
PIPELINE_COLUMNS_AFTER = ("consented_at", "submitted_at", "cohort")
# Questions without a column of their own: the first name and the site have theirs above;
# gender is never shown per candidate (aggregates only).
NOT_EXPORTED = frozenset({"first_name", "site", "gender"})
# Columns computed from a question's answer, right after that question's column.
DERIVED_COLUMNS: dict[str, tuple[str, ...]] = {"postcode": ("qpv",)}
