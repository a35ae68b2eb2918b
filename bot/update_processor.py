"""Concurrent across chats, strictly in order within one chat.

PTB's own concurrent processing may reorder (or, with a ConversationHandler, drop) updates of one
chat: a button pressed before the previous answer was stored must wait its turn, never overtake it.
Tasks are created in update order and asyncio locks are FIFO: each chat sees its updates in order.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Awaitable
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor


def chat_key(update: object) -> int | None:
    if isinstance(update, Update):
        if update.effective_chat is not None:
            return update.effective_chat.id
        if update.effective_user is not None:
            return update.effective_user.id
    return None


class PerChatUpdateProcessor(BaseUpdateProcessor):
    def __init__(self, max_concurrent_updates: int = 256) -> None:
        super().__init__(max_concurrent_updates)
        self._locks: dict[int, asyncio.Lock] = {}
        self._waiting: dict[int, int] = {}
        # The ids of the last updates whose handling ended (done or failed): the positive sign
        # that an update was handled, for tests that then check nothing more was sent.
        self.recently_handled: deque[int] = deque(maxlen=4096)

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        try:
            await self._in_chat_order(update, coroutine)
        finally:
            if isinstance(update, Update):
                self.recently_handled.append(update.update_id)

    async def _in_chat_order(self, update: object, coroutine: Awaitable[Any]) -> None:
        key = chat_key(update)
        if key is None:
            await coroutine
            return
        lock = self._locks.setdefault(key, asyncio.Lock())
        self._waiting[key] = self._waiting.get(key, 0) + 1
        try:
            async with lock:
                await coroutine
        finally:
            self._waiting[key] -= 1
            if self._waiting[key] == 0:
                del self._waiting[key]
                del self._locks[key]

    async def initialize(self) -> None:
        pass

    async def shutdown(self) -> None:
        pass
