"""Chat with the bot from a terminal, through the fake Telegram server (``make demo``).

Bot messages are printed as plain text with their buttons numbered; typing a number presses
that button of the latest message that has buttons, ``/quit`` or end of input leaves. After each
line, the client waits for the bot's reply (then for ``settle`` seconds of quiet) before reading
the next one, so a file of lines piped into it replays a whole conversation deterministically.
"""

from __future__ import annotations

import asyncio
import contextlib
import sys
import threading
from collections.abc import AsyncIterator
from typing import TextIO

from bot.fakeapi.models import FakeUser, SentMessage
from bot.fakeapi.server import FakeTelegram

__all__ = ["chat_in_terminal", "lines_from_stdin", "render_message"]


def _resolve(future: asyncio.Future[str], value: str) -> None:
    if not future.done():
        future.set_result(value)


async def lines_from_stdin() -> AsyncIterator[str]:
    """Lines of stdin (without the newline), read without blocking the event loop.

    Each line is read by a daemon thread, so a pending read never delays interpreter exit.
    """
    loop = asyncio.get_running_loop()
    while True:
        future: asyncio.Future[str] = loop.create_future()

        def read(fut: asyncio.Future[str] = future) -> None:
            try:
                line = sys.stdin.readline()
            except (OSError, ValueError):
                line = ""
            with contextlib.suppress(RuntimeError):  # the loop may be closed by now
                loop.call_soon_threadsafe(_resolve, fut, line)

        threading.Thread(target=read, name="stdin-reader", daemon=True).start()
        line = await future
        if line == "":
            return
        yield line.rstrip("\r\n")


def _keyboard_labels(message: SentMessage) -> list[list[str]]:
    if message.buttons:
        return [[b.text for b in row] for row in message.buttons]
    return message.keyboard


def render_message(message: SentMessage, *, edited: bool = False, name: str = "bot") -> str:
    """The terminal rendering of a bot message: plain text, media, numbered buttons."""
    body: list[str] = []
    if message.document is not None:
        body.append(f"[document: {message.document.filename}, {message.document.size} octets]")
    if message.photo is not None:
        body.append(f"[photo: {len(message.photo)} octets]")
    if message.plain_text:
        body.extend(message.plain_text.split("\n"))
    prefix = f"{name}: " + ("(modifié) " if edited else "")
    indent = " " * len(f"{name}: ")
    lines = [(prefix if i == 0 else indent) + line for i, line in enumerate(body or [""])]
    number = 0
    for row in _keyboard_labels(message):
        cells = []
        for label in row:
            number += 1
            cells.append(f"[{number}] {label}")
        lines.append("  " + "   ".join(cells))
    return "\n".join(lines)


class _Screen:
    """What has been shown of the user's chat, and how to show what changed since."""

    def __init__(self, server: FakeTelegram, chat_id: int, out: TextIO) -> None:
        self.server = server
        self.chat_id = chat_id
        self.out = out
        self.shown: dict[int, tuple[int, bool]] = {}  # message_id -> (edit_count, deleted)
        self.events = 0

    def refresh(self) -> int:
        """Print new, edited and deleted messages; return how many were printed."""
        printed = 0
        name = self.server.bot_first_name
        for message in self.server.messages(self.chat_id):
            state = (message.edit_count, message.deleted)
            previous = self.shown.get(message.message_id)
            if previous == state:
                continue
            self.shown[message.message_id] = state
            if message.deleted:
                if previous is not None:
                    self.print(f"({name} a supprimé un message)")
                    printed += 1
                continue
            self.print(render_message(message, edited=previous is not None, name=name))
            printed += 1
        self.events += printed
        return printed

    def print(self, text: str) -> None:
        self.out.write(text + "\n")
        self.out.flush()

    def latest_with_buttons(self) -> SentMessage | None:
        for message in reversed(self.server.messages(self.chat_id)):
            if not message.deleted and _keyboard_labels(message):
                return message
        return None


async def _next_line(lines: AsyncIterator[str], screen: _Screen) -> str | None:
    """The next input line (None at the end), showing bot messages that arrive meanwhile."""
    read = asyncio.ensure_future(anext(lines, None))
    try:
        while not read.done():
            screen.refresh()
            change = asyncio.ensure_future(screen.server.wait_for_change(3600))
            await asyncio.wait({read, change}, return_when=asyncio.FIRST_COMPLETED)
            change.cancel()
    finally:
        if not read.done():
            read.cancel()
    screen.refresh()
    return read.result()


async def _wait_for_reply(
    screen: _Screen, query_id: str | None, reply_timeout: float, settle: float
) -> None:
    """Wait for at least one bot event (message, edit, deletion, callback answer), then for
    ``settle`` seconds without any."""
    loop = asyncio.get_running_loop()
    server = screen.server
    start = loop.time()
    start_events = screen.events
    answered = False
    last_event: float | None = None
    while True:
        now = loop.time()
        if screen.refresh():
            last_event = now
        if query_id is not None and not answered and query_id in server.callback_answers:
            answered = True
            last_event = now
            answer = server.callback_answers[query_id]
            if answer.get("text"):
                kind = "alerte" if answer.get("show_alert") else "notification"
                screen.print(f"({kind}: {answer['text']})")
        got_reply = answered or screen.events > start_events
        if got_reply and last_event is not None:
            remaining = settle - (now - last_event)
        else:
            remaining = reply_timeout - (now - start)
            if remaining <= 0:
                screen.print(f"(pas de réponse du bot après {reply_timeout:g} s)")
                return
        if got_reply and remaining <= 0:
            return
        await server.wait_for_change(max(0.0, remaining))


async def chat_in_terminal(
    server: FakeTelegram,
    user: FakeUser,
    lines: AsyncIterator[str] | None = None,
    out: TextIO = sys.stdout,
    *,
    reply_timeout: float = 10.0,
    settle: float = 0.3,
) -> None:
    """Let a person (or a list of lines) chat with the bot as ``user``.

    Input: a number N presses button N of the latest message with buttons (another number is
    sent as text), "/..." is a command,
    "/quit" or end of input stops, an empty line does nothing, anything else is sent as text.
    """
    interactive = lines is None and sys.stdin.isatty()
    source = lines if lines is not None else lines_from_stdin()
    screen = _Screen(server, user.chat_id, out)
    screen.refresh()
    while True:
        if interactive:
            out.write("> ")
            out.flush()
        line = await _next_line(source, screen)
        if line is None:
            return
        text = line.strip()
        if not text:
            continue
        if not interactive:
            screen.print(f"vous: {text}")
        if text == "/quit":
            return
        query_id: str | None = None
        target = screen.latest_with_buttons() if text.isdigit() else None
        labels = [label for row in _keyboard_labels(target) for label in row] if target else []
        # A number presses that button; a number with no such button (a postcode, a year) is text.
        if target is not None and 1 <= int(text) <= len(labels):
            number = int(text)
            if target.buttons:
                button = [b for row in target.buttons for b in row][number - 1]
                if button.callback_data is None:
                    screen.print(f"(lien : {button.url})")
                    continue
                query_id = server.press_button(user, target, index=number - 1)
            else:
                server.send_text(user, labels[number - 1])
        else:
            server.send_text(user, text)
        await _wait_for_reply(screen, query_id, reply_timeout, settle)
