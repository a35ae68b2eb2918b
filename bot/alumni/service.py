"""Alumni follow-up, Telegram-free: staff mark exits, surveys go out through the outbox, alumni
answer with buttons, staff read the figures (/sorties) and the call list (/appels).

Callback data: "fu:<milestone>:<question>:<answer>" (alumni); "fu:p:<id>:<milestone>" and
"fu:p:<id>:<milestone>:<question>:<answer>" (staff noting an answer taken by phone, from /appels).
Staff commands only; a person who is not staff never reaches these methods
(bot/alumni/handlers.py answers them as an unknown command). Logs carry ids and counts only.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import html
import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from bot.alumni.store import AlumniStore, Followup
from bot.config import Settings, StaffMember
from bot.core.disclosure import SMALL
from bot.core.flow import Flow, Step, choices_for
from bot.core.followup import Progress, State, call_time, reminder_times, state
from bot.core.outcomes import Outcomes
from bot.core.pipeline import Stage, TransitionRefused
from bot.core.sites import Programme
from bot.core.text import fold
from bot.db.database import Database
from bot.kernel.actions import Button, EditPressed, Keyboard, Response, SendFile, Toast, rows
from bot.kernel.clock import Clock
from bot.kernel.rendering import Renderer
from bot.outbox import store as outbox
from bot.outbox.kinds import MessageKind
from bot.outbox.store import OutboxRow
from bot.reports.charts import milestones_chart
from bot.reports.data import cohort_outcomes, funders_report
from bot.reports.figures import OutcomeCells, outcome_cells, total_outcome_cells
from bot.reports.html import render_funders_report
from bot.staff.store import PipelineStore

log = logging.getLogger(__name__)

SURVEY_KIND = "fu_survey"  # outbox kind: a survey (payload r=0) or a reminder (r=1, 2...)
CALL_PREFIX = "fu:p"  # staff buttons: an answer taken by phone
MAX_CALL_LINES = 50  # people listed by /appels
MAX_CALL_BUTTONS = 20  # "note the answer" buttons under /appels (the rest: answer them first)
DIGEST_CALL_LINES = 10  # people listed in the weekly digest; the rest is in /appels
DATE_RE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")


@dataclass
class AlumniReply:
    response: Response
    photos: list[tuple[bytes, str]] = field(default_factory=list)


def subject(candidate_id: int, milestone: int) -> str:
    return f"fu:{candidate_id}:{milestone}"


def parse_day(text: str, today: dt.date) -> dt.date | None:
    folded = fold(text)
    if folded in ("aujourd hui", "aujourdhui", "today"):
        return today
    match = DATE_RE.match(text.strip())
    try:
        if match:
            return dt.date(int(match.group(3)), int(match.group(2)), int(match.group(1)))
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        return None


class AlumniService:
    def __init__(
        self,
        *,
        db: Database,
        store: AlumniStore,
        pipeline: PipelineStore,
        renderer: Renderer,
        programme: Programme,
        outcomes: Outcomes,
        flow: Flow,
        clock: Clock,
        settings: Settings,
    ) -> None:
        self.db = db
        self.store = store
        self.pipeline = pipeline
        self.renderer = renderer
        self.programme = programme
        self.outcomes = outcomes
        self.flow = flow
        self.clock = clock
        self.settings = settings
        self.tz: ZoneInfo = settings.timezone

    # ----------------------------------------------------------------- helpers
    def member(self, user_id: int) -> StaffMember | None:
        return self.settings.staff.get(user_id)

    def today(self) -> dt.date:
        return self.clock.now().astimezone(self.tz).date()

    def _staff_lang(self) -> str:
        return self.settings.language

    def _render(self, lang: str, name: str, **context: Any) -> str:
        return self.renderer.render(lang, name, programme=self.programme, **context)

    def _label(self, lang: str, step: str, value: str) -> str:
        return self.renderer.label(lang, f"fu.{step}.{value}")

    @property
    def _dynamic(self) -> dict[str, tuple[str, ...]]:
        return {"situations": self.outcomes.ids}

    def _sites(self, member: StaffMember) -> frozenset[str]:
        return frozenset(s for s in self.programme.site_ids if member.can_see_site(s))

    async def _person(self, candidate_id: int) -> dict[str, Any] | None:
        row = await self.db.fetchone(
            "SELECT c.id, c.chat_id, c.language, c.unreachable_at, c.nudges_stopped_at,"
            " (SELECT json_extract(value, '$') FROM answers a WHERE a.candidate_id = c.id"
            "  AND a.step = 'first_name') AS first_name,"
            " (SELECT json_extract(value, '$') FROM answers a WHERE a.candidate_id = c.id"
            "  AND a.step = 'site') AS site"
            " FROM candidates c WHERE c.id = ?",
            (candidate_id,),
        )
        return dict(row) if row else None

    # ------------------------------------------------------------ exits (staff)
    async def exit_command(self, member: StaffMember, args: Sequence[str]) -> AlumniReply:
        """/sortie <cohort or #id> [JJ/MM/AAAA] [abandon]"""
        lang = self._staff_lang()
        words = list(args)
        completed = True
        if words and fold(words[-1]) in ("abandon", "dropout", "dropped"):
            completed = False
            words.pop()
        day = self.today()
        if len(words) >= 2:
            parsed = parse_day(words[-1], self.today())
            if parsed is not None:
                day = parsed
                words.pop()
        target = " ".join(words).strip()
        if not target:
            return AlumniReply(Response().send(self._render(lang, "alumni/staff_exit_usage")))
        sites = self._sites(member)
        people: list[tuple[int, str, str, int | None]] = []  # id, site, cohort, cohort id
        if target.startswith("#") and target[1:].isdigit():
            candidate_id = int(target[1:])
            person = await self._person(candidate_id)
            view = await self.pipeline.candidate(candidate_id) if person else None
            if person is None or view is None or not member.can_see_site(view.site):
                return self._exit_refused(lang, "unknown")
            stage = view.stage
            if stage not in (Stage.IN_TRAINING, Stage.EXITED):
                return self._exit_refused(lang, "not_in_training")
            placement = await self.db.fetchone(
                "SELECT p.cohort_id, c.name FROM placements p JOIN cohorts c ON c.id = p.cohort_id"
                " WHERE p.candidate_id = ?",
                (candidate_id,),
            )
            cohort_name = str(placement["name"]) if placement else ""
            cohort_id = int(placement["cohort_id"]) if placement else None
            people.append((candidate_id, str(view.site), cohort_name, cohort_id))
        else:
            cohort = await self.pipeline.find_cohort(target, sites)
            if cohort is None:
                return self._exit_refused(lang, "no_cohort")
            for candidate_id in await self.pipeline.members(
                cohort.id, (Stage.IN_TRAINING, Stage.EXITED)
            ):
                people.append((candidate_id, cohort.site, cohort.name, cohort.id))
            if not people:
                return self._exit_refused(lang, "nobody")
        marked = 0
        now = self.clock.now()
        for candidate_id, site, cohort_name, cohort_id in people:
            # Already exited (moved on the staff side): the follow-up may still need setting up.
            with contextlib.suppress(TransitionRefused):
                await self.pipeline.move(
                    candidate_id,
                    to=Stage.EXITED,
                    by=member.user_id,
                    at=now,
                    reason="dropout" if not completed else None,
                )
            if await self.mark_exit(
                candidate_id,
                site=site,
                cohort=cohort_name,
                cohort_id=cohort_id,
                exit_date=day,
                completed=completed,
                staff_id=member.user_id,
            ):
                marked += 1
        log.info("exits marked: %d of %d", marked, len(people))
        text = self._render(
            lang,
            "alumni/staff_exit_done",
            marked=marked,
            already=len(people) - marked,
            day=day.strftime("%d/%m/%Y"),
            milestones=self.outcomes.followup.milestones_months,
            completed=completed,
        )
        return AlumniReply(Response().send(text))

    def _exit_refused(self, lang: str, why: str) -> AlumniReply:
        return AlumniReply(
            Response().send(self._render(lang, "alumni/staff_exit_refused", why=why))
        )

    async def mark_exit(
        self,
        candidate_id: int,
        *,
        site: str,
        cohort: str,
        exit_date: dt.date,
        cohort_id: int | None = None,
        completed: bool = True,
        staff_id: int | None = None,
    ) -> bool:
        """Record the exit and schedule every survey and reminder in one transaction."""
        person = await self._person(candidate_id)
        if person is None:
            return False
        now = self.clock.now()
        policy = self.outcomes.followup
        async with self.db.transaction() as conn:
            if not await self.store.mark_exit(
                conn,
                candidate_id=candidate_id,
                site=site,
                cohort=cohort,
                cohort_id=cohort_id,
                exit_date=exit_date,
                completed=completed,
                staff_id=staff_id,
                now=now,
            ):
                return False
            for milestone in await self._milestones(conn, candidate_id):
                due = milestone.due_at
                times = [due, *reminder_times(due, policy, self.tz)]
                for index, when in enumerate(times):
                    await outbox.schedule(
                        conn,
                        key=f"fu:{candidate_id}:{milestone.milestone}:{index}",
                        kind=SURVEY_KIND,
                        chat_id=int(person["chat_id"]),
                        due_at=max(when, now),
                        payload={"m": milestone.milestone, "r": index},
                        candidate_id=candidate_id,
                        subject=subject(candidate_id, milestone.milestone),
                        not_after=call_time(due, policy, self.tz),
                        now=now,
                    )
        return True

    async def _milestones(self, conn: Any, candidate_id: int) -> list[Followup]:
        cursor = await conn.execute(
            "SELECT * FROM followups WHERE candidate_id = ? ORDER BY milestone", (candidate_id,)
        )
        return [Followup.from_row(r) for r in await cursor.fetchall()]

    # ------------------------------------------------------- surveys (outbox)
    def kinds(self) -> list[MessageKind]:
        return [MessageKind(SURVEY_KIND, self.render_survey)]

    async def render_survey(self, row: OutboxRow) -> Response | None:
        """The outbox renderer: the survey's first open question, or nothing if answered."""
        if row.candidate_id is None:
            return None
        milestone = int(row.payload.get("m", -1))
        reminder = int(row.payload.get("r", 0))
        followup = await self.store.followup(row.candidate_id, milestone)
        person = await self._person(row.candidate_id)
        if followup is None or person is None or followup.answered_at is not None:
            return None
        now = self.clock.now()
        await self.db.execute(
            "UPDATE followups SET sent_at = COALESCE(sent_at, ?), reminders = MAX(reminders, ?)"
            " WHERE candidate_id = ? AND milestone = ?",
            (
                now.astimezone(dt.UTC).isoformat(timespec="seconds"),
                reminder,
                row.candidate_id,
                milestone,
            ),
        )
        lang = str(person["language"])
        intro = self._render(
            lang,
            "alumni/survey_intro",
            milestone=milestone,
            reminder=reminder,
            first_name=person["first_name"],
        )
        step = self.flow.next_step(followup.answers)
        if step is None:
            return None
        response = Response().send(intro)
        response.actions.extend(self._question(lang, milestone, step, followup.answers).actions)
        return response

    def _question(self, lang: str, milestone: int, step: Step, answers: dict[str, Any]) -> Response:
        number, total = self.flow.position(step, answers)
        choices = choices_for(step, self._dynamic)
        buttons = [
            Button(self._label(lang, step.key, c), f"fu:{milestone}:{step.key}:{c}")
            for c in choices
        ]
        keyboard: Keyboard = rows(buttons, step.columns)
        text = self._render(
            lang, "alumni/survey_question", step=step.key, number=number, total=total
        )
        return Response().send(text, keyboard)

    async def button(self, user_id: int, data: str) -> Response | None:
        """An alumnus pressed a survey button; None when the data is not a survey's."""
        parts = data.split(":")
        if len(parts) != 4 or parts[0] != "fu" or not parts[1].isdigit():
            return None
        milestone, key, value = int(parts[1]), parts[2], parts[3]
        row = await self.db.fetchone(
            "SELECT id, language FROM candidates WHERE telegram_id = ?", (user_id,)
        )
        if row is None:
            return None
        candidate_id, lang = int(row["id"]), str(row["language"])
        followup = await self.store.followup(candidate_id, milestone)
        step = self.flow.step(key)
        if followup is None or step is None:
            return None
        answers = dict(followup.answers)
        if value not in choices_for(step, self._dynamic) or not step.applies(answers):
            return self._stale(lang)
        current = self.flow.next_step(answers)
        if key in answers and answers[key] == value:
            return Response().add(Toast(self._render(lang, "alumni/toast", what="noted")))
        if current is None or (current.key != key and key != "situation"):
            return self._stale(lang)
        now = self.clock.now()
        first = followup.answered_at is None
        await self.store.save_answer(candidate_id, milestone, key, value, now)
        if key == "situation" and first:
            async with self.db.transaction() as conn:
                await outbox.cancel(
                    conn, reason="answered", subject=subject(candidate_id, milestone), now=now
                )
            log.info("survey answered: candidate %s, milestone %s", candidate_id, milestone)
        answers = {"situation": value} if key == "situation" else {**answers, key: value}
        response = (
            Response().add(Toast("")).add(EditPressed(append="✅ " + self._label(lang, key, value)))
        )
        step_next = self.flow.next_step(answers)
        if step_next is None:
            return response.send(
                self._render(lang, "alumni/survey_thanks", contact=answers.get("contact"))
            )
        response.actions.extend(self._question(lang, milestone, step_next, answers).actions)
        return response

    def _stale(self, lang: str) -> Response:
        return (
            Response()
            .add(Toast(self._render(lang, "alumni/toast", what="stale")))
            .add(EditPressed())
        )

    # ----------------------------------------------------------- staff figures
    async def outcomes_command(self, member: StaffMember, args: Sequence[str]) -> AlumniReply:
        """/sorties [cohort | site | year]: rates per cohort and milestone, a chart, the report."""
        lang = self._staff_lang()
        sites = self._sites(member)
        target = " ".join(args).strip()
        filters: dict[str, Any] = {}
        if target.isdigit() and len(target) == 4:
            filters["exit_year"] = int(target)
        elif target:
            site = next(
                (
                    s
                    for s in sites
                    if fold(s) == fold(target) or fold(self.programme.sites[s].name) == fold(target)
                ),
                None,
            )
            if site is not None:
                filters["site"] = site
            else:
                filters["cohort_fold"] = fold(target)
        names = {s: self.programme.sites[s].name for s in self.programme.site_ids}
        now = self.clock.now()
        cohort_fold = filters.pop("cohort_fold", None)
        found = await cohort_outcomes(
            self.store, self.outcomes, now, site_names=names, sites=sites, **filters
        )
        if cohort_fold is not None:
            found = [c for c in found if fold(c.key.cohort) == cohort_fold]
        if not found:
            return AlumniReply(
                Response().send(self._render(lang, "alumni/staff_outcomes_none", target=target))
            )
        # every figure through the small-count rule (bot/core/disclosure.py); the report lines
        # by their readable names, only those shown exactly (file order: no ranking of "< 5")
        cells = [
            {m: outcome_cells(r, self.outcomes, SMALL) for m, r in c.milestones.items()}
            for c in found
        ]
        cohorts = [
            {
                "site": c.site_name,
                "cohort": c.key.cohort,
                "year": c.key.exit_year,
                "milestones": [
                    {
                        "months": m,
                        "cells": cell,
                        "groups": [(self._label(lang, "group", g), n) for g, n in cell.groups],
                    }
                    for m, cell in mine.items()
                ],
            }
            for c, mine in zip(found, cells, strict=True)
        ]
        text = self._render(
            lang,
            "alumni/staff_outcomes",
            cohorts=cohorts,
            targets=self.outcomes.targets,
            small=SMALL,
        )
        reply = AlumniReply(Response().send(text))
        # the chart sums cohorts: a total that would give back a cohort's masked figure is not drawn
        by_milestone: dict[int, list[OutcomeCells]] = {}
        for mine in cells:
            for m, cell in mine.items():
                by_milestone.setdefault(m, []).append(cell)
        total = {m: total_outcome_cells(c, SMALL) for m, c in sorted(by_milestone.items())}
        title = target or "FabNum"
        reply.photos.append(
            (
                milestones_chart(
                    title,
                    total,
                    (self.outcomes.targets.response_rate, self.outcomes.targets.positive_rate),
                ),
                self._render(lang, "alumni/staff_chart_caption", target=target),
            )
        )
        if member.is_admin or not target:
            report = await funders_report(
                self.db,
                self.store,
                self.outcomes,
                now=now,
                tz=self.tz,
                programme=self.programme.name,
                site_names=names,
                sites=None if member.is_admin else sites,
            )
            html = render_funders_report(report).encode("utf-8")
            reply.response.add(
                SendFile(
                    f"rapport-financeurs-{self.today().isoformat()}.html",
                    html,
                    self._render(lang, "alumni/staff_report_caption"),
                )
            )
        return reply

    async def call_list(self, sites: frozenset[str] | None = None) -> list[dict[str, Any]]:
        """Alumni staff should call: no answer after the reminders, or unreachable."""
        now = self.clock.now()
        rows = await self.db.fetchall(
            "SELECT f.candidate_id, f.milestone, f.due_at, a.site, a.cohort,"
            " c.unreachable_at, c.nudges_stopped_at,"
            " (SELECT json_extract(value, '$') FROM answers x WHERE x.candidate_id = c.id"
            "  AND x.step = 'first_name') AS first_name"
            " FROM followups f JOIN alumni a ON a.candidate_id = f.candidate_id"
            " JOIN candidates c ON c.id = f.candidate_id"
            " WHERE f.answered_at IS NULL AND f.due_at <= ? ORDER BY f.due_at",
            (now.astimezone(dt.UTC).isoformat(timespec="seconds"),),
        )
        found = []
        for r in rows:
            if sites is not None and r["site"] not in sites:
                continue
            progress = Progress(
                due_at=dt.datetime.fromisoformat(r["due_at"]),
                unreachable=r["unreachable_at"] is not None or r["nudges_stopped_at"] is not None,
            )
            current = state(progress, now, self.outcomes.followup, self.tz)
            if current in (State.CALL, State.UNREACHABLE):
                why = (
                    "blocked"
                    if r["unreachable_at"]
                    else ("stopped" if r["nudges_stopped_at"] else "no_answer")
                )
                found.append(
                    {
                        "id": int(r["candidate_id"]),
                        "first_name": r["first_name"] or "?",
                        "site": r["site"],
                        "cohort": r["cohort"],
                        "milestone": int(r["milestone"]),
                        "why": why,
                        "since": self._since(progress.due_at, why, r).strftime("%d/%m/%Y"),
                    }
                )
        return found

    def _since(self, due_at: dt.datetime, why: str, row: Any) -> dt.date:
        """Since when staff should call: the survey's day with no answer; the day the person
        blocked the bot or sent /stop when that came later (before, the survey's day)."""
        since = due_at
        stamp = {"blocked": row["unreachable_at"], "stopped": row["nudges_stopped_at"]}.get(why)
        if stamp:
            since = max(since, dt.datetime.fromisoformat(stamp))
        return since.astimezone(self.tz).date()

    async def digest_calls_text(self, sites: frozenset[str] | None = None) -> str:
        """The call list's section of the weekly staff digest (the digest is global: all sites
        unless `sites` is given), at most DIGEST_CALL_LINES people, then "and N more: /appels"."""
        people = await self.call_list(sites)
        return self._render(
            self._staff_lang(),
            "staff/digest_calls",
            total=len(people),
            people=people[:DIGEST_CALL_LINES],
            more=max(0, len(people) - DIGEST_CALL_LINES),
        )

    async def calls_command(self, member: StaffMember) -> AlumniReply:
        """/appels: who to call, with one "note the answer" button per person (the first ones)."""
        lang = self._staff_lang()
        people = await self.call_list(self._sites(member))
        buttons = [
            Button(self._call_button_text(lang, p), f"{CALL_PREFIX}:{p['id']}:{p['milestone']}")
            for p in people[:MAX_CALL_BUTTONS]
        ]
        text = self._render(
            lang,
            "alumni/staff_calls",
            people=people[:MAX_CALL_LINES],
            more=max(0, len(people) - MAX_CALL_LINES),
            buttons=len(buttons),
        )
        return AlumniReply(Response().send(text, rows(buttons)))

    def _call_button_text(self, lang: str, person: dict[str, Any]) -> str:
        """A button label is plain text: the template's HTML escaping is undone."""
        name = str(person["first_name"])
        short = name if len(name) <= 20 else name[:19] + "…"
        text = self._render(
            lang, "alumni/staff_call_button", person={**person, "first_name": short}
        )
        return html.unescape(text.strip())

    # ------------------------------------------------- answers taken by phone (staff)
    async def answer_command(self, member: StaffMember, args: Sequence[str]) -> AlumniReply:
        """/reponse #id <milestone> <situation>: the typed way to note a phone answer (the
        buttons under /appels are the main way). Same checks and effects as the buttons; the
        follow-up questions (sector...) then come as buttons."""
        lang = self._staff_lang()
        words = list(args)
        milestone = self._milestone(words[1]) if len(words) >= 3 else None
        situation = self._situation(lang, " ".join(words[2:])) if len(words) >= 3 else None
        if (
            len(words) < 3
            or not words[0].removeprefix("#").isdigit()
            or milestone is None
            or situation is None
        ):
            choices = [(c, self._label(lang, "situation", c)) for c in self.outcomes.ids]
            text = self._render(
                lang,
                "alumni/staff_answer_usage",
                milestones=self.outcomes.followup.milestones_months,
                situations=choices,
            )
            return AlumniReply(Response().send(text))
        candidate_id = int(words[0].removeprefix("#"))
        pressed = await self.call_button(
            member, f"{CALL_PREFIX}:{candidate_id}:{milestone}:situation:{situation}"
        )
        reply = Response()
        for action in pressed.actions:  # a button's answer, turned into messages
            if isinstance(action, Toast) and action.text:
                reply.send(html.escape(action.text))
            elif isinstance(action, EditPressed) and action.append:
                reply.send(html.escape(action.append))
            elif not isinstance(action, Toast | EditPressed):
                reply.add(action)
        return AlumniReply(reply)

    def _milestone(self, text: str) -> int | None:
        """'sortie', 'exit', 'j0', '0' -> 0; '+3', '3', '3m', '+3mois' -> 3 (configured only)."""
        word = fold(text).replace(" ", "")
        if word in ("sortie", "exit", "j0"):
            return 0
        digits = word.removeprefix("+").removesuffix("mois").removesuffix("months")
        digits = digits.removesuffix("m")
        if digits.isdigit() and int(digits) in self.outcomes.followup.milestones_months:
            return int(digits)
        return None

    def _situation(self, lang: str, text: str) -> str | None:
        """A situation id from its id ('cdd_long'), its button's words ('CDI') or their start
        when only one button starts so ('alternance'; not 'CDD', which two buttons start with)."""
        wanted = fold(text)
        if not wanted:
            return None
        starts = []
        for category in self.outcomes.ids:
            label = fold(self._label(lang, "situation", category))
            words = label.split(" ", 1)[-1] if not label[:1].isalnum() else label
            if wanted in (fold(category), label, words):
                return category
            if words.startswith(wanted + " "):
                starts.append(category)
        return starts[0] if len(starts) == 1 else None

    async def call_button(self, member: StaffMember, data: str) -> Response:
        """A staff member noting, question by question, what an alumnus said on the phone.

        "fu:p:<id>:<milestone>" starts (from /appels); "fu:p:<id>:<milestone>:<q>:<answer>" answers.
        Someone of another site is answered exactly like someone who does not exist; a forged or
        stale button gets a short notice and changes nothing.
        """
        lang = self._staff_lang()
        parts = data.split(":")
        if (
            len(parts) not in (4, 6)
            or ":".join(parts[:2]) != CALL_PREFIX
            or not parts[2].isdigit()
            or not parts[3].isdigit()
        ):
            return self._call_notice(lang, "stale")
        candidate_id, milestone = int(parts[2]), int(parts[3])
        alumnus = await self.store.alumnus(candidate_id)
        followup = await self.store.followup(candidate_id, milestone)
        person = await self._person(candidate_id)
        if (
            alumnus is None
            or followup is None
            or person is None
            or not member.can_see_site(alumnus.site)
        ):
            log.info("phone answer refused: unknown or other site (staff %s)", member.user_id)
            return self._call_notice(lang, "unknown")
        if followup.due_at > self.clock.now():
            return self._call_notice(lang, "not_due")
        who = {
            "id": candidate_id,
            "first_name": person["first_name"] or "?",
            "cohort": alumnus.cohort,
            "milestone": milestone,
        }
        if followup.answered_at is not None and followup.answered_via != "call":
            return self._call_notice(lang, "answered", who=who)
        if len(parts) == 4:
            if followup.answered_at is not None:
                return self._call_notice(lang, "noted", who=who)
            step = self.flow.next_step({})
            if step is None:
                return self._call_notice(lang, "stale")
            response = (
                Response()
                .add(Toast(""))
                .send(self._render(lang, "alumni/staff_call_start", who=who))
            )
            response.actions.extend(self._call_question(lang, who, step, {}).actions)
            return response
        return await self._call_answer(member, lang, who, followup, parts[4], parts[5])

    async def _call_answer(
        self,
        member: StaffMember,
        lang: str,
        who: dict[str, Any],
        followup: Followup,
        key: str,
        value: str,
    ) -> Response:
        candidate_id, milestone = int(who["id"]), int(who["milestone"])
        step = self.flow.step(key)
        answers = dict(followup.answers) if followup.answered_at is not None else {}
        if step is None or value not in choices_for(step, self._dynamic):
            return self._call_notice(lang, "stale")
        if key in answers and answers[key] == value:
            return Response().add(Toast(self._render(lang, "alumni/toast", what="noted")))
        current = self.flow.next_step(answers)
        if key != "situation" and (
            followup.answered_at is None
            or not step.applies(answers)
            or current is None
            or current.key != key
        ):
            return self._call_notice(lang, "stale")
        now = self.clock.now()
        if key == "situation":
            saved = await self.store.save_call_situation(
                candidate_id,
                milestone,
                value,
                staff_id=member.user_id,
                now=now,
                subject=subject(candidate_id, milestone),
            )
            if not saved:  # the alumnus answered in Telegram in the meantime
                return self._call_notice(lang, "answered", who=who)
            log.info("phone answer noted: candidate %s, milestone %s", candidate_id, milestone)
            answers = {"situation": value}
        else:
            await self.store.save_answer(candidate_id, milestone, key, value, now, via="call")
            answers = {**answers, key: value}
        response = (
            Response().add(Toast("")).add(EditPressed(append="✅ " + self._label(lang, key, value)))
        )
        step_next = self.flow.next_step(answers)
        if step_next is None:
            situation = self._label(lang, "situation", str(answers["situation"]))
            return response.send(
                self._render(lang, "alumni/staff_call_done", who=who, situation=situation)
            )
        response.actions.extend(self._call_question(lang, who, step_next, answers).actions)
        return response

    def _call_question(
        self, lang: str, who: dict[str, Any], step: Step, answers: dict[str, Any]
    ) -> Response:
        """The alumnus' own question (to read out), with buttons that record for them."""
        number, total = self.flow.position(step, answers)
        prefix = f"{CALL_PREFIX}:{who['id']}:{who['milestone']}:{step.key}"
        buttons = [
            Button(self._label(lang, step.key, c), f"{prefix}:{c}")
            for c in choices_for(step, self._dynamic)
        ]
        text = self._render(
            lang, "alumni/survey_question", step=step.key, number=number, total=total
        )
        return Response().send(text, rows(buttons, step.columns))

    def _call_notice(self, lang: str, why: str, who: dict[str, Any] | None = None) -> Response:
        text = self._render(lang, "alumni/staff_call_refused", why=why, who=who)
        return Response().add(Toast(html.unescape(text.strip())[:200]))  # Telegram's toast limit
