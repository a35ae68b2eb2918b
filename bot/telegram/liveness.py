"""The process's health facts (bot/ops/health.py Liveness) fed by the Telegram layer: every Bot
API call through `TrackedRequest`, every incoming update through a first-group handler."""

from __future__ import annotations

from typing import Any

from telegram import Update
from telegram.ext import Application, ContextTypes, TypeHandler
from telegram.request import BaseRequest, HTTPXRequest, RequestData

from bot.ops.health import Liveness

NOTE_GROUP = -100  # before every feature's handlers (the message relays are at -10)


class TrackedRequest(HTTPXRequest):
    """PTB's own HTTPX request, noting each call's outcome: an answer of the Bot API (even a 4xx:
    it is up and answering) is a success; a network error, a timeout or a 5xx is a failure."""

    def __init__(self, liveness: Liveness, *, connection_pool_size: int) -> None:
        super().__init__(connection_pool_size=connection_pool_size)
        self.liveness = liveness

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = BaseRequest.DEFAULT_NONE,
        write_timeout: Any = BaseRequest.DEFAULT_NONE,
        connect_timeout: Any = BaseRequest.DEFAULT_NONE,
        pool_timeout: Any = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        try:
            code, payload = await super().do_request(
                url,
                method,
                request_data,
                read_timeout=read_timeout,
                write_timeout=write_timeout,
                connect_timeout=connect_timeout,
                pool_timeout=pool_timeout,
            )
        except Exception:
            self.liveness.api_failed()
            raise
        if code >= 500:
            self.liveness.api_failed()
        else:
            self.liveness.api_ok()
        return code, payload


def requests(liveness: Liveness) -> tuple[TrackedRequest, TrackedRequest]:
    """(request, get_updates_request) with the pool sizes PTB's builder gives by default."""
    return (
        TrackedRequest(liveness, connection_pool_size=256),
        TrackedRequest(liveness, connection_pool_size=1),
    )


App = Application[Any, Any, Any, Any, Any, Any]


def note_updates(application: App, liveness: Liveness) -> None:
    """Record the time of each update, before any feature handles it (and whatever it is)."""

    async def note(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        liveness.update_received()

    application.add_handler(TypeHandler(Update, note), group=NOTE_GROUP)
