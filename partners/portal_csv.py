"""The supplier portal's CSV uploads (an inventory file, an invoice's lines) read into documents.

Each malformed row is named by its line in the file ("line 3", the header being line 1) with
what is wrong, so the supplier can fix the file; a file that cannot be read at all raises
`ValidationFailed` on `file` (`core.csv_upload.csv_upload_rows`).
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from core.csv_upload import csv_upload_rows
from partners.documents import InventoryRow, InvoiceLineInput

#: Units on one line of an invoice: beyond this it is a typing slip, not an invoice.
MAX_UNITS = 1_000_000
MAX_FEED_ROWS = 50_000
MAX_INVOICE_ROWS = 500
MAX_FEED_UNITS = 2_000_000_000
WHOLE = re.compile(r"\d{1,10}")


def csv_text(data: bytes) -> str:
    """An uploaded file as text for the document trail (whatever its encoding, nothing is lost to an error)."""
    return data.decode("utf-8-sig", errors="replace")


def _line_label(index: int) -> str:
    return f"line {index + 2}"  # the header is line 1


def inventory_csv_rows(data: bytes) -> tuple[list[InventoryRow], dict[str, list[str]]]:
    """An inventory CSV's rows, and the problems of each malformed row by file line ("line 3").

    A file that cannot be read at all raises `ValidationFailed` on `file` (from `csv_upload_rows`).
    """
    rows: list[InventoryRow] = []
    errors: dict[str, list[str]] = {}
    parsed = csv_upload_rows(
        data, required=("sku", "quantity"), header="sku,quantity,warehouse", max_rows=MAX_FEED_ROWS
    )
    for index, row in enumerate(parsed):
        problems = []
        sku, quantity = row.get("sku", ""), row.get("quantity", "")
        if not sku:
            problems.append("the SKU is blank")
        elif len(sku) > 64:
            problems.append("the SKU has more than 64 characters")
        if not WHOLE.fullmatch(quantity) or int(quantity) > MAX_FEED_UNITS:
            problems.append(f"quantity “{quantity[:20]}” is not a whole number of units (0 or more)")
        if problems:
            errors[_line_label(index)] = problems
        else:
            rows.append(InventoryRow(sku=sku, quantity=int(quantity), warehouse=row.get("warehouse", "")[:40]))
    return rows, errors


def invoice_csv_lines(data: bytes) -> tuple[tuple[InvoiceLineInput, ...], dict[str, list[str]]]:
    """An invoice CSV's lines (line number or SKU, quantity, unit price), and each malformed row's problems."""
    lines: list[InvoiceLineInput] = []
    errors: dict[str, list[str]] = {}
    parsed = csv_upload_rows(
        data, required=("quantity", "unit_price"), header="line,sku,quantity,unit_price", max_rows=MAX_INVOICE_ROWS
    )
    for index, row in enumerate(parsed):
        problems = []
        number, sku = row.get("line", ""), row.get("sku", "")[:64]
        if number and not WHOLE.fullmatch(number):
            problems.append(f"line “{number[:20]}” is not a PO line number")
        if not number and not sku:
            problems.append("give the PO line number or the SKU")
        quantity = row.get("quantity", "")
        if not WHOLE.fullmatch(quantity) or not 1 <= int(quantity) <= MAX_UNITS:
            problems.append(f"quantity “{quantity[:20]}” is not a whole number of units (1 or more)")
        price: Decimal | None = None
        try:
            price = Decimal(row.get("unit_price", ""))
        except InvalidOperation:
            price = None
        if price is None or not price.is_finite() or price < 0 or price >= Decimal("1e10"):
            problems.append(f"unit price “{row.get('unit_price', '')[:20]}” is not an amount such as 12.50")
        if problems or price is None:
            errors[_line_label(index)] = problems
            continue
        lines.append(
            InvoiceLineInput(
                quantity=int(quantity),
                unit_price=price.quantize(Decimal("0.01")),
                line_number=int(number) if number else None,
                supplier_sku=sku,
            )
        )
    return tuple(lines), errors
