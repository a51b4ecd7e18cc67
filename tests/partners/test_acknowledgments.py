"""Acknowledgments per PO line: accept all, part or none; units turned down (or left unanswered past the
SLA) are released and routed again away from the partner, as a store's rejection is."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from core.errors import ValidationFailed
from fulfillment.models import RoutingExclusion, ShipmentStatus
from fulfillment.services import order_cancel, order_hold, order_release
from inventory.models import StockLevel
from orders.models import OrderEvent, OrderStatus
from partners.documents import AckLine, Acknowledgment
from partners.models import DocumentStatus, Exchange, PartnerDocument, PurchaseOrder, PurchaseOrderStatus
from partners.services import acknowledgment_apply, purchase_order_cancel, purchase_orders_sla_sweep
from tests.factories import LocationFactory, stocked
from tests.factories.partners import dropship_network, dropship_shipment, dropship_supplier, po_of

pytestmark = pytest.mark.django_db

API = Exchange.API


@pytest.fixture
def net(db):
    return dropship_network()


def ack(po, *lines: tuple[int, int] | tuple[int, int, str]) -> Acknowledgment:
    return Acknowledgment(po_number=po.number, lines=tuple(AckLine(*line) for line in lines))


def reserved(location, sku) -> int:
    return StockLevel.objects.get(location=location, sku=sku).reserved


def test_accepting_everything_acknowledges_the_po_and_the_shipment(net):
    order = net.order([("TEE-BLK-M", 2), ("MUG-WHT", 1)])
    po = po_of(order)

    document = acknowledgment_apply(partner=net.partner, ack=ack(po, (1, 2), (2, 1)), via=API, raw="{}")

    assert (document.status, document.purchase_order) == (DocumentStatus.APPLIED, po)
    po.refresh_from_db()
    assert po.status == PurchaseOrderStatus.ACKNOWLEDGED and po.acknowledged_at is not None
    assert [(line.quantity_accepted, line.quantity_rejected) for line in po.lines.all()] == [(2, 0), (1, 0)]
    assert dropship_shipment(po).status == ShipmentStatus.ACCEPTED
    order.refresh_from_db()
    assert order.status == OrderStatus.IN_FULFILLMENT
    net.partner.refresh_from_db()
    assert net.partner.last_contact_at is not None


def test_a_part_accepted_line_sends_the_rest_elsewhere_and_never_back_to_the_partner(net):
    order = net.order([("TEE-BLK-M", 3), ("MUG-WHT", 1)])
    po = po_of(order)
    assert reserved(net.supplier, net.tee) == 3

    acknowledgment_apply(partner=net.partner, ack=ack(po, (1, 1, "only one left"), (2, 1)), via=API)

    po.refresh_from_db()
    assert po.status == PurchaseOrderStatus.ACKNOWLEDGED
    tee_line = po.lines.get(line_number=1)
    assert (tee_line.quantity_accepted, tee_line.quantity_rejected, tee_line.reject_reason) == (1, 2, "only one left")
    supplier_shipment = dropship_shipment(po)
    assert supplier_shipment.status == ShipmentStatus.ACCEPTED
    assert sorted((line.sku.code, line.quantity) for line in supplier_shipment.lines.all()) == [
        ("MUG-WHT", 1),
        ("TEE-BLK-M", 1),
    ]
    [moved] = order.shipments.exclude(pk=po.shipment_id)
    assert moved.location == net.warehouse
    assert [(line.sku.code, line.quantity) for line in moved.lines.all()] == [("TEE-BLK-M", 2)]
    assert (reserved(net.supplier, net.tee), reserved(net.warehouse, net.tee)) == (1, 2)
    assert RoutingExclusion.objects.filter(order=order, location=net.supplier).exists()
    assert PurchaseOrder.objects.filter(shipment__order=order).count() == 1  # the warehouse gets no PO
    lines = {line.sku.code: line for line in order.lines.all()}
    assert (lines["TEE-BLK-M"].quantity_allocated, lines["TEE-BLK-M"].quantity_backordered) == (3, 0)
    assert OrderEvent.objects.filter(order=order, message__contains="turned down by Acme Supply").exists()


def test_rejecting_everything_rejects_the_po_and_reroutes_the_whole_shipment(net):
    order = net.order([("TEE-BLK-M", 2)])
    po = po_of(order)

    acknowledgment_apply(partner=net.partner, ack=ack(po, (1, 0, "discontinued")), via=API)

    po.refresh_from_db()
    assert po.status == PurchaseOrderStatus.REJECTED
    assert dropship_shipment(po).status == ShipmentStatus.REJECTED
    [moved] = order.shipments.exclude(pk=po.shipment_id)
    assert (moved.location, moved.status) == (net.warehouse, ShipmentStatus.REQUESTED)
    assert (reserved(net.supplier, net.tee), reserved(net.warehouse, net.tee)) == (0, 2)


def test_a_partner_with_several_locations_is_excluded_everywhere_for_that_order(net):
    other: Any = LocationFactory(code="acme-west", kind="dropship_supplier", priority=2)
    net.partner.locations.add(other)
    stocked(other, net.tee, 9)
    order = net.order([("TEE-BLK-M", 1)])

    acknowledgment_apply(partner=net.partner, ack=ack(po_of(order), (1, 0)), via=API)

    [moved] = order.shipments.exclude(location=net.supplier)
    assert moved.location == net.warehouse  # not the partner's other location
    assert set(RoutingExclusion.objects.filter(order=order).values_list("location__code", flat=True)) == {
        "acme-ds",
        "acme-west",
    }


def test_the_same_ack_twice_changes_nothing(net):
    order = net.order([("TEE-BLK-M", 3)])
    po = po_of(order)
    first = acknowledgment_apply(partner=net.partner, ack=ack(po, (1, 1)), via=API, idempotency_key="k-1")

    again = acknowledgment_apply(partner=net.partner, ack=ack(po, (1, 1)), via=API)
    same_key = acknowledgment_apply(partner=net.partner, ack=ack(po, (1, 1)), via=API, idempotency_key="k-1")

    assert (again.pk, again.status) == (first.pk, DocumentStatus.DUPLICATE)
    assert same_key.pk == first.pk
    assert PartnerDocument.objects.get(pk=first.pk).status == DocumentStatus.APPLIED
    assert PartnerDocument.objects.filter(purchase_order=po, status=DocumentStatus.DUPLICATE).count() == 2
    assert order.shipments.count() == 2  # the rejected units were routed once
    assert reserved(net.warehouse, net.tee) == 2


@pytest.mark.parametrize(
    ("lines", "field", "message"),
    [
        (((9, 1),), "lines[0].line_number", "Line 9 is not on"),
        (((1, 4),), "lines[0].accepted", "accept 0 to 3 units, not 4"),
        (((1, -1),), "lines[0].accepted", "accept 0 to 3 units"),
        (((1, 1), (1, 2)), "lines[1].line_number", "answered twice"),
        ((), "lines", "at least one line"),
    ],
)
def test_a_bad_ack_is_stored_rejected_with_the_field_and_changes_nothing(net, lines, field, message):
    po = po_of(net.order([("TEE-BLK-M", 3)]))

    with pytest.raises(ValidationFailed, match=message) as refused:
        acknowledgment_apply(partner=net.partner, ack=ack(po, *lines), via=API, raw='{"lines": "..."}')

    assert refused.value.field == field
    stored = PartnerDocument.objects.get(pk=refused.value.details["document"])
    assert (stored.status, stored.purchase_order, stored.raw) == (DocumentStatus.REJECTED, po, '{"lines": "..."}')
    assert field in stored.error and message in stored.error
    po.refresh_from_db()
    assert po.status == PurchaseOrderStatus.SENT
    assert [(line.quantity_accepted, line.quantity_rejected) for line in po.lines.all()] == [(0, 0)]
    assert reserved(net.supplier, net.tee) == 3


def test_an_answered_line_cannot_be_answered_otherwise(net):
    po = po_of(net.order([("TEE-BLK-M", 3)]))
    acknowledgment_apply(partner=net.partner, ack=ack(po, (1, 1)), via=API)

    with pytest.raises(ValidationFailed, match="already answered: 1 accepted, 2 rejected"):
        acknowledgment_apply(partner=net.partner, ack=ack(po, (1, 3)), via=API)


def test_another_partners_po_is_unknown_and_a_cancelled_po_takes_no_ack(net):
    po = po_of(net.order([("TEE-BLK-M", 1)]))
    rival, _ = dropship_supplier("rival")

    with pytest.raises(ValidationFailed, match=f"No purchase order {po.number} for Rival Supply") as refused:
        acknowledgment_apply(partner=rival, ack=ack(po, (1, 1)), via=API)
    assert refused.value.field == "po_number"
    assert PartnerDocument.objects.get(pk=refused.value.details["document"]).purchase_order is None

    purchase_order_cancel(purchase_order=po, actor=None, reason="customer changed their mind")
    with pytest.raises(ValidationFailed, match="was cancelled: customer changed their mind"):
        acknowledgment_apply(partner=net.partner, ack=ack(po, (1, 1)), via=API)


def test_lines_unanswered_past_the_sla_go_elsewhere(net):
    order = net.order([("TEE-BLK-M", 2), ("MUG-WHT", 1)])
    po = po_of(order)
    acknowledgment_apply(partner=net.partner, ack=Acknowledgment(po.number, (AckLine(2, 1),)), via=API)
    assert purchase_orders_sla_sweep() == []  # not due yet

    changed = purchase_orders_sla_sweep(now=timezone.now() + timedelta(hours=25))

    assert changed == [po.pk]
    po.refresh_from_db()
    tee_line = po.lines.get(line_number=1)
    assert (tee_line.quantity_rejected, tee_line.reject_reason) == (2, "not acknowledged within 24 h")
    assert po.status == PurchaseOrderStatus.ACKNOWLEDGED  # the mug stays with the supplier
    [moved] = order.shipments.exclude(pk=po.shipment_id)
    assert (moved.location, [line.sku.code for line in moved.lines.all()]) == (net.warehouse, ["TEE-BLK-M"])
    assert purchase_orders_sla_sweep(now=timezone.now() + timedelta(hours=26)) == []  # once


def test_a_po_nobody_answered_is_cancelled_by_the_sweep_unless_the_order_is_on_hold(net):
    order = net.order([("TEE-BLK-M", 1)])
    po = po_of(order)
    order_hold(order=order, actor=None, reason="fraud check")
    later = timezone.now() + timedelta(hours=25)
    assert purchase_orders_sla_sweep(now=later) == []

    order_release(order=order, actor=None)
    assert purchase_orders_sla_sweep(now=later) == [po.pk]
    po.refresh_from_db()
    assert (po.status, po.cancel_reason) == (PurchaseOrderStatus.CANCELLED, "not acknowledged within 24 h")
    assert order.shipments.exclude(pk=po.shipment_id).get().location == net.warehouse


def test_a_po_whose_order_was_cancelled_is_cancelled_and_the_partner_told(net):
    order = net.order([("TEE-BLK-M", 1)])
    po = po_of(order)
    order_cancel(order=order, actor=None, reason="customer asked")

    assert purchase_orders_sla_sweep() == [po.pk]
    po.refresh_from_db()
    assert po.status == PurchaseOrderStatus.CANCELLED
    told = PartnerDocument.objects.filter(purchase_order=po, direction="out").latest("pk")
    assert told.parsed["action"] == "cancel"
    with pytest.raises(ValidationFailed, match="was cancelled"):
        acknowledgment_apply(partner=net.partner, ack=ack(po, (1, 1)), via=API)
