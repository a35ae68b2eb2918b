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
from bot.kernel.actions import Button, EditPressed, Keyboard, Response, rows
from bot.kernel.rendering import MAX_TEXT, plain_length
from bot.pipeline.buttons import Export, ExportShortlist, ShortlistPage, ShowShortlist, encode
from bot.pipeline.context import MAX_LIST, PipelineContext
from bot.pipeline.models import CandidateView, Cohort
from bot.pipeline.read_store import GroupCounts
from bot.pipeline.views import fr_date, ranking_facts, visible_sites

LINES = MAX_LIST * 2  # lines of a shortlist shown (over its pages)
MAX_SOURCES = 4  # sources named in a group's figures (the biggest; all are in the CSV)
# What the diversity page shows (the rest of the context is the list's).
MIX_KEYS = ("shortlist", "admitted", "what_if", "top_n", "target", "small")
COHORT_ADMITTED = (Stage.ADMITTED, Stage.IN_TRAINING)


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
        admitted = await store.in_cohort(cohort.id, COHORT_ADMITTED)
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

    async def summaries(self, cohorts: Sequence[Cohort]) -> list[ShortlistView]:
        """Each cohort's shortlist as the digest shows it (counted, its first top_n ranked), in
        three statements whatever the number of cohorts (bot/pipeline/digest_store.py): a site's
        cohorts share its candidates, but for the waitlisted placed in one of them."""
        ctx = self.ctx
        store = ctx.store
        stages = ctx.rules.ready_stages
        qpv = list(ctx.qpv.postcodes)
        admitted = await store.in_cohorts([c.id for c in cohorts], COHORT_ADMITTED)
        counted = await store.ready_counts_by_site({c.site for c in cohorts}, stages, qpv)
        wholes: dict[int, GroupCounts] = {}
        top_ns: dict[int, int] = {}
        limits: dict[str, int] = {}
        for c in cohorts:
            mine = [r for r in counted if r[0] == c.site and r[1] in (None, c.id)]
            genders: dict[str | None, int] = {}
            sources: dict[str | None, int] = {}
            for _, _, gender, source, _, n in mine:
                genders[gender] = genders.get(gender, 0) + n
                sources[source] = sources.get(source, 0) + n
            whole = GroupCounts(
                sum(r[5] for r in mine),
                list(genders.items()),
                list(sources.items()),
                sum(r[5] for r in mine if r[4]),
            )
            wholes[c.id] = whole
            top_ns[c.id] = min(max(c.capacity - len(admitted[c.id]), 0), whole.count)
            # the site's first lines must still hold top_n once another cohort's waitlisted
            # people are left out
            placed = sum(r[5] for r in counted if r[0] == c.site and r[1] is not None)
            limits[c.site] = max(limits.get(c.site, 0), top_ns[c.id] + placed)
        rules = [(r.fact, r.prefer) for r in ctx.rules.rules]
        firsts = await store.ranked_ready_by_site(limits, stages, rules, qpv)
        views = []
        for c in cohorts:
            mine_first = [
                v
                for v in firsts.get(c.site, [])
                if v.stage is not Stage.WAITLISTED or v.cohort_id in (None, c.id)
            ][: top_ns[c.id]]
            ranked = rank({v.id: ranking_facts(v, ctx.qpv) for v in mine_first}, ctx.rules)
            people = {v.id: v for v in mine_first}
            views.append(
                ShortlistView(c, ranked, people, admitted[c.id], top_ns[c.id], wholes[c.id])
            )
        return views

    def summary(self, sv: ShortlistView) -> dict[str, Any]:
        """What the digest shows of a shortlist: its cohort, its counts, the admitted, and the
        admitted with its first top_n ("what if")."""
        ctx = self.ctx
        top = [sv.people[r.candidate_id] for r in sv.ranked[: sv.top_n]]
        return {
            "cohort": {
                "id": sv.cohort.id,
                "name": sv.cohort.name,
                "site": ctx.site_name(sv.cohort.site),
                "start": fr_date(sv.cohort.start_date),
                "capacity": sv.cohort.capacity,
            },
            "total": sv.whole.count,
            "shortlist": self._counted(sv.whole),
            "admitted": self._aggregates(sv.admitted),
            # Adding fewer than 5 people to the admitted group would show their genders by
            # difference: the "what if" is only computed for 5 people or more.
            "what_if": self._aggregates([*sv.admitted, *top])
            if sv.top_n >= ctx.rules.small_group
            else None,
            "top_n": sv.top_n,
        }

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
            )[:MAX_SOURCES],
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
            )[:MAX_SOURCES],
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
        return {
            **self.summary(sv),
            "lines": lines,
            "more": max(sv.whole.count - len(lines), 0),
            "rules": [ctx.label(f"rank.{rule.fact}") for rule in ctx.rules.rules],
            "target": round(100 * ctx.rules.women_target),
            "small": ctx.rules.small_group,
        }

    def _reasons(self, ranked: Ranked) -> list[str]:
        """What puts a candidate higher ("✓ attended, available"), then the application date;
        the facts they lack are in the CSV."""
        held = [
            self.ctx.label(f"rank.{fact}")
            for fact, value in ranked.facts.items()
            if fact != "applied_at" and value
        ]
        reasons = ["✓ " + ", ".join(held)] if held else []
        applied = ranked.facts.get("applied_at")
        if applied:
            reasons.append(self.ctx.label("rank.applied_at") + " " + fr_date(str(applied)))
        return reasons

    async def reply(self, member: StaffMember, cohort: Cohort, top_n: int | None) -> Response:
        """The first page of a cohort's shortlist, a new message; the others by its buttons."""
        ctx = self.ctx
        sv = await self.view(cohort, top_n)
        await ctx.store.audit(
            by=member.user_id, action="shortlist_viewed", at=ctx.now(), cohort_id=cohort.id
        )
        first = self._page(sv, top_n, 0)
        assert first is not None  # a shortlist always has its first page
        return Response().send(*first)

    async def page(
        self, member: StaffMember, cohort_id: int, page: int, top_n: int | None
    ) -> Response | None:
        """Another page of a shortlist (button st:sp), in the place of the one pressed; None
        for a cohort not found (or of another site) or a page that is not there (any more)."""
        cohort = await self.ctx.cohort(member, cohort_id)
        if cohort is None:
            return None
        sv = await self.view(cohort, top_n)
        found = self._page(sv, top_n, page)
        if found is None:
            return None
        text, keyboard = found
        return Response().add(EditPressed(text=text, keyboard=keyboard))

    def _page(self, sv: ShortlistView, top_n: int | None, page: int) -> tuple[str, Keyboard] | None:
        """A page's text and buttons: the ranked lines in pages of at most MAX_TEXT characters,
        then the diversity figures on a page of their own (the last)."""
        ctx = self.ctx
        context = self.context(sv)
        lines = context.pop("lines")
        mix = {k: context[k] for k in MIX_KEYS}
        chunks: list[list[dict[str, Any]]] = [[]]
        for line in lines:
            grown = [*chunks[-1], line]
            wide = ctx.render(
                "shortlist", **context, lines=grown, first=len(chunks) == 1, page=1, pages=99
            )
            if chunks[-1] and plain_length(wide) > MAX_TEXT:
                chunks.append([line])
            else:
                chunks[-1] = grown
        pages = len(chunks) + 1
        if not 0 <= page < pages:
            return None
        if page < len(chunks):
            more = context["more"] if page == len(chunks) - 1 else 0
            text = ctx.render(
                "shortlist",
                **{**context, "more": more},
                lines=chunks[page],
                first=page == 0,
                page=page + 1,
                pages=pages,
            )
        else:
            text = ctx.render(
                "shortlist_mix", cohort=context["cohort"], **mix, page=pages, pages=pages
            )
        cohort_id = sv.cohort.id
        arrows = []
        if page > 0:
            data = encode(ShortlistPage(cohort_id, page - 1, top_n))
            arrows.append(Button(ctx.label("staff.btn.previous"), data))
        if page + 1 < pages:
            data = encode(ShortlistPage(cohort_id, page + 1, top_n))
            arrows.append(Button(ctx.label("staff.btn.next"), data))
        keyboard: list[tuple[Button, ...]] = [tuple(arrows)] if arrows else []
        below = [Button(ctx.label("staff.btn.export_shortlist"), encode(Export("s", cohort_id)))]
        if page + 2 < pages:
            data = encode(ShortlistPage(cohort_id, pages - 1, top_n))
            below.insert(0, Button(ctx.label("staff.btn.diversity"), data))
        keyboard.append(tuple(below))
        return text, tuple(keyboard)

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
