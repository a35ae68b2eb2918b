"""State of the fake Telegram server and the helpers every method family shares: lifecycle
events, ids, chats, files, parameters parsing and chat resolution.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import itertools
import json
import time
from collections.abc import Callable
from typing import Any

from aiohttp import web

from bot.fakeapi.models import (
    FakeStats,
    FakeUser,
    Fault,
    RateLimits,
    RecordedRequest,
    SentMessage,
    StoredFile,
    TokenBucket,
)
from bot.fakeapi.protocol import (
    DEFAULT_TOKEN,
    DEFAULT_UPDATE_TYPES,
    ApiError,
    JsonDict,
    image_size,
)


class ServerCore:
    """Everything the fake server knows; the method families are mixins on top of it."""

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
        self._topics: dict[int, dict[int, JsonDict]] = {}  # forum chat -> thread id -> topic

        self._updates: list[JsonDict] = []
        self._update_ids = itertools.count(1)
        self._allowed_updates: frozenset[str] = DEFAULT_UPDATE_TYPES
        self._webhook: JsonDict | None = None

        self._next_message_id: dict[int, int] = {}
        self._bot_messages: dict[int, list[SentMessage]] = {}
        self._bot_by_id: dict[tuple[int, int], SentMessage] = {}
        self._user_messages: dict[int, list[JsonDict]] = {}
        self._user_by_id: dict[tuple[int, int], JsonDict] = {}

        self._callback_queries: dict[str, JsonDict] = {}
        self._update_of_query: dict[str, int] = {}
        self._callback_ids = itertools.count(1)
        self._files: dict[str, StoredFile] = {}
        self._file_counter = itertools.count(1)

        self._commands: dict[tuple[str, str], list[JsonDict]] = {}
        self._menu_buttons: dict[int | None, JsonDict] = {}

        self._faults: list[Fault] = []
        self._delays: dict[str | None, float] = {}
        self._overall_bucket: TokenBucket | None = None
        self._chat_buckets: dict[int, TokenBucket] = {}
        self._group_buckets: dict[int, TokenBucket] = {}

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

    # -- ids, users, chats and files -------------------------------------------------------------

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
    ) -> StoredFile:
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
        stored = StoredFile(
            file_id=f"{prefixes.get(kind, 'BQACAgQAAxkBAAI')}{n:06d}FaKeFiLeId",
            file_unique_id=f"AgAD{n:06d}",
            file_path=f"{kind}s/file_{n}{ext}",
            content=content,
            filename=filename,
            mime_type=mime_type,
        )
        self._files[stored.file_id] = stored
        return stored

    def _photo_sizes(self, stored: StoredFile) -> list[JsonDict]:
        """A thumbnail and the full size, like Telegram's list of PhotoSize."""
        width, height = image_size(stored.content)
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

    def _group_member_update(self, chat: JsonDict, by: JsonDict, old: str, new: str) -> int:
        payload: JsonDict = {
            "chat": chat,
            "from": by,
            "date": self._now(),
            "old_chat_member": {"user": self.bot_user, "status": old},
            "new_chat_member": {"user": self.bot_user, "status": new},
        }
        return self._enqueue("my_chat_member", copy.deepcopy(payload))

    @staticmethod
    def _response(status: int, body: JsonDict) -> web.Response:
        return web.json_response(body, status=status)

    # -- parameter helpers ------------------------------------------------------------------------

    @staticmethod
    def _int(params: JsonDict, name: str, default: int | None = None) -> int | None:
        value = params.get(name)
        if value is None:
            return default
        if isinstance(value, bool):
            raise ApiError(400, f'Bad Request: field "{name}" must be of type Integer')
        if isinstance(value, int):
            return value
        if isinstance(value, float) and value.is_integer():
            return int(value)
        if isinstance(value, str) and value.strip().lstrip("-").isdigit():
            return int(value)
        raise ApiError(400, f'Bad Request: field "{name}" must be of type Integer')

    @staticmethod
    def _float(params: JsonDict, name: str, default: float) -> float:
        value = params.get(name)
        if value is None:
            return default
        try:
            return float(value)
        except (TypeError, ValueError) as exc:
            raise ApiError(400, f'Bad Request: field "{name}" must be a Number') from exc

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
                raise ApiError(400, error) from exc
        return value

    def _resolve_chat(self, params: JsonDict, *, for_sending: bool = True) -> JsonDict:
        """The chat a method targets, with Telegram's errors for unreachable chats."""
        raw = params.get("chat_id")
        if raw is None or raw == "":
            raise ApiError(400, "Bad Request: chat_id is empty")
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
                    raise ApiError(403, "Forbidden: user is deactivated")
                if user_chat_id not in self._opened_private:
                    if user_chat_id in self._seen_users:
                        raise ApiError(
                            403, "Forbidden: bot can't initiate conversation with a user"
                        )
                    raise ApiError(400, "Bad Request: chat not found")
                if for_sending and user_chat_id in self._blocked:
                    raise ApiError(403, "Forbidden: bot was blocked by the user")
            chat = self._chats.get(chat_id)
        if chat is None:
            raise ApiError(400, "Bad Request: chat not found")
        if for_sending and int(chat["id"]) in self._left_groups:
            raise ApiError(403, f"Forbidden: bot is not a member of the {chat['type']} chat")
        return chat
