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


def has_control_chars(text: str) -> bool:
    return any(unicodedata.category(c) in ("Cc", "Cf") and c not in "\u200d" for c in text)
