"""The staff pipeline's buttons ("st:"), typed, with the strings they have always been sent as.

    Card(12)                  <->  "st:c:12"            a candidate's card
    Decide(12, "o")           <->  "st:r:12:o"          review: c confirm, o overturn, h handled
    Move(12, "admitted")      <->  "st:m:12:admitted"   a move from the card
    Move(12, "admitted", 3)   <->  "st:m:12:admitted:3" the same, into cohort 3
    OverCapacity(12, 3)       <->  "st:mo:12:3"         admit over capacity (admins)
    Note(12)                  <->  "st:n:12"            how to write a note
    Notes(12, 0)              <->  "st:nl:12:0"         a page of a card's notes
    SiteReport("gonesse")     <->  "st:p:gonesse"       /pipeline for one site
    ShowShortlist(3)          <->  "st:s:3"             a cohort's shortlist
    ExportShortlist(3)        <->  "st:xs:3"            a cohort's shortlist as CSV (picker)
    Export("p"), Export("g")  <->  "st:x:p", "st:x:g"   the pipeline CSV, the chart
    Export("s"), Export("s", 3) <-> "st:x:s", "st:x:s:3" the cohort picker, a shortlist's CSV
    Help(), Help("cand")      <->  "st:h", "st:h:cand"  /staff: the overview, one topic
    History(12, 1)            <->  "st:hi:12:1"         a page of a card's history
    ShortlistPage(3, 1)       <->  "st:sp:3:1"          a page of a cohort's shortlist
    ShortlistPage(3, 1, 5)    <->  "st:sp:3:1:5"        the same, the 5 first starred

Stage and review codes are checked by the router (bot/pipeline/service.py), not here: a string
that decodes but means nothing is answered as stale, like one that does not decode.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from bot.kernel.callbacks import Codec


@dataclass(frozen=True)
class Card:
    candidate_id: int


@dataclass(frozen=True)
class Decide:
    candidate_id: int
    decision: str  # c, o, h (REVIEW_CODES)


@dataclass(frozen=True)
class Move:
    candidate_id: int
    stage: str  # a Stage value
    cohort_id: int | None = None


@dataclass(frozen=True)
class OverCapacity:
    candidate_id: int
    cohort_id: int


@dataclass(frozen=True)
class Note:
    candidate_id: int


@dataclass(frozen=True)
class Notes:
    candidate_id: int
    page: int


@dataclass(frozen=True)
class SiteReport:
    site: str


@dataclass(frozen=True)
class ShowShortlist:
    cohort_id: int


@dataclass(frozen=True)
class ExportShortlist:
    cohort_id: int


@dataclass(frozen=True)
class Export:
    what: str  # p (pipeline CSV), g (chart), s (a shortlist: the picker, or cohort_id's CSV)
    cohort_id: int | None = None


@dataclass(frozen=True)
class Help:
    topic: str | None = None  # a HELP_TOPICS code; None: the overview


@dataclass(frozen=True)
class History:
    candidate_id: int
    page: int


@dataclass(frozen=True)
class ShortlistPage:
    cohort_id: int
    page: int
    top_n: int | None = None  # /shortlist <cohort> N: the N first starred


StaffButton = (
    Card
    | Decide
    | Move
    | OverCapacity
    | Note
    | Notes
    | SiteReport
    | ShowShortlist
    | ExportShortlist
    | Export
    | Help
    | History
    | ShortlistPage
)

CODEC = Codec(
    "st",
    {
        "c": Card,
        "r": Decide,
        "m": Move,
        "mo": OverCapacity,
        "n": Note,
        "nl": Notes,
        "p": SiteReport,
        "s": ShowShortlist,
        "xs": ExportShortlist,
        "x": Export,
        "h": Help,
        "hi": History,
        "sp": ShortlistPage,
    },
)
PATTERN = CODEC.pattern
# Review decisions as the buttons spell them.
REVIEW_CODES = {"c": "confirmed", "o": "overturned", "h": "human_handled"}
# /staff's topics, in the order of their buttons (templates staff/help_topic, labels staff.help.*).
HELP_TOPICS = ("cand", "meet", "promo", "msg", "alum", "guide")


def encode(button: StaffButton) -> str:
    return CODEC.encode(button)


def decode(data: str) -> StaffButton | None:
    """The button a string stands for, or None (not a staff button, malformed, forged).
    Numbers are ids and pages: a negative one was never sent."""
    found: StaffButton | None = CODEC.decode(data)
    if found is None or any(
        isinstance(value, int) and value < 0 for value in dataclasses.astuple(found)
    ):
        return None
    return found
