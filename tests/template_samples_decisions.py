"""Sample contexts for the decision message templates (bot/templates/<lang>/decisions/)."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

from markupsafe import Markup

from bot.config import DEFAULT_RULES_FILE
from bot.core.sites import load_programme
from bot.decisions.rules import Partner, Referral

NASTY = '<b>Léa & "Zoé"</b>'
SITE = load_programme(DEFAULT_RULES_FILE).sites["gonesse"]
BARE = dataclasses.replace(SITE, address="", bring="", contact="")
NASTY_SITE = dataclasses.replace(SITE, address=NASTY, bring=NASTY, contact=NASTY, name=NASTY)
REFERRALS = [
    Referral(Partner.MISSION_LOCALE, SITE.mission_locale, SITE.mission_locale_contact),
    Referral(Partner.ADULT, "France Travail", "francetravail.fr"),
    Referral(Partner.SCHOOL, "", ""),
    Referral(Partner.ADULT, NASTY, NASTY),
    None,
]


def candidate(**extra: Any) -> list[dict[str, Any]]:
    return [
        {
            "first_name": name,
            "site": site,
            "cohort": cohort,
            "start": start,
            "referral": r,
            "minor": minor,
            **extra,
        }
        for name, minor in ((NASTY, True), (None, False))
        for site, cohort, start in ((SITE, "Mars 2027", dt.date(2027, 3, 1)), (BARE, NASTY, None))
        for r in REFERRALS
    ] + [
        {
            "first_name": None,
            "site": None,
            "cohort": None,
            "start": None,
            "referral": None,
            "minor": False,
        }
    ]


SAMPLES: dict[str, list[dict[str, Any]]] = {
    **{
        f"decisions/{kind}": candidate()
        for kind in ("oriented", "overturned", "not_selected", "in_training")
    },
    "decisions/admitted": [
        *candidate(),
        {
            "first_name": None,
            "site": NASTY_SITE,
            "cohort": "A",
            "start": dt.date(2027, 3, 1),
            "referral": None,
            "minor": True,
        },
    ],
    "decisions/exited": candidate(),
    "decisions/staff_preview": [
        {"first_name": NASTY, "number": 12, "kind": "admitted", "text": Markup("<b>Bravo</b>")},
        {"first_name": None, "number": 12, "kind": "oriented", "text": "a &lt; b"},
    ],
    "decisions/button": [{"what": w} for w in ("send", "edit", "drop")],
    "decisions/toast": [{"what": w} for w in ("gone", "done")],
    "decisions/staff_edit": [{"number": 12}],
    "decisions/staff_done": [{"what": w} for w in ("sent", "dropped")],
    "decisions/staff_usage": [{}],
    "decisions/staff_too_long": [{"limit": 3000}],
    "decisions/staff_no_draft": [{"number": 12}],
    "decisions/staff_pending": [{"total": 1, "more": 0}, {"total": 9, "more": 4}],
    "decisions/digest_pending": [{"total": 1}, {"total": 12}],
}
