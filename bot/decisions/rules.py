"""Which decision makes which message, and where an oriented candidate is sent. Pure.

Consequential messages (orientation confirmed, orientation overturned, admitted, not selected) wait
for the staff member who decided to read a preview and press "Envoyer"; the others (starts
training, exit) go at once. An overturn is good news, but it changes the person's path and a
misclick cannot be taken back once they read it: it is previewed like the others.
A waiting list is left to bot/reengagement (it asks its own question).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum

from bot.core.eligibility import possible_ages
from bot.core.pipeline import Stage
from bot.core.sites import Site


class Kind(StrEnum):
    ORIENTED = "oriented"
    OVERTURNED = "overturned"  # the bot's "not eligible" overturned in /revue: go on
    ADMITTED = "admitted"
    NOT_SELECTED = "not_selected"
    IN_TRAINING = "in_training"
    EXITED = "exited"


CONSEQUENTIAL = frozenset({Kind.ORIENTED, Kind.OVERTURNED, Kind.ADMITTED, Kind.NOT_SELECTED})
BY_STAGE = {
    Stage.ADMITTED: Kind.ADMITTED,
    Stage.NOT_SELECTED: Kind.NOT_SELECTED,
    Stage.IN_TRAINING: Kind.IN_TRAINING,
    Stage.EXITED: Kind.EXITED,
}


def kind_of_move(to: Stage) -> Kind | None:
    return BY_STAGE.get(to)


def kind_of_review(decision: str) -> Kind | None:
    """A confirmed orientation and an overturned one (human_handled: no message)."""
    return {"confirmed": Kind.ORIENTED, "overturned": Kind.OVERTURNED}.get(decision)


class Partner(StrEnum):
    MISSION_LOCALE = "mission_locale"  # 16-25
    ADULT = "adult"  # over the site's max age: France Travail or the site's adult partner
    SCHOOL = "school"  # under the site's min age: a CIO


@dataclass(frozen=True)
class Referral:
    partner: Partner
    name: str
    contact: str


def referral(site: Site, birth: str | None, on: dt.date) -> Referral:
    """The partner that serves someone of this age on `on` (the site's next cohort start).
    Someone who may be over the max age is never sent to the Mission Locale (16-25 only)."""
    if isinstance(birth, str) and len(birth.split("-")) == 2:
        youngest, oldest = possible_ages(birth, on)
        if oldest > site.rules.max_age:
            return Referral(Partner.ADULT, site.adult_referral, site.adult_referral_contact)
        if youngest < site.rules.min_age:
            return Referral(Partner.SCHOOL, "", "")
    return Referral(Partner.MISSION_LOCALE, site.mission_locale, site.mission_locale_contact)


def may_be_minor(birth: str | None, on: dt.date, adult_age: int = 18) -> bool:
    """Whether someone born that month may be under 18 on `on` (a parent signs the enrolment)."""
    if not isinstance(birth, str) or len(birth.split("-")) != 2:
        return False
    youngest, _oldest = possible_ages(birth, on)
    return youngest < adult_age
