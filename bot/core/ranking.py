"""Shortlist ranking: transparent rules read from a data file (conversations/shortlist.toml).

The rules are applied in order, like sorting a spreadsheet by several columns: the first rule
decides, the next one breaks ties, and so on; the candidate number breaks the last ties. Each
line of a shortlist carries the facts each rule looked at, so staff can see why someone is where
they are. Only the facts listed in FACTS can be used: gender is not one of them, on purpose
(French law forbids sex as a ground for selection; see docs in the data file).
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from bot.core.pipeline import Stage
from bot.core.sites import RulesError

# The facts a rule may look at, and their kind: "yes" facts are booleans (prefer yes first),
# "date" facts are ISO dates (prefer earliest or latest first).
FACTS: Mapping[str, str] = {
    "attended_session": "yes",  # came to an information session
    "interviewed": "yes",  # had an interview (or further)
    "available": "yes",  # answered "yes" to availability for the next cohort
    "followed": "yes",  # followed by a Mission Locale, France Travail or a CEJ
    "qpv": "yes",  # postcode containing a priority neighbourhood (a favourable measure)
    "applied_at": "date",  # date the screening was sent
}
FORBIDDEN = frozenset({"gender", "genre", "sex", "sexe", "age", "birth", "first_name"})


class ShortlistRulesError(RulesError):
    """The shortlist rules file is not usable; the message says where."""


@dataclass(frozen=True)
class Rule:
    fact: str
    prefer: str  # "yes" for yes-facts; "earliest" or "latest" for dates


@dataclass(frozen=True)
class ShortlistRules:
    ready_stages: tuple[Stage, ...]
    rules: tuple[Rule, ...]
    women_target: float = 0.40
    small_group: int = 5
    outreach_source: str = ""


@dataclass(frozen=True)
class Ranked:
    candidate_id: int
    position: int
    facts: Mapping[str, object]  # the facts the rules looked at, in rule order


def load_rules(path: Path) -> ShortlistRules:
    where = str(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ShortlistRulesError(f"{where}: {exc}") from None
    stages = []
    for value in data.get("ready_stages", ()):
        try:
            stages.append(Stage(value))
        except ValueError:
            raise ShortlistRulesError(
                f"{where} ready_stages: {value!r} is not a stage ({', '.join(Stage)})"
            ) from None
    if not stages:
        raise ShortlistRulesError(f"{where}: ready_stages is empty")
    rules = []
    for number, raw in enumerate(data.get("rules", ()), start=1):
        unknown = set(raw) - {"fact", "prefer"}
        if unknown:
            raise ShortlistRulesError(
                f"{where} rule {number}: unknown key(s) {', '.join(sorted(unknown))} (settings"
                " such as women_target go above the first [[rules]])"
            )
        fact = str(raw.get("fact", ""))
        if fact.lower() in FORBIDDEN:
            raise ShortlistRulesError(
                f"{where} rule {number}: {fact!r} can never be a ranking input"
            )
        kind = FACTS.get(fact)
        if kind is None:
            raise ShortlistRulesError(
                f"{where} rule {number}: unknown fact {fact!r} (one of {', '.join(FACTS)})"
            )
        prefer = str(raw.get("prefer", "yes" if kind == "yes" else "earliest"))
        if (kind == "yes" and prefer != "yes") or (
            kind == "date" and prefer not in ("earliest", "latest")
        ):
            raise ShortlistRulesError(f"{where} rule {number}: prefer {prefer!r} for {fact!r}")
        rules.append(Rule(fact, prefer))
    target = data.get("women_target", 0.40)
    if not isinstance(target, int | float) or not 0 < target < 1:
        raise ShortlistRulesError(f"{where}: women_target must be between 0 and 1, like 0.40")
    small = data.get("small_group", 5)
    if not isinstance(small, int) or small < 2:
        raise ShortlistRulesError(f"{where}: small_group must be a whole number, at least 2")
    return ShortlistRules(
        ready_stages=tuple(stages),
        rules=tuple(rules),
        women_target=float(target),
        small_group=small,
        outreach_source=str(data.get("outreach_source", "")),
    )


def _key(
    rules: Sequence[Rule], facts: Mapping[str, object], candidate_id: int
) -> tuple[object, ...]:
    key: list[object] = []
    for rule in rules:
        value = facts.get(rule.fact)
        if rule.prefer == "yes":
            key.append(0 if value else 1)
        else:
            text = str(value) if value else ""
            if rule.prefer == "earliest":
                key.append((text == "", text))
            else:
                # latest first: invert each character so a plain ascending sort works
                key.append((text == "", tuple(-ord(c) for c in text)))
    key.append(candidate_id)
    return tuple(key)


def rank(people: Mapping[int, Mapping[str, object]], rules: ShortlistRules) -> list[Ranked]:
    """Order candidates (id -> facts) by the rules; each result keeps the facts used."""
    order = sorted(people, key=lambda cid: _key(rules.rules, people[cid], cid))
    return [
        Ranked(cid, position, {r.fact: people[cid].get(r.fact) for r in rules.rules})
        for position, cid in enumerate(order, start=1)
    ]
