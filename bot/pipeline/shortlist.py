"""/shortlist: the candidates ready for a cohort, ranked by the rules of shortlist.toml
(bot/core/ranking.py), with the diversity of the shortlist, of the admitted and of both as
aggregates only (bot/core/diversity.py). Also the cohort pickers of /shortlist and /export."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from bot.config import StaffMember
from bot.core.diversity import Share, gender_counts, masked_counts, qpv_share
from bot.core.pipeline import Stage
from bot.core.ranking import Ranked, rank
from bot.kernel.actions import Button, Response, rows
from bot.pipeline.buttons import Export, ExportShortlist, ShowShortlist, encode
from bot.pipeline.context import MAX_LIST, PipelineContext
from bot.pipeline.models import CandidateView, Cohort
from bot.pipeline.read_store import GroupCounts
from bot.pipeline.views import fr_date, ranking_facts, visible_sites

LINES = MAX_LIST * 2  # lines of a shortlist shown


@dataclass(frozen=True)
class ShortlistView:
    """A cohort's shortlist: its first lines ranked (all of it for an export), the whole of it
    counted, the admitted."""

    cohort: Cohort
    ranked: list[Ranked]  # the first lines (everyone with `everyone`), positions from 1
    people: dict[int, CandidateView]
    admitted: list[CandidateView]
    top_n: int
    whole: GroupCounts  # everyone on the shortlist, counted in SQL


class Shortlist:
    def __init__(self, ctx: PipelineContext) -> None:
        self.ctx = ctx

    async def command(self, member: StaffMember, args: Sequence[str]) -> Response:
        if not args:
            return await self.picker(member, "shortlist")
        cohort, top_n = await self.find_cohort(member, args)
        if cohort is None:
            return self.ctx.say("not_found", query=" ".join(args))
        return await self.reply(member, cohort, top_n)

    async def show(self, member: StaffMember, cohort_id: int) -> Response | None:
        """A cohort's shortlist (button st:s); None if not found or of another site."""
        cohort = await self.ctx.cohort(member, cohort_id)
        return await self.reply(member, cohort, None) if cohort else None

    async def find_cohort(
        self, member: StaffMember, args: Sequence[str]
    ) -> tuple[Cohort | None, int | None]:
        store = self.ctx.store
        sites = visible_sites(member)
        text = " ".join(args).strip()
        cohort = await store.find_cohort(text, sites)
        if cohort is not None:
            return cohort, None
        if len(args) >= 2 and args[-1].isdigit():
            cohort = await store.find_cohort(" ".join(args[:-1]), sites)
            if cohort is not None:
                return cohort, int(args[-1])
        return None, None

    async def view(
        self, cohort: Cohort, top_n: int | None = None, *, everyone: bool = False
    ) -> ShortlistView:
        """The shortlist: SQL counts it and picks its first lines in the rules' order
        (bot/pipeline/read_store.py ranking_order); the pure rank() ranks those lines and gives
        each the facts it looked at."""
        ctx = self.ctx
        store = ctx.store
        stages = ctx.rules.ready_stages
        qpv = list(ctx.qpv.postcodes)
        admitted = await store.in_cohort(cohort.id, (Stage.ADMITTED, Stage.IN_TRAINING))
        whole = await store.ready_counts(cohort.site, stages, cohort.id, qpv)
        if top_n is None:
            top_n = max(cohort.capacity - len(admitted), 0)
        top_n = min(top_n, whole.count)
        rules = [(r.fact, r.prefer) for r in ctx.rules.rules]
        limit = None if everyone else max(top_n, LINES)
        first = await store.ranked_ready(cohort.site, stages, cohort.id, rules, qpv, limit)
        people = {v.id: v for v in first}
        ranked = rank({v.id: ranking_facts(v, ctx.qpv) for v in first}, ctx.rules)
        return ShortlistView(cohort, ranked, people, admitted, top_n, whole)

    def _counted(self, whole: GroupCounts) -> dict[str, Any]:
        """The aggregates of a group counted in SQL, as _aggregates shows a list of people."""
        ctx = self.ctx
        small = ctx.rules.small_group
        genders = gender_counts(g for g, n in whole.genders for _ in range(n))
        share = genders.women_share(ctx.rules.women_target, small)
        return {
            "count": whole.count,
            "genders": genders.shown(small),
            "women_share": share.text,
            "below_target": share.below_target,
            "qpv_share": Share(whole.qpv, whole.count, None, small).text,
            "sources": masked_counts(
                (s for s, n in whole.sources for _ in range(n)),
                small,
                ctx.label("staff.no_source"),
            )[:6],
        }

    def _aggregates(self, group: Sequence[CandidateView]) -> dict[str, Any]:
        ctx = self.ctx
        small = ctx.rules.small_group
        genders = gender_counts(v.answers.get("gender") for v in group)
        share = genders.women_share(ctx.rules.women_target, small)
        return {
            "count": len(group),
            "genders": genders.shown(small),
            "women_share": share.text,
            "below_target": share.below_target,
            "qpv_share": qpv_share((v.answers.get("postcode") for v in group), ctx.qpv, small).text,
            "sources": masked_counts(
                (v.source for v in group), small, ctx.label("staff.no_source")
            )[:6],
        }

    def context(self, sv: ShortlistView) -> dict[str, Any]:
        ctx = self.ctx
        lines = []
        for r in sv.ranked[:LINES]:
            view = sv.people[r.candidate_id]
            lines.append(
                {
                    "position": r.position,
                    "c": ctx.summary(view),
                    "reasons": self._reasons(r),
                    "in_top": r.position <= sv.top_n,
                }
            )
        top = [sv.people[r.candidate_id] for r in sv.ranked[: sv.top_n]]
        return {
            "cohort": {
                "id": sv.cohort.id,
                "name": sv.cohort.name,
                "site": ctx.site_name(sv.cohort.site),
                "start": fr_date(sv.cohort.start_date),
                "capacity": sv.cohort.capacity,
            },
            "lines": lines,
            "total": sv.whole.count,
            "more": max(sv.whole.count - len(lines), 0),
            "rules": [ctx.label(f"rank.{rule.fact}") for rule in ctx.rules.rules],
            "shortlist": self._counted(sv.whole),
            "admitted": self._aggregates(sv.admitted),
            # Adding fewer than 5 people to the admitted group would show their genders by
            # difference: the "what if" is only computed for 5 people or more.
            "what_if": self._aggregates([*sv.admitted, *top])
            if sv.top_n >= ctx.rules.small_group
            else None,
            "top_n": sv.top_n,
            "target": round(100 * ctx.rules.women_target),
            "small": ctx.rules.small_group,
        }

    def _reasons(self, ranked: Ranked) -> list[str]:
        reasons = []
        for fact, value in ranked.facts.items():
            if fact == "applied_at":
                reasons.append(self.ctx.label("rank.applied_at") + " " + fr_date(str(value)))
            else:
                mark = "✓" if value else "✗"
                reasons.append(f"{mark} {self.ctx.label(f'rank.{fact}')}")
        return reasons

    async def reply(self, member: StaffMember, cohort: Cohort, top_n: int | None) -> Response:
        ctx = self.ctx
        sv = await self.view(cohort, top_n)
        text = ctx.render("shortlist", **self.context(sv))
        keyboard = (
            (Button(ctx.label("staff.btn.export_shortlist"), encode(Export("s", cohort.id))),),
        )
        await ctx.store.audit(
            by=member.user_id, action="shortlist_viewed", at=ctx.now(), cohort_id=cohort.id
        )
        return Response().send(text, keyboard)

    async def picker(self, member: StaffMember, what: str) -> Response:
        ctx = self.ctx
        cohorts = [
            c for c in await ctx.store.cohorts(visible_sites(member)) if c.is_open(ctx.today())
        ]
        if not cohorts:
            return ctx.say("no_cohort", site=None)
        buttons = [
            Button(
                f"{c.name} · {ctx.site_name(c.site)}"[:60],
                encode(ShowShortlist(c.id) if what == "shortlist" else ExportShortlist(c.id)),
            )
            for c in cohorts[:MAX_LIST]
        ]
        return ctx.say("pick_cohort", rows(buttons), what=what)
