"""After an erasure: delete in Telegram what the bot relayed from the person to staff chats.

Their rows go in the erasure's transaction, so what the bot put in staff chats is read before
(`Erasing`, bot/kernel/erasure.py) and its deletion queued in the same transaction: one outbox
row per staff chat holding only ids (the chat, the forum topic, the relayed messages), durable
and retried like any other (a 429 or a network error: tried again later).

- A forum staff chat: the candidate's topic is deleted (deleteForumTopic deletes its messages).
- A plain group or a staff member's private chat: each relayed message (deleteMessage).
- Already deleted (by hand, or with the topic): done. Refused (no admin right to delete, a
  message too old for Telegram, the bot no longer in the group): the ids are logged and staff get
  an `erasure_by_hand` alert naming what to delete by hand (ids and links only).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping

import aiosqlite

from bot.kernel.actions import Response
from bot.kernel.erasure import Erasing
from bot.kernel.forum import Forum, MessageGone, NotAForum, TopicGone
from bot.messages.store import MessageStore
from bot.outbox.errors import Rejected, Unavailable, Unreachable
from bot.outbox.kinds import MessageKind
from bot.outbox.store import OutboxRow, forget, iso, schedule

log = logging.getLogger(__name__)

ERASE = "messages.erase"
TO_STAFF = "messages.to_staff"  # the relays' kind (bot/messages/service.py)
MAX_IDS = 200  # relayed message ids per outbox row
SHOWN = 15  # message ids named in an alert, then "+N"
RaiseAlert = Callable[[str, Mapping[str, object] | None], Awaitable[bool]]


class Cleanup:
    def __init__(self, *, store: MessageStore, forum: Forum | None) -> None:
        self.store = store
        self.forum = forum  # None: no Telegram here (the rows wait for the running bot)

    async def on_erasing(self, conn: aiosqlite.Connection, event: Erasing) -> None:
        """Queue the deletions, in the erasure's transaction, before the rows go. The relays'
        own outbox rows go too: they name the person's messages by id only, and message ids
        are reused (the next person's relay would find its key taken and never leave)."""
        ids = await self.store.message_ids(conn, event.candidate_id)
        await forget(conn, prefixes=[f"{TO_STAFF}:{message_id}:" for message_id in ids])
        for chat_id, topic, ids in await self.store.relayed_to_staff(conn, event.candidate_id):
            chunks = [ids[i : i + MAX_IDS] for i in range(0, len(ids), MAX_IDS)] or [[]]
            for number, chunk in enumerate(chunks):
                first = chunk[0] if chunk else 0
                await schedule(
                    conn,
                    key=f"{ERASE}:{chat_id}:{topic or 0}:{first}:{iso(event.at)}",
                    kind=ERASE,
                    chat_id=chat_id,
                    due_at=event.at,
                    payload={"topic": topic if number == 0 else None, "messages": chunk},
                    bulk=True,
                    quiet_hours=False,
                    now=event.at,
                )

    def kind(self, alert: RaiseAlert) -> MessageKind:
        async def render(row: OutboxRow) -> Response:
            await self._delete(row, alert)
            return Response()  # nothing to send: the row is done

        return MessageKind(ERASE, render)

    async def _delete(self, row: OutboxRow, alert: RaiseAlert) -> None:
        if self.forum is None:
            raise Unavailable()
        chat_id = row.chat_id
        topic = row.payload.get("topic")
        left_topic: int | None = None
        if isinstance(topic, int) and topic:
            try:
                await self.forum.delete_topic(chat_id, topic)
            except (TopicGone, NotAForum):
                pass  # deleted by hand already, or no topics any more (the messages follow)
            except (Rejected, Unreachable):
                left_topic = topic
        left: list[int] = []
        for message_id in row.payload.get("messages", []):
            try:
                await self.forum.delete_message(chat_id, int(message_id))
            except MessageGone:
                pass  # deleted already (by hand, or with the topic)
            except (Rejected, Unreachable):
                left.append(int(message_id))
        if left_topic is None and not left:
            log.info("erasure: chat %s cleaned (outbox row %s)", chat_id, row.id)
            return
        log.warning(
            "erasure: chat %s: topic %s and messages %s left to delete by hand",
            chat_id,
            left_topic if left_topic is not None else "-",
            ",".join(str(i) for i in left) or "-",
        )
        facts: dict[str, object] = {"chat": chat_id}
        if left_topic is not None:
            facts["topic"] = left_topic
        if left:
            shown = ", ".join(str(i) for i in left[:SHOWN])
            facts["messages"] = shown + (f" +{len(left) - SHOWN}" if len(left) > SHOWN else "")
        await alert("erasure_by_hand", facts)
