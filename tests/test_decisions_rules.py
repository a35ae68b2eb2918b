"""Decision messages' pure rules: which decision makes which message, which referral for which
age, and the preview buttons' strings (they stay in staff chats: they must keep decoding)."""

from __future__ import annotations

import datetime as dt

from bot.config import DEFAULT_RULES_FILE
from bot.core.pipeline import Stage
from bot.core.sites import load_programme
from bot.decisions import rules
from bot.decisions.buttons import CODEC, DropIt, EditIt, SendIt
from bot.decisions.rules import Kind, Partner

SITE = load_programme(DEFAULT_RULES_FILE).sites["gonesse"]
START = dt.date(2027, 3, 1)


def test_which_decisions_wait_for_a_preview() -> None:
    assert rules.kind_of_move(Stage.ADMITTED) is Kind.ADMITTED
    assert rules.kind_of_move(Stage.NOT_SELECTED) is Kind.NOT_SELECTED
    assert rules.kind_of_move(Stage.IN_TRAINING) is Kind.IN_TRAINING
    assert rules.kind_of_move(Stage.EXITED) is Kind.EXITED
    assert rules.kind_of_move(Stage.WAITLISTED) is None  # bot/reengagement asks its question
    assert rules.kind_of_move(Stage.INTERVIEW) is None
    assert rules.kind_of_review("confirmed") is Kind.ORIENTED
    assert rules.kind_of_review("overturned") is Kind.OVERTURNED  # previewed too
    assert rules.kind_of_review("human_handled") is None
    assert {Kind.ORIENTED, Kind.OVERTURNED, Kind.ADMITTED, Kind.NOT_SELECTED} == (
        rules.CONSEQUENTIAL
    )


def test_the_referral_follows_the_age_at_the_cohort_start() -> None:
    young = rules.referral(SITE, "2005-06", START)  # 21
    assert young.partner is Partner.MISSION_LOCALE and young.name == SITE.mission_locale
    old = rules.referral(SITE, "1995-01", START)  # 32: never the Mission Locale
    assert old.partner is Partner.ADULT and old.name == "France Travail"
    assert old.contact == "francetravail.fr"
    # born March 2001: 25 or 26 on 1 March 2027 depending on the day: may be over 25
    assert rules.referral(SITE, "2001-03", START).partner is Partner.ADULT
    assert rules.referral(SITE, "2001-04", START).partner is Partner.MISSION_LOCALE  # 25
    assert rules.referral(SITE, "2012-01", START).partner is Partner.SCHOOL  # 15
    assert rules.referral(SITE, None, START).partner is Partner.MISSION_LOCALE  # unknown age


def test_may_be_minor() -> None:
    assert rules.may_be_minor("2009-06", START)  # 17
    assert rules.may_be_minor("2009-03", START)  # 17 or 18 on that day
    assert not rules.may_be_minor("2009-02", START)
    assert not rules.may_be_minor(None, START)


def test_preview_buttons_round_trip_and_refuse_forgeries() -> None:
    assert CODEC.encode(SendIt(12)) == "dec:s:12"
    assert CODEC.encode(EditIt(12)) == "dec:e:12"
    assert CODEC.encode(DropIt(12)) == "dec:d:12"
    for button in (SendIt(12), EditIt(12), DropIt(12)):
        assert CODEC.decode(CODEC.encode(button)) == button
    for forged in ("dec:s:x", "dec:s", "dec:z:1", "dec", "st:s:1", "dec:s:1:2"):
        assert CODEC.decode(forged) is None
