"""810 invoice -> `partners.documents.InvoiceInput`.

BIG01 is the invoice date, BIG02 its number, BIG04 our PO number. Each IT1 is a line: IT102
units, IT104 unit price (an explicit-decimal amount: "3" is 3.00), IT106.. the item codes.
TDS01, the invoice total, has two IMPLIED decimals ("14400" is 144.00). A line is tied to
our PO line when its codes match one; an invoice line for something we did not order keeps
`line_number=None` and the supplier's code, so the three-way match flags it instead of the
mapper refusing the whole invoice.
"""

from __future__ import annotations

from partners.documents import InvoiceInput, InvoiceLineInput
from partners.edi.envelope import TransactionSet
from partners.edi.mappers.common import (
    SUPPLIER_SKU,
    ItemRef,
    LineCatalog,
    NoCatalog,
    ccyymmdd,
    match_line,
    missing_segment,
    money,
    po_number,
    quantity,
    required,
)


def invoice_from_810(ts: TransactionSet, catalog: LineCatalog | None = None) -> InvoiceInput:
    """Map an 810 set to an `InvoiceInput`; raise `MappingError` naming the segment and element at fault."""
    catalog = catalog or NoCatalog()
    big = next((segment for segment in ts.body if segment.id == "BIG"), None)
    if big is None:
        raise missing_segment(ts, "BIG", "an 810 starts with BIG (date, invoice number, PO number)")
    invoiced_at = ccyymmdd(ts, big, 1, "invoice date")
    number = required(ts, big, 2, "invoice number")
    purchase_order = po_number(required(ts, big, 4, "purchase order number"))
    po_lines = catalog.lines(purchase_order)
    lines = []
    for it1 in (segment for segment in ts.body if segment.id == "IT1"):
        item = ItemRef(it1.get(1).strip(), tuple(it1.pairs(6)))
        lines.append(
            InvoiceLineInput(
                quantity=quantity(ts, it1, 2, "quantity invoiced"),
                unit_price=money(ts, it1, 4, "unit price"),
                line_number=match_line(po_lines, item),
                supplier_sku=item.first(SUPPLIER_SKU),
            )
        )
    if not lines:
        raise missing_segment(ts, "IT1", "an invoice needs at least one line")
    tds = next((segment for segment in ts.body if segment.id == "TDS"), None)
    total = money(ts, tds, 1, "total invoice amount", implied_decimals=2) if tds else None
    return InvoiceInput(
        po_number=purchase_order, number=number, invoiced_at=invoiced_at, lines=tuple(lines), total=total
    )
