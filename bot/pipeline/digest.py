"""The weekly digest to the staff groups, through the durable outbox (bot/outbox).

A planner, run by the dispatcher on each of its runs, makes sure the next digest is a row of the
outbox with a unique key per ISO week and chat ("digest:2026-W49" for the all-sites group of
FABNUM_STAFF_CHAT_ID, "digest:2026-W49:gonesse" for a site's group of FABNUM_SITE_CHATS):
inserting it again changes nothing, so a restart neither loses nor doubles a digest. The
renderer writes the text when the row is due, from the data of that moment, with the alumni
staff should call (issue 5); a site's digest covers that site only.
Day and hour: FABNUM_DIGEST_DAY, FABNUM_DIGEST_HOUR.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable, Collection, Sequence
from typing import Any
from zoneinfo import ZoneInfo

from bot.config import Settings, StaffMember
from bot.db.database import Database
from bot.kernel.actions import Response
from bot.kernel.rendering import MAX_TEXT, pack_messages, plain_length
from bot.outbox.kinds import MessageKind
from bot.outbox.store import OutboxRow, schedule
from bot.pipeline.context import PipelineContext
from bot.pipeline.shortlist import Shortlist
from bot.pipeline.views import fr_date, visible_sites
from bot.screening.store import iso

# The digest's text for some sites (None: every site), from DigestText.response.
DigestOf = Callable[[frozenset[str] | None], Awaitable[Response]]
# A section another feature adds to the digest (the alumni to call), for some sites.
Section = Callable[[frozenset[str] | None], Awaitable[str]]

DIGEST_KIND = "staff_digest"
LATE = dt.timedelta(days=2)  # a digest more than 2 days late is stale: the next one follows


def next_digest_at(now: dt.datetime, tz: ZoneInfo, weekday: int, hour: int) -> dt.datetime:
    """The first digest time strictly after `now` (local day and hour, DST-aware), in UTC."""
    local = now.astimezone(tz)
    day = local.date() + dt.timedelta(days=(weekday - local.weekday()) % 7)
    for _ in range(3):
        at = dt.datetime.combine(day, dt.time(hour), tzinfo=tz)
        if at > local:
            return at.astimezone(dt.UTC)
        day += dt.timedelta(days=7)
    raise AssertionError("unreachable")


def digest_key(at: dt.datetime, tz: ZoneInfo) -> str:
    year, week, _ = at.astimezone(tz).isocalendar()
    return f"digest:{year}-W{week:02d}"


class WeeklyDigest:
    """The planner and the message kind of the weekly digest."""

    def __init__(self, *, settings: Settings, db: Database, digest_of: DigestOf) -> None:
        self.settings = settings
        self.db = db
        self.digest_of = digest_of

    def kind(self) -> MessageKind:
        return MessageKind(DIGEST_KIND, self.render)

    async def plan(self, now: dt.datetime) -> int:
        """Make sure the next digest of each staff group is in the outbox: one row for the
        all-sites group, one per site group (covering only its site). Returns how many were
        added just now."""
        settings = self.settings
        chats: list[tuple[str | None, int]] = [
            (site, chat) for site, chat in settings.site_chats.items()
        ]
        if settings.staff_chat_id is not None:
            chats.insert(0, (None, settings.staff_chat_id))
        if not chats:
            return 0
        at = next_digest_at(now, settings.timezone, settings.digest_weekday, settings.digest_hour)
        added = 0
        async with self.db.transaction() as conn:
            for site, chat_id in chats:
                key = digest_key(at, settings.timezone)
                added += await schedule(
                    conn,
                    key=key if site is None else f"{key}:{site}",
                    kind=DIGEST_KIND,
                    chat_id=chat_id,
                    payload=None if site is None else {"site": site},
                    due_at=at,
                    not_after=at + LATE,
                    bulk=False,
                    quiet_hours=False,
                    now=now,
                )
        return added

    async def render(self, row: OutboxRow) -> Response | None:
        """The digest (recruitment, then the alumni to call): every site for the all-sites group,
        one site for a site's group (the row's payload names it).

        The call list is capped (bot/alumni/rules.DIGEST_CALL_LINES, then "and N more:
        /appels"); the parts go in as few messages of at most 700 characters as they fit in
        (DigestText.response, also behind /digest), sent one by one by the dispatcher, which
        records each so that a retry never sends one again.
        """
        site = row.payload.get("site")
        return await self.digest_of(frozenset({site}) if site else None)


class DigestText:
    """The digest's text: new candidates, reviews waiting, shortlists of open cohorts, then the
    sections of other features; also /digest, the same digest now for the member's sites."""

    def __init__(
        self, ctx: PipelineContext, shortlist: Shortlist, sections: Sequence[Section] = ()
    ) -> None:
        self.ctx = ctx
        self.shortlist = shortlist
        self.sections = tuple(sections)  # sections other features add (the alumni to call)
        self.bot_username: str | None = None  # known once connected, for the deep link

    async def text(self, sites: Collection[str] | None = None) -> str:
        """The weekly digest's recruitment part, as one text."""
        return "\n\n".join(await self.recruitment(sites))

    async def recruitment(self, sites: Collection[str] | None = None) -> list[str]:
        """New candidates, reviews waiting, shortlists of open cohorts: the counts, then as
        many cohorts as fit in each message of at most MAX_TEXT characters."""
        ctx = self.ctx
        now = ctx.now()
        since = now - dt.timedelta(days=7)
        new, finished = await ctx.store.new_since(sites, iso(since))
        reviews = await ctx.store.pending_count(sites)
        open_cohorts = [c for c in await ctx.store.cohorts(sites) if c.is_open(ctx.today())]
        # every cohort's shortlist in a few statements, whatever their number
        cohorts = [
            self.shortlist.summary(sv) for sv in await self.shortlist.summaries(open_cohorts)
        ]
        link = None
        if ctx.rules.outreach_source:
            bot = self.bot_username or "<bot>"
            link = f"https://t.me/{bot}?start={ctx.rules.outreach_source}"

        def render(chunk: list[dict[str, Any]], first: bool, last: bool) -> str:
            return ctx.render(
                "digest",
                since=fr_date(since.astimezone(ctx.tz).date()),
                new=new,
                finished=finished,
                reviews=reviews,
                cohorts=chunk,
                header=first,
                no_cohort=first and not cohorts,
                footer=last and bool(cohorts),
                target=round(100 * ctx.rules.women_target),
                outreach_link=link,
            )

        chunks: list[list[dict[str, Any]]] = [[]]
        for block in cohorts:
            grown = [*chunks[-1], block]
            first = len(chunks) == 1
            if (chunks[-1] or first) and plain_length(render(grown, first, True)) > MAX_TEXT:
                chunks.append([block])
            else:
                chunks[-1] = grown
        last = len(chunks) - 1
        return [render(chunk, i == 0, i == last) for i, chunk in enumerate(chunks)]

    async def response(self, sites: frozenset[str] | None = None) -> Response:
        """The digest: recruitment, then the other services' sections (alumni to call...), in
        as few messages of at most MAX_TEXT characters as they fit in (the outbox sends a row's
        messages one by one and records each: bot/outbox/dispatcher.py)."""
        parts = await self.recruitment(sites)
        parts += [text for section in self.sections if (text := await section(sites))]
        response = Response()
        for text in pack_messages(parts, MAX_TEXT):
            response.send(text)
        return response

    async def command(self, member: StaffMember) -> Response:
        """/digest: the same digest now, for the member's sites."""
        return await self.response(visible_sites(member))
