"""What the bot should do in answer to something, independent of Telegram.

Services return a list of actions; the Telegram handlers carry them out. This keeps the
conversation logic testable without a Bot API and the handlers thin.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Button:
    text: str
    data: str = ""  # callback data, at most 64 bytes
    url: str | None = None


Keyboard = tuple[tuple[Button, ...], ...]


def rows(buttons: list[Button], columns: int = 1) -> Keyboard:
    return tuple(tuple(buttons[i : i + columns]) for i in range(0, len(buttons), columns))


@dataclass(frozen=True)
class Send:
    """A new message (HTML) with optional inline buttons."""

    text: str
    keyboard: Keyboard = ()


@dataclass(frozen=True)
class SendFile:
    filename: str
    content: bytes
    caption: str = ""


@dataclass(frozen=True)
class SendPhoto:
    """A picture (PNG bytes) with an HTML caption."""

    content: bytes
    caption: str = ""
    filename: str = "fabnum.png"


@dataclass(frozen=True)
class SendMedia:
    """A photo or a document Telegram already has (its file_id), with an HTML caption."""

    kind: str  # "photo" or "document"
    file_id: str
    caption: str = ""
    keyboard: Keyboard = ()


@dataclass(frozen=True)
class Tell:
    """Messages to another chat (a candidate told of a staff decision), sent after this chat's.

    Delivery is best effort: a person who blocked the bot does not stop the staff member's reply.
    """

    chat_id: int
    response: Response


@dataclass(frozen=True)
class EditPressed:
    """Change the message whose button was pressed: append a line and/or replace its buttons,
    or replace its whole text (HTML) and buttons (a help topic, a page of a list)."""

    append: str | None = None
    keyboard: Keyboard = ()
    text: str | None = None


@dataclass(frozen=True)
class Toast:
    """The short notice shown when answering a button press."""

    text: str


@dataclass(frozen=True)
class Later:
    """The rest of the answer, made once what comes before it is sent: a chart or a report drawn
    in another process (bot/reports/worker.py), so the text does not wait for it. Its response
    goes to the same chat (and forum topic)."""

    make: Callable[[], Awaitable[Response]]


Action = Send | SendFile | SendPhoto | SendMedia | Tell | EditPressed | Toast | Later


@dataclass
class Response:
    actions: list[Action] = field(default_factory=list)
    # The forum topic (message_thread_id) of the chat its messages go to; None: the chat itself.
    thread_id: int | None = None

    def send(self, text: str, keyboard: Keyboard = ()) -> Response:
        self.actions.append(Send(text, keyboard))
        return self

    def add(self, action: Action) -> Response:
        self.actions.append(action)
        return self


async def settled(response: Response) -> Response:
    """The response with every Later made and put in its place, as the chat receives it (tests,
    and callers that need every action at once)."""
    actions: list[Action] = []
    for action in response.actions:
        if isinstance(action, Later):
            actions.extend((await settled(await action.make())).actions)
        else:
            actions.append(action)
    return Response(actions, response.thread_id)
