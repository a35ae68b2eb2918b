"""The use cases of the staff-candidate threads (rules in rules.py, SQL in store.py).

- `on_human`: a /humain request opens a thread (or keeps the open one) and relays the request.
- `from_candidate`: a candidate's text, photo or document while a thread is open goes to staff.
- `staff_reply` (a Telegram reply to a relayed message), `write` (/ecrire), `close` (/clore or the
  🔒 button): staff of the candidate's site only.
- `kinds()`: the outbox kinds (to staff, to the candidate); `plan`: closes silent threads.
- `unanswered`, `card_button`: for the staff views (/revue, the digest, the card).

Every message is a row of `messages` and reaches Telegram through the outbox (durable, retried,
no quiet hours: a person is waiting). Outbox payloads hold ids only: the text is read at send
time, so an erased person's queued messages render to nothing and are dropped.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Awaitable, Callable, Collection, Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import aiosqlite

from bot.config import Settings, StaffMember
from bot.db.database import Database
from bot.kernel.actions import Button, EditPressed, Response, Send, SendMedia, Toast
from bot.kernel.clock import Clock
from bot.kernel.forum import Forum
from bot.kernel.person import Person
from bot.kernel.rendering import Renderer
from bot.messages import rules
from bot.messages.buttons import MESSAGES, CloseThread, WriteTo
from bot.messages.cleanup import TO_STAFF
from bot.messages.store import FROM_CANDIDATE, TO_CANDIDATE, Message, MessageStore, Thread
from bot.messages.topics import Topics
from bot.outbox.kinds import MessageKind
from bot.outbox.store import OutboxRow, schedule
from bot.screening.store import Candidate, CandidateStore

log = logging.getLogger(__name__)
TO_PERSON = "messages.to_candidate"
StageOf = Callable[[int], Awaitable[str | None]]  # a candidate's stage (its value), if known


@dataclass(frozen=True)
class Pending:
    """A /humain request no staff member answered within 2 working days."""

    candidate_id: int
    first_name: str
    site: str | None
    opened_at: dt.datetime


class Messaging:
    def __init__(
        self,
        *,
        db: Database,
        store: MessageStore,
        candidates: CandidateStore,
        renderer: Renderer,
        settings: Settings,
        clock: Clock,
        stage_of: StageOf,
        forum: Forum | None = None,
    ) -> None:
        self.db = db
        self.store = store
        self.candidates = candidates
        self.renderer = renderer
        self.settings = settings
        self.clock = clock
        self.stage_of = stage_of
        self.timezone: ZoneInfo = settings.timezone
        self.staff_language = settings.language
        self._named: dict[int, str] = {}  # staff first names already stored
        self.topics = Topics(store=store, forum=forum, clock=clock)  # a staff chat's forum

    # ------------------------------------------------------------------ staff first names
    async def remember_staff(self, user_id: int, first_name: str) -> None:
        """Store a staff member's Telegram first name (once, and again when it changes)."""
        if user_id not in self.settings.staff or self._named.get(user_id) == first_name:
            return
        await self.store.save_staff_name(user_id, first_name[:64], self.clock.now())
        self._named[user_id] = first_name

    # ------------------------------------------------------------------ candidates
    async def on_human(self, candidate: Candidate) -> None:
        """/humain: open a thread (nothing more if one is open) and relay the request. With no
        staff to relay it to (no FABNUM_STAFF_IDS, no staff chat), no thread opens: the request
        stays a review flag only, and what the candidate types goes to the screening as before."""
        if await self.store.open_thread(candidate.id) is not None:
            return
        chats = await self._destinations(candidate)
        if not chats:
            log.warning("candidate %s: /humain with no staff to relay it to", candidate.id)
            return
        now = self.clock.now()
        async with self.db.transaction() as conn:
            thread_id = await self.store.create_thread(conn, candidate.id, now)
            thread = Thread(thread_id, candidate.id, now, now, None, None)
            message_id = await self.store.add_message(
                conn, thread, direction=FROM_CANDIDATE, kind="request", now=now
            )
            await self._relay(conn, candidate, message_id, now)
        log.info("thread %s opened for candidate %s", thread_id, candidate.id)

    async def from_candidate(
        self,
        person: Person,
        *,
        text: str | None = None,
        media: tuple[str, str] | None = None,
    ) -> Response | None:
        """A candidate's text or (kind, file_id) media: relayed and acknowledged when it goes to
        staff (rules.goes_to_staff); None when the screening should handle it as usual."""
        candidate = await self.candidates.by_telegram_id(person.user_id)
        if candidate is None:
            return None
        thread = await self.store.open_thread(candidate.id)
        if not rules.goes_to_staff(
            thread_open=thread is not None, status=candidate.status, media=media is not None
        ):
            return None
        assert thread is not None
        now = self.clock.now()
        kind, file_id = media if media is not None else ("text", None)
        async with self.db.transaction() as conn:
            message_id = await self.store.add_message(
                conn,
                thread,
                direction=FROM_CANDIDATE,
                kind=kind,
                now=now,
                text=(text or "")[: rules.MAX_CAPTION if media else rules.MAX_TEXT] or None,
                file_id=file_id,
            )
            await self._relay(conn, candidate, message_id, now)
        return Response().send(self.renderer.render(candidate.language, "messages/relayed"))

    async def _relay(
        self, conn: aiosqlite.Connection, candidate: Candidate, message_id: int, now: dt.datetime
    ) -> None:
        chats = await self._destinations(candidate)
        for chat_id in chats:
            await schedule(
                conn,
                key=f"{TO_STAFF}:{message_id}:{chat_id}",
                kind=TO_STAFF,
                chat_id=chat_id,
                due_at=now,
                payload={"message": message_id},
                bulk=False,
                quiet_hours=False,
                now=now,
            )
        if not chats:
            log.warning("message %s: no staff to relay it to (FABNUM_STAFF_IDS)", message_id)

    async def _destinations(self, candidate: Candidate) -> list[int]:
        site = (await self.candidates.answers(candidate.id)).complete.get("site")
        staff = [
            rules.StaffWho(m.user_id, m.is_admin, m.sites) for m in self.settings.staff.values()
        ]
        return rules.destinations(
            site if isinstance(site, str) else None,
            staff_chat_id=self.settings.staff_chat_id,
            site_chats=self.settings.site_chats,
            staff=staff,
        )

    # ------------------------------------------------------------------ staff
    async def _candidate_for(self, member: StaffMember, candidate_id: int) -> Candidate | None:
        """The candidate, if this staff member sees their site (anyone else: as if unknown)."""
        candidate = await self.candidates.by_id(candidate_id)
        if candidate is None:
            return None
        site = (await self.candidates.answers(candidate.id)).complete.get("site")
        if not member.can_see_site(site if isinstance(site, str) else None):
            return None
        return candidate

    def _say(self, name: str, **context: object) -> Response:
        return Response().send(self.renderer.render(self.staff_language, name, **context))

    async def staff_reply(
        self, member: StaffMember, chat_id: int, replied_to: int, text: str, message_id: int = 0
    ) -> Response | None:
        """A staff member's Telegram reply (`message_id`) to a relayed message; None if it
        replies to anything else (the update is then left to the other handlers). The reply is
        kept by id: it goes from the chat at the candidate's erasure."""
        thread_id = await self.store.thread_of_relay(chat_id, replied_to)
        if thread_id is None:
            return None
        thread = await self.store.thread(thread_id)
        if thread is None:
            return None
        if message_id:
            await self.store.add_staff_trace(chat_id, message_id, thread.id)
        return await self._write(member, thread.candidate_id, text)

    async def staff_in_topic(
        self, member: StaffMember, chat_id: int, thread_id: int, text: str, message_id: int = 0
    ) -> Response | None:
        """A staff member writes (`message_id`) in a candidate's forum topic: to the candidate,
        as a reply; None if the topic is no candidate's (the update is left to the other
        handlers). Kept by id, like a reply, in case the topic cannot be deleted."""
        candidate_id = await self.topics.candidate_in(chat_id, thread_id)
        if candidate_id is None:
            return None
        response = await self._write(member, candidate_id, text)
        thread = await self.store.open_thread(candidate_id)  # the one written in, or opened
        if message_id and thread is not None:
            await self.store.add_staff_trace(chat_id, message_id, thread.id)
        return response

    async def write(self, member: StaffMember, args: str) -> Response:
        """/ecrire <number> <text>."""
        parsed = rules.parse_write(args)
        if parsed is None:
            return self._say("messages/write_usage")
        return await self._write(member, parsed.candidate_id, parsed.text)

    async def _write(self, member: StaffMember, candidate_id: int, text: str) -> Response:
        candidate = await self._candidate_for(member, candidate_id)
        if candidate is None:
            return self._say("messages/unknown_candidate", number=candidate_id)
        if len(text) > rules.MAX_TEXT:
            return self._say("messages/too_long", limit=rules.MAX_TEXT)
        now = self.clock.now()
        async with self.db.transaction() as conn:
            thread = await self.store.open_thread(candidate.id)
            if thread is None:  # staff write first: a thread opens
                thread_id = await self.store.create_thread(conn, candidate.id, now)
                thread = Thread(thread_id, candidate.id, now, now, None, None)
            message_id = await self.store.add_message(
                conn,
                thread,
                direction=TO_CANDIDATE,
                kind="text",
                now=now,
                text=text,
                staff_id=member.user_id,
            )
            # a reply the person is waiting for: at once, whatever the hour
            await _to_candidate(conn, candidate, message_id, now, waited_for=True)
        log.info("staff %s wrote to candidate %s", member.user_id, candidate.id)
        return self._say("messages/queued", number=candidate.id)

    async def close(self, member: StaffMember, args: str) -> Response:
        """/clore <number>."""
        number = rules.parse_number(args)
        if number is None:
            return self._say("messages/close_usage")
        return await self._close(member, number)

    async def close_in_group(
        self, member: StaffMember, chat_id: int, thread_id: int | None, args: str
    ) -> Response:
        """/clore in a staff group: `/clore <number>`, or bare `/clore` in a candidate's topic."""
        number = rules.parse_number(args)
        if number is None and not args.strip() and thread_id is not None:
            number = await self.topics.candidate_in(chat_id, thread_id)
        if number is None:
            return self._say("messages/close_usage")
        return await self._close(member, number)

    async def tidy_topics(self) -> int:
        """Close the forum topics of closed conversations (after a /clore's answer was sent)."""
        return await self.topics.close_idle()

    async def close_pressed(self, member: StaffMember, data: str) -> Response:
        """🔒 Clore under a relayed message; ✍️ Écrire on the card."""
        pressed = MESSAGES.decode(data)
        if isinstance(pressed, WriteTo):
            if await self._candidate_for(member, pressed.candidate_id) is None:
                return Response().add(Toast(self.renderer.label(self.staff_language, "msg.gone")))
            return self._say("messages/write_how", number=pressed.candidate_id)
        if not isinstance(pressed, CloseThread):
            return Response().add(Toast(self.renderer.label(self.staff_language, "msg.gone")))
        response = await self._close(member, pressed.candidate_id)
        return response.add(EditPressed(keyboard=()))

    async def _close(self, member: StaffMember, candidate_id: int) -> Response:
        candidate = await self._candidate_for(member, candidate_id)
        if candidate is None:
            return self._say("messages/unknown_candidate", number=candidate_id)
        thread = await self.store.open_thread(candidate.id)
        if thread is None:
            return self._say("messages/no_thread", number=candidate.id)
        await self._close_thread(thread, by=member.user_id, reason="staff")
        return self._say("messages/closed_staff", number=candidate.id)

    async def _close_thread(self, thread: Thread, *, by: int | None, reason: str) -> bool:
        """Close and tell the candidate (a 'closed' message through the outbox)."""
        now = self.clock.now()
        async with self.db.transaction() as conn:
            if not await self.store.close(conn, thread.id, now=now, by=by, reason=reason):
                return False
            candidate = await self.candidates.by_id(thread.candidate_id)
            if candidate is None:
                return True
            message_id = await self.store.add_message(
                conn, thread, direction=TO_CANDIDATE, kind="closed", now=now
            )
            await _to_candidate(conn, candidate, message_id, now, waited_for=False)
        log.info("thread %s closed (%s)", thread.id, reason)
        return True

    async def plan(self, now: dt.datetime) -> int:
        """Outbox planner: close the threads silent for 14 days; returns how many."""
        closed = 0
        for thread in await self.store.silent_since(now - rules.SILENCE):
            if rules.silent_too_long(thread.last_activity_at, now):
                closed += int(await self._close_thread(thread, by=None, reason="silence"))
        await self.topics.close_idle()
        return closed

    # ------------------------------------------------------------------ for the staff views
    async def unanswered(
        self, now: dt.datetime, sites: Collection[str] | None = None
    ) -> list[Pending]:
        """Open threads no staff member answered within 2 working days (for /revue and the
        digest), oldest first; `sites`: only those sites (None: all)."""
        found = []
        for thread in await self.store.unanswered():
            if not rules.overdue(thread.opened_at, now, self.timezone):
                continue
            candidate = await self.candidates.by_id(thread.candidate_id)
            if candidate is None:
                continue
            answers = (await self.candidates.answers(candidate.id)).complete
            site = answers.get("site")
            site = site if isinstance(site, str) else None
            if sites is not None and site not in sites:
                continue
            name = answers.get("first_name")
            found.append(
                Pending(candidate.id, name if isinstance(name, str) else "", site, thread.opened_at)
            )
        return found

    async def digest_unanswered_text(self, sites: frozenset[str] | None = None) -> str:
        """The section of the weekly digest (and of /revue) listing the /humain requests no one
        answered within 2 working days, the first DIGEST_LINES, then how many more; `sites`:
        only those (None: all). Same signature as StaffService's `digest_sections`."""
        pending = await self.unanswered(self.clock.now(), sites)
        if not pending:
            return ""  # nothing late: no section
        return self.renderer.render(
            self.staff_language,
            "messages/digest_unanswered",
            total=len(pending),
            people=[
                {
                    "number": p.candidate_id,
                    "first_name": p.first_name,
                    "since": p.opened_at.astimezone(self.timezone).strftime("%d/%m"),
                }
                for p in pending[: rules.DIGEST_LINES]
            ],
            more=max(0, len(pending) - rules.DIGEST_LINES),
        )

    def card_button(self, language: str, candidate_id: int) -> Button:
        """The "✍️ Écrire" button of the staff card."""
        return Button(
            self.renderer.label(language, "msg.btn.write"), MESSAGES.encode(WriteTo(candidate_id))
        )

    # ------------------------------------------------------------------ outbox kinds
    def kinds(self) -> list[MessageKind]:
        return [
            MessageKind(
                TO_STAFF, self._render_to_staff, delivered=self._relayed, rejected=self._refused
            ),
            MessageKind(TO_PERSON, self._render_to_candidate, delivered=self._sent),
        ]

    async def _row_message(self, row: OutboxRow) -> tuple[Message, Candidate] | None:
        message = await self.store.message(int(row.payload.get("message", 0)))
        if message is None:
            return None  # erased meanwhile
        candidate = await self.candidates.by_id(message.candidate_id)
        return (message, candidate) if candidate is not None else None

    async def _render_to_staff(self, row: OutboxRow) -> Response | None:
        found = await self._row_message(row)
        if found is None:
            return None
        message, candidate = found
        answers = (await self.candidates.answers(candidate.id)).complete
        stage = await self.stage_of(candidate.id)
        lang = self.staff_language
        labels = self.renderer.labels(lang)
        context = {
            "number": candidate.id,
            "first_name": answers.get("first_name") or "",
            "stage": labels.get(f"stage.{stage}", "") if stage else "",
            "kind": message.kind,
            "text": message.text or "",
        }
        keyboard = ((Button(labels["msg.btn.close"], MESSAGES.encode(CloseThread(candidate.id))),),)
        first_name = context["first_name"]
        thread = await self.topics.thread_for(
            row.chat_id, candidate.id, first_name if isinstance(first_name, str) else ""
        )
        text = self.renderer.render(
            lang, "messages/to_staff", in_topic=thread is not None, **context
        )
        if message.kind in ("photo", "document") and message.file_id:
            response = Response().add(SendMedia(message.kind, message.file_id, text, keyboard))
        else:
            response = Response().add(Send(text, keyboard))
        response.thread_id = thread  # the candidate's forum topic, if the chat is a forum
        return response

    async def _refused(self, row: OutboxRow, description: str) -> bool:
        """A relay refused (400): a topic deleted or closed by hand is forgotten or reopened,
        and the row tried again."""
        message = await self.store.message(int(row.payload.get("message", 0)))
        if message is None:
            return False
        return await self.topics.refused(row.chat_id, message.candidate_id, description)

    async def _render_to_candidate(self, row: OutboxRow) -> Response | None:
        found = await self._row_message(row)
        if found is None:
            return None
        message, candidate = found
        if message.kind == "closed":
            return Response().send(self.renderer.render(candidate.language, "messages/closed"))
        name = await self.store.staff_name(message.staff_id) if message.staff_id else None
        text = self.renderer.render(
            candidate.language, "messages/from_staff", staff=name, text=message.text or ""
        )
        return Response().send(text)

    async def _relayed(self, row: OutboxRow, sent: Sequence[int]) -> None:
        message = await self.store.message(int(row.payload.get("message", 0)))
        if message is None:
            return
        for telegram_id in sent:
            await self.store.add_relay(row.chat_id, telegram_id, message.thread_id)
        await self.store.mark_sent(message.id, self.clock.now())

    async def _sent(self, row: OutboxRow, sent: Sequence[int]) -> None:
        await self.store.mark_sent(int(row.payload.get("message", 0)), self.clock.now())


async def _to_candidate(
    conn: aiosqlite.Connection,
    candidate: Candidate,
    message_id: int,
    now: dt.datetime,
    *,
    waited_for: bool,
) -> None:
    """The outbox row that delivers a stored message to the candidate. A reply they are waiting
    for goes at once, as an interactive send; anything else waits for the sending hours."""
    await schedule(
        conn,
        key=f"{TO_PERSON}:{message_id}",
        kind=TO_PERSON,
        chat_id=candidate.chat_id,
        candidate_id=candidate.id,
        due_at=now,
        payload={"message": message_id},
        bulk=not waited_for,
        quiet_hours=not waited_for,
        now=now,
    )
