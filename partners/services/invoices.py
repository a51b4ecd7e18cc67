"""Supplier invoices, matched three ways: the PO (quantity, our cost), ship notices (units shipped), the invoice.

Each invoice line is matched to a PO line (by line number, else by the supplier's or our SKU
code). A price other than the PO's cost, more units than shipped (less what other approved
invoices already billed), a line not on the PO, or a total that is not the sum of the lines is
a discrepancy: the invoice is flagged with the list of what differs and is not approved, and
staff approve it with a note (`invoice_approve`) or not at all. A clean invoice is matched and
approved at once. An invoice that came before its ship notice is matched again when the notice
arrives. The PO is closed once it has shipped and approved invoices cover every unit shipped
(invoiced while only part is).
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from core.errors import ValidationFailed
from core.types import AnyUser, actor_id
from partners.documents import InvoiceInput
from partners.models import (
    DocumentKind,
    Invoice,
    InvoiceLine,
    Partner,
    PartnerDocument,
    PurchaseOrder,
    PurchaseOrderLine,
)
from partners.services.documents import Incoming, Refusal, document_apply, parsed_of
from partners.services.lifecycle import lines_save, po_lines, po_locked, po_status_refresh, refuse_unless_open

MATCHED = "matched"
DISCREPANCY = "discrepancy"
CENT = Decimal("0.01")


def invoice_apply(
    *,
    partner: Partner,
    invoice: InvoiceInput,
    via: str,
    raw: str = "",
    idempotency_key: str = "",
    actor: AnyUser | None = None,
) -> PartnerDocument:
    """Store a supplier's invoice for a PO and match it (see the module docstring); stored on the trail.

    Refused (stored as rejected) for an unknown PO, a PO cancelled, rejected or closed, no lines,
    a quantity under 1 or a negative price, or a number already used with other content. The
    same invoice twice changes nothing.
    """
    incoming = Incoming(
        partner=partner,
        kind=DocumentKind.INVOICE,
        via=via,
        raw=raw,
        parsed=parsed_of(invoice),
        idempotency_key=idempotency_key,
        actor=actor,
    )
    return document_apply(incoming, po_number=invoice.po_number, apply=functools.partial(_apply, invoice=invoice))


def _money(value: object, field: str) -> Decimal:
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError) as exc:
        raise Refusal("Give an amount such as 12.50.", field=field) from exc
    if not amount.is_finite() or amount < 0 or amount > Decimal("9999999999.99"):
        raise Refusal("Give an amount of 0 or more.", field=field)
    return amount.quantize(CENT)


def _po_line_for(lines: Sequence[PurchaseOrderLine], line_number: int | None, code: str) -> PurchaseOrderLine | None:
    if line_number is not None:
        return next((line for line in lines if line.line_number == line_number), None)
    code = code.strip()
    found = [line for line in lines if code and code in (line.supplier_sku, line.sku.code)]
    return found[0] if len(found) == 1 else None


def _apply(po: PurchaseOrder | None, document: PartnerDocument, *, invoice: InvoiceInput) -> str:
    assert po is not None
    refuse_unless_open(po, "an invoice")
    number = invoice.number.strip()
    if not number or len(number) > 60:
        raise Refusal("Give the invoice number (1 to 60 characters).", field="number")
    if Invoice.objects.filter(purchase_order=po, number=number).exists():
        raise Refusal(f"Invoice {number} was already received for {po.number} with other content.", field="number")
    if not isinstance(invoice.invoiced_at, date):
        raise Refusal("Give the invoice date.", field="invoiced_at")
    if not invoice.lines:
        raise Refusal("An invoice has at least one line.", field="lines")
    lines = po_lines(po)
    rows = []
    for index, given in enumerate(invoice.lines):
        quantity = given.quantity
        if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity < 1:
            raise Refusal("Invoice at least 1 unit per line.", field=f"lines[{index}].quantity")
        price = _money(given.unit_price, f"lines[{index}].unit_price")
        po_line = _po_line_for(lines, given.line_number, given.supplier_sku)
        rows.append(
            InvoiceLine(
                po_line=po_line,
                supplier_sku=(given.supplier_sku or (po_line.supplier_sku if po_line else ""))[:64],
                quantity=quantity,
                unit_price=price,
            )
        )
    lines_total = sum((row.unit_price * row.quantity for row in rows), Decimal("0.00"))
    total = _money(invoice.total, "total") if invoice.total is not None else lines_total
    stored = Invoice.objects.create(purchase_order=po, number=number, invoiced_at=invoice.invoiced_at, total=total)
    for row in rows:
        row.invoice = stored
    InvoiceLine.objects.bulk_create(rows)
    _match(stored, po, lines)
    _po_invoiced_refresh(po, lines)
    po_status_refresh(po, lines)
    return ""


def _invoiced_elsewhere(po: PurchaseOrder, invoice: Invoice) -> dict[int, int]:
    """Units per PO line that the PO's other approved invoices bill."""
    rows = (
        InvoiceLine.objects.filter(
            invoice__purchase_order=po, invoice__approved_at__isnull=False, po_line__isnull=False
        )
        .exclude(invoice=invoice)
        .values("po_line_id")
        .annotate(units=Sum("quantity"))
    )
    return {row["po_line_id"]: row["units"] for row in rows}


def _match(invoice: Invoice, po: PurchaseOrder, lines: Sequence[PurchaseOrderLine]) -> None:
    """Compare the invoice with the PO and ship notices; save it matched (and approved) or flagged."""
    by_id = {line.pk: line for line in lines}
    differences: list[dict[str, Any]] = []
    units: dict[int, int] = {}
    invoice_lines = list(invoice.lines.order_by("pk"))
    for row in invoice_lines:
        if row.po_line_id is None:
            name = row.supplier_sku or "A line without a SKU"
            differences.append({"line": None, "field": "line", "message": f"{name} is not on {po.number}."})
            continue
        line = by_id[row.po_line_id]
        units[line.pk] = units.get(line.pk, 0) + row.quantity
        if row.unit_price != line.unit_cost:
            differences.append(
                {
                    "line": line.line_number,
                    "field": "unit_price",
                    "invoiced": str(row.unit_price),
                    "expected": str(line.unit_cost),
                    "message": f"Line {line.line_number}: invoiced at {row.unit_price}, "
                    f"the PO's cost is {line.unit_cost}.",
                }
            )
    before = _invoiced_elsewhere(po, invoice)
    for line_id, quantity in units.items():
        line = by_id[line_id]
        billable = line.quantity_shipped - before.get(line_id, 0)
        if quantity > billable:
            earlier = f", {before[line_id]} invoiced before" if before.get(line_id) else ""
            differences.append(
                {
                    "line": line.line_number,
                    "field": "quantity",
                    "invoiced": quantity,
                    "expected": max(billable, 0),
                    "message": f"Line {line.line_number}: {quantity} invoiced, "
                    f"{line.quantity_shipped} shipped{earlier}.",
                }
            )
    lines_total = sum((row.unit_price * row.quantity for row in invoice_lines), Decimal("0.00"))
    if invoice.total != lines_total:
        differences.append(
            {
                "line": None,
                "field": "total",
                "invoiced": str(invoice.total),
                "expected": str(lines_total),
                "message": f"The total is {invoice.total}, the lines add up to {lines_total}.",
            }
        )
    invoice.discrepancies = differences
    invoice.match_status = DISCREPANCY if differences else MATCHED
    invoice.approved_at = None if differences else timezone.now()
    invoice.save(update_fields=["discrepancies", "match_status", "approved_at"])


def _po_invoiced_refresh(po: PurchaseOrder, lines: Sequence[PurchaseOrderLine]) -> None:
    """Units invoiced per line (approved invoices) and the PO's match status."""
    billed = dict(
        InvoiceLine.objects.filter(
            invoice__purchase_order=po, invoice__approved_at__isnull=False, po_line__isnull=False
        )
        .values("po_line_id")
        .annotate(units=Sum("quantity"))
        .values_list("po_line_id", "units")
    )
    for line in lines:
        line.quantity_invoiced = billed.get(line.pk, 0)
    lines_save(lines)
    invoices = po.invoices.all()
    if not invoices.exists():
        status = ""
    elif invoices.filter(match_status=DISCREPANCY, approved_at__isnull=True).exists():
        status = DISCREPANCY
    else:
        status = MATCHED
    if status != po.match_status:
        po.match_status = status
        po.save(update_fields=["match_status", "updated_at"])


def invoices_rematch(*, po: PurchaseOrder, lines: Sequence[PurchaseOrderLine]) -> None:
    """Match again the PO's flagged, unapproved invoices (a ship notice arrived since). Precondition: PO locked."""
    flagged = list(po.invoices.filter(match_status=DISCREPANCY, approved_at__isnull=True).order_by("pk"))
    if not flagged:
        return
    for invoice in flagged:
        _match(invoice, po, lines)
    _po_invoiced_refresh(po, lines)


def invoice_approve(*, invoice: Invoice, actor: AnyUser | None, note: str = "") -> Invoice:
    """Staff approve an invoice for payment; a flagged one needs a note saying why. Twice changes nothing."""
    note = note.strip()
    with transaction.atomic():
        po = po_locked(invoice.purchase_order)
        locked = Invoice.objects.select_for_update().get(pk=invoice.pk)
        if locked.approved_at is not None:
            return locked
        if locked.match_status == DISCREPANCY and not note:
            raise ValidationFailed("Say why this invoice is approved despite what differs.", field="note")
        locked.approved_at = timezone.now()
        locked.approved_by_id = actor_id(actor)
        locked.approval_note = note[:300]
        locked.save(update_fields=["approved_at", "approved_by", "approval_note"])
        lines = po_lines(po)
        _po_invoiced_refresh(po, lines)
        po_status_refresh(po, lines)
    return locked
