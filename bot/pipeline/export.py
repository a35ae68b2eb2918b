"""CSV files a spreadsheet opens correctly: UTF-8 with a BOM, the configured separator, CRLF.

Cells starting with = + - @ are prefixed with an apostrophe so a spreadsheet never runs a
formula typed by a candidate (CSV injection), also behind invisible characters (a zero-width
joiner, a bidi mark...), which are dropped from such a cell.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence

from bot.core.text import strip_invisible_start

BOM = "\ufeff"
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: object) -> str:
    text = "" if value is None else str(value)
    visible = strip_invisible_start(text)
    if (text.startswith(_FORMULA_START) or visible.startswith(_FORMULA_START)) and not _is_number(
        visible
    ):
        return "'" + visible
    return text


def _is_number(text: str) -> bool:
    try:
        float(text.replace(",", "."))
    except ValueError:
        return False
    return True


def to_csv(header: Sequence[str], rows: Sequence[Sequence[object]], separator: str = ";") -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=separator, lineterminator="\r\n")
    writer.writerow([safe_cell(h) for h in header])
    for row in rows:
        writer.writerow([safe_cell(c) for c in row])
    return (BOM + buffer.getvalue()).encode("utf-8")
