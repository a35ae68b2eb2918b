"""A local fake of the Telegram Bot API, served over HTTP with aiohttp.

A real python-telegram-bot ``Application`` can run against it unchanged: point
``ApplicationBuilder().base_url(server.base_url)`` at it. It speaks raw JSON (no ``telegram``
import) and mimics Telegram's response shapes, error texts and status codes closely enough that
error handling paths of the bot (400, 403, 429, 5xx) can be exercised without the internet.

On top of the HTTP API it exposes a synchronous Python API for tests and the demo: create
users, make them send things or press buttons (this enqueues updates and wakes long-polling
``getUpdates``), read what the bot sent, inject faults, delays and rate limits.

All Python methods must be called from the thread running the server's event loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import dataclasses
import itertools
import json
import logging
import math
import mimetypes
import re
import socket
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Self

from aiohttp import web

from bot.fakeapi.html_check import HtmlParseError, parse_telegram_html, utf16_len

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

DEFAULT_TOKEN = "123456:TEST-TOKEN-fabnum-fake-api-0000000"
MAX_TEXT_LENGTH = 4096
MAX_CAPTION_LENGTH = 1024
MAX_CALLBACK_DATA_BYTES = 64
MAX_UPLOAD_BYTES = 50 * 1024 * 1024

JsonDict = dict[str, Any]

# Update types Telegram delivers when allowed_updates is empty (its documented default).
_DEFAULT_UPDATE_TYPES = frozenset(
    {
        "message",
        "edited_message",
        "channel_post",
        "edited_channel_post",
        "business_connection",
        "business_message",
        "edited_business_message",
        "deleted_business_messages",
        "inline_query",
        "chosen_inline_result",
        "callback_query",
        "shipping_query",
        "pre_checkout_query",
        "purchased_paid_media",
        "poll",
        "poll_answer",
        "my_chat_member",
        "chat_join_request",
        "chat_boost",
        "removed_chat_boost",
    }
)

# Form fields that are plain strings; every other form field is JSON-decoded when possible
# (PTB JSON-encodes non-string values such as chat_id, reply_markup or booleans).
_STRING_PARAMS = frozenset(
    {
        "text",
        "caption",
        "parse_mode",
        "callback_query_id",
        "url",
        "action",
        "language_code",
        "inline_message_id",
        "emoji",
        "secret_token",
        "ip_address",
        "name",
        "description",
        "short_description",
        "title",
        "business_connection_id",
        "message_effect_id",
        "file_id",
        "document",
        "photo",
        "voice",
        "audio",
        "video",
        "sticker",
        "animation",
        "thumbnail",
        "phone_number",
        "first_name",
        "last_name",
        "address",
        "custom_emoji_id",
    }
)

# Methods subject to RateLimits (they make a message appear or change in a chat).
_RATE_LIMITED = frozenset(
    {
        "sendmessage",
        "senddocument",
        "sendphoto",
        "editmessagetext",
        "editmessagereplymarkup",
        "editmessagecaption",
    }
)

_CHAT_ACTIONS = frozenset(
    {
        "typing",
        "upload_photo",
        "record_video",
        "upload_video",
        "record_voice",
        "upload_voice",
        "upload_document",
        "choose_sticker",
        "find_location",
        "record_video_note",
        "upload_video_note",
    }
)

_INLINE_BUTTON_KINDS = (
    "callback_data",
    "url",
    "login_url",
    "switch_inline_query",
    "switch_inline_query_current_chat",
    "switch_inline_query_chosen_chat",
    "callback_game",
    "pay",
    "web_app",
    "copy_text",
)

_DEFAULT_DESCRIPTIONS = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden: bot was blocked by the user",
    404: "Not Found",
    409: "Conflict: terminated by other getUpdates request",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
    504: "Gateway Timeout",
}

_COMMAND_RE = re.compile(r"/[A-Za-z0-9_]{1,32}(?:@[A-Za-z0-9_]{3,32})?(?![A-Za-z0-9_@])")
_BOT_COMMAND_NAME_RE = re.compile(r"[a-z0-9_]{1,32}")
_URL_RE = re.compile(r"(?:(?:https?|tg|ton)://)?[^\s/]+\.[^\s]+|(?:tg|ton)://\S+", re.IGNORECASE)

_NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup are "
    "exactly the same as a current content and reply markup of the message"
)
_QUERY_TOO_OLD = "Bad Request: query is too old and response timeout expired or query ID is invalid"


# ---------------------------------------------------------------------------------------------
# Public data classes
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class FakeUser:
    """A Telegram user on the fake server. Its private chat with the bot has ``chat_id == id``."""

    id: int
    first_name: str
    last_name: str | None = None
    username: str | None = None
    language_code: str | None = "fr"
    is_bot: bool = False

    @property
    def chat_id(self) -> int:
        return self.id

    def to_dict(self) -> JsonDict:
        """The Bot API ``User`` object."""
        data: JsonDict = {"id": self.id, "is_bot": self.is_bot, "first_name": self.first_name}
        if self.last_name is not None:
            data["last_name"] = self.last_name
        if self.username is not None:
            data["username"] = self.username
        if self.language_code is not None:
            data["language_code"] = self.language_code
        return data

    def private_chat(self) -> JsonDict:
        """The Bot API ``Chat`` object of the private chat with this user."""
        chat: JsonDict = {"id": self.id, "type": "private", "first_name": self.first_name}
        if self.last_name is not None:
            chat["last_name"] = self.last_name
        if self.username is not None:
            chat["username"] = self.username
        return chat


@dataclass(frozen=True, slots=True)
class InlineButton:
    text: str
    callback_data: str | None = None
    url: str | None = None


@dataclass(frozen=True, slots=True)
class SentDocument:
    filename: str
    content: bytes
    mime_type: str
    file_id: str = ""

    @property
    def size(self) -> int:
        return len(self.content)


@dataclass(frozen=True, slots=True)
class UploadedFile:
    """A file part of a multipart request."""

    filename: str
    content: bytes
    mime_type: str


@dataclass(slots=True)
class SentMessage:
    """A message the bot sent, in its current state (edits applied, deletion flagged).

    ``text`` is the text as sent (HTML if parse_mode was HTML, "" for media messages);
    ``plain_text`` is what the user sees: tags removed, entities decoded, trimmed, and for media
    messages the caption's plain text. ``raw`` is the Bot API ``Message`` object.
    """

    message_id: int
    chat_id: int
    text: str
    plain_text: str
    parse_mode: str | None = None
    reply_markup: JsonDict | None = None
    document: SentDocument | None = None
    photo: bytes | None = None
    caption: str | None = None
    edit_count: int = 0
    deleted: bool = False
    date: int = 0
    raw: JsonDict = field(default_factory=dict, repr=False)

    @property
    def buttons(self) -> list[list[InlineButton]]:
        """Rows of the inline keyboard (empty without one)."""
        rows = (self.reply_markup or {}).get("inline_keyboard") or []
        return [
            [
                InlineButton(
                    text=str(b.get("text", "")),
                    callback_data=b.get("callback_data"),
                    url=b.get("url"),
                )
                for b in row
            ]
            for row in rows
        ]

    @property
    def keyboard(self) -> list[list[str]]:
        """Rows of button texts of a reply keyboard (empty without one)."""
        rows = (self.reply_markup or {}).get("keyboard") or []
        return [[b if isinstance(b, str) else str(b.get("text", "")) for b in row] for row in rows]


@dataclass(frozen=True, slots=True)
class RecordedRequest:
    method: str
    params: JsonDict
    status: int
    time: float
    files: dict[str, UploadedFile] = field(default_factory=dict)
    description: str | None = None


@dataclass(frozen=True, slots=True)
class RateLimits:
    """Telegram's documented flood limits: ~30 messages/s overall, ~1/s per chat, 20/min per
    group. A request over a limit gets 429 with ``retry_after`` and is not delivered."""

    overall_per_second: float = 30
    per_chat_per_second: float = 1
    per_chat_burst: int = 1
    per_group_per_minute: float = 20


@dataclass(slots=True)
class FakeStats:
    requests: Counter[str] = field(default_factory=Counter)
    errors: int = 0
    too_many_requests: int = 0
    rate_limited: int = 0
    faults_injected: int = 0
    messages_delivered: int = 0
    messages_edited: int = 0
    messages_deleted: int = 0
    updates_enqueued: int = 0

    @property
    def total_requests(self) -> int:
        return sum(self.requests.values())


# ---------------------------------------------------------------------------------------------
# Internals
# ---------------------------------------------------------------------------------------------


class _ApiError(Exception):
    def __init__(self, status: int, description: str, retry_after: int | None = None) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
        self.retry_after = retry_after


@dataclass(slots=True)
class _Fault:
    method: str | None
    status: int
    description: str
    retry_after: int | None
    remaining: int
    chat_id: int | str | None


@dataclass(slots=True)
class _StoredFile:
    file_id: str
    file_unique_id: str
    file_path: str
    content: bytes
    filename: str | None
    mime_type: str | None


@dataclass(slots=True)
class _Call:
    method: str
    params: JsonDict
    files: dict[str, UploadedFile]


class _TokenBucket:
    def __init__(self, rate: float, capacity: float, now: float) -> None:
        self.rate = rate
        self.capacity = max(1.0, capacity)
        self.tokens = self.capacity
        self.last = now

    def wait_time(self, now: float) -> float:
        """Seconds until one token is available (0 if available now)."""
        self.tokens = min(self.capacity, self.tokens + (now - self.last) * self.rate)
        self.last = now
        if self.tokens >= 1:
            return 0.0
        return (1 - self.tokens) / self.rate if self.rate > 0 else math.inf

    def take(self) -> None:
        self.tokens -= 1


Handler = Callable[[_Call], Awaitable[Any]]


def _update_type(update: JsonDict) -> str:
    return next(k for k in update if k != "update_id")


def _decode_form_value(name: str, value: str) -> Any:
    if name in _STRING_PARAMS:
        return value
    try:
        return json.loads(value)
    except ValueError:
        return value


def _canonical_json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False)


def _trim(text: str, entities: list[JsonDict]) -> tuple[str, list[JsonDict]]:
    """Strip surrounding whitespace like Telegram does, keeping entity offsets consistent."""
    stripped = text.strip()
    if stripped == text:
        return text, entities
    shift = utf16_len(text[: len(text) - len(text.lstrip())])
    new_len = utf16_len(stripped)
    result: list[JsonDict] = []
    for entity in entities:
        start = max(0, int(entity["offset"]) - shift)
        end = min(new_len, int(entity["offset"]) + int(entity["length"]) - shift)
        if end > start:
            result.append({**entity, "offset": start, "length": end - start})
    return stripped, result


def _command_entities(text: str) -> list[JsonDict]:
    match = _COMMAND_RE.match(text)
    if match is None:
        return []
    return [{"offset": 0, "length": utf16_len(match.group(0)), "type": "bot_command"}]


def _image_size(content: bytes) -> tuple[int, int]:
    """Width and height of a PNG (read from its header); a plausible default otherwise."""
    if content[:8] == b"\x89PNG\r\n\x1a\n" and len(content) >= 24:
        return int.from_bytes(content[16:20], "big"), int.from_bytes(content[20:24], "big")
    return 800, 600


# ---------------------------------------------------------------------------------------------
# The server
# ---------------------------------------------------------------------------------------------


class FakeTelegram:
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
        bot_id, sep, _ = token.partition(":")
        if not sep or not bot_id.isdigit():
            raise ValueError("a bot token looks like '<bot id>:<secret>'")
        self._token = token
        self._bot_id = int(bot_id)
        self.bot_username = bot_username
        self.bot_first_name = bot_first_name
        self.rate_limits = rate_limits
        self._clock = now or time.time

        self.requests: list[RecordedRequest] = []
        self.stats = FakeStats()
        self.callback_answers: dict[str, JsonDict] = {}

        self._runner: web.AppRunner | None = None
        self._host = "127.0.0.1"
        self._port = 0
        self._closing = False
        self._closed = asyncio.Event()
        self._updates_event = asyncio.Event()
        self._change_event = asyncio.Event()
        self._poll_generation = 0

        self._users: dict[int, FakeUser] = {}
        self._user_ids = itertools.count(1001)
        self._opened_private: set[int] = set()
        self._seen_users: set[int] = set()
        self._blocked: set[int] = set()
        self._deactivated: set[int] = set()
        self._chats: dict[int, JsonDict] = {}
        self._left_groups: set[int] = set()  # groups the bot left (leaveChat)

        self._updates: list[JsonDict] = []
        self._update_ids = itertools.count(1)
        self._allowed_updates: frozenset[str] = _DEFAULT_UPDATE_TYPES
        self._webhook: JsonDict | None = None

        self._next_message_id: dict[int, int] = {}
        self._bot_messages: dict[int, list[SentMessage]] = {}
        self._bot_by_id: dict[tuple[int, int], SentMessage] = {}
        self._user_messages: dict[int, list[JsonDict]] = {}
        self._user_by_id: dict[tuple[int, int], JsonDict] = {}

        self._callback_queries: dict[str, JsonDict] = {}
        self._update_of_query: dict[str, int] = {}
        self._callback_ids = itertools.count(1)
        self._files: dict[str, _StoredFile] = {}
        self._file_counter = itertools.count(1)

        self._commands: dict[tuple[str, str], list[JsonDict]] = {}
        self._menu_buttons: dict[int | None, JsonDict] = {}
        self._bot_texts: dict[tuple[str, str], str] = {}

        self._faults: list[_Fault] = []
        self._delays: dict[str | None, float] = {}
        self._overall_bucket: _TokenBucket | None = None
        self._chat_buckets: dict[int, _TokenBucket] = {}
        self._group_buckets: dict[int, _TokenBucket] = {}

        self._handlers: dict[str, tuple[str, Handler]] = {}
        for name, handler in (
            ("getMe", self._get_me),
            ("getUpdates", self._get_updates),
            ("setWebhook", self._set_webhook),
            ("deleteWebhook", self._delete_webhook),
            ("getWebhookInfo", self._get_webhook_info),
            ("sendMessage", self._send_message),
            ("editMessageText", self._edit_message_text),
            ("editMessageCaption", self._edit_message_caption),
            ("editMessageReplyMarkup", self._edit_message_reply_markup),
            ("deleteMessage", self._delete_message),
            ("answerCallbackQuery", self._answer_callback_query),
            ("sendDocument", self._send_document),
            ("sendPhoto", self._send_photo),
            ("sendChatAction", self._send_chat_action),
            ("getFile", self._get_file),
            ("getChat", self._get_chat),
            ("leaveChat", self._leave_chat),
            ("setMyCommands", self._set_my_commands),
            ("getMyCommands", self._get_my_commands),
            ("deleteMyCommands", self._delete_my_commands),
            ("setChatMenuButton", self._set_chat_menu_button),
            ("getChatMenuButton", self._get_chat_menu_button),
            ("setMyDescription", self._bot_text_setter("description")),
            ("getMyDescription", self._bot_text_getter("description")),
            ("setMyShortDescription", self._bot_text_setter("short_description")),
            ("getMyShortDescription", self._bot_text_getter("short_description")),
            ("setMyName", self._bot_text_setter("name")),
            ("getMyName", self._bot_text_getter("name")),
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

    # -- properties -----------------------------------------------------------------------------

    @property
    def token(self) -> str:
        return self._token

    @property
    def bot_id(self) -> int:
        return self._bot_id

    @property
    def port(self) -> int:
        return self._port

    @property
    def url(self) -> str:
        """Root URL of the server, e.g. for the /_fake control endpoints."""
        if self._runner is None:
            raise RuntimeError("FakeTelegram is not started")
        return f"http://{self._host}:{self._port}"

    @property
    def base_url(self) -> str:
        """What ``ApplicationBuilder().base_url()`` / ``Bot(base_url=...)`` expects."""
        return f"{self.url}/bot"

    @property
    def base_file_url(self) -> str:
        return f"{self.url}/file/bot"

    @property
    def bot_user(self) -> JsonDict:
        return {
            "id": self._bot_id,
            "is_bot": True,
            "first_name": self.bot_first_name,
            "username": self.bot_username,
        }

    @property
    def webhook_url(self) -> str | None:
        return None if self._webhook is None else str(self._webhook["url"])

    @property
    def pending_updates(self) -> list[JsonDict]:
        """Updates not yet confirmed by a getUpdates offset."""
        return copy.deepcopy(self._updates)

    # -- notifications --------------------------------------------------------------------------

    def _notify_change(self) -> None:
        event, self._change_event = self._change_event, asyncio.Event()
        event.set()

    def _wake_pollers(self) -> None:
        event, self._updates_event = self._updates_event, asyncio.Event()
        event.set()
        self._notify_change()

    async def wait_for_change(self, timeout: float) -> bool:  # noqa: ASYNC109
        """Wait until anything happens (a request, a message, an update); False on timeout."""
        event = self._change_event
        try:
            await asyncio.wait_for(event.wait(), timeout)
        except TimeoutError:
            return False
        return True

    async def _sleep(self, seconds: float) -> None:
        """Sleep, but wake up when the server stops."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._closed.wait(), seconds)

    # -- users and their actions (update producers) -----------------------------------------------

    def new_user(
        self,
        first_name: str = "Léa",
        *,
        last_name: str | None = None,
        username: str | None = None,
        language_code: str | None = "fr",
    ) -> FakeUser:
        """A new user (ids from 1001 up). The bot cannot write to them before they write."""
        user = FakeUser(
            id=next(self._user_ids),
            first_name=first_name,
            last_name=last_name,
            username=username,
            language_code=language_code,
        )
        self._users[user.id] = user
        return user

    def _enqueue(self, kind: str, payload: JsonDict) -> int:
        update_id = next(self._update_ids)
        self._updates.append({"update_id": update_id, kind: payload})
        self.stats.updates_enqueued += 1
        self._wake_pollers()
        return update_id

    def _now(self) -> int:
        return int(self._clock())

    def _new_message_id(self, chat_id: int) -> int:
        message_id = self._next_message_id.get(chat_id, 1)
        self._next_message_id[chat_id] = message_id + 1
        return message_id

    def _open_private(self, user: FakeUser) -> JsonDict:
        self._users.setdefault(user.id, user)
        self._opened_private.add(user.id)
        self._seen_users.add(user.id)
        chat = user.private_chat()
        self._chats[user.id] = chat
        return chat

    def _user_message(self, user: FakeUser, content: JsonDict, chat: JsonDict | None = None) -> int:
        chat = chat if chat is not None else self._open_private(user)
        message: JsonDict = {
            "message_id": self._new_message_id(int(chat["id"])),
            "from": user.to_dict(),
            "chat": chat,
            "date": self._now(),
            **content,
        }
        self._user_messages.setdefault(int(chat["id"]), []).append(message)
        self._user_by_id[(int(chat["id"]), int(message["message_id"]))] = message
        return self._enqueue("message", copy.deepcopy(message))

    def _store_file(
        self,
        kind: str,
        content: bytes,
        filename: str | None = None,
        mime_type: str | None = None,
    ) -> _StoredFile:
        prefixes = {
            "document": "BQACAgQAAxkBAAI",
            "photo": "AgACAgQAAxkBAAI",
            "sticker": "CAACAgQAAxkBAAI",
            "voice": "AwACAgQAAxkBAAI",
        }
        n = next(self._file_counter)
        ext = ""
        if filename and "." in filename:
            ext = filename[filename.rfind(".") :]
        elif kind == "photo":
            ext = ".jpg"
        stored = _StoredFile(
            file_id=f"{prefixes.get(kind, 'BQACAgQAAxkBAAI')}{n:06d}FaKeFiLeId",
            file_unique_id=f"AgAD{n:06d}",
            file_path=f"{kind}s/file_{n}{ext}",
            content=content,
            filename=filename,
            mime_type=mime_type,
        )
        self._files[stored.file_id] = stored
        return stored

    def send_text(self, user: FakeUser, text: str) -> int:
        """The user sends ``text`` to the bot in private; returns the update_id."""
        content: JsonDict = {"text": text}
        entities = _command_entities(text)
        if entities:
            content["entities"] = entities
        return self._user_message(user, content)

    def send_command(self, user: FakeUser, command: str, args: str = "") -> int:
        """``send_command(u, "start", "ref42")`` sends "/start ref42"."""
        text = "/" + command.removeprefix("/")
        if args:
            text += " " + args
        return self.send_text(user, text)

    def send_sticker(self, user: FakeUser, emoji: str = "👍") -> int:
        stored = self._store_file("sticker", b"RIFF fake webp sticker", None, "image/webp")
        sticker = {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "type": "regular",
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
            "emoji": emoji,
            "file_size": len(stored.content),
        }
        return self._user_message(user, {"sticker": sticker})

    def _photo_sizes(self, stored: _StoredFile) -> list[JsonDict]:
        """A thumbnail and the full size, like Telegram's list of PhotoSize."""
        width, height = _image_size(stored.content)
        scale = min(1.0, 90 / max(width, height, 1))
        return [
            {
                "file_id": stored.file_id + "s",
                "file_unique_id": stored.file_unique_id + "s",
                "width": max(1, round(width * scale)),
                "height": max(1, round(height * scale)),
                "file_size": min(len(stored.content), 1500),
            },
            {
                "file_id": stored.file_id,
                "file_unique_id": stored.file_unique_id,
                "width": width,
                "height": height,
                "file_size": len(stored.content),
            },
        ]

    def send_photo(
        self, user: FakeUser, content: bytes = b"\xff\xd8\xff fake jpeg", caption: str | None = None
    ) -> int:
        stored = self._store_file("photo", content, None, "image/jpeg")
        data: JsonDict = {"photo": self._photo_sizes(stored)}
        if caption:
            data["caption"] = caption
        return self._user_message(user, data)

    def send_voice(self, user: FakeUser, duration: int = 3) -> int:
        stored = self._store_file("voice", b"OggS fake voice", None, "audio/ogg")
        voice = {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "duration": duration,
            "mime_type": "audio/ogg",
            "file_size": len(stored.content),
        }
        return self._user_message(user, {"voice": voice})

    def send_location(self, user: FakeUser, lat: float = 48.99, lon: float = 2.45) -> int:
        return self._user_message(user, {"location": {"latitude": lat, "longitude": lon}})

    def send_document(
        self,
        user: FakeUser,
        filename: str = "cv.pdf",
        content: bytes | None = None,
        *,
        mime_type: str | None = None,
        caption: str | None = None,
    ) -> int:
        if content is None:
            content = b"%PDF-1.4 fake document\n" if filename.endswith(".pdf") else b"fake"
        mime = mime_type or mimetypes.guess_type(filename)[0] or "application/octet-stream"
        stored = self._store_file("document", content, filename, mime)
        data: JsonDict = {
            "document": {
                "file_name": filename,
                "mime_type": mime,
                "file_id": stored.file_id,
                "file_unique_id": stored.file_unique_id,
                "file_size": len(content),
            }
        }
        if caption:
            data["caption"] = caption
        return self._user_message(user, data)

    def send_contact(self, user: FakeUser, phone_number: str = "+33612345678") -> int:
        contact: JsonDict = {
            "phone_number": phone_number,
            "first_name": user.first_name,
            "user_id": user.id,
        }
        if user.last_name:
            contact["last_name"] = user.last_name
        return self._user_message(user, {"contact": contact})

    def edit_text(self, user: FakeUser, message_id: int, new_text: str) -> int:
        """The user edits a text message they sent earlier: an ``edited_message`` update."""
        message = self._user_by_id.get((user.chat_id, message_id))
        if message is None or "text" not in message:
            raise ValueError(f"user {user.id} sent no text message {message_id}")
        message["text"] = new_text
        message.pop("entities", None)
        entities = _command_entities(new_text)
        if entities:
            message["entities"] = entities
        message["edit_date"] = self._now()
        return self._enqueue("edited_message", copy.deepcopy(message))

    def user_messages(self, chat_id: int) -> list[JsonDict]:
        """The Bot API Message objects users sent in a chat, in order."""
        return copy.deepcopy(self._user_messages.get(chat_id, []))

    def sent_by_user(self, chat_id: int) -> list[JsonDict]:
        """Alias of :meth:`user_messages`."""
        return self.user_messages(chat_id)

    def press_button(
        self,
        user: FakeUser,
        message: SentMessage | int,
        *,
        text: str | None = None,
        index: int | None = None,
        data: str | None = None,
    ) -> str:
        """The user presses an inline button of a bot message; returns the callback query id.

        Choose the button by visible ``text`` (exact match, else a unique substring), by
        0-based ``index`` over all buttons row by row, or send forged callback ``data``.
        ``message`` is a SentMessage or a message_id in the user's private chat.
        """
        if sum(x is not None for x in (text, index, data)) != 1:
            raise TypeError("press_button needs exactly one of text=, index=, data=")
        if isinstance(message, SentMessage):
            key = (message.chat_id, message.message_id)
        else:
            key = (user.chat_id, message)
        current = self._bot_by_id.get(key)
        if current is None:
            raise ValueError(f"the bot sent no message {key[1]} in chat {key[0]}")
        if current.deleted:
            raise ValueError(f"message {key[1]} in chat {key[0]} was deleted")
        if data is None:
            button = self._pick_button(current, text, index)
            if button.callback_data is None:
                raise ValueError(f"button {button.text!r} has no callback_data (url={button.url})")
            data = button.callback_data
        query_id = str(4_000_000_000_000_000_000 + next(self._callback_ids) * 7919)
        query: JsonDict = {
            "id": query_id,
            "from": user.to_dict(),
            "message": copy.deepcopy(current.raw),
            "chat_instance": str(-(8_000_000_000_000_000_000 + abs(key[0]))),
            "data": data,
        }
        self._users.setdefault(user.id, user)
        self._callback_queries[query_id] = {"answered": False, "query": query}
        self._update_of_query[query_id] = self._enqueue("callback_query", copy.deepcopy(query))
        return query_id

    def update_id_of(self, callback_query_id: str) -> int:
        """The update_id that carried a button press (press_button returns the query id)."""
        return self._update_of_query[callback_query_id]

    @staticmethod
    def _pick_button(message: SentMessage, text: str | None, index: int | None) -> InlineButton:
        flat = [b for row in message.buttons for b in row]
        if not flat:
            raise ValueError(f"message {message.message_id} has no inline keyboard")
        if index is not None:
            if not 0 <= index < len(flat):
                raise ValueError(f"button index {index} out of range (0..{len(flat) - 1})")
            return flat[index]
        assert text is not None
        exact = [b for b in flat if b.text == text]
        if exact:
            return exact[0]
        partial = [b for b in flat if text in b.text] or [
            b for b in flat if text.casefold() in b.text.casefold()
        ]
        if len(partial) == 1:
            return partial[0]
        labels = ", ".join(repr(b.text) for b in flat)
        problem = "matches several buttons" if partial else "matches no button"
        raise ValueError(f"{text!r} {problem}: {labels}")

    def send_group_text(
        self,
        user: FakeUser,
        group_id: int,
        text: str,
        *,
        group_type: str = "supergroup",
        title: str | None = None,
    ) -> int:
        """The user writes in a group the bot is a member of (the bot can then write there)."""
        if group_type not in ("group", "supergroup"):
            raise ValueError("group_type must be 'group' or 'supergroup'")
        if group_id in self._left_groups:
            raise ValueError(f"the bot left group {group_id}: add_bot_to_group first")
        chat = self._chats.get(group_id)
        if chat is None or chat.get("type") != group_type:
            chat = {"id": group_id, "type": group_type, "title": title or f"Groupe {group_id}"}
            self._chats[group_id] = chat
        self._users.setdefault(user.id, user)
        self._seen_users.add(user.id)
        content: JsonDict = {"text": text}
        entities = _command_entities(text)
        if entities:
            content["entities"] = entities
        return self._user_message(user, content, chat=chat)

    def add_bot_to_group(
        self,
        user: FakeUser,
        group_id: int,
        *,
        group_type: str = "supergroup",
        title: str | None = None,
    ) -> int:
        """The user adds the bot to a group: a ``my_chat_member`` update (left -> member)."""
        if group_type not in ("group", "supergroup"):
            raise ValueError("group_type must be 'group' or 'supergroup'")
        chat = self._chats.get(group_id)
        if chat is None or chat.get("type") != group_type:
            chat = {"id": group_id, "type": group_type, "title": title or f"Groupe {group_id}"}
            self._chats[group_id] = chat
        self._left_groups.discard(group_id)
        self._users.setdefault(user.id, user)
        self._seen_users.add(user.id)
        return self._group_member_update(chat, user.to_dict(), "left", "member")

    def _group_member_update(self, chat: JsonDict, by: JsonDict, old: str, new: str) -> int:
        payload: JsonDict = {
            "chat": chat,
            "from": by,
            "date": self._now(),
            "old_chat_member": {"user": self.bot_user, "status": old},
            "new_chat_member": {"user": self.bot_user, "status": new},
        }
        return self._enqueue("my_chat_member", copy.deepcopy(payload))

    def left_group(self, group_id: int) -> bool:
        """Whether the bot left this group (leaveChat) and was not added back."""
        return group_id in self._left_groups

    def send_channel_post(self, channel_id: int, text: str, *, title: str | None = None) -> int:
        """A post in a channel where the bot is an administrator: a ``channel_post`` update."""
        chat = self._chats.get(channel_id)
        if chat is None:
            chat = {"id": channel_id, "type": "channel", "title": title or f"Canal {channel_id}"}
            self._chats[channel_id] = chat
        post: JsonDict = {
            "message_id": self._new_message_id(channel_id),
            "sender_chat": chat,
            "chat": chat,
            "date": self._now(),
            "text": text,
        }
        self._user_messages.setdefault(channel_id, []).append(post)
        self._user_by_id[(channel_id, int(post["message_id"]))] = post
        return self._enqueue("channel_post", copy.deepcopy(post))

    def _member_update(self, user: FakeUser, old: str, new: str) -> int:
        def member(status: str) -> JsonDict:
            data: JsonDict = {"user": self.bot_user, "status": status}
            if status == "kicked":
                data["until_date"] = 0
            return data

        payload: JsonDict = {
            "chat": user.private_chat(),
            "from": user.to_dict(),
            "date": self._now(),
            "old_chat_member": member(old),
            "new_chat_member": member(new),
        }
        return self._enqueue("my_chat_member", payload)

    def block_bot(self, user: FakeUser) -> None:
        """The user blocks the bot: sends to them get 403, a my_chat_member update is sent."""
        if user.id in self._blocked:
            return
        self._blocked.add(user.id)
        if user.id in self._opened_private:
            self._member_update(user, "member", "kicked")

    def unblock_bot(self, user: FakeUser) -> None:
        if user.id not in self._blocked:
            return
        self._blocked.discard(user.id)
        if user.id in self._opened_private:
            self._member_update(user, "kicked", "member")

    def deactivate_user(self, user: FakeUser) -> None:
        """The account is deleted: sends get 403 "Forbidden: user is deactivated"."""
        self._deactivated.add(user.id)

    # -- reading what the bot did ---------------------------------------------------------------

    def messages(self, chat_id: int) -> list[SentMessage]:
        """Snapshots of the bot's messages in a chat, in order (including deleted ones)."""
        return [copy.deepcopy(m) for m in self._bot_messages.get(chat_id, [])]

    def last_message(self, chat_id: int) -> SentMessage | None:
        """The latest message of the bot in the chat that is not deleted."""
        for message in reversed(self._bot_messages.get(chat_id, [])):
            if not message.deleted:
                return copy.deepcopy(message)
        return None

    def get_file_content(self, file_id: str) -> bytes:
        return self._files[file_id].content

    def commands(self, scope: JsonDict | None = None, language_code: str = "") -> list[JsonDict]:
        """Commands set with setMyCommands for this scope and language."""
        key = (_canonical_json(scope or {"type": "default"}), language_code)
        return copy.deepcopy(self._commands.get(key, []))

    def menu_button(self, chat_id: int | None = None) -> JsonDict | None:
        return copy.deepcopy(self._menu_buttons.get(chat_id))

    def _describe_chat(self, chat_id: int, start: int = 0) -> str:
        messages = self._bot_messages.get(chat_id, [])
        if not messages:
            return "  (the bot sent nothing in this chat)"
        lines = []
        for i, m in list(enumerate(messages))[-8:]:
            flags = (" [deleted]" if m.deleted else "") + (
                f" [edited x{m.edit_count}]" if m.edit_count else ""
            )
            marker = "  " if i < start else "* "
            buttons = " | ".join(b.text for row in m.buttons for b in row)
            extra = f"  buttons: {buttons}" if buttons else ""
            doc = f" [document {m.document.filename}]" if m.document else ""
            lines.append(f"{marker}#{i} id={m.message_id}{flags}{doc}: {m.plain_text!r}{extra}")
        return "\n".join(lines)

    async def wait_for_message(
        self,
        chat_id: int,
        *,
        after: int,
        timeout: float = 5.0,  # noqa: ASYNC109
        predicate: Callable[[SentMessage], bool] | None = None,
    ) -> SentMessage:
        """Wait for a bot message in the chat with list index >= ``after`` (the number of
        messages already seen) that matches ``predicate``; edits count, as messages are
        checked in their current state. Raises AssertionError on timeout."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            event = self._change_event
            for message in self._bot_messages.get(chat_id, [])[after:]:
                if predicate is None or predicate(message):
                    return copy.deepcopy(message)
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise AssertionError(
                    f"no matching bot message in chat {chat_id} at index >= {after} after "
                    f"{timeout}s; recent messages (* = new):\n{self._describe_chat(chat_id, after)}"
                )
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(event.wait(), remaining)

    async def wait_for_callback_answer(
        self,
        callback_query_id: str,
        timeout: float = 5.0,  # noqa: ASYNC109
    ) -> JsonDict:
        """Wait until the bot answers the callback query; returns the answer's parameters."""
        await self.wait_until(
            lambda: callback_query_id in self.callback_answers,
            timeout,
            message=f"callback query {callback_query_id} was not answered",
        )
        return dict(self.callback_answers[callback_query_id])

    async def wait_until(
        self,
        predicate: Callable[[], bool],
        timeout: float = 5.0,  # noqa: ASYNC109
        *,
        message: str = "",
    ) -> None:
        """Wait until ``predicate()`` is true, re-checking on every server event (and every
        50 ms in case it depends on something else). Raises AssertionError on timeout."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            event = self._change_event
            if predicate():
                return
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise AssertionError(message or f"condition not met within {timeout}s")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(event.wait(), min(remaining, 0.05))

    def requests_for(self, method: str) -> list[RecordedRequest]:
        lowered = method.lower()
        return [r for r in self.requests if r.method.lower() == lowered]

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
                description = _DEFAULT_DESCRIPTIONS.get(status, f"Error {status}")
        self._faults.append(
            _Fault(
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

    def _take_fault(self, method: str, params: JsonDict) -> _Fault | None:
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
            self._overall_bucket = _TokenBucket(
                limits.overall_per_second, limits.overall_per_second, now
            )
        buckets = [self._overall_bucket]
        chat_bucket = self._chat_buckets.get(chat_id)
        if chat_bucket is None:
            chat_bucket = _TokenBucket(limits.per_chat_per_second, limits.per_chat_burst, now)
            self._chat_buckets[chat_id] = chat_bucket
        buckets.append(chat_bucket)
        if chat.get("type") in ("group", "supergroup"):
            group_bucket = self._group_buckets.get(chat_id)
            if group_bucket is None:
                per_minute = limits.per_group_per_minute
                group_bucket = _TokenBucket(per_minute / 60, per_minute, now)
                self._group_buckets[chat_id] = group_bucket
            buckets.append(group_bucket)
        wait = max(bucket.wait_time(now) for bucket in buckets)
        if wait > 0:
            self.stats.rate_limited += 1
            retry_after = max(1, math.ceil(wait)) if math.isfinite(wait) else 3600
            raise _ApiError(429, f"Too Many Requests: retry after {retry_after}", retry_after)
        for bucket in buckets:
            bucket.take()

    # -- HTTP plumbing ----------------------------------------------------------------------------

    @staticmethod
    def _response(status: int, body: JsonDict) -> web.Response:
        return web.json_response(body, status=status)

    def _error_body(self, error: _ApiError) -> JsonDict:
        body: JsonDict = {"ok": False, "error_code": error.status, "description": error.description}
        if error.retry_after is not None:
            body["parameters"] = {"retry_after": error.retry_after}
        return body

    async def _read_params(self, request: web.Request) -> tuple[JsonDict, dict[str, UploadedFile]]:
        params: JsonDict = {}
        files: dict[str, UploadedFile] = {}
        for key, value in request.query.items():
            params[key] = _decode_form_value(key, value)
        if not request.body_exists:
            return params, files
        if request.content_type == "application/json":
            try:
                body = await request.json()
            except ValueError as exc:
                raise _ApiError(400, "Bad Request: can't parse JSON request body") from exc
            if not isinstance(body, dict):
                raise _ApiError(400, "Bad Request: JSON request body must be an object")
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
                    params[key] = _decode_form_value(key, item)
                else:
                    params[key] = _decode_form_value(key, bytes(item).decode("utf-8", "replace"))
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
                raise _ApiError(401, "Unauthorized")
            if entry is None:
                raise _ApiError(404, "Not Found")
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
                raise _ApiError(fault.status, fault.description, fault.retry_after)
            result = await entry[1](_Call(method_name, params, files))
            status, body = 200, {"ok": True, "result": result}
        except _ApiError as error:
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

    # -- parameter helpers ------------------------------------------------------------------------

    @staticmethod
    def _int(params: JsonDict, name: str, default: int | None = None) -> int | None:
        value = params.get(name)
        if value is None:
            return default
        if isinstance(value, bool):
            raise _ApiError(400, f'Bad Request: field "{name}" must be of type Integer')
        if isinstance(value, int):
            return value
        if isinstance(value, float) and value.is_integer():
            return int(value)
        if isinstance(value, str) and value.strip().lstrip("-").isdigit():
            return int(value)
        raise _ApiError(400, f'Bad Request: field "{name}" must be of type Integer')

    @staticmethod
    def _float(params: JsonDict, name: str, default: float) -> float:
        value = params.get(name)
        if value is None:
            return default
        try:
            return float(value)
        except (TypeError, ValueError) as exc:
            raise _ApiError(400, f'Bad Request: field "{name}" must be a Number') from exc

    @staticmethod
    def _bool(params: JsonDict, name: str) -> bool:
        value = params.get(name)
        if isinstance(value, str):
            return value.lower() in ("true", "1")
        return bool(value)

    @staticmethod
    def _str(params: JsonDict, name: str) -> str | None:
        value = params.get(name)
        if value is None:
            return None
        return value if isinstance(value, str) else json.dumps(value)

    @staticmethod
    def _json(params: JsonDict, name: str, error: str) -> Any:
        value = params.get(name)
        if isinstance(value, str):
            try:
                value = json.loads(value)
            except ValueError as exc:
                raise _ApiError(400, error) from exc
        return value

    def _resolve_chat(self, params: JsonDict, *, for_sending: bool = True) -> JsonDict:
        """The chat a method targets, with Telegram's errors for unreachable chats."""
        raw = params.get("chat_id")
        if raw is None or raw == "":
            raise _ApiError(400, "Bad Request: chat_id is empty")
        chat: JsonDict | None = None
        if isinstance(raw, str) and raw.startswith("@"):
            wanted = raw[1:].lower()
            chat = next(
                (c for c in self._chats.values() if str(c.get("username", "")).lower() == wanted),
                None,
            )
        else:
            chat_id = self._int(params, "chat_id")
            assert chat_id is not None
            if chat_id in self._users or chat_id in self._opened_private:
                user_chat_id = chat_id
                if user_chat_id in self._deactivated:
                    raise _ApiError(403, "Forbidden: user is deactivated")
                if user_chat_id not in self._opened_private:
                    if user_chat_id in self._seen_users:
                        raise _ApiError(
                            403, "Forbidden: bot can't initiate conversation with a user"
                        )
                    raise _ApiError(400, "Bad Request: chat not found")
                if for_sending and user_chat_id in self._blocked:
                    raise _ApiError(403, "Forbidden: bot was blocked by the user")
            chat = self._chats.get(chat_id)
        if chat is None:
            raise _ApiError(400, "Bad Request: chat not found")
        if for_sending and int(chat["id"]) in self._left_groups:
            raise _ApiError(403, f"Forbidden: bot is not a member of the {chat['type']} chat")
        return chat

    def _format(
        self, params: JsonDict, text_key: str, entities_key: str
    ) -> tuple[str, str, list[JsonDict], str | None]:
        """(text as sent, plain text, entities, parse_mode) with Telegram's parse errors."""
        text = self._str(params, text_key) or ""
        parse_mode = self._str(params, "parse_mode") or None
        entities: list[JsonDict] = []
        if parse_mode is not None and parse_mode.lower() == "html":
            try:
                parsed = parse_telegram_html(text)
            except HtmlParseError as error:
                raise _ApiError(
                    400, f"Bad Request: can't parse entities: {error.description}"
                ) from error
            plain, entities = parsed.text, parsed.entities
        elif parse_mode is not None and parse_mode.lower() in ("markdown", "markdownv2"):
            plain = text  # Markdown is not interpreted by the fake
        elif parse_mode is not None:
            raise _ApiError(400, f"Bad Request: unsupported parse_mode {parse_mode!r}")
        else:
            plain = text
            given = self._json(
                params, entities_key, f"Bad Request: can't parse {entities_key} JSON object"
            )
            if isinstance(given, list):
                entities = [e for e in given if isinstance(e, dict)]
        plain, entities = _trim(plain, entities)
        return text, plain, entities, parse_mode

    def _markup(self, params: JsonDict) -> JsonDict | None:
        markup = self._json(
            params, "reply_markup", "Bad Request: can't parse reply keyboard markup JSON object"
        )
        if markup is None:
            return None
        if not isinstance(markup, dict):
            raise _ApiError(400, "Bad Request: can't parse reply keyboard markup JSON object")
        if "inline_keyboard" in markup:
            rows = markup["inline_keyboard"]
            if not isinstance(rows, list) or not all(isinstance(r, list) for r in rows):
                raise _ApiError(
                    400, 'Bad Request: field "inline_keyboard" must be an Array of Arrays'
                )
            for row in rows:
                for button in row:
                    self._check_inline_button(button)
        elif "keyboard" in markup:
            rows = markup["keyboard"]
            if not isinstance(rows, list) or not all(isinstance(r, list) for r in rows):
                raise _ApiError(400, 'Bad Request: field "keyboard" must be an Array of Arrays')
            for row in rows:
                for button in row:
                    label = button if isinstance(button, str) else button.get("text")
                    if not isinstance(label, str) or not label:
                        raise _ApiError(400, "Bad Request: keyboard button text must be non-empty")
        elif not ("remove_keyboard" in markup or "force_reply" in markup):
            raise _ApiError(400, "Bad Request: can't parse reply keyboard markup JSON object")
        return markup

    @staticmethod
    def _check_inline_button(button: Any) -> None:
        if not isinstance(button, dict) or not isinstance(button.get("text"), str):
            raise _ApiError(
                400,
                'Bad Request: can\'t parse inline keyboard button: Field "text" must be '
                "of type String",
            )
        if not any(kind in button for kind in _INLINE_BUTTON_KINDS):
            raise _ApiError(400, "Bad Request: text buttons are unallowed in the inline keyboard")
        if "callback_data" in button:
            data = button["callback_data"]
            if (
                not isinstance(data, str)
                or not data
                or len(data.encode("utf-8")) > MAX_CALLBACK_DATA_BYTES
            ):
                raise _ApiError(400, "Bad Request: BUTTON_DATA_INVALID")
        if "url" in button:
            url = button["url"]
            if not isinstance(url, str) or not _URL_RE.fullmatch(url):
                raise _ApiError(400, "Bad Request: BUTTON_URL_INVALID")

    def _reply_to(self, params: JsonDict, chat_id: int) -> JsonDict | None:
        reply = self._json(params, "reply_parameters", "Bad Request: can't parse reply parameters")
        message_id: int | None = None
        if isinstance(reply, dict) and isinstance(reply.get("message_id"), int):
            message_id = reply["message_id"]
        elif params.get("reply_to_message_id") is not None:
            message_id = self._int(params, "reply_to_message_id")
        if message_id is None:
            return None
        target: JsonDict | None = self._user_by_id.get((chat_id, message_id))
        if target is None and (chat_id, message_id) in self._bot_by_id:
            target = self._bot_by_id[(chat_id, message_id)].raw
        if target is None:
            if isinstance(reply, dict) and reply.get("allow_sending_without_reply"):
                return None
            raise _ApiError(400, "Bad Request: message to be replied not found")
        return {k: v for k, v in copy.deepcopy(target).items() if k != "reply_to_message"}

    # -- message storage --------------------------------------------------------------------------

    def _base_raw(self, chat: JsonDict, message_id: int, date: int) -> JsonDict:
        raw: JsonDict = {"message_id": message_id}
        if chat.get("type") == "channel":
            raw["sender_chat"] = chat
        else:
            raw["from"] = self.bot_user
        raw["chat"] = chat
        raw["date"] = date
        return raw

    def _render_raw(self, message: SentMessage, chat: JsonDict, extra: JsonDict) -> None:
        """Rebuild message.raw (the Bot API Message) from the message's current state."""
        raw = self._base_raw(chat, message.message_id, message.date)
        raw.update(extra)
        if message.reply_markup is not None and "inline_keyboard" in message.reply_markup:
            raw["reply_markup"] = {"inline_keyboard": message.reply_markup["inline_keyboard"]}
        message.raw = raw

    def _deliver(self, message: SentMessage) -> JsonDict:
        self._bot_messages.setdefault(message.chat_id, []).append(message)
        self._bot_by_id[(message.chat_id, message.message_id)] = message
        self.stats.messages_delivered += 1
        self._notify_change()
        return copy.deepcopy(message.raw)

    def _editable(self, params: JsonDict) -> tuple[SentMessage, JsonDict]:
        if params.get("inline_message_id"):
            raise _ApiError(400, "Bad Request: message to edit not found")
        chat = self._resolve_chat(params)
        message_id = self._int(params, "message_id")
        if message_id is None:
            raise _ApiError(400, "Bad Request: message identifier is not specified")
        chat_id = int(chat["id"])
        message = self._bot_by_id.get((chat_id, message_id))
        if message is None or message.deleted:
            if (chat_id, message_id) in self._user_by_id and message is None:
                raise _ApiError(400, "Bad Request: message can't be edited")
            raise _ApiError(400, "Bad Request: message to edit not found")
        return message, chat

    def _commit_edit(self, message: SentMessage) -> JsonDict:
        message.edit_count += 1
        message.raw["edit_date"] = self._now()
        self.stats.messages_edited += 1
        self._notify_change()
        return copy.deepcopy(message.raw)

    # -- API methods ------------------------------------------------------------------------------

    async def _true(self, call: _Call) -> bool:
        return True

    async def _get_me(self, call: _Call) -> JsonDict:
        return {
            **self.bot_user,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    async def _get_updates(self, call: _Call) -> list[JsonDict]:
        params = call.params
        if self._webhook is not None:
            raise _ApiError(
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
                frozenset(str(a) for a in allowed) if allowed else _DEFAULT_UPDATE_TYPES
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
                raise _ApiError(
                    409,
                    "Conflict: terminated by other getUpdates request; make sure that only one "
                    "bot instance is running",
                )
            matching = [u for u in self._updates if _update_type(u) in self._allowed_updates]
            remaining = deadline - loop.time()
            if matching or remaining <= 0 or self._closing:
                return copy.deepcopy(matching[:limit])
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(event.wait(), remaining)

    async def _set_webhook(self, call: _Call) -> bool:
        url = self._str(call.params, "url") or ""
        if self._bool(call.params, "drop_pending_updates"):
            self._updates.clear()
        if not url:
            self._webhook = None
            return True
        if not url.startswith("https://"):
            raise _ApiError(
                400, "Bad Request: bad webhook: An HTTPS URL must be provided for webhook"
            )
        self._webhook = {
            "url": url,
            "secret_token": self._str(call.params, "secret_token"),
            "max_connections": self._int(call.params, "max_connections", 40),
            "allowed_updates": self._json(call.params, "allowed_updates", "Bad Request"),
        }
        return True

    async def _delete_webhook(self, call: _Call) -> bool:
        self._webhook = None
        if self._bool(call.params, "drop_pending_updates"):
            self._updates.clear()
        return True

    async def _get_webhook_info(self, call: _Call) -> JsonDict:
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

    async def _send_message(self, call: _Call) -> JsonDict:
        params = call.params
        text, plain, entities, parse_mode = self._format(params, "text", "entities")
        if not plain:
            raise _ApiError(400, "Bad Request: message text is empty")
        if len(plain) > MAX_TEXT_LENGTH:
            raise _ApiError(400, "Bad Request: message is too long")
        markup = self._markup(params)
        chat = self._resolve_chat(params)
        chat_id = int(chat["id"])
        reply_to = self._reply_to(params, chat_id)
        self._check_rate(chat)
        message = SentMessage(
            message_id=self._new_message_id(chat_id),
            chat_id=chat_id,
            text=text,
            plain_text=plain,
            parse_mode=parse_mode,
            reply_markup=markup,
            date=self._now(),
        )
        extra: JsonDict = {"text": plain}
        if entities:
            extra["entities"] = entities
        if reply_to is not None:
            extra["reply_to_message"] = reply_to
        self._render_raw(message, chat, extra)
        return self._deliver(message)

    async def _edit_message_text(self, call: _Call) -> JsonDict:
        params = call.params
        text, plain, entities, parse_mode = self._format(params, "text", "entities")
        if not plain:
            raise _ApiError(400, "Bad Request: message text is empty")
        if len(plain) > MAX_TEXT_LENGTH:
            raise _ApiError(400, "Bad Request: message is too long")
        markup = self._markup(params)
        message, chat = self._editable(params)
        if "text" not in message.raw:
            raise _ApiError(400, "Bad Request: there is no text in the message to edit")
        old_inline = message.raw.get("reply_markup")
        new_inline = (
            {"inline_keyboard": markup["inline_keyboard"]}
            if markup and "inline_keyboard" in markup
            else None
        )
        same_text = message.raw["text"] == plain and message.raw.get("entities", []) == entities
        if same_text and _canonical_json(old_inline) == _canonical_json(new_inline):
            raise _ApiError(400, _NOT_MODIFIED)
        self._check_rate(chat)
        message.text, message.plain_text, message.parse_mode = text, plain, parse_mode
        # Without reply_markup, Telegram removes the inline keyboard.
        message.reply_markup = new_inline
        extra: JsonDict = {"text": plain}
        if entities:
            extra["entities"] = entities
        if "reply_to_message" in message.raw:
            extra["reply_to_message"] = message.raw["reply_to_message"]
        self._render_raw(message, chat, extra)
        return self._commit_edit(message)

    async def _edit_message_caption(self, call: _Call) -> JsonDict:
        params = call.params
        caption, plain, entities, parse_mode = self._format(params, "caption", "caption_entities")
        if len(plain) > MAX_CAPTION_LENGTH:
            raise _ApiError(400, "Bad Request: message caption is too long")
        markup = self._markup(params)
        message, chat = self._editable(params)
        if "text" in message.raw:
            raise _ApiError(400, "Bad Request: there is no caption in the message to edit")
        new_inline = (
            {"inline_keyboard": markup["inline_keyboard"]}
            if markup and "inline_keyboard" in markup
            else None
        )
        same = (
            message.raw.get("caption", "") == plain
            and message.raw.get("caption_entities", []) == entities
            and _canonical_json(message.raw.get("reply_markup")) == _canonical_json(new_inline)
        )
        if same:
            raise _ApiError(400, _NOT_MODIFIED)
        self._check_rate(chat)
        message.caption, message.plain_text, message.parse_mode = caption or None, plain, parse_mode
        message.reply_markup = new_inline
        extra = {
            k: v for k, v in message.raw.items() if k in ("document", "photo", "reply_to_message")
        }
        if plain:
            extra["caption"] = plain
        if entities:
            extra["caption_entities"] = entities
        self._render_raw(message, chat, extra)
        return self._commit_edit(message)

    async def _edit_message_reply_markup(self, call: _Call) -> JsonDict:
        markup = self._markup(call.params)
        message, chat = self._editable(call.params)
        if markup is not None and "inline_keyboard" not in markup:
            raise _ApiError(400, "Bad Request: inline keyboard expected")
        if _canonical_json(message.raw.get("reply_markup")) == _canonical_json(markup):
            raise _ApiError(400, _NOT_MODIFIED)
        self._check_rate(chat)
        message.reply_markup = markup
        if markup is None:
            message.raw.pop("reply_markup", None)
        else:
            message.raw["reply_markup"] = {"inline_keyboard": markup["inline_keyboard"]}
        return self._commit_edit(message)

    async def _delete_message(self, call: _Call) -> bool:
        chat = self._resolve_chat(call.params, for_sending=False)
        chat_id = int(chat["id"])
        message_id = self._int(call.params, "message_id")
        if message_id is None:
            raise _ApiError(400, "Bad Request: message identifier is not specified")
        message = self._bot_by_id.get((chat_id, message_id))
        if message is not None and not message.deleted:
            message.deleted = True
        elif (chat_id, message_id) in self._user_by_id:
            incoming = self._user_by_id.pop((chat_id, message_id))
            incoming["deleted"] = True
        else:
            raise _ApiError(400, "Bad Request: message to delete not found")
        self.stats.messages_deleted += 1
        self._notify_change()
        return True

    async def _answer_callback_query(self, call: _Call) -> bool:
        query_id = self._str(call.params, "callback_query_id")
        entry = self._callback_queries.get(query_id or "")
        if query_id is None or entry is None or entry["answered"]:
            raise _ApiError(400, _QUERY_TOO_OLD)
        text = self._str(call.params, "text")
        if text is not None and len(text) > 200:
            raise _ApiError(400, "Bad Request: MESSAGE_TOO_LONG")
        entry["answered"] = True
        self.callback_answers[query_id] = {
            "text": text,
            "show_alert": self._bool(call.params, "show_alert"),
            "url": self._str(call.params, "url"),
            "cache_time": self._int(call.params, "cache_time", 0),
        }
        self._notify_change()
        return True

    def _upload(self, call: _Call, field_name: str, kind: str) -> _StoredFile:
        """The file of a send* call: an uploaded part, an attach:// reference, a known file_id
        or a URL (stored empty: the fake never fetches anything)."""
        value = call.params.get(field_name)
        upload = call.files.get(field_name)
        if isinstance(value, str) and value.startswith("attach://"):
            upload = call.files.get(value.removeprefix("attach://"))
            if upload is None:
                raise _ApiError(400, f"Bad Request: file {value} not found in the request")
        if upload is not None:
            if not upload.content:
                raise _ApiError(400, "Bad Request: file must be non-empty")
            return self._store_file(kind, upload.content, upload.filename, upload.mime_type)
        if isinstance(value, str) and value:
            known = self._files.get(value) or self._files.get(value.removesuffix("s"))
            if known is not None:
                return known
            if value.startswith(("http://", "https://")):
                name = value.rstrip("/").rsplit("/", 1)[-1] or "file"
                mime = mimetypes.guess_type(name)[0] or "application/octet-stream"
                return self._store_file(kind, b"", name, mime)
            raise _ApiError(400, "Bad Request: wrong file identifier/HTTP URL specified")
        raise _ApiError(400, f"Bad Request: there is no {field_name} in the request")

    async def _send_media(self, call: _Call, kind: str) -> JsonDict:
        params = call.params
        caption, plain, entities, parse_mode = self._format(params, "caption", "caption_entities")
        if len(plain) > MAX_CAPTION_LENGTH:
            raise _ApiError(400, "Bad Request: message caption is too long")
        markup = self._markup(params)
        chat = self._resolve_chat(params)
        chat_id = int(chat["id"])
        reply_to = self._reply_to(params, chat_id)
        stored = self._upload(call, kind, kind)
        self._check_rate(chat)
        extra: JsonDict = {}
        document: SentDocument | None = None
        photo: bytes | None = None
        if kind == "document":
            filename = stored.filename or "document"
            mime = stored.mime_type or "application/octet-stream"
            document = SentDocument(filename, stored.content, mime, stored.file_id)
            extra["document"] = {
                "file_name": filename,
                "mime_type": mime,
                "file_id": stored.file_id,
                "file_unique_id": stored.file_unique_id,
                "file_size": len(stored.content),
            }
        else:
            photo = stored.content
            extra["photo"] = self._photo_sizes(stored)
        if plain:
            extra["caption"] = plain
        if entities:
            extra["caption_entities"] = entities
        if reply_to is not None:
            extra["reply_to_message"] = reply_to
        message = SentMessage(
            message_id=self._new_message_id(chat_id),
            chat_id=chat_id,
            text="",
            plain_text=plain,
            parse_mode=parse_mode,
            reply_markup=markup,
            document=document,
            photo=photo,
            caption=caption or None,
            date=self._now(),
        )
        self._render_raw(message, chat, extra)
        return self._deliver(message)

    async def _send_document(self, call: _Call) -> JsonDict:
        return await self._send_media(call, "document")

    async def _send_photo(self, call: _Call) -> JsonDict:
        return await self._send_media(call, "photo")

    async def _send_chat_action(self, call: _Call) -> bool:
        action = self._str(call.params, "action")
        if action not in _CHAT_ACTIONS:
            raise _ApiError(400, "Bad Request: wrong parameter action in request")
        self._resolve_chat(call.params)
        return True

    async def _get_file(self, call: _Call) -> JsonDict:
        file_id = self._str(call.params, "file_id") or ""
        stored = self._files.get(file_id) or self._files.get(file_id.removesuffix("s"))
        if stored is None:
            raise _ApiError(400, "Bad Request: invalid file_id")
        return {
            "file_id": file_id,
            "file_unique_id": stored.file_unique_id,
            "file_size": len(stored.content),
            "file_path": stored.file_path,
        }

    async def _get_chat(self, call: _Call) -> JsonDict:
        chat = self._resolve_chat(call.params, for_sending=False)
        return {
            **chat,
            "accent_color_id": 0,
            "max_reaction_count": 11,
            "accepted_gift_types": {
                "unlimited_gifts": False,
                "limited_gifts": False,
                "unique_gifts": False,
                "premium_subscription": False,
                "gifts_from_channels": False,
            },
        }

    async def _leave_chat(self, call: _Call) -> bool:
        # Like Telegram: True, the bot's own my_chat_member update (member -> left), and from then
        # on sending there gets 403 "bot is not a member of the group chat".
        chat = self._resolve_chat(call.params, for_sending=True)
        if chat.get("type") == "private":
            raise _ApiError(
                400, "Bad Request: chat member status can't be changed in private chats"
            )
        self._left_groups.add(int(chat["id"]))
        self._group_member_update(chat, self.bot_user, "member", "left")
        return True

    def _commands_key(self, params: JsonDict) -> tuple[str, str]:
        scope = self._json(params, "scope", "Bad Request: can't parse BotCommandScope JSON object")
        if scope is None:
            scope = {"type": "default"}
        if not isinstance(scope, dict) or "type" not in scope:
            raise _ApiError(400, "Bad Request: can't parse BotCommandScope JSON object")
        if scope["type"] in ("chat", "chat_administrators", "chat_member"):
            # Like Telegram: a chat scope needs a chat the bot knows ("chat not found").
            self._resolve_chat({"chat_id": scope.get("chat_id")}, for_sending=False)
        return _canonical_json(scope), self._str(params, "language_code") or ""

    async def _set_my_commands(self, call: _Call) -> bool:
        commands = self._json(call.params, "commands", "Bad Request: can't parse commands JSON")
        if not isinstance(commands, list):
            raise _ApiError(400, 'Bad Request: field "commands" must be an Array')
        if len(commands) > 100:
            raise _ApiError(400, "Bad Request: too many commands")
        cleaned: list[JsonDict] = []
        for command in commands:
            if not isinstance(command, dict):
                raise _ApiError(400, "Bad Request: can't parse BotCommand JSON object")
            name = command.get("command")
            description = command.get("description")
            if not isinstance(name, str) or not _BOT_COMMAND_NAME_RE.fullmatch(name):
                raise _ApiError(400, "Bad Request: BOT_COMMAND_INVALID")
            if not isinstance(description, str) or not 1 <= len(description) <= 256:
                raise _ApiError(400, "Bad Request: command description is invalid")
            cleaned.append({"command": name, "description": description})
        key = self._commands_key(call.params)
        if cleaned:
            self._commands[key] = cleaned
        else:
            self._commands.pop(key, None)
        return True

    async def _get_my_commands(self, call: _Call) -> list[JsonDict]:
        return copy.deepcopy(self._commands.get(self._commands_key(call.params), []))

    async def _delete_my_commands(self, call: _Call) -> bool:
        self._commands.pop(self._commands_key(call.params), None)
        return True

    async def _set_chat_menu_button(self, call: _Call) -> bool:
        chat_id = None
        if call.params.get("chat_id") is not None:
            chat_id = int(self._resolve_chat(call.params, for_sending=False)["id"])
        button = self._json(call.params, "menu_button", "Bad Request: can't parse menu button")
        if button is None:
            self._menu_buttons.pop(chat_id, None)
            return True
        if not isinstance(button, dict) or button.get("type") not in (
            "commands",
            "web_app",
            "default",
        ):
            raise _ApiError(400, "Bad Request: can't parse menu button")
        self._menu_buttons[chat_id] = button
        return True

    async def _get_chat_menu_button(self, call: _Call) -> JsonDict:
        chat_id = None
        if call.params.get("chat_id") is not None:
            chat_id = int(self._resolve_chat(call.params, for_sending=False)["id"])
        button = self._menu_buttons.get(chat_id) or self._menu_buttons.get(None)
        return copy.deepcopy(button) if button else {"type": "default"}

    def _bot_text_setter(self, key: str) -> Handler:
        async def handler(call: _Call) -> bool:
            language = self._str(call.params, "language_code") or ""
            value = self._str(call.params, key)
            if value:
                self._bot_texts[(key, language)] = value
            else:
                self._bot_texts.pop((key, language), None)
            return True

        return handler

    def _bot_text_getter(self, key: str) -> Handler:
        async def handler(call: _Call) -> JsonDict:
            language = self._str(call.params, "language_code") or ""
            value = self._bot_texts.get((key, language))
            if value is None and key == "name":
                value = self.bot_first_name
            return {key: value or ""}

        return handler

    # -- HTTP control endpoints (for tools outside Python) ----------------------------------------

    @staticmethod
    async def _ctl_body(request: web.Request) -> JsonDict:
        try:
            body = await request.json()
        except ValueError as exc:
            raise web.HTTPBadRequest(text="JSON body expected") from exc
        if not isinstance(body, dict):
            raise web.HTTPBadRequest(text="JSON object expected")
        return body

    def _ctl_user(self, body: Mapping[str, Any]) -> FakeUser:
        try:
            user = self._users.get(int(body.get("user_id", 0)))
        except (TypeError, ValueError) as exc:
            raise web.HTTPBadRequest(text="user_id must be an integer") from exc
        if user is None:
            raise web.HTTPNotFound(text="unknown user_id")
        return user

    async def _ctl_users(self, request: web.Request) -> web.Response:
        body = await self._ctl_body(request)
        user = self.new_user(
            str(body.get("first_name", "Léa")),
            last_name=body.get("last_name"),
            username=body.get("username"),
            language_code=body.get("language_code", "fr"),
        )
        return self._response(200, {"ok": True, "result": {**user.to_dict(), "chat_id": user.id}})

    async def _ctl_send_text(self, request: web.Request) -> web.Response:
        body = await self._ctl_body(request)
        update_id = self.send_text(self._ctl_user(body), str(body.get("text", "")))
        return self._response(200, {"ok": True, "result": {"update_id": update_id}})

    async def _ctl_press_button(self, request: web.Request) -> web.Response:
        body = await self._ctl_body(request)
        user = self._ctl_user(body)
        try:
            query_id = self.press_button(
                user,
                int(body["message_id"]),
                text=body.get("text"),
                index=body.get("index"),
                data=body.get("data"),
            )
        except (KeyError, TypeError, ValueError) as exc:
            return self._response(400, {"ok": False, "description": str(exc)})
        return self._response(200, {"ok": True, "result": {"callback_query_id": query_id}})

    async def _ctl_messages(self, request: web.Request) -> web.Response:
        try:
            chat_id = int(request.query["chat_id"])
        except (KeyError, ValueError):
            return self._response(400, {"ok": False, "description": "chat_id expected"})
        result = []
        for m in self.messages(chat_id):
            item = dataclasses.asdict(m)
            item.pop("raw")
            item.pop("photo")
            document = item.pop("document")
            item["document"] = (
                None
                if document is None
                else {"filename": document["filename"], "size": len(document["content"])}
            )
            item["buttons"] = [[dataclasses.asdict(b) for b in row] for row in m.buttons]
            result.append(item)
        return self._response(200, {"ok": True, "result": result})
