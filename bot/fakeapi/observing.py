"""What tests read from the fake server: the bot's messages, files, commands, requests, and
helpers that wait for them.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
from collections.abc import Callable

from bot.fakeapi.core import ServerCore
from bot.fakeapi.models import (
    RecordedRequest,
    SentMessage,
)
from bot.fakeapi.protocol import (
    JsonDict,
    canonical_json,
)


class Observing(ServerCore):
    """Reading what the bot did, and waiting for it."""

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
        key = (canonical_json(scope or {"type": "default"}), language_code)
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
