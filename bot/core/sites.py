"""Sites and their eligibility rules, from a TOML file staff can read (conversations/sites.toml)."""

from __future__ import annotations

import datetime as dt
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any


class Outcome(StrEnum):
    ELIGIBLE = "eligible"
    REVIEW = "review"
    ORIENTED = "oriented"

    @property
    def severity(self) -> int:
        return {"eligible": 0, "review": 1, "oriented": 2}[self.value]


class RulesError(Exception):
    """The rules file is not usable; the message names the file and the key."""


@dataclass(frozen=True)
class SiteRules:
    min_age: int = 16
    max_age: int = 25
    school_obligation_age: int = 18
    outside_territory: Outcome = Outcome.REVIEW
    situation: Mapping[str, Outcome] = field(default_factory=dict)
    qualification: Mapping[str, Outcome] = field(default_factory=dict)
    availability: Mapping[str, Outcome] = field(default_factory=dict)


@dataclass(frozen=True)
class Site:
    id: str
    name: str
    postcode_prefixes: tuple[str, ...]
    postcodes: frozenset[str]
    next_cohort_start: dt.date
    mission_locale: str
    mission_locale_contact: str
    rules: SiteRules
    # Who helps people over the age limit (the Mission Locale serves 16-25 only); empty: France
    # Travail alone is named.
    adult_referral: str = ""
    adult_referral_contact: str = ""

    def covers(self, postcode: str) -> bool:
        return postcode in self.postcodes or any(
            postcode.startswith(p) for p in self.postcode_prefixes
        )


@dataclass(frozen=True)
class Programme:
    name: str
    controller: str
    contact: str
    notice_version: str
    retention_months: int
    sites: Mapping[str, Site]

    @property
    def site_ids(self) -> tuple[str, ...]:
        return tuple(self.sites)


def _outcome(value: object, where: str) -> Outcome:
    try:
        return Outcome(str(value))
    except ValueError:
        raise RulesError(f"{where}: {value!r} must be eligible, review or oriented") from None


def _rules(table: Mapping[str, Any], base: SiteRules, where: str) -> SiteRules:
    def mapping(name: str, default: Mapping[str, Outcome]) -> Mapping[str, Outcome]:
        raw = table.get(name)
        if raw is None:
            return default
        if not isinstance(raw, dict):
            raise RulesError(f"{where}.{name} must be a table")
        return {**default, **{k: _outcome(v, f"{where}.{name}.{k}") for k, v in raw.items()}}

    def integer(name: str, default: int) -> int:
        value = table.get(name, default)
        if not isinstance(value, int) or isinstance(value, bool):
            raise RulesError(f"{where}.{name} must be a whole number")
        return value

    rules = SiteRules(
        min_age=integer("min_age", base.min_age),
        max_age=integer("max_age", base.max_age),
        school_obligation_age=integer("school_obligation_age", base.school_obligation_age),
        outside_territory=_outcome(
            table.get("outside_territory", base.outside_territory), f"{where}.outside_territory"
        ),
        situation=mapping("situation", base.situation),
        qualification=mapping("qualification", base.qualification),
        availability=mapping("availability", base.availability),
    )
    if rules.min_age > rules.max_age:
        raise RulesError(f"{where}: min_age is above max_age")
    return rules


def load_programme(path: Path) -> Programme:
    where = str(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise RulesError(f"{where}: {exc}") from None
    programme = data.get("programme", {})
    base = _rules(data.get("rules", {}), SiteRules(), f"{where} [rules]")
    sites: dict[str, Site] = {}
    for site_id, raw in data.get("sites", {}).items():
        at = f"{where} [sites.{site_id}]"
        if not isinstance(raw, dict) or not raw.get("name"):
            raise RulesError(f"{at}: a site needs a name")
        try:
            start = dt.date.fromisoformat(str(raw.get("next_cohort_start", "")))
        except ValueError:
            raise RulesError(f"{at}.next_cohort_start must be a date like 2027-03-01") from None
        sites[site_id] = Site(
            id=site_id,
            name=str(raw["name"]),
            postcode_prefixes=tuple(str(p) for p in raw.get("postcode_prefixes", ())),
            postcodes=frozenset(str(p) for p in raw.get("postcodes", ())),
            next_cohort_start=start,
            mission_locale=str(raw.get("mission_locale", "la Mission Locale")),
            mission_locale_contact=str(raw.get("mission_locale_contact", "")),
            rules=_rules(raw.get("rules", {}), base, at + ".rules"),
            adult_referral=str(raw.get("adult_referral", "")),
            adult_referral_contact=str(raw.get("adult_referral_contact", "")),
        )
    if not sites:
        raise RulesError(f"{where}: no [sites.<id>] table")
    if len(site_ids := list(sites)) != len(set(site_ids)):
        raise RulesError(f"{where}: duplicate site ids")
    for key in ("controller", "contact", "notice_version"):
        if not programme.get(key):
            raise RulesError(f"{where} [programme].{key} is missing")
    return Programme(
        name=str(programme.get("name", "FabNum")),
        controller=str(programme["controller"]),
        contact=str(programme["contact"]),
        notice_version=str(programme["notice_version"]),
        retention_months=int(programme.get("retention_months", 24)),
        sites=sites,
    )
