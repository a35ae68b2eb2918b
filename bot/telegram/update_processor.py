"""Concurrent across chats, strictly in order within one chat; one chat's backlog delays no other.

PTB's own concurrent processing may reorder (or, with a ConversationHandler, drop) updates of one
chat: a button pressed before the previous answer was stored must wait its turn, never overtake it.

PTB holds one of its `max_concurrent_updates` slots around `do_process_update`. If that call waited
for the chat's turn, one chat's backlog (a forwarded batch, a flood) would hold every slot while
its updates wait for the chat's pacing, and everybody else would wait too (issue 10). So
`do_process_update` returns at once: it asks the flood guard (bot/telegram/flood.py) whether the
update is handled at all, then appends it to its chat's queue. One worker per chat with a backlog
runs the chat's updates in arrival order, and takes a slot only while it runs one: a chat holds at
most one slot, however long its queue.

`stop()` (the application's post_stop) drops what is queued and not started (it stays pending in
the inbox and is handled at the next start), lets the running updates finish for a short grace,
then cancels them.

With an inbox (bot/inbox/), an update runs marked as the one being handled (its committed changes
mark it applied), and is marked done when its handling ended: done, failed, or refused by the
flood guard; never when it was dropped by a stop or cancelled (the next start takes it up).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque
from collections.abc import Awaitable, Coroutine
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor

from bot.inbox.service import Inbox
from bot.telegram.flood import RUN, Decision, FloodGuard, Verdict

log = logging.getLogger(__name__)

STOP_GRACE = 5.0  # seconds the running updates get to finish on stop before they are cancelled
ANSWER_WORKERS = 4  # tasks answering dropped button presses (answerCallbackQuery is not paced)
MAX_PENDING_ANSWERS = 1000  # dropped presses waiting for an answer; beyond, left unanswered


def chat_key(update: object) -> int | None:
    if isinstance(update, Update):
        if update.effective_chat is not None:
            return update.effective_chat.id
        if update.effective_user is not None:
            return update.effective_user.id
    return None


class PerChatUpdateProcessor(BaseUpdateProcessor):
    def __init__(
        self,
        max_concurrent_updates: int = 256,
        *,
        guard: FloodGuard | None = None,
        grace: float = STOP_GRACE,
        inbox: Inbox | None = None,
    ) -> None:
        super().__init__(max_concurrent_updates)
        self.guard = guard
        self.inbox = inbox
        self.grace = grace
        self._queues: dict[int, deque[tuple[object, Awaitable[Any]]]] = {}
        self._workers: set[asyncio.Task[None]] = set()  # per-chat workers and chatless updates
        self._side: set[asyncio.Task[None]] = set()  # replies that go with refusals
        self._answers: deque[Update] = deque()  # dropped presses to answer (stop the spinner)
        self._answerers = 0
        self._stopping = False
        self.side_skipped = 0
        # The ids of the last updates whose handling ended (done, failed, dropped or refused):
        # the positive sign that an update was handled, for tests that then check nothing more
        # was sent.
        self.recently_handled: deque[int] = deque(maxlen=4096)

    @property
    def queued(self) -> int:
        """Updates waiting for their chat's turn (not started)."""
        return sum(len(q) for q in self._queues.values())

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        # PTB holds a slot around this call: it must never wait.
        if self._stopping:
            self._discard(update, coroutine)
            return
        if self.guard is not None:
            try:
                decision = self.guard.check(update)
            except Exception as exc:  # a bug in the guard must not lose the update: let it run
                log.error("flood guard failed: %s", type(exc).__name__, exc_info=exc)
                decision = RUN
            if not decision.runs:
                self._discard(update, coroutine)
                self._refuse(update, decision)
                if self.inbox is not None and isinstance(update, Update):
                    self._side_task(self._done(update.update_id))
                return
        key = chat_key(update)
        if key is None:
            self._spawn(self._run(update, coroutine))
            return
        queue = self._queues.get(key)
        if queue is None:
            queue = self._queues[key] = deque()
            self._spawn(self._work(key, queue))
        queue.append((update, coroutine))

    def _spawn(self, coroutine: Coroutine[Any, Any, None]) -> None:
        task = asyncio.create_task(coroutine)
        self._workers.add(task)
        task.add_done_callback(self._workers.discard)

    async def _work(self, key: int, queue: deque[tuple[object, Awaitable[Any]]]) -> None:
        """Run one chat's updates in order; ends (and forgets the chat) when its queue is empty."""
        try:
            while queue:
                update, coroutine = queue.popleft()
                await self._run(update, coroutine)
        finally:
            # No await between the last `while queue` check and here: nothing was appended.
            if self._queues.get(key) is queue:
                del self._queues[key]
            for update, coroutine in queue:  # cancelled mid-queue (stop): drop the rest
                self._discard(update, coroutine)
            queue.clear()

    async def _run(self, update: object, coroutine: Awaitable[Any]) -> None:
        update_id = update.update_id if isinstance(update, Update) else None
        tracked = self.inbox is not None and update_id is not None
        try:
            async with self._semaphore:  # a slot only while the update runs
                if self.inbox is not None and update_id is not None:
                    token = self.inbox.applying.enter(update_id)
                    try:
                        await coroutine
                    finally:
                        self.inbox.applying.leave(token)
                else:
                    await coroutine
        except Exception as exc:  # PTB's error handlers saw handler errors already
            log.error("update %s failed: %s", update_id, type(exc).__name__)
        except asyncio.CancelledError:
            tracked = False  # interrupted: the next start takes it up
            raise
        finally:
            if tracked and update_id is not None:
                await self._done(update_id)
            self._handled(update)

    async def _done(self, update_id: int) -> None:
        assert self.inbox is not None
        try:
            await self.inbox.done(update_id)
        except Exception as exc:  # handled all the same; the next start answers it again
            log.error("inbox: update %s not marked done: %s", update_id, type(exc).__name__)

    def _handled(self, update: object) -> None:
        if isinstance(update, Update):
            self.recently_handled.append(update.update_id)

    def _discard(self, update: object, coroutine: Awaitable[Any]) -> None:
        """An update that will not run: close its coroutine (no 'never awaited' warning)."""
        if isinstance(coroutine, Coroutine):
            coroutine.close()
        self._handled(update)

    def _refuse(self, update: object, decision: Decision) -> None:
        """The replies that go with a refusal, off the update path: a "doucement" or a group's
        last message (a few at most: one per person per minute, one per group) in a task each;
        dropped button presses in a bounded queue answered by a few workers."""
        assert self.guard is not None
        if decision.warn or decision.verdict is Verdict.LEAVE:
            self._side_task(self.guard.act(update, decision))
        elif isinstance(update, Update) and update.callback_query is not None:
            if len(self._answers) >= MAX_PENDING_ANSWERS:
                self.side_skipped += 1
                return
            self._answers.append(update)
            if self._answerers < ANSWER_WORKERS:
                self._answerers += 1
                self._side_task(self._answer_dropped(decision))

    def _side_task(self, coroutine: Coroutine[Any, Any, None]) -> None:
        task = asyncio.create_task(coroutine)
        self._side.add(task)
        task.add_done_callback(self._side.discard)

    async def _answer_dropped(self, decision: Decision) -> None:
        assert self.guard is not None
        try:
            while self._answers and not self._stopping:
                await self.guard.act(self._answers.popleft(), decision)
        finally:
            self._answerers -= 1

    async def stop(self, grace: float | None = None) -> None:
        """Drop the queued updates, give the running ones `grace` seconds, cancel the rest."""
        self._stopping = True
        grace = self.grace if grace is None else grace
        dropped = 0
        self.side_skipped += len(self._answers)
        self._answers.clear()
        for queue in list(self._queues.values()):
            while queue:
                update, coroutine = queue.popleft()
                self._discard(update, coroutine)
                dropped += 1
        running = set(self._workers) | set(self._side)
        if dropped or running:
            log.warning(
                "stopping: %d queued update(s) dropped, %d running given %gs",
                dropped,
                len(running),
                grace,
            )
        if self.guard is not None and self.guard.dropped_total:
            log.warning(
                "flood: %d update(s) dropped over budget in all, %d dropped press(es) unanswered",
                self.guard.dropped_total,
                self.side_skipped,
            )
        if not running:
            return
        late = running
        if grace > 0:
            _, late = await asyncio.wait(running, timeout=grace)
        for task in late:
            task.cancel()
        for task in late:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        if late:
            log.warning("stopping: %d update(s) cancelled after the grace", len(late))

    async def initialize(self) -> None:
        self._stopping = False

    async def shutdown(self) -> None:
        # Normally stop() ran in post_stop, before the bot's connection closed; if it did not,
        # nothing queued may outlive the application.
        if self._workers or self._side or self._queues or self._answers:
            await self.stop(grace=0)
