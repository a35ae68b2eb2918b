"""Who wrote to the bot: the one identity every feature receives from the handlers."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Person:
    """Who wrote: the Telegram user and their private chat."""

    user_id: int
    chat_id: int
