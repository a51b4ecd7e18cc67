"""The transfer receipt form: per line the good and damaged units that arrived now, a scan field, close and note.

Inputs are named per transfer line (`received-<line id>`, `damaged-<line id>`), so the form
works without JavaScript; a scan (typed, a USB scanner's Enter or the camera) adds one good
unit to the line of that SKU code or barcode and shows the form again, nothing posted yet.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from django.http import QueryDict

from inventory.models import TransferLine


@dataclass
class ReceiptRow:
    """One transfer line on the receipt form, with what was typed and its error."""

    line: TransferLine
    received: str = ""
    damaged: str = ""
    error: str = ""


@dataclass
class ParsedReceipt:
    rows: list[ReceiptRow]
    quantities: dict[int, tuple[int, int]] = field(default_factory=dict)  # sku_id -> (received, damaged)
    close: bool = False
    note: str = ""
    scan_message: str = ""
    scan_error: str = ""

    @property
    def ok(self) -> bool:
        return not any(row.error for row in self.rows)


def blank_receipt(lines: Sequence[TransferLine]) -> ParsedReceipt:
    """A new receipt: every line still on its way starts at 0, so a scan or a typed figure fills it."""
    return ParsedReceipt(rows=[ReceiptRow(line, "0", "0") for line in lines if line.outstanding])


def _count(raw: str) -> int | None:
    raw = raw.strip()
    if not raw:
        return 0
    try:
        value = int(raw)
    except ValueError:
        return None
    return value if value >= 0 else None


def parse_receipt(data: QueryDict, lines: Sequence[TransferLine]) -> ParsedReceipt:
    """Read the receipt inputs of each line still on its way; a scan adds one unit to its line."""
    parsed = ParsedReceipt(rows=[], close=bool(data.get("close")), note=str(data.get("note", "")).strip()[:255])
    for line in lines:
        if not line.outstanding:
            continue
        row = ReceiptRow(line, str(data.get(f"received-{line.pk}", "")), str(data.get(f"damaged-{line.pk}", "")))
        received, damaged = _count(row.received), _count(row.damaged)
        if received is None or damaged is None:
            row.error = "Enter whole numbers of units, 0 or more."
        else:
            parsed.quantities[line.sku_id] = (received, damaged)
        parsed.rows.append(row)
    scan = str(data.get("scan", "")).strip()
    if scan:
        _apply_scan(parsed, scan)
    return parsed


def _apply_scan(parsed: ParsedReceipt, scan: str) -> None:
    for row in parsed.rows:
        if scan.upper() in (row.line.sku.code.upper(), row.line.sku.barcode):
            received = (_count(row.received) or 0) + 1
            row.received = str(received)
            parsed.quantities[row.line.sku_id] = (received, parsed.quantities.get(row.line.sku_id, (0, 0))[1])
            parsed.scan_message = f"{row.line.sku.code}: {received} of {row.line.outstanding} counted in."
            return
    parsed.scan_error = f"{scan} is not on this transfer (or all of it has arrived). Check the label and scan again."
