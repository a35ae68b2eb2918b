"""/cohortes: the cohorts of the member's sites with their places; /nouvelle_cohorte (admins)."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from bot.config import StaffMember
from bot.core.pipeline import Stage
from bot.kernel.actions import Button, Response, rows
from bot.pipeline.buttons import ShowShortlist, encode
from bot.pipeline.context import MAX_LIST, PipelineContext
from bot.pipeline.store import CohortExists
from bot.pipeline.views import fr_date, match_site, parse_date, visible_sites

log = logging.getLogger(__name__)


class Cohorts:
    def __init__(self, ctx: PipelineContext) -> None:
        self.ctx = ctx

    async def command(self, member: StaffMember) -> Response:
        ctx = self.ctx
        cohorts = await ctx.store.cohorts(visible_sites(member))
        items = []
        for cohort in cohorts:
            stages = await ctx.store.cohort_stage_counts(cohort.id)
            admitted = stages[Stage.ADMITTED] + stages[Stage.IN_TRAINING]
            items.append(
                {
                    "id": cohort.id,
                    "name": cohort.name,
                    "site": ctx.site_name(cohort.site),
                    "start": fr_date(cohort.start_date),
                    "end": fr_date(cohort.end_date),
                    "capacity": cohort.capacity,
                    "admitted": admitted,
                    "waitlisted": stages[Stage.WAITLISTED],
                    "open": cohort.is_open(ctx.today()),
                }
            )
        buttons = [
            Button(f"📋 {c.name}"[:60], encode(ShowShortlist(c.id)))
            for c, item in zip(cohorts, items, strict=True)
            if item["open"]
        ][:MAX_LIST]
        return ctx.say("cohorts", rows(buttons, 2), cohorts=items, is_admin=member.is_admin)

    async def create(self, member: StaffMember, args: Sequence[str]) -> Response:
        """/nouvelle_cohorte <site> <start> <end> <places> <name...> (admin only)."""
        ctx = self.ctx
        if not member.is_admin:
            return ctx.say("admin_only")
        if len(args) < 5:
            return ctx.usage("new_cohort")
        names = {k: s.name for k, s in ctx.programme.sites.items()}
        site = match_site(args[0], names, None)
        start, end = parse_date(args[1]), parse_date(args[2])
        name = " ".join(args[4:]).strip()[:60]
        if site is None:
            return ctx.say("unknown_site", sites=ctx.site_choices(member))
        if start is None or end is None or end < start or not args[3].isdigit():
            return ctx.usage("new_cohort")
        capacity = int(args[3])
        if not 0 < capacity <= 500:
            return ctx.usage("new_cohort")
        try:
            cohort = await ctx.store.create_cohort(
                site=site,
                name=name,
                start=start,
                end=end,
                capacity=capacity,
                by=member.user_id,
                at=ctx.now(),
            )
        except CohortExists:
            return ctx.say("cohort_exists", cohort_name=name)
        log.info("cohort %s created", cohort.id)
        text = ctx.render(
            "cohort_created",
            cohort_name=cohort.name,
            site=ctx.site_name(site),
            start=fr_date(start),
            end=fr_date(end),
            capacity=capacity,
        )
        # Opted-in candidates of the site were planned in the creation's transaction
        # (bot/reengagement/reactions.py): staff see how many will hear about this cohort.
        told = await ctx.store.reengaged_count(cohort.id)
        if told:
            window = ctx.settings.quiet_hours
            text += "\n\n" + ctx.renderer.render(
                ctx.lang,
                "reengagement/staff_planned",
                count=told,
                opens=window.start,
                closes=window.end,
            )
        keyboard = ((Button(ctx.label("staff.btn.shortlist"), encode(ShowShortlist(cohort.id))),),)
        return Response().send(text, keyboard)
