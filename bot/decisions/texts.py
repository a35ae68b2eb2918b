"""The texts of decision messages: the candidate's (in their language) and the staff preview."""

from __future__ import annotations

import datetime as dt
from typing import Any

from markupsafe import Markup

from bot.core.sites import Programme
from bot.decisions import rules
from bot.decisions.buttons import CODEC, DropIt, EditIt, SendIt
from bot.decisions.store import CohortInfo, DecisionMessage, Person
from bot.kernel.actions import Button, Keyboard, Response
from bot.kernel.rendering import Renderer
from bot.reengagement.buttons import CODEC as REENGAGE
from bot.reengagement.buttons import OptIn, OptOut
from bot.sessions.buttons import SESSIONS, ShowOffer


class Texts:
    def __init__(self, *, renderer: Renderer, programme: Programme, staff_language: str) -> None:
        self.renderer = renderer
        self.programme = programme
        self.staff_language = staff_language

    def candidate_text(
        self,
        kind: rules.Kind,
        person: Person,
        cohort: CohortInfo | None,
        today: dt.date,
    ) -> str:
        site = self.programme.sites.get(cohort.site if cohort else (person.site or ""))
        context: dict[str, Any] = {
            "programme": self.programme,
            "first_name": person.first_name or None,
            "site": site,
            "cohort": cohort.name if cohort else None,
            "start": cohort.start if cohort else None,
        }
        if site is not None:
            on = max(cohort.start if cohort else site.next_cohort_start, today)
            context["referral"] = rules.referral(site, person.birth, on)
        else:
            context["referral"] = None
        start = cohort.start if cohort else today
        context["minor"] = rules.may_be_minor(person.birth, max(start, today))
        return self.renderer.render(person.language, f"decisions/{kind.value}", **context)

    def candidate_keyboard(self, kind: str, language: str) -> Keyboard:
        """Not selected: the re-engagement opt-in (bot/reengagement's own buttons); overturned:
        the sessions on offer (bot/sessions' own button)."""
        if kind == rules.Kind.OVERTURNED:
            offer = SESSIONS.encode(ShowOffer())
            return ((Button(self.renderer.label(language, "btn.offer_session"), offer),),)
        if kind != rules.Kind.NOT_SELECTED:
            return ()
        origin = "n"  # bot.core.reengagement.Origin.NOT_SELECTED
        label = self.renderer.render

        return (
            (
                Button(
                    label(language, "reengagement/button", what="yes"),
                    REENGAGE.encode(OptIn(origin)),
                ),
            ),
            (
                Button(
                    label(language, "reengagement/button", what="no"),
                    REENGAGE.encode(OptOut(origin)),
                ),
            ),
        )

    def staff(self, name: str, **context: Any) -> str:
        return self.renderer.render(self.staff_language, f"decisions/{name}", **context)

    def preview(self, message: DecisionMessage, first_name: str) -> Response:
        """The staff preview: "Voici le message pour <prénom> :", the text, three buttons."""
        text = self.staff(
            "staff_preview",
            first_name=first_name or None,
            number=message.candidate_id,
            kind=message.kind,
            text=Markup(message.text),  # our rendered template, or escaped on edit
        )
        keyboard: Keyboard = (
            (
                Button(self.staff("button", what="send"), CODEC.encode(SendIt(message.id))),
                Button(self.staff("button", what="edit"), CODEC.encode(EditIt(message.id))),
            ),
            (Button(self.staff("button", what="drop"), CODEC.encode(DropIt(message.id))),),
        )
        return Response().send(text, keyboard)
