"""Wire-level vocabulary of the fake Bot API: limits, parameter kinds, Telegram's error texts,
the API error, a parsed call, and small pure helpers on message text and files.
"""

from __future__ import annotations

import json
import re
from typing import Any

from bot.fakeapi.html_check import utf16_len

DEFAULT_TOKEN = "123456:TEST-TOKEN-fabnum-fake-api-0000000"
MAX_TEXT_LENGTH = 4096
MAX_CAPTION_LENGTH = 1024
MAX_CALLBACK_DATA_BYTES = 64
MAX_UPLOAD_BYTES = 50 * 1024 * 1024

JsonDict = dict[str, Any]

# Update types Telegram delivers when allowed_updates is empty (its documented default).
DEFAULT_UPDATE_TYPES = frozenset(
    {
        "message",
        "edited_message",
        "channel_post",
        "edited_channel_post",
        "business_connection",
        "business_message",
        "edited_business_message",
        "deleted_business_messages",
        "inline_query",
        "chosen_inline_result",
        "callback_query",
        "shipping_query",
        "pre_checkout_query",
        "purchased_paid_media",
        "poll",
        "poll_answer",
        "my_chat_member",
        "chat_join_request",
        "chat_boost",
        "removed_chat_boost",
    }
)

# Form fields that are plain strings; every other form field is JSON-decoded when possible
# (PTB JSON-encodes non-string values such as chat_id, reply_markup or booleans).
STRING_PARAMS = frozenset(
    {
        "text",
        "caption",
        "parse_mode",
        "callback_query_id",
        "url",
        "action",
        "language_code",
        "inline_message_id",
        "emoji",
        "secret_token",
        "ip_address",
        "name",
        "description",
        "short_description",
        "title",
        "business_connection_id",
        "message_effect_id",
        "file_id",
        "document",
        "photo",
        "voice",
        "audio",
        "video",
        "sticker",
        "animation",
        "thumbnail",
        "phone_number",
        "first_name",
        "last_name",
        "address",
        "custom_emoji_id",
    }
)


CHAT_ACTIONS = frozenset(
    {
        "typing",
        "upload_photo",
        "record_video",
        "upload_video",
        "record_voice",
        "upload_voice",
        "upload_document",
        "choose_sticker",
        "find_location",
        "record_video_note",
        "upload_video_note",
    }
)

INLINE_BUTTON_KINDS = (
    "callback_data",
    "url",
    "login_url",
    "switch_inline_query",
    "switch_inline_query_current_chat",
    "switch_inline_query_chosen_chat",
    "callback_game",
    "pay",
    "web_app",
    "copy_text",
)

DEFAULT_DESCRIPTIONS = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden: bot was blocked by the user",
    404: "Not Found",
    409: "Conflict: terminated by other getUpdates request",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
    504: "Gateway Timeout",
}

COMMAND_RE = re.compile(r"/[A-Za-z0-9_]{1,32}(?:@[A-Za-z0-9_]{3,32})?(?![A-Za-z0-9_@])")
BOT_COMMAND_NAME_RE = re.compile(r"[a-z0-9_]{1,32}")
URL_RE = re.compile(r"(?:(?:https?|tg|ton)://)?[^\s/]+\.[^\s]+|(?:tg|ton)://\S+", re.IGNORECASE)

NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup are "
    "exactly the same as a current content and reply markup of the message"
)
QUERY_TOO_OLD = "Bad Request: query is too old and response timeout expired or query ID is invalid"


class ApiError(Exception):
    def __init__(self, status: int, description: str, retry_after: int | None = None) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
        self.retry_after = retry_after


def update_type(update: JsonDict) -> str:
    return next(k for k in update if k != "update_id")


def decode_form_value(name: str, value: str) -> Any:
    if name in STRING_PARAMS:
        return value
    try:
        return json.loads(value)
    except ValueError:
        return value


def canonical_json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False)


def trim(text: str, entities: list[JsonDict]) -> tuple[str, list[JsonDict]]:
    """Strip surrounding whitespace like Telegram does, keeping entity offsets consistent."""
    stripped = text.strip()
    if stripped == text:
        return text, entities
    shift = utf16_len(text[: len(text) - len(text.lstrip())])
    new_len = utf16_len(stripped)
    result: list[JsonDict] = []
    for entity in entities:
        start = max(0, int(entity["offset"]) - shift)
        end = min(new_len, int(entity["offset"]) + int(entity["length"]) - shift)
        if end > start:
            result.append({**entity, "offset": start, "length": end - start})
    return stripped, result


def command_entities(text: str) -> list[JsonDict]:
    match = COMMAND_RE.match(text)
    if match is None:
        return []
    return [{"offset": 0, "length": utf16_len(match.group(0)), "type": "bot_command"}]


def image_size(content: bytes) -> tuple[int, int]:
    """Width and height of a PNG (read from its header); a plausible default otherwise."""
    if content[:8] == b"\x89PNG\r\n\x1a\n" and len(content) >= 24:
        return int.from_bytes(content[16:20], "big"), int.from_bytes(content[20:24], "big")
    return 800, 600
