"""Decision messages, the staff side: the preview's buttons (✉️ Envoyer, ✏️ Modifier, 🚫 Ne pas
envoyer), `/message <numéro> <texte>` to replace a draft's text, and the outbox kinds.

Modifier answers with how to use `/message`: a command carries its own target, so there is no
"next text replaces the draft" state to lose on a restart or to confuse with a reply to a
candidate's thread. The new text gets a fresh preview with the same buttons; only Envoyer
schedules the candidate's message (outbox: durable, quiet hours apply).
"""

from __future__ import annotations

import html
import logging
from collections.abc import Awaitable, Callable

from bot.config import StaffMember
from bot.db.database import Database
from bot.decisions import reactions, store
from bot.decisions.buttons import CODEC, DropIt, EditIt, SendIt
from bot.decisions.kinds import PREVIEW_KIND, SEND_KIND
from bot.decisions.reactions import DecisionReactions
from bot.decisions.store import DecisionMessage, DecisionStore
from bot.decisions.texts import Texts
from bot.kernel.actions import EditPressed, Response, Toast
from bot.kernel.clock import Clock
from bot.outbox.kinds import MessageKind
from bot.outbox.store import OutboxRow

log = logging.getLogger(__name__)

__all__ = ["DecisionReactions", "Decisions"]  # the composition root takes both from here

MAX_TEXT = 3000  # characters of a staff member's own text (Telegram takes 4,096)
MAX_PENDING_SHOWN = 5  # previews re-sent by /revue (each with its buttons); then "and N more"
# Whether a staff member may see this candidate (their sites): the pipeline's own check.
Visible = Callable[[StaffMember, int], Awaitable[object | None]]


class Decisions:
    def __init__(self, db: Database, texts: Texts, clock: Clock, *, visible: Visible) -> None:
        self.db = db
        self.store = DecisionStore(db)
        self.texts = texts
        self.clock = clock
        self.visible = visible

    def owns(self, data: str) -> bool:
        return CODEC.owns(data)

    async def _mine(self, member: StaffMember, message_id: int) -> DecisionMessage | None:
        message = await self.store.get(message_id)
        if message is None or await self.visible(member, message.candidate_id) is None:
            return None
        return message

    async def pressed(self, member: StaffMember, data: str) -> Response | None:
        """A "dec:" button; None when it is not one (forged, malformed): the caller answers it
        as any unknown button."""
        button = CODEC.decode(data)
        if button is None:
            return None
        message = await self._mine(member, button.message_id)
        if message is None:
            return Response().add(Toast(self.texts.staff("toast", what="gone")))
        if isinstance(button, EditIt):
            if message.state != store.DRAFT:
                return Response().add(Toast(self.texts.staff("toast", what="done")))
            how = self.texts.staff("staff_edit", number=message.candidate_id)
            return Response().add(Toast("")).send(how)
        now = self.clock.now()
        sending = isinstance(button, SendIt)
        assert sending or isinstance(button, DropIt)
        found = await self.store.chat_and_name(message.candidate_id)
        async with self.db.transaction() as conn:
            state = store.SENT if sending else store.DROPPED
            if found is None or not await store.decide(
                conn, message.id, state, member.user_id, now
            ):
                return Response().add(Toast(self.texts.staff("toast", what="done")))
            if sending:
                await reactions.send(conn, message, found[0], member.user_id, now)
            else:
                await store.audit_dropped(conn, message, member.user_id, now)
        log.info("decision message %s: %s", message.id, state)
        return (
            Response()
            .add(Toast(""))
            .add(EditPressed(append=self.texts.staff("staff_done", what=state)))
        )

    async def command(self, member: StaffMember, args: str) -> Response:
        """/message <numéro> <texte>: the text replaces the candidate's draft, then a new
        preview. Several lines are fine; it is escaped (sent as plain text)."""
        number, _, text = args.strip().partition(" ")
        text = text.strip()
        if not number.lstrip("#").isdigit() or not text:
            return Response().send(self.texts.staff("staff_usage"))
        candidate_id = int(number.lstrip("#"))
        if len(text) > MAX_TEXT:
            return Response().send(self.texts.staff("staff_too_long", limit=MAX_TEXT))
        draft = await self.store.latest_draft(candidate_id)
        if draft is None or await self.visible(member, candidate_id) is None:
            return Response().send(self.texts.staff("staff_no_draft", number=candidate_id))
        if not await self.store.edit(draft.id, html.escape(text, quote=False)):
            return Response().send(self.texts.staff("staff_no_draft", number=candidate_id))
        log.info("decision message %s edited", draft.id)
        return await self._preview(draft.id) or Response()

    async def _preview(self, message_id: int) -> Response | None:
        message = await self.store.get(message_id)
        if message is None or message.state != store.DRAFT:
            return None
        found = await self.store.chat_and_name(message.candidate_id)
        return self.texts.preview(message, found[1] if found else "")

    # ------------------------------------------------------------ pending drafts
    async def pending(self, member: StaffMember) -> Response:
        """For /revue: the drafts of this member's candidates still waiting for "Envoyer", each
        as its preview again (with its buttons), the oldest first, so none is forgotten (a draft
        the bot made itself had no preview at all). Empty when there is none."""
        drafts = [
            message
            for message, _site in await self.store.drafts()
            if await self.visible(member, message.candidate_id) is not None
        ]
        response = Response()
        if not drafts:
            return response
        shown = drafts[:MAX_PENDING_SHOWN]
        response.send(
            self.texts.staff("staff_pending", total=len(drafts), more=len(drafts) - len(shown))
        )
        for message in shown:
            found = await self.store.chat_and_name(message.candidate_id)
            response.actions.extend(self.texts.preview(message, found[1] if found else "").actions)
        return response

    async def digest_pending_text(self, sites: frozenset[str] | None = None) -> str:
        """The digest's section: how many decision messages wait for "Envoyer" (`sites`: only
        those; None: all). Same signature as the other digest sections."""
        total = sum(
            1 for _message, site in await self.store.drafts() if sites is None or site in sites
        )
        return self.texts.staff("digest_pending", total=total) if total else ""

    # ------------------------------------------------------------ outbox kinds
    def kinds(self) -> list[MessageKind]:
        return [
            MessageKind(PREVIEW_KIND, self._render_preview),
            MessageKind(SEND_KIND, self._render_send),
        ]

    async def _render_preview(self, row: OutboxRow) -> Response | None:
        """The preview, while the draft is still waiting (None once sent, dropped or erased)."""
        return await self._preview(int(row.payload.get("id", 0)))

    async def _render_send(self, row: OutboxRow) -> Response | None:
        message = await self.store.get(int(row.payload.get("id", 0)))
        if message is None or message.state != store.SENT:
            return None
        found = await self.store.chat_and_name(message.candidate_id)
        language = await self.store.language(message.candidate_id)
        if found is None or language is None:
            return None
        return Response().send(message.text, self.texts.candidate_keyboard(message.kind, language))
