"""Calls (staff): who to call (/appels, the weekly digest's section) and the answers staff take
by phone, question by question, with the "fu:p:..." buttons under /appels or /reponse.

Someone of another site is answered exactly like someone who does not exist; a forged or stale
button gets a short notice and changes nothing. Logs carry ids and counts only.
"""

from __future__ import annotations

import datetime as dt
import html
import logging
from collections.abc import Sequence
from typing import Any

from bot.alumni.buttons import CallAnswer, encode
from bot.alumni.context import AlumniContext
from bot.alumni.rules import (
    DIGEST_CALL_LINES,
    MAX_CALL_BUTTONS,
    MAX_CALL_LINES,
    parse_milestone,
    parse_situation,
    subject,
)
from bot.alumni.store import Followup
from bot.config import StaffMember
from bot.core.flow import Step, choices_for
from bot.core.followup import Progress, State, state
from bot.kernel.actions import Button, EditPressed, Response, Toast, rows

log = logging.getLogger(__name__)


class Calls:
    def __init__(self, ctx: AlumniContext) -> None:
        self.ctx = ctx

    # ------------------------------------------------------------ the call list
    async def call_list(self, sites: frozenset[str] | None = None) -> list[dict[str, Any]]:
        """Alumni staff should call: no answer after the reminders, or unreachable."""
        ctx = self.ctx
        now = ctx.clock.now()
        found = []
        for r in await ctx.store.unanswered_due(now):
            if sites is not None and r["site"] not in sites:
                continue
            progress = Progress(
                due_at=dt.datetime.fromisoformat(r["due_at"]),
                unreachable=r["unreachable_at"] is not None or r["nudges_stopped_at"] is not None,
            )
            current = state(progress, now, ctx.outcomes.followup, ctx.settings.timezone)
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
        return since.astimezone(self.ctx.settings.timezone).date()

    async def digest_calls_text(self, sites: frozenset[str] | None = None) -> str:
        """The call list's section of the weekly staff digest (the digest is global: all sites
        unless `sites` is given), at most DIGEST_CALL_LINES people, then "and N more: /appels"."""
        people = await self.call_list(sites)
        return self.ctx.render(
            self.ctx.staff_lang,
            "staff/digest_calls",
            total=len(people),
            people=people[:DIGEST_CALL_LINES],
            more=max(0, len(people) - DIGEST_CALL_LINES),
        )

    async def calls_command(self, member: StaffMember) -> Response:
        """/appels: who to call, with one "note the answer" button per person (the first ones)."""
        ctx = self.ctx
        lang = ctx.staff_lang
        people = await self.call_list(ctx.sites(member))
        buttons = [
            Button(self._call_button_text(lang, p), encode(CallAnswer(p["id"], p["milestone"])))
            for p in people[:MAX_CALL_BUTTONS]
        ]
        text = ctx.render(
            lang,
            "alumni/staff_calls",
            people=people[:MAX_CALL_LINES],
            more=max(0, len(people) - MAX_CALL_LINES),
            buttons=len(buttons),
        )
        return Response().send(text, rows(buttons))

    def _call_button_text(self, lang: str, person: dict[str, Any]) -> str:
        """A button label is plain text: the template's HTML escaping is undone."""
        name = str(person["first_name"])
        short = name if len(name) <= 20 else name[:19] + "…"
        text = self.ctx.render(
            lang, "alumni/staff_call_button", person={**person, "first_name": short}
        )
        return html.unescape(text.strip())

    # ------------------------------------------------- answers taken by phone
    async def answer_command(self, member: StaffMember, args: Sequence[str]) -> Response:
        """/reponse #id <milestone> <situation>: the typed way to note a phone answer (the
        buttons under /appels are the main way). Same checks and effects as the buttons; the
        follow-up questions (sector...) then come as buttons."""
        ctx = self.ctx
        lang = ctx.staff_lang
        words = list(args)
        milestones = ctx.outcomes.followup.milestones_months
        milestone = parse_milestone(words[1], milestones) if len(words) >= 3 else None
        situation = (
            parse_situation(
                " ".join(words[2:]),
                ctx.outcomes.ids,
                lambda category: ctx.label(lang, "situation", category),
            )
            if len(words) >= 3
            else None
        )
        if (
            len(words) < 3
            or not words[0].removeprefix("#").isdigit()
            or milestone is None
            or situation is None
        ):
            choices = [(c, ctx.label(lang, "situation", c)) for c in ctx.outcomes.ids]
            text = ctx.render(
                lang, "alumni/staff_answer_usage", milestones=milestones, situations=choices
            )
            return Response().send(text)
        candidate_id = int(words[0].removeprefix("#"))
        pressed = await self.call_button(
            member, CallAnswer(candidate_id, milestone, "situation", situation)
        )
        reply = Response()
        for action in pressed.actions:  # a button's answer, turned into messages
            if isinstance(action, Toast) and action.text:
                reply.send(html.escape(action.text))
            elif isinstance(action, EditPressed) and action.append:
                reply.send(html.escape(action.append))
            elif not isinstance(action, Toast | EditPressed):
                reply.add(action)
        return reply

    async def call_button(self, member: StaffMember, pressed: CallAnswer | None) -> Response:
        """A staff member noting, question by question, what an alumnus said on the phone.

        CallAnswer(id, milestone) starts (from /appels); with a question and answer, answers.
        None (a malformed "fu:p:" string) or a question without its answer: stale.
        """
        ctx = self.ctx
        lang = ctx.staff_lang
        if (
            pressed is None
            or pressed.candidate_id < 0
            or pressed.milestone < 0
            or (pressed.question is None) != (pressed.answer is None)
        ):
            return self._call_notice(lang, "stale")
        candidate_id, milestone = pressed.candidate_id, pressed.milestone
        alumnus = await ctx.store.alumnus(candidate_id)
        followup = await ctx.store.followup(candidate_id, milestone)
        person = await ctx.store.person(candidate_id)
        if (
            alumnus is None
            or followup is None
            or person is None
            or not member.can_see_site(alumnus.site)
        ):
            log.info("phone answer refused: unknown or other site (staff %s)", member.user_id)
            return self._call_notice(lang, "unknown")
        if followup.due_at > ctx.clock.now():
            return self._call_notice(lang, "not_due")
        who = {
            "id": candidate_id,
            "first_name": person["first_name"] or "?",
            "cohort": alumnus.cohort,
            "milestone": milestone,
        }
        if followup.answered_at is not None and followup.answered_via != "call":
            return self._call_notice(lang, "answered", who=who)
        if pressed.question is None or pressed.answer is None:
            if followup.answered_at is not None:
                return self._call_notice(lang, "noted", who=who)
            step = ctx.flow.next_step({})
            if step is None:
                return self._call_notice(lang, "stale")
            response = (
                Response().add(Toast("")).send(ctx.render(lang, "alumni/staff_call_start", who=who))
            )
            response.actions.extend(self._call_question(lang, who, step, {}).actions)
            return response
        return await self._call_answer(
            member, lang, who, followup, pressed.question, pressed.answer
        )

    async def _call_answer(
        self,
        member: StaffMember,
        lang: str,
        who: dict[str, Any],
        followup: Followup,
        key: str,
        value: str,
    ) -> Response:
        ctx = self.ctx
        candidate_id, milestone = int(who["id"]), int(who["milestone"])
        step = ctx.flow.step(key)
        answers = dict(followup.answers) if followup.answered_at is not None else {}
        if step is None or value not in choices_for(step, ctx.dynamic):
            return self._call_notice(lang, "stale")
        if key in answers and answers[key] == value:
            return Response().add(Toast(ctx.render(lang, "alumni/toast", what="noted")))
        current = ctx.flow.next_step(answers)
        if key != "situation" and (
            followup.answered_at is None
            or not step.applies(answers)
            or current is None
            or current.key != key
        ):
            return self._call_notice(lang, "stale")
        now = ctx.clock.now()
        if key == "situation":
            saved = await ctx.store.save_call_situation(
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
            await ctx.store.save_answer(candidate_id, milestone, key, value, now, via="call")
            answers = {**answers, key: value}
        response = (
            Response().add(Toast("")).add(EditPressed(append="✅ " + ctx.label(lang, key, value)))
        )
        step_next = ctx.flow.next_step(answers)
        if step_next is None:
            situation = ctx.label(lang, "situation", str(answers["situation"]))
            return response.send(
                ctx.render(lang, "alumni/staff_call_done", who=who, situation=situation)
            )
        response.actions.extend(self._call_question(lang, who, step_next, answers).actions)
        return response

    def _call_question(
        self, lang: str, who: dict[str, Any], step: Step, answers: dict[str, Any]
    ) -> Response:
        """The alumnus' own question (to read out), with buttons that record for them."""
        ctx = self.ctx
        number, total = ctx.flow.position(step, answers)
        buttons = [
            Button(
                ctx.label(lang, step.key, c),
                encode(CallAnswer(int(who["id"]), int(who["milestone"]), step.key, c)),
            )
            for c in choices_for(step, ctx.dynamic)
        ]
        text = ctx.render(lang, "alumni/survey_question", step=step.key, number=number, total=total)
        return Response().send(text, rows(buttons, step.columns))

    def _call_notice(self, lang: str, why: str, who: dict[str, Any] | None = None) -> Response:
        text = self.ctx.render(lang, "alumni/staff_call_refused", why=why, who=who)
        return Response().add(Toast(html.unescape(text.strip())[:200]))  # Telegram's toast limit
