"""A validator of Telegram's ``parse_mode=HTML``, modelled on tdlib's ``parse_html``.

It accepts exactly the markup the Bot API documents (a small tag set and four named entities
plus numeric ones) and fails with error texts shaped like Telegram's, so that a message the
fake server accepts would also be accepted by the real one. It is deliberately a little
stricter than tdlib on one point: a bare ``&`` that starts no entity is an error (the Bot API
documentation requires it to be escaped, tdlib silently keeps it).
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "HtmlParseError",
    "HtmlParseResult",
    "check_telegram_html",
    "html_to_plain",
    "parse_telegram_html",
    "utf16_len",
]

ALLOWED_TAGS = frozenset(
    {
        "b",
        "strong",
        "i",
        "em",
        "u",
        "ins",
        "s",
        "strike",
        "del",
        "span",
        "tg-spoiler",
        "a",
        "code",
        "pre",
        "blockquote",
        "tg-emoji",
    }
)

_ENTITY_TYPES = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "span": "spoiler",
    "tg-spoiler": "spoiler",
    "code": "code",
    "pre": "pre",
}

_NAMED_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_ENTITY_RE = re.compile(r"&(?:#([0-9]{1,8})|#[xX]([0-9a-fA-F]{1,8})|([a-zA-Z]{2,8}));")
_SPACES = " \t\r\n\f\v"


class HtmlParseError(ValueError):
    """Raised for markup Telegram would refuse; ``description`` is the text after
    "Bad Request: can't parse entities: "."""

    def __init__(self, description: str) -> None:
        super().__init__(description)
        self.description = description


@dataclass(frozen=True, slots=True)
class HtmlParseResult:
    """The text Telegram would store, and its formatting entities (UTF-16 offsets)."""

    text: str
    entities: list[dict[str, Any]] = field(default_factory=list)


@dataclass(slots=True)
class _OpenTag:
    name: str
    attrs: dict[str, str]
    begin: int  # index in the source text, for error offsets
    start: int  # UTF-16 offset in the produced text
    language: str | None = None


def utf16_len(text: str) -> int:
    """Length in UTF-16 code units, the unit of Telegram's entity offsets."""
    return len(text) + sum(1 for ch in text if ord(ch) > 0xFFFF)


def _decode_entity(text: str, i: int) -> tuple[str, int] | None:
    """Decode the entity starting at ``text[i] == '&'``: (character, index after it)."""
    m = _ENTITY_RE.match(text, i)
    if m is None:
        return None
    dec, hexa, name = m.groups()
    if name is not None:
        char = _NAMED_ENTITIES.get(name)
        return None if char is None else (char, m.end())
    code = int(dec, 10) if dec is not None else int(hexa, 16)
    if code == 0 or code > 0x10FFFF or 0xD800 <= code <= 0xDFFF:
        return None
    return chr(code), m.end()


def parse_telegram_html(text: str) -> HtmlParseResult:
    """Parse Telegram HTML into plain text and entities, or raise :class:`HtmlParseError`."""

    def at(index: int) -> str:
        return f"at byte offset {len(text[:index].encode('utf-8'))}"

    out: list[str] = []
    pos16 = 0  # UTF-16 length of ``out``
    stack: list[_OpenTag] = []
    entities: list[dict[str, Any]] = []
    n = len(text)
    i = 0

    def emit(chunk: str) -> None:
        nonlocal pos16
        out.append(chunk)
        pos16 += utf16_len(chunk)

    while i < n:
        ch = text[i]
        if ch == "&":
            decoded = _decode_entity(text, i)
            if decoded is None:
                raise HtmlParseError(f'Unsupported HTML entity or unescaped "&" {at(i)}')
            emit(decoded[0])
            i = decoded[1]
            continue
        if ch != "<":
            j = i + 1
            while j < n and text[j] not in "<&":
                j += 1
            emit(text[i:j])
            i = j
            continue

        begin = i
        i += 1
        if i < n and text[i] == "/":
            # End tag: </name>
            i += 1
            name_start = i
            while i < n and text[i] not in _SPACES and text[i] != ">":
                i += 1
            name = text[name_start:i].lower()
            while i < n and text[i] in _SPACES:
                i += 1
            if i >= n or text[i] != ">":
                raise HtmlParseError(f"Unclosed end tag {at(begin)}")
            i += 1
            if not stack:
                raise HtmlParseError(f"Unexpected end tag {at(begin)}")
            top = stack[-1]
            if name != top.name:
                raise HtmlParseError(
                    f'Unmatched end tag {at(begin)}, expected "</{top.name}>", found "</{name}>"'
                )
            stack.pop()
            entity = _entity_for(top, pos16, stack)
            if entity is not None:
                entities.append(entity)
            continue

        # Start tag: <name attr="value" ...>
        name_start = i
        while i < n and text[i] not in _SPACES and text[i] not in "/>":
            i += 1
        if i >= n:
            raise HtmlParseError(f"Unclosed start tag {at(begin)}")
        name = text[name_start:i].lower()
        if name not in ALLOWED_TAGS:
            raise HtmlParseError(f'Unsupported start tag "{name}" {at(begin)}')
        attrs: dict[str, str] = {}
        while True:
            while i < n and text[i] in _SPACES:
                i += 1
            if i >= n:
                raise HtmlParseError(f'Unclosed start tag "{name}" {at(begin)}')
            if text[i] == ">":
                i += 1
                break
            attr_start = i
            while i < n and text[i] not in _SPACES and text[i] not in "=>":
                i += 1
            attr = text[attr_start:i].lower()
            if not attr or "/" in attr:
                raise HtmlParseError(f'Empty attribute name in the tag "{name}" {at(begin)}')
            while i < n and text[i] in _SPACES:
                i += 1
            if i >= n:
                raise HtmlParseError(f'Unclosed start tag "{name}" {at(begin)}')
            if text[i] != "=":
                if name == "blockquote" and attr == "expandable":
                    attrs[attr] = ""
                    continue
                raise HtmlParseError(
                    "Expected equal sign in declaration of an attribute of the tag "
                    f'"{name}" {at(begin)}'
                )
            i += 1
            while i < n and text[i] in _SPACES:
                i += 1
            if i >= n:
                raise HtmlParseError(f'Unclosed start tag "{name}" {at(begin)}')
            if text[i] in "\"'":
                quote = text[i]
                end = text.find(quote, i + 1)
                if end < 0:
                    raise HtmlParseError(f'Unclosed start tag "{name}" {at(begin)}')
                raw_value = text[i + 1 : end]
                i = end + 1
            else:
                value_start = i
                while i < n and text[i] not in _SPACES and text[i] != ">":
                    i += 1
                raw_value = text[value_start:i]
            attrs[attr] = html.unescape(raw_value)
        if name == "span" and attrs.get("class") != "tg-spoiler":
            raise HtmlParseError(f'Tag "span" must have class "tg-spoiler" {at(begin)}')
        if name == "tg-emoji" and not attrs.get("emoji-id", "").isdigit():
            raise HtmlParseError(f'Tag "tg-emoji" must have a numeric "emoji-id" {at(begin)}')
        stack.append(_OpenTag(name=name, attrs=attrs, begin=begin, start=pos16))

    if stack:
        top = stack[-1]
        raise HtmlParseError(
            f'Can\'t find end tag corresponding to start tag "{top.name}" {at(top.begin)}'
        )
    entities.sort(key=lambda e: (e["offset"], -e["length"]))
    return HtmlParseResult(text="".join(out), entities=entities)


def _entity_for(tag: _OpenTag, end16: int, stack: list[_OpenTag]) -> dict[str, Any] | None:
    """The MessageEntity a closed tag produces, or None (empty, or merged into its parent)."""
    length = end16 - tag.start
    if tag.name == "code":
        css = tag.attrs.get("class", "")
        if stack and stack[-1].name == "pre" and css.startswith("language-"):
            stack[-1].language = css.removeprefix("language-")
            return None
    if length <= 0:
        return None
    entity: dict[str, Any] = {"offset": tag.start, "length": length}
    if tag.name == "a":
        entity["type"] = "text_link"
        entity["url"] = tag.attrs.get("href", "")
        if not entity["url"]:
            return None
    elif tag.name == "blockquote":
        entity["type"] = "expandable_blockquote" if "expandable" in tag.attrs else "blockquote"
    elif tag.name == "tg-emoji":
        entity["type"] = "custom_emoji"
        entity["custom_emoji_id"] = tag.attrs["emoji-id"]
    else:
        entity["type"] = _ENTITY_TYPES[tag.name]
        if tag.name == "pre" and tag.language:
            entity["language"] = tag.language
    return entity


def check_telegram_html(text: str) -> str:
    """Return the plain text of Telegram HTML (tags removed, entities decoded), or raise
    :class:`HtmlParseError` with a Telegram-like description."""
    return parse_telegram_html(text).text


_TAG_RE = re.compile(r"<[^>]*>")


def html_to_plain(text: str) -> str:
    """Best-effort plain text for display; never raises, even on invalid markup."""
    try:
        return check_telegram_html(text)
    except HtmlParseError:
        return html.unescape(_TAG_RE.sub("", text))
