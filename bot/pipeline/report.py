"""/staff (the staff commands) and /pipeline: candidates per stage, the funnel with its drop-off,
where screening stops, sources; for all the member's sites or one."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from bot.config import StaffMember
from bot.core.pipeline import FUNNEL, ORDER, Stage
from bot.kernel.actions import Button, EditPressed, Keyboard, Response, rows
from bot.pipeline.buttons import HELP_TOPICS, Help, SiteReport, encode
from bot.pipeline.context import MAX_LIST, PipelineContext
from bot.pipeline.views import match_site, visible_sites


@dataclass(frozen=True)
class Counts:
    """What /pipeline shows, counted in SQL (bot/pipeline/read_store.py)."""

    stages: dict[Stage, int]
    funnel: dict[str, int]
    sources: dict[str, int]
    # how many of those still screening wait at each question (None: all answered)
    stops: dict[str | None, int]


class Report:
    def __init__(self, ctx: PipelineContext) -> None:
        self.ctx = ctx

    async def help(self, member: StaffMember) -> Response:
        """/staff: a short overview, a button per topic."""
        text, keyboard = self._help(member)
        return Response().send(text, keyboard)

    async def help_topic(self, member: StaffMember, topic: str | None) -> Response | None:
        """A topic button (st:h:<topic>): the message becomes that topic's help, with a button
        back to the overview (st:h); None for a topic that does not exist."""
        ctx = self.ctx
        if topic is None:
            text, keyboard = self._help(member)
            return Response().add(EditPressed(text=text, keyboard=keyboard))
        if topic not in HELP_TOPICS:
            return None
        text = ctx.render("help_topic", topic=topic, is_admin=member.is_admin)
        back = ((Button(ctx.label("staff.help.back"), encode(Help())),),)
        return Response().add(EditPressed(text=text, keyboard=back))

    def _help(self, member: StaffMember) -> tuple[str, Keyboard]:
        ctx = self.ctx
        sites = [ctx.site_name(s) for s in ctx.allowed_sites(member)]
        text = ctx.render("help", is_admin=member.is_admin, sites=sites)
        topics = [Button(ctx.label(f"staff.help.{t}"), encode(Help(t))) for t in HELP_TOPICS]
        return text, rows(topics, 2)

    async def pipeline(self, member: StaffMember, args: Sequence[str]) -> Response:
        ctx = self.ctx
        site: str | None = None
        if args:
            names = {k: s.name for k, s in ctx.programme.sites.items()}
            site = match_site(" ".join(args), names, visible_sites(member))
            if site is None:
                return ctx.say("unknown_site", sites=ctx.site_choices(member))
        sites = visible_sites(member) if site is None else frozenset({site})
        store = ctx.store
        stages, funnel, sources = await store.overview(sites)
        counts = Counts(
            stages=stages,
            funnel=funnel,
            sources=sources,
            stops=await store.screening_stops(sites),
        )
        starts = await store.start_counts() if member.is_admin and site is None else None
        text = self._text(counts, site, starts)
        return Response().send(text, self._site_keyboard(member))

    async def site(self, member: StaffMember, site: str) -> Response | None:
        """One site's report (button st:p); None for a site unknown or not the member's."""
        if site in self.ctx.programme.sites and member.can_see_site(site):
            return await self.pipeline(member, [site])
        return None

    def _site_keyboard(self, member: StaffMember) -> Keyboard:
        ctx = self.ctx
        buttons = [
            Button(ctx.site_name(s), encode(SiteReport(s))) for s in ctx.allowed_sites(member)
        ]
        if len(buttons) < 2:
            return ()
        return rows(buttons, 3)

    def _text(self, counts: Counts, site: str | None, starts: dict[str, int] | None) -> str:
        ctx = self.ctx
        stages, funnel = counts.stages, counts.funnel
        total = sum(stages.values())
        steps: list[dict[str, Any]] = []
        previous: int | None = None
        if starts is not None:
            # /start before consent is counted anonymously; consented people started too.
            started = max(sum(starts.values()), total)
            steps.append({"label": ctx.label("funnel.started"), "count": started, "drop": None})
            previous = started
        for step in FUNNEL:
            count = funnel[step]
            drop = None
            if previous and count < previous:
                drop = round(100 * (previous - count) / previous)
            steps.append({"label": ctx.label(f"funnel.{step}"), "count": count, "drop": drop})
            previous = count
        stopped = counts.stops
        in_screening = stages[Stage.SCREENING]
        dropoff = [
            {
                "label": ctx.label(f"title.{step.key}"),
                "count": stopped[step.key],
                "percent": round(100 * stopped[step.key] / in_screening) if in_screening else 0,
            }
            for step in ctx.flow.steps
            if stopped.get(step.key)
        ]
        sources = counts.sources
        return ctx.render(
            "pipeline",
            site=ctx.site_name(site) if site else None,
            all_sites=site is None,
            total=total,
            stages=[{"label": ctx.stage(s), "count": stages[s]} for s in ORDER if stages[s]],
            funnel=steps,
            dropoff=dropoff,
            sources=[
                {"source": k, "count": n}
                for k, n in sorted(sources.items(), key=lambda kv: (-kv[1], kv[0]))
            ][:MAX_LIST],
        )
