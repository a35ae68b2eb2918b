"""Telegram's flood limits with priority: interactive replies first, bulk sends take what is left.

PTB's AIORateLimiter puts every request behind one 30/s limiter and pauses everything on a 429,
so a person answering a question waits behind a nudge to thousands. This limiter, plugged into
PTB's rate-limiter hook, tells the two apart: bulk calls pass rate_limit_args={"bulk": True}.

- Overall ~30 messages/s: one aiolimiter leaky bucket. Interactive calls acquire it directly
  (they only ever wait for a truly full bucket); bulk calls, one at a time, take a slot only
  while `headroom` slots stay free for interactive replies, so a burst of replies never queues
  behind them. With no interactive traffic, bulk still gets the full rate.
- 1 message/s per private chat, 20/min per group: an aiolimiter per chat, which every call
  waits for, interactive or bulk. A private chat may take `chat_burst` messages at once (Telegram
  tolerates short bursts, so a reply of two or three messages does not crawl), then one a second
  (with a 50 ms margin for network jitter). Pacing in the limiter beats drawing a 429: that costs
  `retry_after` (whole seconds) plus a round trip. The handlers send the new question first and
  the cosmetic edit of the pressed message after it (bot/telegram/io.py), so any wait
  falls on the edit, not on what the person reads. `chat_burst=0` turns pacing off for replies
  in private chats (they mark the chat used so bulk sends to it still wait): the test suite uses
  it, as its fake Bot API enforces no limits and its scripted people answer in milliseconds.
- Optional calls (rate_limit_args={"optional": True}: the tidy-up edit of a pressed message)
  are skipped with SkippedOptional when their private chat, or the overall bucket, has no
  capacity left, rather than take the slot a person's next reply needs.
- 429: the call is retried after retry_after (a bounded number of times). A 429 on a bulk call
  pauses bulk calls only; a 429 on an interactive call pauses nothing else (it is about that chat).
Calls without a chat (answerCallbackQuery, getMe...) are never delayed.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Callable, Coroutine
from typing import Any

from aiolimiter import AsyncLimiter
from telegram.error import RetryAfter, TelegramError
from telegram.ext import BaseRateLimiter

log = logging.getLogger(__name__)


class SkippedOptional(TelegramError):
    """A call marked rate_limit_args={"optional": True} was not made: no capacity right now."""

    def __init__(self) -> None:
        super().__init__("skipped: no capacity in this chat or overall now")


JSON = bool | dict[str, Any] | list[dict[str, Any]]


def retry_seconds(error: RetryAfter) -> float:
    # The private timedelta avoids PTB 22's deprecation warning on the int/timedelta attribute.
    value = getattr(error, "_retry_after", None)
    if isinstance(value, dt.timedelta):
        return value.total_seconds()
    public = error.retry_after
    return public.total_seconds() if isinstance(public, dt.timedelta) else float(public)


class PriorityRateLimiter(BaseRateLimiter[dict[str, Any]]):
    def __init__(
        self,
        *,
        overall_per_second: float = 30,
        chat_per_second: float = 1,
        group_per_minute: float = 20,
        headroom: int = 3,
        max_retries: int = 3,
        chat_burst: int = 3,
        chat_margin: float = 0.05,
    ) -> None:
        self.overall_per_second = overall_per_second
        self.chat_per_second = chat_per_second
        self.group_per_minute = group_per_minute
        self.headroom = headroom
        self.max_retries = max_retries
        self.chat_burst = chat_burst
        self.chat_margin = chat_margin
        self._overall = AsyncLimiter(overall_per_second, 1)
        self._chats: dict[int, AsyncLimiter] = {}
        self._bulk_lock = asyncio.Lock()
        self._bulk_paused_until = 0.0
        self.retry_after_count = 0  # 429s received (for the benchmark and the logs)

    async def initialize(self) -> None:
        pass

    async def shutdown(self) -> None:
        pass

    # ---------------------------------------------------------------- limiters
    def _chat_limiter(self, chat_id: int) -> AsyncLimiter:
        limiter = self._chats.get(chat_id)
        if limiter is None:
            if len(self._chats) > 5000:
                # Forget chats whose bucket has fully drained: they are free again.
                for key in [k for k, v in self._chats.items() if v.has_capacity(v.max_rate)]:
                    del self._chats[key]
            if chat_id < 0:
                limiter = AsyncLimiter(self.group_per_minute, 60)
            else:
                burst = max(1, self.chat_burst)
                interval = 1 / self.chat_per_second + self.chat_margin
                limiter = AsyncLimiter(burst, burst * interval)
            self._chats[chat_id] = limiter
        return limiter

    def _crowded(self, chat_id: int) -> bool:
        """No capacity left for an optional call: in its private chat (when replies are paced)
        or overall (200 people pressing at once: the next questions need every slot)."""
        if not self._overall.has_capacity():
            return True
        paced = chat_id > 0 and self.chat_burst > 0
        return paced and not self._chat_limiter(chat_id).has_capacity()

    async def _acquire(self, chat_id: int, bulk: bool) -> None:
        limiter = self._chat_limiter(chat_id)
        if bulk or chat_id < 0 or self.chat_burst > 0 or limiter.has_capacity():
            await limiter.acquire()
        else:  # a reply with chat_burst 0: never waits, but bulk sends to this chat will
            limiter._level = limiter.max_rate
        if not bulk:
            await self._overall.acquire()
            return
        loop = asyncio.get_running_loop()
        async with self._bulk_lock:  # bulk calls queue here, never inside the shared bucket
            step = 1 / self.overall_per_second
            while True:
                pause = self._bulk_paused_until - loop.time()
                if pause > 0:
                    await asyncio.sleep(pause)
                    continue
                if self._overall.has_capacity(1 + self.headroom):
                    await self._overall.acquire()  # immediate: capacity was just checked
                    return
                await asyncio.sleep(step)

    # ------------------------------------------------------------------ the hook
    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, JSON]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: dict[str, Any] | None,
    ) -> JSON:
        bulk = bool(rate_limit_args and rate_limit_args.get("bulk"))
        optional = bool(rate_limit_args and rate_limit_args.get("optional"))
        chat = data.get("chat_id")
        chat_id = chat if isinstance(chat, int) else None
        if isinstance(chat, str) and chat.lstrip("-").isdigit():
            chat_id = int(chat)
        loop = asyncio.get_running_loop()
        attempt = 0
        while True:
            if chat_id is not None:
                if optional and self._crowded(chat_id):
                    raise SkippedOptional
                await self._acquire(chat_id, bulk)
            try:
                return await callback(*args, **kwargs)
            except RetryAfter as error:
                self.retry_after_count += 1
                delay = retry_seconds(error)
                if bulk:  # the capacity to give back; an interactive 429 concerns its chat
                    self._bulk_paused_until = max(self._bulk_paused_until, loop.time() + delay)
                attempt += 1
                log.info(
                    "429 on %s (%s): retry in %.1f s (attempt %d)",
                    endpoint,
                    "bulk" if bulk else "interactive",
                    delay,
                    attempt,
                )
                if attempt > self.max_retries:
                    raise
                await asyncio.sleep(delay)
