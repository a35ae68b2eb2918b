"""CSV files a spreadsheet opens correctly: UTF-8 with a BOM, the configured separator, CRLF.

Cells starting with = + - @ are prefixed with an apostrophe so a spreadsheet never runs a
formula typed by a candidate (CSV injection), also behind invisible characters (a zero-width
joiner, a bidi mark...), which are dropped from such a cell.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence

from bot.core.text import strip_invisible_start

BOM = "\ufeff"
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: object) -> str:
    text = "" if value is None else str(value)
    if not text or (text[0].isascii() and text[0].isalnum()):
        return text  # neither a formula nor an invisible character first (most cells)
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


class CsvFile:
    """A CSV file written a chunk of rows at a time: each chunk goes to the file's bytes at
    once, so only the rows of one chunk exist as Python objects."""

    def __init__(self, header: Sequence[str], separator: str = ";") -> None:
        self._bytes = io.BytesIO()
        self._text = io.StringIO()
        self._writer = csv.writer(self._text, delimiter=separator, lineterminator="\r\n")
        self.rows = 0
        self._text.write(BOM)
        self._writer.writerow([safe_cell(h) for h in header])
        self._flush()

    def _flush(self) -> None:
        self._bytes.write(self._text.getvalue().encode("utf-8"))
        self._text.seek(0)
        self._text.truncate()

    def write(self, rows: Iterable[Sequence[object]]) -> None:
        self.write_safe([safe_cell(c) for c in row] for row in rows)

    def write_safe(self, rows: Iterable[Sequence[str]]) -> None:
        """Rows whose every cell went through safe_cell already."""
        for row in rows:
            self._writer.writerow(row)
            self.rows += 1
        self._flush()

    def content(self) -> bytes:
        return self._bytes.getvalue()


def to_csv(header: Sequence[str], rows: Sequence[Sequence[object]], separator: str = ";") -> bytes:
    file = CsvFile(header, separator)
    file.write(rows)
    return file.content()
