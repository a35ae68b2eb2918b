"""Forgiving text normalisation for matching what people type."""

from __future__ import annotations

import re
import unicodedata


def fold(text: str) -> str:
    """Lower case, no accents, single spaces: 'Marcq-en-Barœul ' -> 'marcq en baroeul'."""
    text = text.replace("œ", "oe").replace("Œ", "oe").replace("æ", "ae").replace("Æ", "ae")
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    stripped = re.sub(r"[\s\-_'’.,;:!?()/]+", " ", stripped.lower())
    return stripped.strip()


def has_letter(text: str) -> bool:
    return any(unicodedata.category(c).startswith("L") for c in text)


# Shown as nothing, though not of an invisible category: combining grapheme joiner, Hangul
# fillers, Khmer inherent vowels, Mongolian vowel separator, braille blank, variation selectors.
_BLANK = frozenset(
    {0x034F, 0x115F, 0x1160, 0x17B4, 0x17B5, 0x180E, 0x2800, 0x3164, 0xFFA0}
    | set(range(0xFE00, 0xFE10))
    | set(range(0xE0100, 0xE01F0))
)
_INVISIBLE_CATEGORIES = ("Cc", "Cf", "Zs", "Zl", "Zp")
_ZWJ = "\u200d"


def is_invisible(char: str) -> bool:
    """A character that shows as nothing (or as a blank): controls, format characters (U+200B-
    U+200F, U+2060-U+2064, U+FEFF, U+00AD, bidi marks...), separators and blank lookalikes."""
    return unicodedata.category(char) in _INVISIBLE_CATEGORIES or ord(char) in _BLANK


def strip_invisible_start(text: str) -> str:
    """The text without the invisible characters it starts with."""
    start = 0
    while start < len(text) and is_invisible(text[start]):
        start += 1
    return text[start:]


def has_control_chars(text: str) -> bool:
    """Any invisible character but the plain space, and but a zero-width joiner inside an emoji
    sequence (👩‍💻). The variation selector of an emoji (❤️) is accepted after a symbol."""
    for i, char in enumerate(text):
        if char == " " or not is_invisible(char):
            continue
        before = i - 2 if i >= 2 and text[i - 1] == "\ufe0f" else i - 1
        if char == _ZWJ and _emoji_at(text, before) and _emoji_at(text, i + 1):
            continue
        if char in _JOINERS and _joining_letter_at(text, i - 1) and _joining_letter_at(text, i + 1):
            continue  # Persian (مهر‌ناز), Hindi, Bengali... names spell with them
        if 0xFE00 <= ord(char) <= 0xFE0F and _emoji_at(text, i - 1):
            continue
        return True
    return False


# Scripts whose spelling uses zero-width (non-)joiners between letters.
_JOINERS = ("\u200c", _ZWJ)
_JOINING_SCRIPTS = frozenset(
    {
        "ARABIC",
        "SYRIAC",
        "DEVANAGARI",
        "BENGALI",
        "GURMUKHI",
        "GUJARATI",
        "ORIYA",
        "TAMIL",
        "TELUGU",
        "KANNADA",
        "MALAYALAM",
        "SINHALA",
    }
)


def _joining_letter_at(text: str, index: int) -> bool:
    """A letter or mark of a script that joins with U+200C/U+200D."""
    if not 0 <= index < len(text) or unicodedata.category(text[index])[0] not in "LM":
        return False
    return unicodedata.name(text[index], "").split(" ", 1)[0] in _JOINING_SCRIPTS


def _emoji_at(text: str, index: int) -> bool:
    return 0 <= index < len(text) and unicodedata.category(text[index]) in ("So", "Sk")
