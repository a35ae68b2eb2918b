"""Typed button data: each feature's buttons are small dataclasses, turned into the callback
string Telegram carries (at most 64 bytes) and back by one codec per feature.

The wire format is the one the bot has always sent, `<prefix>:<code>:<field>:<field>...`
(`s:book:12`, `st:m:12:admitted:1`), a word alone for a button without data (`resume`), or a
word and its fields with no code (`ans:<step>:<choice>`, code ""):
buttons stay in people's chats for months, so a string sent once must keep decoding. Fields are
int or str (a str holds no colon); a field with a default may be missing at the end (older
strings had fewer fields).

    BOOK = Codec("s", {"book": Book, "wait": JoinWaitlist})
    BOOK.encode(Book(12)) == "s:book:12";  BOOK.decode("s:book:12") == Book(12)
    BOOK.decode("s:book:x") is None  # malformed or forged: answered like a stale button

Each handler is registered with its codec's `pattern`, so routing depends on the prefix only,
never on the order of registration.
"""

from __future__ import annotations

import dataclasses
import re
import typing
from collections.abc import Mapping
from typing import Any

MAX_BYTES = 64  # Telegram's limit on callback_data


class CallbackTooLong(ValueError):
    """A button whose data would not fit in Telegram's 64 bytes: a bug, caught when building."""


class Codec:
    def __init__(self, prefix: str, kinds: Mapping[str, type[Any]]) -> None:
        if ":" in prefix or not prefix:
            raise ValueError(f"bad callback prefix {prefix!r}")
        self.prefix = prefix
        self._by_code: dict[str, type[Any]] = dict(kinds)
        self._code_of: dict[type[Any], str] = {kind: code for code, kind in kinds.items()}
        if len(self._code_of) != len(self._by_code):
            raise ValueError("one dataclass per code")
        self._fields = {kind: _fields(kind) for kind in self._code_of}
        if "" in self._by_code and len(self._by_code) > 1 and self._fields[self._by_code[""]]:
            # `<prefix>:<field>` would read as another code whenever the field spells one
            raise ValueError("a word with fields (code '') is the codec's only kind")

    @property
    def pattern(self) -> str:
        """The regular expression a CallbackQueryHandler of this feature matches."""
        return rf"^{re.escape(self.prefix)}(:|$)"

    def owns(self, data: str) -> bool:
        return data == self.prefix or data.startswith(self.prefix + ":")

    def encode(self, value: object) -> str:
        kind = type(value)
        code = self._code_of.get(kind)
        if code is None:
            raise TypeError(f"{kind.__name__} is not a button of {self.prefix!r}")
        parts = [self.prefix] + ([code] if code else [])
        for name, _type, _required in self._fields[kind]:
            field = getattr(value, name)
            if field is None:
                break  # an optional field left out, and every one after it
            text = str(field)
            if ":" in text:
                raise ValueError(f"{kind.__name__}.{name} holds a colon: {text!r}")
            parts.append(text)
        data = ":".join(parts)
        if len(data.encode("utf-8")) > MAX_BYTES:
            raise CallbackTooLong(data)
        return data

    def decode(self, data: str) -> Any | None:
        """The button a string stands for, or None (not this feature's, malformed, forged)."""
        parts = data.split(":")
        if parts[0] != self.prefix:
            return None
        code = parts[1] if len(parts) > 1 else ""
        kind = self._by_code.get(code)
        raw = parts[2:] if len(parts) > 1 else []
        if kind is None and "" in self._by_code:  # a word, then fields: `ans:<step>:<choice>`
            kind, raw = self._by_code[""], parts[1:]
        if kind is None:
            return None
        fields = self._fields[kind]
        if len(raw) > len(fields) or any(req for _n, _t, req in fields[len(raw) :]):
            return None
        values: dict[str, Any] = {}
        for (name, field_type, _required), text in zip(fields, raw, strict=False):
            if field_type is int:
                if not re.fullmatch(r"-?\d{1,19}", text):
                    return None
                values[name] = int(text)
            else:
                values[name] = text
        return kind(**values)


def _fields(kind: type[Any]) -> list[tuple[str, type[Any], bool]]:
    """(name, int or str, required) of a button dataclass, in order."""
    if not dataclasses.is_dataclass(kind):
        raise TypeError(f"{kind.__name__} must be a dataclass")
    hints = typing.get_type_hints(kind)
    found = []
    for field in dataclasses.fields(kind):
        hint = hints[field.name]
        base = next((t for t in typing.get_args(hint) if t is not type(None)), hint)
        if base not in (int, str):
            raise TypeError(f"{kind.__name__}.{field.name}: only int and str fields")
        required = field.default is dataclasses.MISSING
        found.append((field.name, base, required))
    return found
