"""Fault injection (errors, delays) and Telegram's flood limits on the fake server."""

from __future__ import annotations

import math
import time

from bot.fakeapi.core import ServerCore
from bot.fakeapi.models import (
    Fault,
    TokenBucket,
)
from bot.fakeapi.protocol import (
    DEFAULT_DESCRIPTIONS,
    ApiError,
    JsonDict,
)


class FaultsAndLimits(ServerCore):
    """Injected errors and delays, and the flood limits (429 with retry_after)."""

    # -- fault injection --------------------------------------------------------------------------

    def inject_fault(
        self,
        method: str | None = None,
        *,
        status: int,
        description: str | None = None,
        retry_after: int | None = None,
        times: int = 1,
        chat_id: int | None = None,
    ) -> None:
        """Make the next ``times`` matching calls fail with ``status``. ``method`` None matches
        any method except getUpdates; ``chat_id`` restricts to calls for that chat."""
        if status == 429 and retry_after is None:
            retry_after = 1
        if description is None:
            if status == 429:
                description = f"Too Many Requests: retry after {retry_after}"
            else:
                description = DEFAULT_DESCRIPTIONS.get(status, f"Error {status}")
        self._faults.append(
            Fault(
                method=None if method is None else method.lower(),
                status=status,
                description=description,
                retry_after=retry_after,
                remaining=times,
                chat_id=chat_id,
            )
        )

    def set_delay(self, method: str | None, seconds: float) -> None:
        """Delay responses of ``method`` (None: every method except getUpdates); 0 removes."""
        key = None if method is None else method.lower()
        if seconds > 0:
            self._delays[key] = seconds
        else:
            self._delays.pop(key, None)

    def clear_faults(self) -> None:
        """Remove injected faults and delays."""
        self._faults.clear()
        self._delays.clear()

    def _take_fault(self, method: str, params: JsonDict) -> Fault | None:
        for fault in self._faults:
            if fault.method is None and method == "getupdates":
                continue
            if fault.method is not None and fault.method != method:
                continue
            if fault.chat_id is not None and self._raw_chat_id(params) != fault.chat_id:
                continue
            fault.remaining -= 1
            if fault.remaining <= 0:
                self._faults.remove(fault)
            return fault
        return None

    @staticmethod
    def _raw_chat_id(params: JsonDict) -> int | str | None:
        value = params.get("chat_id")
        if isinstance(value, str) and value.lstrip("-").isdigit():
            return int(value)
        if isinstance(value, int | str):
            return value
        return None

    # -- rate limiting ----------------------------------------------------------------------------

    def _check_rate(self, chat: JsonDict) -> None:
        limits = self.rate_limits
        if limits is None:
            return
        now = time.monotonic()
        chat_id = int(chat["id"])
        if self._overall_bucket is None:
            self._overall_bucket = TokenBucket(
                limits.overall_per_second, limits.overall_per_second, now
            )
        buckets = [self._overall_bucket]
        chat_bucket = self._chat_buckets.get(chat_id)
        if chat_bucket is None:
            chat_bucket = TokenBucket(limits.per_chat_per_second, limits.per_chat_burst, now)
            self._chat_buckets[chat_id] = chat_bucket
        buckets.append(chat_bucket)
        if chat.get("type") in ("group", "supergroup"):
            group_bucket = self._group_buckets.get(chat_id)
            if group_bucket is None:
                per_minute = limits.per_group_per_minute
                group_bucket = TokenBucket(per_minute / 60, per_minute, now)
                self._group_buckets[chat_id] = group_bucket
            buckets.append(group_bucket)
        wait = max(bucket.wait_time(now) for bucket in buckets)
        if wait > 0:
            self.stats.rate_limited += 1
            retry_after = max(1, math.ceil(wait)) if math.isfinite(wait) else 3600
            raise ApiError(429, f"Too Many Requests: retry after {retry_after}", retry_after)
        for bucket in buckets:
            bucket.take()
