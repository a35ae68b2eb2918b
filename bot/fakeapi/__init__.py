"""A local fake Telegram Bot API server (tests, demo) and its terminal chat client."""

from bot.fakeapi.html_check import (
    HtmlParseError,
    HtmlParseResult,
    check_telegram_html,
    html_to_plain,
    parse_telegram_html,
)
from bot.fakeapi.models import (
    FakeStats,
    FakeUser,
    InlineButton,
    RateLimits,
    RecordedRequest,
    SentDocument,
    SentMessage,
    UploadedFile,
)
from bot.fakeapi.protocol import DEFAULT_TOKEN
from bot.fakeapi.server import FakeTelegram
from bot.fakeapi.terminal import chat_in_terminal, lines_from_stdin

__all__ = [
    "DEFAULT_TOKEN",
    "FakeStats",
    "FakeTelegram",
    "FakeUser",
    "HtmlParseError",
    "HtmlParseResult",
    "InlineButton",
    "RateLimits",
    "RecordedRequest",
    "SentDocument",
    "SentMessage",
    "UploadedFile",
    "chat_in_terminal",
    "check_telegram_html",
    "html_to_plain",
    "lines_from_stdin",
    "parse_telegram_html",
]
