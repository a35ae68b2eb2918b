"""The staff pipeline, Telegram-free, one module per use case: /staff and /pipeline (report.py),
/revue (review.py), cards and notes (cards.py), moves (moves.py), cohorts (cohorts.py),
shortlists (shortlist.py), exports (exports.py), the digest (digest.py) and the staff guide
(guide.py). Buttons: buttons.py.

Staff commands and buttons only reach these objects through the staff gate
(bot/telegram/gate.py, used by bot/pipeline/handlers.py). Logs carry ids and counts only.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.config import StaffMember
from bot.core.pipeline import Stage
from bot.kernel.actions import Response, Toast
from bot.pipeline import buttons
from bot.pipeline.buttons import (
    REVIEW_CODES,
    Card,
    Decide,
    Export,
    ExportShortlist,
    Help,
    History,
    Move,
    Note,
    Notes,
    OverCapacity,
    ShortlistPage,
    ShowShortlist,
    SiteReport,
    StaffButton,
)
from bot.pipeline.cards import CARD_MOVES, Cards
from bot.pipeline.cohorts import Cohorts
from bot.pipeline.context import PipelineContext
from bot.pipeline.digest import DigestText
from bot.pipeline.exports import Exports
from bot.pipeline.guide import Guide
from bot.pipeline.moves import Moves
from bot.pipeline.report import Report
from bot.pipeline.review import Review
from bot.pipeline.shortlist import Shortlist


@dataclass(frozen=True)
class Pipeline:
    """The pipeline's use cases, each built once by the composition root (bot/app.py)."""

    ctx: PipelineContext
    report: Report
    review: Review
    cards: Cards
    moves: Moves
    cohorts: Cohorts
    shortlist: Shortlist
    exports: Exports
    digest: DigestText
    guide: Guide

    async def button(self, member: StaffMember, data: str) -> Response:
        """A staff button ("st:"). Anything malformed, stale or of another site gets a short
        notice; a press is always answered with a toast (empty when the reply has none)."""
        response = await self._pressed(member, buttons.decode(data))
        if response is None:
            return self.ctx.toast("stale")
        if not any(isinstance(a, Toast) for a in response.actions):
            response.actions.insert(0, Toast(""))
        return response

    async def _pressed(self, member: StaffMember, button: StaffButton | None) -> Response | None:
        match button:
            case Card(candidate_id):
                return await self.cards.show(member, candidate_id)
            case Move(candidate_id, stage, cohort_id):
                target = self.moves.parse_stage(stage) if stage in set(Stage) else None
                if target is None or target not in CARD_MOVES or cohort_id == 0:
                    return None
                return await self.moves.move(
                    member, candidate_id, target, cohort_id=cohort_id, pressed=True
                )
            case OverCapacity(candidate_id, cohort_id):
                return await self.moves.over_capacity(member, candidate_id, cohort_id)
            case Decide(candidate_id, code) if code in REVIEW_CODES:
                return await self.review.decide(member, candidate_id, REVIEW_CODES[code])
            case Note(candidate_id):
                return await self.cards.note_how(member, candidate_id)
            case History(candidate_id, page):
                return await self.cards.history_page(member, candidate_id, page)
            case Notes(candidate_id, page):
                return await self.cards.notes_page(member, candidate_id, page)
            case Help(topic):
                return await self.report.help_topic(member, topic)
            case SiteReport(site):
                return await self.report.site(member, site)
            case ShortlistPage(cohort_id, page, top_n):
                return await self.shortlist.page(member, cohort_id, page, top_n)
            case ShowShortlist(cohort_id):
                return await self.shortlist.show(member, cohort_id)
            case ExportShortlist(cohort_id):
                return await self.exports.shortlist_of(member, cohort_id)
            case Export("p", None):
                return await self.exports.pipeline(member)
            case Export("g", None):
                return await self.exports.chart(member)
            case Export("s", None):
                return await self.shortlist.picker(member, "export")
            case Export("s", cohort_id) if cohort_id is not None:
                return await self.exports.shortlist_of(member, cohort_id)
        return None
