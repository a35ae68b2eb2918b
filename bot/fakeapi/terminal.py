"""Chat with the bot from a terminal, through the fake Telegram server (``make demo``).

Bot messages are printed as plain text with their buttons numbered; typing a number presses
that button of the latest message that has buttons, ``/quit`` or end of input leaves. After each
line, the client waits until the bot is idle before reading (or prompting for) the next one: with
an ``idle`` check (the demo gives one: the update was handled and nothing is due in the chat),
whatever the bot's pacing; without one, for the bot's reply then ``settle`` seconds of quiet. So a
file of lines piped into it replays a whole conversation deterministically.

An edit of a message already shown is one short line when only buttons changed or text was
appended ("✅ Gonesse"), the whole message again otherwise. Files the bot sends are saved under
``files_dir`` when given, and their path printed.
"""

from __future__ import annotations

import asyncio
import contextlib
import sys
import threading
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import TextIO

from bot.fakeapi.models import FakeUser, SentMessage
from bot.fakeapi.server import FakeTelegram

__all__ = ["Idle", "chat_in_terminal", "lines_from_stdin", "render_message", "save_file"]

# Whether the bot is idle after the update of this id: it was handled and nothing is due in the
# chat. The demo builds it from the bot's update processor and outbox (bot/demo.py).
Idle = Callable[[int], Awaitable[bool]]


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


def save_file(folder: Path, filename: str, content: bytes) -> Path:
    """Save a file the bot sent under `folder` (created); a different file of the same name gets
    "-2", "-3"... before its extension. Returns the path."""
    folder.mkdir(parents=True, exist_ok=True)
    name = Path(filename).name or "fichier"
    stem, suffix = Path(name).stem, Path(name).suffix
    path = folder / name
    number = 1
    while path.exists() and path.read_bytes() != content:
        number += 1
        path = folder / f"{stem}-{number}{suffix}"
    path.write_bytes(content)
    return path


def render_message(
    message: SentMessage,
    *,
    edited: bool = False,
    name: str = "bot",
    saved: Path | None = None,
    text: str | None = None,
) -> str:
    """The terminal rendering of a bot message: plain text, media, numbered buttons. `saved`:
    where its file was saved; `text`: shown instead of its text (the appended part of an edit)."""
    body: list[str] = []
    where = f" → {saved}" if saved is not None else ""
    if message.document is not None:
        body.append(
            f"[document: {message.document.filename}, {message.document.size} octets{where}]"
        )
    if message.photo is not None:
        body.append(f"[photo: {len(message.photo)} octets{where}]")
    shown = message.plain_text if text is None else text
    if shown:
        body.extend(shown.split("\n"))
    prefix = f"{name}: " + ("(modifié) " if edited else "")
    indent = " " * len(f"{name}: ")
    lines = [(prefix if i == 0 else indent) + line for i, line in enumerate(body or [""])]
    if edited and not body:
        lines = [prefix.rstrip()]
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

    def __init__(
        self, server: FakeTelegram, chat_id: int, out: TextIO, files_dir: Path | None = None
    ) -> None:
        self.server = server
        self.chat_id = chat_id
        self.out = out
        self.files_dir = files_dir
        self.shown: dict[int, tuple[int, bool]] = {}  # message_id -> (edit_count, deleted)
        self.texts: dict[int, str] = {}  # message_id -> the text last shown
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
            self.print(self._render(message, edited=previous is not None))
            printed += 1
        self.events += printed
        return printed

    def _render(self, message: SentMessage, *, edited: bool) -> str:
        name = self.server.bot_first_name
        old = self.texts.get(message.message_id)
        self.texts[message.message_id] = message.plain_text
        if edited and old is not None and message.plain_text.startswith(old):
            # Buttons changed or a line was appended ("✅ Gonesse"): that part only.
            added = message.plain_text[len(old) :].strip()
            return render_message(message, edited=True, name=name, text=added)
        saved = None
        if self.files_dir is not None and not edited:
            if message.document is not None:
                saved = save_file(
                    self.files_dir, message.document.filename, message.document.content
                )
            elif message.photo is not None:
                suffix = ".png" if message.photo.startswith(b"\x89PNG") else ".jpg"
                filename = f"photo-{message.message_id}{suffix}"
                saved = save_file(self.files_dir, filename, message.photo)
        return render_message(message, edited=edited, name=name, saved=saved)

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


def _show_answer(screen: _Screen, query_id: str | None, shown: bool) -> bool:
    """Print the answer to a button press once it came (a toast or an alert); True when it did."""
    answers = screen.server.callback_answers
    if query_id is None or shown or query_id not in answers:
        return shown
    answer = answers[query_id]
    if answer.get("text"):
        kind = "alerte" if answer.get("show_alert") else "notification"
        screen.print(f"({kind}: {answer['text']})")
    return True


async def _wait_until_idle(
    screen: _Screen, update_id: int, query_id: str | None, idle: Idle, reply_timeout: float
) -> None:
    """Show what the bot does until `idle(update_id)` says it is done: its update handled and
    nothing due in the chat, however long its pacing makes that."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + reply_timeout
    answered = False
    while True:
        screen.refresh()
        answered = _show_answer(screen, query_id, answered)
        if await idle(update_id):
            screen.refresh()
            _show_answer(screen, query_id, answered)
            return
        if loop.time() > deadline:
            screen.print(f"(le bot n'a pas fini après {reply_timeout:g} s)")
            return
        # Idleness also depends on the bot's own state: look again at least every 20 ms.
        await screen.server.wait_for_change(0.02)


async def _wait_for_reply(
    screen: _Screen, query_id: str | None, reply_timeout: float, settle: float
) -> None:
    """Without an idle check: wait for at least one bot event (message, edit, deletion, callback
    answer), then for ``settle`` seconds without any."""
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
        if not answered and _show_answer(screen, query_id, answered):
            answered = True
            last_event = now
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
    idle: Idle | None = None,
    first_update: int | None = None,
    files_dir: Path | None = None,
) -> None:
    """Let a person (or a list of lines) chat with the bot as ``user``.

    Input: a number N presses button N of the latest message with buttons (another number is
    sent as text), "/..." is a command,
    "/quit" or end of input stops, an empty line does nothing, anything else is sent as text.
    `idle`: how to know the bot is done with an update (see `Idle`); `first_update`: an update
    already sent (the demo's /start), waited for before the first line is read.
    """
    interactive = lines is None and sys.stdin.isatty()
    source = lines if lines is not None else lines_from_stdin()
    screen = _Screen(server, user.chat_id, out, files_dir)

    async def settle_after(update_id: int, query_id: str | None) -> None:
        if idle is not None:
            await _wait_until_idle(screen, update_id, query_id, idle, reply_timeout)
        else:
            await _wait_for_reply(screen, query_id, reply_timeout, settle)

    if first_update is not None:
        await settle_after(first_update, None)
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
                update_id = server.update_id_of(query_id)
            else:
                update_id = server.send_text(user, labels[number - 1])
        else:
            update_id = server.send_text(user, text)
        await settle_after(update_id, query_id)
