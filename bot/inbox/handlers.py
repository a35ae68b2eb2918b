"""The inbox on the Telegram side: the Application's update queue writes each update before PTB
acknowledges it, the updates a crash left are put back at start, and those whose changes had
committed are answered with where the person stands (bot/inbox/service.py says why).

PTB's Updater awaits `update_queue.put(update)` for a fetched batch before the next getUpdates
moves the offset past it, and its webhook handler awaits it before answering 200: a put that
first commits the update to the inbox makes the write happen before Telegram forgets it.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

from telegram import Bot, Update
from telegram.ext import Application, ApplicationHandlerStop, ContextTypes, TypeHandler

from bot.inbox.service import Inbox
from bot.kernel.actions import Response
from bot.kernel.person import Person
from bot.telegram.gate import person_of
from bot.telegram.io import perform
from bot.telegram.update_processor import chat_key

log = logging.getLogger(__name__)

RESUME_GROUP = -1000  # before every other handler (the relays are at -10)
PRUNE_EVERY = 3600.0  # seconds between two prunings of the done updates

Resume = Callable[[Person], Awaitable[Response]]
App = Application[Any, Any, Any, Any, Any, Any]


def payload_of(update: Update) -> str:
    """An update as the inbox keeps it: the same text for the same update, so that a copy
    Telegram delivers again is recognised (bot/inbox/store.py record)."""
    return json.dumps(update.to_dict(), sort_keys=True, ensure_ascii=False)


class InboxQueue(asyncio.Queue[object]):
    """The Application's update queue: an update goes in once it is committed to the inbox."""

    def __init__(self, inbox: Inbox) -> None:
        super().__init__()
        self.inbox = inbox

    async def put(self, item: object) -> None:
        if isinstance(item, Update):
            try:
                new = await self.inbox.record(item.update_id, chat_key(item), payload_of(item))
            except Exception as exc:  # handled anyway, only not kept across a crash
                log.error("inbox: update %s not recorded: %s", item.update_id, type(exc).__name__)
                new = True
            if not new:
                log.info("inbox: update %s delivered again, not handled twice", item.update_id)
                return
        await super().put(item)

    async def take_up(self, bot: Bot) -> int:
        """At start, before polling: the updates the last run left, in the order they came."""
        entries = await self.inbox.take_up()
        for entry in entries:
            update = Update.de_json(json.loads(entry.payload), bot)
            await super().put(update)
        return len(entries)


async def take_up(application: App) -> int:
    """At start (post_init), before polling: the updates the last run left, in order."""
    queue = application.update_queue
    assert isinstance(queue, InboxQueue), "the Application's update_queue is an InboxQueue"
    return await queue.take_up(application.bot)


class ResumedHandler(TypeHandler[Update, ContextTypes.DEFAULT_TYPE, None]):
    """Matches only the updates to answer with where the person stands: every other update goes
    on to the handlers of this group and the next ones as if this one did not exist."""

    def __init__(
        self,
        inbox: Inbox,
        callback: Callable[[Update, ContextTypes.DEFAULT_TYPE], Coroutine[Any, Any, None]],
    ) -> None:
        super().__init__(Update, callback)
        self.inbox = inbox

    def check_update(self, update: object) -> bool:
        return isinstance(update, Update) and update.update_id in self.inbox.to_resume


def register(application: App, inbox: Inbox, resume: Resume) -> None:
    async def on_update(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        inbox.to_resume.discard(update.update_id)
        person = person_of(update)
        chat = update.effective_chat
        if person is not None and chat is not None and chat.type == "private":
            log.info(
                "inbox: update %s already applied, answered with where we are", update.update_id
            )
            await perform(context.bot, person.chat_id, await resume(person), update.callback_query)
        elif update.callback_query is not None and chat is not None:
            await perform(context.bot, chat.id, Response(), update.callback_query)  # the spinner
        raise ApplicationHandlerStop

    application.add_handler(ResumedHandler(inbox, on_update), group=RESUME_GROUP)

    async def prune(context: ContextTypes.DEFAULT_TYPE) -> None:
        await inbox.prune()

    assert application.job_queue is not None
    application.job_queue.run_repeating(
        prune,
        interval=PRUNE_EVERY,
        first=PRUNE_EVERY,
        name="inbox_prune",
        job_kwargs={"misfire_grace_time": None, "coalesce": True},
    )
