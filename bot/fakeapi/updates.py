"""Bot API methods delivering updates: getUpdates (long polling) and the webhook methods."""

from __future__ import annotations

import asyncio
import contextlib
import copy
from collections.abc import Collection

import aiohttp

from bot.fakeapi.core import ServerCore
from bot.fakeapi.models import (
    Call,
)
from bot.fakeapi.protocol import (
    DEFAULT_UPDATE_TYPES,
    ApiError,
    JsonDict,
    update_type,
)


class UpdateMethods(ServerCore):
    """getUpdates and the webhook methods."""

    async def _get_updates(self, call: Call) -> list[JsonDict]:
        params = call.params
        if self._webhook is not None:
            raise ApiError(
                409,
                "Conflict: can't use getUpdates method while webhook is active; "
                "use deleteWebhook to delete the webhook first",
            )
        offset = self._int(params, "offset")
        limit = min(100, max(1, self._int(params, "limit", 100) or 100))
        timeout = max(0.0, self._float(params, "timeout", 0.0))
        allowed = self._json(params, "allowed_updates", "Bad Request: can't parse allowed_updates")
        if isinstance(allowed, list):
            self._allowed_updates = (
                frozenset(str(a) for a in allowed) if allowed else DEFAULT_UPDATE_TYPES
            )
        if offset is not None and offset != 0:
            if offset > 0:
                self._updates = [u for u in self._updates if u["update_id"] >= offset]
            else:
                self._updates = self._updates[offset:]
        self._poll_generation += 1
        generation = self._poll_generation
        self._wake_pollers()  # a running long poll of another client ends with 409
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            event = self._updates_event
            if generation != self._poll_generation:
                # The client of this poll may simply have gone away (PTB cancels its long poll
                # on stop, then confirms the offset with a new call): give aiohttp a moment to
                # notice the closed connection and cancel this handler, so that only a really
                # concurrent client gets the 409 (and nothing is recorded for the other case).
                await self._sleep(0.2)
                raise ApiError(
                    409,
                    "Conflict: terminated by other getUpdates request; make sure that only one "
                    "bot instance is running",
                )
            matching = [u for u in self._updates if update_type(u) in self._allowed_updates]
            remaining = deadline - loop.time()
            if matching or remaining <= 0 or self._closing:
                return copy.deepcopy(matching[:limit])
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(event.wait(), remaining)

    async def _set_webhook(self, call: Call) -> bool:
        url = self._str(call.params, "url") or ""
        if self._bool(call.params, "drop_pending_updates"):
            self._updates.clear()
        if not url:
            self._webhook = None
            return True
        if not url.startswith("https://"):
            raise ApiError(
                400, "Bad Request: bad webhook: An HTTPS URL must be provided for webhook"
            )
        self._webhook = {
            "url": url,
            "secret_token": self._str(call.params, "secret_token"),
            "max_connections": self._int(call.params, "max_connections", 40),
            "allowed_updates": self._json(call.params, "allowed_updates", "Bad Request"),
        }
        return True

    async def _delete_webhook(self, call: Call) -> bool:
        self._webhook = None
        if self._bool(call.params, "drop_pending_updates"):
            self._updates.clear()
        return True

    @property
    def webhook_secret(self) -> str | None:
        """The secret_token of the webhook set (sent back in X-Telegram-Bot-Api-Secret-Token)."""
        return None if self._webhook is None else self._webhook["secret_token"]

    async def deliver_webhook(
        self, target: str, secret: str | None = None, only: Collection[int] | None = None
    ) -> list[int]:
        """Deliver the pending updates as Telegram does to a webhook: one POST of JSON each, in
        order, with the secret set by setWebhook (or `secret`, to play an impostor). `target`
        stands for the https URL set (the listener behind the reverse proxy). An update is
        forgotten when answered 200, kept otherwise. `only`: these update ids, not every pending
        one. Returns the status of each POST."""
        if self._webhook is None:
            raise RuntimeError("no webhook is set (setWebhook was not called)")
        token = secret if secret is not None else self._webhook["secret_token"]
        headers = {"X-Telegram-Bot-Api-Secret-Token": token} if token else {}
        statuses: list[int] = []
        async with aiohttp.ClientSession() as session:
            for update in list(self._updates):
                if only is not None and update["update_id"] not in only:
                    continue
                async with session.post(target, json=update, headers=headers) as response:
                    statuses.append(response.status)
                    if response.status == 200:
                        self._updates.remove(update)
        self._notify_change()
        return statuses

    async def _get_webhook_info(self, call: Call) -> JsonDict:
        info: JsonDict = {
            "url": "" if self._webhook is None else self._webhook["url"],
            "has_custom_certificate": False,
            "pending_update_count": len(self._updates),
        }
        if self._webhook is not None:
            info["max_connections"] = self._webhook["max_connections"]
            if self._webhook["allowed_updates"]:
                info["allowed_updates"] = self._webhook["allowed_updates"]
        return info
