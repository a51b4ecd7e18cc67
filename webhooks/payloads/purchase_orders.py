"""`purchase_order.*` events: the shapes of a purchase order, a ship notice and an invoice, their
renderer (one query per kind of object for a batch of events) and the documentation's examples.

A purchase order is addressed to the merchant's own systems (an ERP, accounts payable), not the
supplier: it carries the partner, the order and shipment it serves, costs and every line's answer.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from django.db.models import Prefetch

from channels.models import Channel
from fulfillment.models import Shipment
from inventory.models import SKU
from orders.models import Order
from partners.models import (
    AdvanceShipNotice,
    AsnLine,
    Invoice,
    InvoiceLine,
    Partner,
    PurchaseOrder,
    PurchaseOrderLine,
)
from webhooks.models import Event, EventType
from webhooks.payloads.shapes import iso, iso_date, money, order_reference


def purchase_order_line_shape(line: PurchaseOrderLine) -> dict[str, Any]:
    """One line: what was ordered at what cost, and what the partner accepted, shipped and invoiced."""
    return {
        "line_number": line.line_number,
        "sku": line.sku.code,
        "supplier_sku": line.supplier_sku,
        "quantity": line.quantity,
        "unit_cost": money(line.unit_cost),
        "accepted": line.quantity_accepted,
        "rejected": line.quantity_rejected,
        "shipped": line.quantity_shipped,
        "invoiced": line.quantity_invoiced,
        "reject_reason": line.reject_reason,
    }


def purchase_order_shape(po: PurchaseOrder, lines: Sequence[PurchaseOrderLine]) -> dict[str, Any]:
    """A purchase order as it stands: partner, the order it serves, status, dates, cost and lines."""
    return {
        "id": po.pk,
        "number": po.number,
        "status": po.status,
        "partner": {"code": po.partner.code, "name": po.partner.name},
        # A stock PO fills our own shelves: it serves no customer order and no shipment of ours.
        "order": order_reference(po.shipment.order) if po.shipment is not None else None,
        "shipment": {"id": po.shipment.pk, "number": po.shipment.number} if po.shipment is not None else None,
        "ship_to": po.ship_to,
        "service_level": po.service_level,
        "ship_by": iso_date(po.ship_by),
        "acknowledge_by": iso(po.ack_due_at),
        "ship_due_at": iso(po.ship_due_at),
        "total_cost": money(po.total_cost),
        "match_status": po.match_status,
        "created_at": iso(po.created_at),
        "sent_at": iso(po.sent_at),
        "acknowledged_at": iso(po.acknowledged_at),
        "shipped_at": iso(po.shipped_at),
        "cancelled_at": iso(po.cancelled_at),
        "cancel_reason": po.cancel_reason,
        "lines": [purchase_order_line_shape(line) for line in sorted(lines, key=lambda line: line.line_number)],
    }


def ship_notice_shape(notice: AdvanceShipNotice, lines: Sequence[AsnLine]) -> dict[str, Any]:
    """One ship notice (ASN): the partner's reference, carrier, tracking and units per PO line."""
    return {
        "id": notice.pk,
        "reference": notice.reference,
        "carrier": notice.carrier,
        "service": notice.service,
        "tracking_numbers": list(notice.tracking_numbers),
        "shipped_at": iso(notice.shipped_at),
        "lines": [{"line_number": line.po_line.line_number, "quantity": line.quantity} for line in lines],
    }


def invoice_shape(invoice: Invoice, lines: Sequence[InvoiceLine]) -> dict[str, Any]:
    """One invoice: number, date, total, the three-way match and its lines."""
    return {
        "id": invoice.pk,
        "number": invoice.number,
        "invoiced_at": iso_date(invoice.invoiced_at),
        "total": money(invoice.total),
        "match_status": invoice.match_status,
        "discrepancies": invoice.discrepancies,
        "approved_at": iso(invoice.approved_at),
        "lines": [
            {
                "line_number": line.po_line.line_number if line.po_line else None,
                "supplier_sku": line.supplier_sku,
                "quantity": line.quantity,
                "unit_price": money(line.unit_price),
            }
            for line in lines
        ],
    }


def purchase_order_events(events: Sequence[Event]) -> dict[int, dict[str, Any]]:
    """`data` of each `purchase_order.*` event: the PO, with the ship notice or invoice it is about."""
    orders = (
        PurchaseOrder.objects.select_related("partner", "shipment__order__channel")
        .prefetch_related(Prefetch("lines", queryset=PurchaseOrderLine.objects.select_related("sku")))
        .in_bulk([event.subject.get("purchase_order", 0) for event in events])
    )
    notices = AdvanceShipNotice.objects.prefetch_related("lines__po_line").in_bulk(
        [event.subject["ship_notice"] for event in events if "ship_notice" in event.subject]
    )
    invoices = Invoice.objects.prefetch_related("lines__po_line").in_bulk(
        [event.subject["invoice"] for event in events if "invoice" in event.subject]
    )
    rendered: dict[int, dict[str, Any]] = {}
    for event in events:
        po = orders.get(event.subject.get("purchase_order", 0))
        if po is None:
            continue
        data: dict[str, Any] = {"purchase_order": purchase_order_shape(po, list(po.lines.all()))}
        if "ship_notice" in event.subject:
            notice = notices.get(event.subject["ship_notice"])
            if notice is None:
                continue
            data["ship_notice"] = ship_notice_shape(notice, list(notice.lines.all()))
        if "invoice" in event.subject:
            invoice = invoices.get(event.subject["invoice"])
            if invoice is None:
                continue
            data["invoice"] = invoice_shape(invoice, list(invoice.lines.all()))
        rendered[event.pk] = data
    return rendered


PURCHASE_ORDER_EVENT_TYPES = (
    EventType.PURCHASE_ORDER_CREATED,
    EventType.PURCHASE_ORDER_SENT,
    EventType.PURCHASE_ORDER_ACKNOWLEDGED,
    EventType.PURCHASE_ORDER_SHIPPED,
    EventType.PURCHASE_ORDER_INVOICED,
    EventType.PURCHASE_ORDER_CANCELLED,
)

_AT = datetime(2026, 12, 1, 14, 30, 5, tzinfo=UTC)


def purchase_order_example(event_type: str) -> dict[str, Any]:
    """The documentation's `data` of a `purchase_order.*` event, from unsaved instances (no query)."""
    channel = Channel(pk=1, code="web", name="Web shop")
    order = Order(pk=1042, channel=channel, external_id="W-20261201-17")
    shipment = Shipment(pk=311, order=order)
    partner = Partner(pk=4, code="acme", name="Acme Supply")
    status = {
        EventType.PURCHASE_ORDER_CREATED: "sent",
        EventType.PURCHASE_ORDER_SENT: "sent",
        EventType.PURCHASE_ORDER_ACKNOWLEDGED: "acknowledged",
        EventType.PURCHASE_ORDER_SHIPPED: "shipped",
        EventType.PURCHASE_ORDER_INVOICED: "closed",
        EventType.PURCHASE_ORDER_CANCELLED: "cancelled",
    }[EventType(event_type)]
    answered = status not in ("sent", "cancelled")
    shipped = status in ("shipped", "closed")
    po = PurchaseOrder(
        pk=87,
        partner=partner,
        shipment=shipment,
        status=status,
        ship_to={
            "name": "Ada Lovelace",
            "line1": "1 Main St",
            "line2": "",
            "city": "New York",
            "region": "NY",
            "postal_code": "10001",
            "country": "US",
        },
        service_level="standard",
        ship_by=date(2026, 12, 3),
        ack_due_at=datetime(2026, 12, 2, 14, 30, tzinfo=UTC),
        ship_due_at=datetime(2026, 12, 3, 14, 30, tzinfo=UTC),
        total_cost=Decimal("25.60"),
        match_status="matched" if status == "closed" else "",
        created_at=_AT,
        sent_at=None if event_type == EventType.PURCHASE_ORDER_CREATED else _AT,
        acknowledged_at=datetime(2026, 12, 1, 16, 2, tzinfo=UTC) if answered else None,
        shipped_at=datetime(2026, 12, 2, 11, 40, tzinfo=UTC) if shipped else None,
        cancelled_at=datetime(2026, 12, 1, 15, 0, tzinfo=UTC) if status == "cancelled" else None,
        cancel_reason="Order cancelled by the customer" if status == "cancelled" else "",
    )
    line = PurchaseOrderLine(
        pk=1,
        purchase_order=po,
        line_number=1,
        sku=SKU(pk=1, code="TEE-BLK-M", name="Black tee, M"),
        supplier_sku="ACME-TEE",
        quantity=4,
        unit_cost=Decimal("6.40"),
        quantity_accepted=4 if answered else 0,
        quantity_shipped=4 if shipped else 0,
        quantity_invoiced=4 if status == "closed" else 0,
    )
    data: dict[str, Any] = {"purchase_order": purchase_order_shape(po, [line])}
    if event_type == EventType.PURCHASE_ORDER_SHIPPED:
        notice = AdvanceShipNotice(
            pk=51,
            purchase_order=po,
            reference="ACME-SHP-5521",
            carrier="UPS",
            service="Ground",
            tracking_numbers=["1Z999AA10123456784"],
            shipped_at=datetime(2026, 12, 2, 11, 40, tzinfo=UTC),
        )
        data["ship_notice"] = ship_notice_shape(notice, [AsnLine(ship_notice=notice, po_line=line, quantity=4)])
    if event_type == EventType.PURCHASE_ORDER_INVOICED:
        invoice = Invoice(
            pk=23,
            purchase_order=po,
            number="INV-7781",
            invoiced_at=date(2026, 12, 3),
            total=Decimal("25.60"),
            match_status="matched",
            discrepancies=[],
        )
        invoice_line = InvoiceLine(
            invoice=invoice, po_line=line, supplier_sku="ACME-TEE", quantity=4, unit_price=Decimal("6.40")
        )
        data["invoice"] = invoice_shape(invoice, [invoice_line])
    return data
