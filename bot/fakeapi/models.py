"""Data of the fake Telegram server: users, messages and files as tests see them, plus its
internal records (stored files, injected faults, token buckets).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from bot.fakeapi.protocol import (
    JsonDict,
)

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
    def thread_id(self) -> int | None:
        """The forum topic it was sent to (``message_thread_id``), if any."""
        value = self.raw.get("message_thread_id")
        return value if isinstance(value, int) else None

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


@dataclass(slots=True)
class Fault:
    method: str | None
    status: int
    description: str
    retry_after: int | None
    remaining: int
    chat_id: int | str | None


@dataclass(slots=True)
class StoredFile:
    file_id: str
    file_unique_id: str
    file_path: str
    content: bytes
    filename: str | None
    mime_type: str | None


@dataclass(slots=True)
class Call:
    method: str
    params: JsonDict
    files: dict[str, UploadedFile]


class TokenBucket:
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


Handler = Callable[[Call], Awaitable[Any]]
