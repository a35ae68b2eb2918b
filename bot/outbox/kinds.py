"""A message kind: what the outbox needs to know to send a row of that kind.

Each feature builds its kinds with its own dependencies (its store, renderer...) and the
composition root hands them all to the Dispatcher at construction: the outbox knows nothing of
the features, and no feature needs a bag of every service.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

from bot.kernel.actions import Response
from bot.outbox.store import OutboxRow

# The message of a row, rendered at send time (None: nothing to send any more, the row is dropped).
Render = Callable[[OutboxRow], Awaitable[Response | None]]
# After a row was sent: the ids of the messages it made in its chat (a relay records them, so a
# Telegram reply to one finds its way back).
Delivered = Callable[[OutboxRow, Sequence[int]], Awaitable[None]]
# After a 400 (the description Telegram gave): whether the kind repaired what made it fail (a
# forum topic deleted by hand) and the row should be tried again (within max_attempts).
Rejected = Callable[[OutboxRow, str], Awaitable[bool]]
# Adds rows that became due by the passing of time; returns how many it added.
Planner = Callable[[dt.datetime], Awaitable[int]]


@dataclass(frozen=True)
class MessageKind:
    name: str
    render: Render
    # After a crash between the send and its record: at-least-once kinds are sent again (a
    # reminder twice is better than none), at-most-once kinds are not (an unsolicited message).
    at_most_once: bool = False
    delivered: Delivered | None = None
    rejected: Rejected | None = None
