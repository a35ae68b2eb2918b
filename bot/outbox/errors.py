"""How a send can fail, in the outbox's words (bot/telegram/io.py translates the Bot API's
errors into these), so the dispatcher decides what to do without knowing Telegram."""

from __future__ import annotations


class SendFailed(Exception):
    """A message of a row could not be sent."""


class Unreachable(SendFailed):
    """403: the person blocked the bot or deleted their account."""


class TooManyRequests(SendFailed):
    """429 after the rate limiter's own retries: try again after `seconds`."""

    def __init__(self, seconds: float) -> None:
        super().__init__(f"retry after {seconds:.1f} s")
        self.seconds = seconds


class MaybeSent(SendFailed):
    """A timeout: the message may or may not have arrived."""


class Rejected(SendFailed):
    """400: the Bot API refused the message (its description says why); sending again is
    pointless."""

    def __init__(self, description: str) -> None:
        super().__init__(description)
        self.description = description


class Unavailable(SendFailed):
    """A network error or a 5xx: try again later."""
