"""Supplier invoices matched three ways (PO cost and quantity, units shipped, the invoice): a clean one
closes the PO, a difference is flagged for staff and approved only with a note."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from core.errors import ValidationFailed
from partners.documents import AckLine, Acknowledgment, InvoiceInput, InvoiceLineInput, ShipLine, ShipNotice
from partners.models import DocumentStatus, Exchange, Invoice, PurchaseOrderStatus
from partners.services import (
    acknowledgment_apply,
    invoice_apply,
    invoice_approve,
    purchase_order_cancel,
    ship_notice_apply,
)
from tests.factories import user_with_role
from tests.factories.partners import dropship_network, po_of

pytestmark = pytest.mark.django_db

API = Exchange.API


@pytest.fixture
def net(db):
    return dropship_network()


def shipped_po(net, tee=2, mug=1, *, ship=None):
    """A PO for tees and a mug, accepted in full and shipped (`ship` units per line, default all)."""
    po = po_of(net.order([("TEE-BLK-M", tee), ("MUG-WHT", mug)]))
    acknowledgment_apply(
        partner=net.partner, ack=Acknowledgment(po.number, (AckLine(1, tee), AckLine(2, mug))), via=API
    )
    lines = ship or ((1, tee), (2, mug))
    ship_notice_apply(
        partner=net.partner,
        notice=ShipNotice(po.number, "ASN-1", tuple(ShipLine(*line) for line in lines), "UPS", "Ground", ("1Z1",)),
        via=API,
    )
    po.refresh_from_db()
    return po


def invoice(po, number="INV-1", *lines, total=None) -> InvoiceInput:
    return InvoiceInput(
        po_number=po.number,
        number=number,
        invoiced_at=date(2026, 3, 3),
        lines=tuple(InvoiceLineInput(quantity=q, unit_price=Decimal(p), line_number=n) for n, q, p in lines),
        total=Decimal(total) if total is not None else None,
    )


def test_a_clean_invoice_matches_and_closes_the_shipped_po(net):
    po = shipped_po(net)

    document = invoice_apply(
        partner=net.partner, invoice=invoice(po, "INV-1", (1, 2, "6.40"), (2, 1, "3.10"), total="15.90"), via=API
    )

    assert document.status == DocumentStatus.APPLIED
    stored = Invoice.objects.get(purchase_order=po)
    assert (stored.match_status, stored.discrepancies, stored.total) == ("matched", [], Decimal("15.90"))
    assert stored.approved_at is not None and stored.approved_by is None  # matched: approved by itself
    po.refresh_from_db()
    assert (po.match_status, po.status) == ("matched", PurchaseOrderStatus.CLOSED)
    assert [line.quantity_invoiced for line in po.lines.all()] == [2, 1]


def test_an_invoice_for_part_of_what_shipped_leaves_the_po_invoiced_until_the_rest_comes(net):
    po = shipped_po(net)

    invoice_apply(partner=net.partner, invoice=invoice(po, "INV-1", (1, 2, "6.40")), via=API)
    po.refresh_from_db()
    assert (po.status, po.match_status) == (PurchaseOrderStatus.INVOICED, "matched")

    invoice_apply(partner=net.partner, invoice=invoice(po, "INV-2", (2, 1, "3.10")), via=API)
    po.refresh_from_db()
    assert po.status == PurchaseOrderStatus.CLOSED


def test_price_and_quantity_differences_are_flagged_and_not_approved(net):
    po = shipped_po(net)

    invoice_apply(
        partner=net.partner,
        invoice=invoice(po, "INV-1", (1, 3, "6.40"), (2, 1, "3.50"), total="23.00"),
        via=API,
    )

    stored = Invoice.objects.get(purchase_order=po)
    assert stored.match_status == "discrepancy" and stored.approved_at is None
    assert [(d["line"], d["field"]) for d in stored.discrepancies] == [
        (2, "unit_price"),
        (1, "quantity"),
        (None, "total"),
    ]
    messages = [d["message"] for d in stored.discrepancies]
    assert "Line 2: invoiced at 3.50, the PO's cost is 3.10." in messages
    assert "Line 1: 3 invoiced, 2 shipped." in messages
    assert "The total is 23.00, the lines add up to 22.70." in messages
    po.refresh_from_db()
    assert (po.match_status, po.status) == ("discrepancy", PurchaseOrderStatus.SHIPPED)
    assert [line.quantity_invoiced for line in po.lines.all()] == [0, 0]  # nothing billed until approved


def test_approving_a_discrepancy_needs_a_note_and_then_closes_the_po(net):
    po = shipped_po(net)
    invoice_apply(partner=net.partner, invoice=invoice(po, "INV-1", (1, 2, "6.50"), (2, 1, "3.10")), via=API)
    stored = Invoice.objects.get(purchase_order=po)
    buyer = user_with_role("Back office", username="buyer")

    with pytest.raises(ValidationFailed) as refused:
        invoice_approve(invoice=stored, actor=buyer, note="  ")
    assert refused.value.field == "note"
    approved = invoice_approve(invoice=stored, actor=buyer, note="freight surcharge agreed by phone")

    assert (approved.approved_by, approved.approval_note) == (buyer, "freight surcharge agreed by phone")
    po.refresh_from_db()
    assert (po.match_status, po.status) == ("matched", PurchaseOrderStatus.CLOSED)
    assert invoice_approve(invoice=stored, actor=buyer).approved_at == approved.approved_at  # twice: no change


def test_an_invoice_before_the_ship_notice_is_matched_again_when_it_arrives(net):
    po = po_of(net.order([("TEE-BLK-M", 2)]))
    invoice_apply(partner=net.partner, invoice=invoice(po, "INV-1", (1, 2, "6.40")), via=API)
    stored = Invoice.objects.get(purchase_order=po)
    assert stored.match_status == "discrepancy"  # nothing shipped yet

    ship_notice_apply(
        partner=net.partner,
        notice=ShipNotice(po.number, "ASN-1", (ShipLine(1, 2),), tracking_numbers=("1Z9",)),
        via=API,
    )

    stored.refresh_from_db()
    assert (stored.match_status, stored.discrepancies) == ("matched", [])
    po.refresh_from_db()
    assert po.status == PurchaseOrderStatus.CLOSED


def test_an_invoice_line_by_supplier_sku_and_one_not_on_the_po(net):
    po = shipped_po(net)
    by_code = InvoiceInput(
        po_number=po.number,
        number="INV-9",
        invoiced_at=date(2026, 3, 3),
        lines=(
            InvoiceLineInput(quantity=2, unit_price=Decimal("6.40"), supplier_sku="ACME-TEE"),
            InvoiceLineInput(quantity=1, unit_price=Decimal("1.00"), supplier_sku="ACME-HAT"),
        ),
    )

    invoice_apply(partner=net.partner, invoice=by_code, via=API)

    stored = Invoice.objects.get(purchase_order=po)
    assert [d["message"] for d in stored.discrepancies] == [f"ACME-HAT is not on {po.number}."]
    assert stored.lines.get(supplier_sku="ACME-TEE").po_line == po.lines.get(line_number=1)


def test_the_same_invoice_twice_changes_nothing_and_a_reused_number_is_refused(net):
    po = shipped_po(net)
    first = invoice_apply(partner=net.partner, invoice=invoice(po, "INV-1", (1, 2, "6.40")), via=API)

    again = invoice_apply(partner=net.partner, invoice=invoice(po, "INV-1", (1, 2, "6.40")), via=API)

    assert (again.pk, again.status) == (first.pk, DocumentStatus.DUPLICATE)
    assert Invoice.objects.filter(purchase_order=po).count() == 1
    with pytest.raises(ValidationFailed, match="INV-1 was already received") as refused:
        invoice_apply(partner=net.partner, invoice=invoice(po, "INV-1", (2, 1, "3.10")), via=API)
    assert refused.value.field == "number"


@pytest.mark.parametrize(
    ("lines", "field"),
    [((), "lines"), (((1, 0, "6.40"),), "lines[0].quantity"), (((1, 1, "-1"),), "lines[0].unit_price")],
)
def test_a_malformed_invoice_is_stored_rejected(net, lines, field):
    po = shipped_po(net)

    with pytest.raises(ValidationFailed) as refused:
        invoice_apply(partner=net.partner, invoice=invoice(po, "INV-X", *lines), via=API)

    assert refused.value.field == field
    assert not Invoice.objects.filter(purchase_order=po).exists()


def test_a_cancelled_po_takes_no_invoice(net):
    po = po_of(net.order([("TEE-BLK-M", 1)]))
    purchase_order_cancel(purchase_order=po, actor=None, reason="not needed")

    with pytest.raises(ValidationFailed, match="was cancelled"):
        invoice_apply(partner=net.partner, invoice=invoice(po, "INV-1", (1, 1, "6.40")), via=API)
