"""A local fake of the Telegram Bot API, served over HTTP with aiohttp.

A real python-telegram-bot ``Application`` can run against it unchanged: point
``ApplicationBuilder().base_url(server.base_url)`` at it. It speaks raw JSON (no ``telegram``
import) and mimics Telegram's response shapes, error texts and status codes closely enough that
error handling paths of the bot (400, 403, 429, 5xx) can be exercised without the internet.

On top of the HTTP API it exposes a synchronous Python API for tests and the demo: create
users, make them send things or press buttons (this enqueues updates and wakes long-polling
``getUpdates``), read what the bot sent, inject faults, delays and rate limits.

All Python methods must be called from the thread running the server's event loop.

This module holds the HTTP app (routes, request parsing, dispatch to API methods) and the
``FakeTelegram`` class assembled from one mixin per method family, all on ``core.ServerCore``
(the state): ``people`` (what users do), ``observing`` (what tests read and wait for),
``faults`` (fault injection, rate limits), ``messages`` and ``media`` (send/edit/delete, files),
``forum`` (topics of forum supergroups), ``updates`` (getUpdates, webhooks), ``chats`` (getMe,
chats, commands, menu), ``control`` (the ``/_fake`` endpoints). ``models`` and ``protocol``
hold the data classes and wire details.
"""

from __future__ import annotations

import asyncio
import logging
import socket
import time
from collections.abc import Callable
from typing import Self

from aiohttp import web

from bot.fakeapi.chats import ChatMethods
from bot.fakeapi.control import ControlEndpoints
from bot.fakeapi.media import MediaMethods
from bot.fakeapi.models import (
    Call,
    FakeStats,
    FakeUser,
    Handler,
    InlineButton,
    RateLimits,
    RecordedRequest,
    SentDocument,
    SentMessage,
    UploadedFile,
)
from bot.fakeapi.protocol import (
    DEFAULT_TOKEN,
    MAX_UPLOAD_BYTES,
    ApiError,
    JsonDict,
    decode_form_value,
)
from bot.fakeapi.updates import UpdateMethods

__all__ = [
    "DEFAULT_TOKEN",
    "FakeStats",
    "FakeTelegram",
    "FakeUser",
    "InlineButton",
    "RateLimits",
    "RecordedRequest",
    "SentDocument",
    "SentMessage",
    "UploadedFile",
]

_log = logging.getLogger(__name__)


class FakeTelegram(ControlEndpoints, MediaMethods, UpdateMethods, ChatMethods):
    """A fake Telegram Bot API server. Use ``async with FakeTelegram() as tg:``."""

    def __init__(
        self,
        token: str = DEFAULT_TOKEN,
        *,
        bot_username: str = "fabnum_test_bot",
        bot_first_name: str = "FabNum",
        rate_limits: RateLimits | None = None,
        now: Callable[[], float] | None = None,
    ) -> None:
        super().__init__(
            token,
            bot_username=bot_username,
            bot_first_name=bot_first_name,
            rate_limits=rate_limits,
            now=now,
        )
        self._handlers: dict[str, tuple[str, Handler]] = {}
        for name, handler in (
            ("getMe", self._get_me),
            ("getUpdates", self._get_updates),
            ("setWebhook", self._set_webhook),
            ("deleteWebhook", self._delete_webhook),
            ("getWebhookInfo", self._get_webhook_info),
            ("sendMessage", self._send_message),
            ("editMessageText", self._edit_message_text),
            ("editMessageReplyMarkup", self._edit_message_reply_markup),
            ("deleteMessage", self._delete_message),
            ("answerCallbackQuery", self._answer_callback_query),
            ("sendDocument", self._send_document),
            ("sendPhoto", self._send_photo),
            ("sendChatAction", self._send_chat_action),
            ("getFile", self._get_file),
            ("getChat", self._get_chat),
            ("createForumTopic", self._create_forum_topic),
            ("closeForumTopic", self._close_forum_topic),
            ("reopenForumTopic", self._reopen_forum_topic),
            ("deleteForumTopic", self._delete_forum_topic),
            ("leaveChat", self._leave_chat),
            ("setMyCommands", self._set_my_commands),
            ("getMyCommands", self._get_my_commands),
            ("deleteMyCommands", self._delete_my_commands),
            ("setChatMenuButton", self._set_chat_menu_button),
            ("close", self._true),
            ("logOut", self._true),
        ):
            self._handlers[name.lower()] = (name, handler)

    # -- lifecycle ------------------------------------------------------------------------------

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> None:
        """Serve on host:port (port 0 picks a free port)."""
        if self._runner is not None:
            raise RuntimeError("FakeTelegram is already started")
        app = web.Application(client_max_size=MAX_UPLOAD_BYTES + 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._handle_api)
        app.router.add_get("/file/bot{token}/{path:.+}", self._handle_file)
        app.router.add_post("/_fake/users", self._ctl_users)
        app.router.add_post("/_fake/send_text", self._ctl_send_text)
        app.router.add_post("/_fake/press_button", self._ctl_press_button)
        app.router.add_get("/_fake/messages", self._ctl_messages)
        runner = web.AppRunner(
            app, access_log=None, shutdown_timeout=1.0, handler_cancellation=True
        )
        await runner.setup()
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind((host, port))
            site = web.SockSite(runner, sock)
            await site.start()
        except BaseException:
            sock.close()
            await runner.cleanup()
            raise
        self._host = "127.0.0.1" if host in ("", "0.0.0.0") else host
        self._port = int(sock.getsockname()[1])
        self._runner = runner
        self._closing = False
        # fresh events: a server object may be started again under another event loop
        self._closed = asyncio.Event()
        self._updates_event = asyncio.Event()
        self._change_event = asyncio.Event()

    async def stop(self) -> None:
        """Stop serving; pending long polls and delays end at once."""
        if self._runner is None:
            return
        self._closing = True
        self._closed.set()
        self._wake_pollers()
        runner, self._runner = self._runner, None
        await runner.cleanup()

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    def _error_body(self, error: ApiError) -> JsonDict:
        body: JsonDict = {"ok": False, "error_code": error.status, "description": error.description}
        if error.retry_after is not None:
            body["parameters"] = {"retry_after": error.retry_after}
        return body

    async def _read_params(self, request: web.Request) -> tuple[JsonDict, dict[str, UploadedFile]]:
        params: JsonDict = {}
        files: dict[str, UploadedFile] = {}
        for key, value in request.query.items():
            params[key] = decode_form_value(key, value)
        if not request.body_exists:
            return params, files
        if request.content_type == "application/json":
            try:
                body = await request.json()
            except ValueError as exc:
                raise ApiError(400, "Bad Request: can't parse JSON request body") from exc
            if not isinstance(body, dict):
                raise ApiError(400, "Bad Request: JSON request body must be an object")
            params.update(body)
        elif request.content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
            form = await request.post()
            for key, item in form.items():
                if isinstance(item, web.FileField):
                    files[key] = UploadedFile(
                        filename=item.filename,
                        content=item.file.read(),
                        mime_type=item.content_type,
                    )
                elif isinstance(item, str):
                    params[key] = decode_form_value(key, item)
                else:
                    params[key] = decode_form_value(key, bytes(item).decode("utf-8", "replace"))
        return params, files

    async def _handle_api(self, request: web.Request) -> web.Response:
        requested = request.match_info["method"]
        entry = self._handlers.get(requested.lower())
        method_name = entry[0] if entry else requested
        params: JsonDict = {}
        files: dict[str, UploadedFile] = {}
        description: str | None = None
        body: JsonDict
        try:
            if request.match_info["token"] != self._token:
                raise ApiError(401, "Unauthorized")
            if entry is None:
                raise ApiError(404, "Not Found")
            params, files = await self._read_params(request)
            self.stats.requests[method_name] += 1
            lowered = method_name.lower()
            delay = self._delays.get(lowered)
            if delay is None and lowered != "getupdates":
                delay = self._delays.get(None)
            if delay:
                await self._sleep(delay)
            fault = self._take_fault(lowered, params)
            if fault is not None:
                self.stats.faults_injected += 1
                raise ApiError(fault.status, fault.description, fault.retry_after)
            result = await entry[1](Call(method_name, params, files))
            status, body = 200, {"ok": True, "result": result}
        except ApiError as error:
            status, body, description = error.status, self._error_body(error), error.description
        except Exception as exc:  # a bug of the fake: make it visible to the client
            _log.exception("fake Telegram API failed on %s", method_name)
            description = f"Internal Server Error: fake API bug: {exc!r}"
            status, body = 500, {"ok": False, "error_code": 500, "description": description}
        if status != 200:
            self.stats.errors += 1
            if status == 429:
                self.stats.too_many_requests += 1
        self.requests.append(
            RecordedRequest(
                method=method_name,
                params=params,
                status=status,
                time=time.monotonic(),
                files=files,
                description=description,
            )
        )
        self._notify_change()
        return self._response(status, body)

    async def _handle_file(self, request: web.Request) -> web.StreamResponse:
        if request.match_info["token"] != self._token:
            return self._response(
                401, {"ok": False, "error_code": 401, "description": "Unauthorized"}
            )
        path = request.match_info["path"]
        for stored in self._files.values():
            if stored.file_path == path:
                return web.Response(
                    body=stored.content,
                    content_type=stored.mime_type or "application/octet-stream",
                )
        return self._response(404, {"ok": False, "error_code": 404, "description": "Not Found"})
