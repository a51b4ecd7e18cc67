"""CSV files that are safe to open in a spreadsheet: one writer for every export.

A cell that starts with `=`, `+`, `-`, `@`, a tab or a carriage return is read by Excel,
LibreOffice and Google Sheets as a formula, so a SKU code such as `=HYPERLINK(...)` typed by
anyone who can name a SKU would run in the spreadsheet of whoever opens the export. Such a
text cell is written with a leading apostrophe (OWASP's advice for CSV injection), which the
spreadsheet shows as plain text. Numbers are written as they are (-3 is a number, not a formula).
Imports that read our own exports back undo it with `csv_unescape`.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from typing import IO, Any

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def csv_escape(value: object) -> object:
    """The value as a spreadsheet should receive it: text that would start a formula gets a leading `'`."""
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


def csv_unescape(value: str) -> str:
    """Undo `csv_escape` on a cell read back from one of our exports."""
    if value.startswith("'") and value[1:].startswith(FORMULA_TRIGGERS):
        return value[1:]
    return value


class SpreadsheetSafeWriter:
    """`csv.writer` whose every cell goes through `csv_escape`."""

    def __init__(self, out: IO[str], **fmtparams: Any) -> None:
        self._writer = csv.writer(out, **fmtparams)

    def writerow(self, row: Iterable[object]) -> Any:
        """Write one row, escaping each cell."""
        return self._writer.writerow([csv_escape(cell) for cell in row])

    def writerows(self, rows: Iterable[Iterable[object]]) -> None:
        """Write many rows, escaping each cell."""
        for row in rows:
            self.writerow(row)


def csv_writer(out: IO[str], **fmtparams: Any) -> SpreadsheetSafeWriter:
    """The CSV writer every export uses (same arguments as `csv.writer`)."""
    return SpreadsheetSafeWriter(out, **fmtparams)
