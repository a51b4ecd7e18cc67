"""Advance ship notices: the supplier's parcels ship the order exactly as our own shipping does (boxes with
tracking, ledger, channel confirmation with every number); partial, repeated, early and refused notices."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from core.errors import ValidationFailed
from fulfillment.models import Package, PackageStatus, Shipment, ShipmentStatus
from inventory.models import MovementKind, StockLevel, StockMovement
from marketplaces.models import ChannelConfirmation, PushState
from marketplaces.services.orders import orders_poll
from orders.models import Order, OrderStatus
from partners.documents import AckLine, Acknowledgment, ShipLine, ShipNotice
from partners.models import AdvanceShipNotice, DocumentStatus, Exchange, PartnerDocument, PurchaseOrderStatus
from partners.services import acknowledgment_apply, purchase_order_cancel, ship_notice_apply
from tests.factories.channels import sandbox_channel, sandbox_list
from tests.factories.partners import dropship_network, dropship_shipment, po_of

pytestmark = pytest.mark.django_db

API = Exchange.API
NUMBERS = ("1Z999AA10000000011", "1Z999AA10000000022")


@pytest.fixture
def net(db):
    return dropship_network()


def notice(po, reference: str, *lines: tuple[int, int], numbers=NUMBERS[:1], **extra) -> ShipNotice:
    return ShipNotice(
        po_number=po.number,
        reference=reference,
        lines=tuple(ShipLine(*line) for line in lines),
        carrier=extra.pop("carrier", "UPS"),
        service=extra.pop("service", "Ground"),
        tracking_numbers=tuple(numbers),
        shipped_at=extra.pop("shipped_at", datetime(2026, 3, 2, 15, 0, tzinfo=UTC)),
    )


def accept(net, po, *lines: tuple[int, int]) -> None:
    acknowledgment_apply(
        partner=net.partner, ack=Acknowledgment(po.number, tuple(AckLine(*line) for line in lines)), via=API
    )


def test_order_to_marketplace_confirmation_through_a_dropship_supplier(settings, django_capture_on_commit_callbacks):
    """The whole way: a Shopify order routed to the supplier, a PO sent, part accepted, the rest routed to
    the warehouse, an ASN with two parcels, the order's supplier shipment shipped and confirmed to Shopify."""
    settings.MARKETPLACE_SANDBOX = True
    settings.CHANNELS_RATE_LIMIT_REDIS_URL = ""
    channel, sandbox = sandbox_channel("shopify", code="shop")
    net = dropship_network(channel=channel)
    for sku in (net.tee, net.mug):
        sandbox_list(channel, sandbox, sku, stock=10)
    sandbox.create_order([("TEE-BLK-M", 3), ("MUG-WHT", 1)], zip="10001")
    with django_capture_on_commit_callbacks(execute=True):
        orders_poll(channel_id=channel.pk)
    order = Order.objects.get(channel=channel)
    po = po_of(order)
    assert PartnerDocument.objects.filter(purchase_order=po, direction="out").exists()  # sent after commit

    accept(net, po, (1, 2), (2, 1))  # one tee short: it goes to the warehouse
    [warehouse_shipment] = order.shipments.exclude(pk=dropship_shipment(po).pk)
    assert warehouse_shipment.location == net.warehouse

    with django_capture_on_commit_callbacks(execute=True):
        document = ship_notice_apply(
            partner=net.partner, notice=notice(po, "ASN-1", (1, 2), (2, 1), numbers=NUMBERS), via=API
        )

    assert document.status == DocumentStatus.APPLIED
    shipment = Shipment.objects.get(pk=dropship_shipment(po).pk)
    assert (shipment.status, shipment.tracking_number, shipment.carrier) == (ShipmentStatus.SHIPPED, NUMBERS[0], "UPS")
    boxes = list(Package.objects.filter(shipment=shipment).order_by("box_number"))
    assert [(b.box_number, b.status, b.carrier, b.service, b.tracking_number) for b in boxes] == [
        (1, PackageStatus.LABELLED, "UPS", "Ground", NUMBERS[0]),
        (2, PackageStatus.LABELLED, "UPS", "Ground", NUMBERS[1]),
    ]
    assert [b.weight_grams for b in boxes] == [525, 525]  # 2 tees x 300 g + a 450 g mug, over two parcels
    po.refresh_from_db()
    assert (po.status, po.shipped_at is not None) == (PurchaseOrderStatus.SHIPPED, True)
    ledger = StockMovement.objects.filter(location=net.supplier, kind=MovementKind.SHIP)
    assert sorted((m.sku.code, m.on_hand_delta, m.reserved_delta) for m in ledger) == [
        ("MUG-WHT", -1, -1),
        ("TEE-BLK-M", -2, -2),
    ]
    assert StockLevel.objects.get(location=net.supplier, sku=net.tee).reserved == 0
    order.refresh_from_db()
    assert order.status == OrderStatus.PARTIALLY_SHIPPED  # the warehouse's tee is still to ship
    confirmation = ChannelConfirmation.objects.get(order=order, kind="ship")
    assert confirmation.payload["tracking_numbers"] == list(NUMBERS)
    assert [p["tracking_number"] for p in confirmation.payload["parcels"]] == list(NUMBERS)
    assert confirmation.state == PushState.APPLIED, confirmation.last_error
    fulfillments = sandbox.state.orders[order.external_id]["fulfillments"]
    assert [number for f in fulfillments for number in f["tracking_numbers"]] == list(NUMBERS)


def test_partial_notices_wait_for_the_rest_then_ship_with_every_parcel(net):
    order = net.order([("TEE-BLK-M", 2), ("MUG-WHT", 1)])
    po = po_of(order)
    accept(net, po, (1, 2), (2, 1))

    ship_notice_apply(partner=net.partner, notice=notice(po, "ASN-1", (1, 1), numbers=NUMBERS[:1]), via=API)

    po.refresh_from_db()
    assert po.status == PurchaseOrderStatus.PARTIALLY_SHIPPED
    shipment = Shipment.objects.get(pk=dropship_shipment(po).pk)
    assert shipment.status == ShipmentStatus.ACCEPTED  # a shipment ships whole: it waits for the rest
    assert shipment.packages.count() == 1

    ship_notice_apply(partner=net.partner, notice=notice(po, "ASN-2", (1, 1), (2, 1), numbers=NUMBERS[1:]), via=API)

    shipment.refresh_from_db()
    assert shipment.status == ShipmentStatus.SHIPPED
    assert list(shipment.packages.order_by("box_number").values_list("box_number", "tracking_number")) == [
        (1, NUMBERS[0]),
        (2, NUMBERS[1]),
    ]
    po.refresh_from_db()
    assert po.status == PurchaseOrderStatus.SHIPPED
    assert [line.quantity_shipped for line in po.lines.all()] == [2, 1]
    order.refresh_from_db()
    assert order.status == OrderStatus.SHIPPED


def test_a_notice_before_the_ack_accepts_what_it_ships(net):
    order = net.order([("TEE-BLK-M", 2)])
    po = po_of(order)

    ship_notice_apply(partner=net.partner, notice=notice(po, "EARLY", (1, 2)), via=API)

    po.refresh_from_db()
    assert po.status == PurchaseOrderStatus.SHIPPED and po.acknowledged_at is not None
    assert [(line.quantity_accepted, line.quantity_shipped) for line in po.lines.all()] == [(2, 2)]
    assert Shipment.objects.get(pk=dropship_shipment(po).pk).status == ShipmentStatus.SHIPPED
    # The ack that was sent first arrives late: it says what the notice already did.
    late = acknowledgment_apply(partner=net.partner, ack=Acknowledgment(po.number, (AckLine(1, 2),)), via=API)
    assert late.status == DocumentStatus.APPLIED


def test_a_part_shipped_before_the_ack_then_an_ack_for_the_rest_ships_it_all(net):
    order = net.order([("TEE-BLK-M", 3)])
    po = po_of(order)
    ship_notice_apply(partner=net.partner, notice=notice(po, "EARLY", (1, 2)), via=API)
    po.refresh_from_db()
    assert po.status == PurchaseOrderStatus.PARTIALLY_SHIPPED

    with pytest.raises(ValidationFailed, match="2 units have shipped already"):
        acknowledgment_apply(partner=net.partner, ack=Acknowledgment(po.number, (AckLine(1, 1),)), via=API)
    rest = Acknowledgment(po.number, (AckLine(1, 2, "last one broke"),))
    acknowledgment_apply(partner=net.partner, ack=rest, via=API)

    shipment = Shipment.objects.get(pk=dropship_shipment(po).pk)
    assert shipment.status == ShipmentStatus.SHIPPED  # the notice covers every accepted unit now
    assert [(line.sku.code, line.quantity) for line in shipment.lines.all()] == [("TEE-BLK-M", 2)]
    assert order.shipments.exclude(pk=shipment.pk).get().location == net.warehouse


def test_the_same_notice_twice_changes_nothing_and_a_reused_reference_is_refused(net):
    po = po_of(net.order([("TEE-BLK-M", 2)]))
    accept(net, po, (1, 2))
    first = ship_notice_apply(partner=net.partner, notice=notice(po, "ASN-1", (1, 1)), via=API)

    again = ship_notice_apply(partner=net.partner, notice=notice(po, "ASN-1", (1, 1)), via=API)

    assert (again.pk, again.status) == (first.pk, DocumentStatus.DUPLICATE)
    assert AdvanceShipNotice.objects.filter(purchase_order=po).count() == 1
    assert po.lines.get().quantity_shipped == 1
    with pytest.raises(ValidationFailed, match="ASN-1 was already received") as refused:
        ship_notice_apply(partner=net.partner, notice=notice(po, "ASN-1", (1, 1), numbers=NUMBERS[1:]), via=API)
    assert refused.value.field == "reference"


@pytest.mark.parametrize(
    ("accepted", "lines", "numbers", "field", "message"),
    [
        (None, ((7, 1),), NUMBERS, "lines[0].line_number", "Line 7 is not on"),
        (1, ((1, 2),), NUMBERS, "lines[0].quantity", "2 units shipped but only 1 accepted"),
        (None, ((1, 3),), NUMBERS, "lines[0].quantity", "3 units shipped but only 2 ordered"),
        (None, ((1, 0),), NUMBERS, "lines[0].quantity", "at least 1 unit"),
        (None, ((1, 1),), (), "tracking_numbers", "at least one tracking number"),
        (None, (), NUMBERS, "lines", "at least one line"),
    ],
)
def test_a_notice_that_does_not_fit_the_po_is_refused_with_the_reason(net, accepted, lines, numbers, field, message):
    po = po_of(net.order([("TEE-BLK-M", 2)]))
    if accepted is not None:
        accept(net, po, (1, accepted))

    with pytest.raises(ValidationFailed, match=message) as refused:
        ship_notice_apply(partner=net.partner, notice=notice(po, "BAD", *lines, numbers=numbers), via=API)

    assert refused.value.field == field
    stored = PartnerDocument.objects.get(pk=refused.value.details["document"])
    assert stored.status == DocumentStatus.REJECTED and message in stored.error
    assert not AdvanceShipNotice.objects.filter(purchase_order=po).exists()
    assert not Package.objects.filter(shipment=dropship_shipment(po)).exists()
    assert po.lines.get().quantity_shipped == 0


def test_a_notice_for_a_cancelled_or_fully_shipped_po_is_refused(net):
    cancelled = po_of(net.order([("TEE-BLK-M", 1)], external_id="A-1"))
    purchase_order_cancel(purchase_order=cancelled, actor=None, reason="out of season")
    with pytest.raises(ValidationFailed, match="was cancelled: out of season"):
        ship_notice_apply(partner=net.partner, notice=notice(cancelled, "LATE", (1, 1)), via=API)

    shipped = po_of(net.order([("TEE-BLK-M", 1)], external_id="A-2"))
    ship_notice_apply(partner=net.partner, notice=notice(shipped, "ASN-1", (1, 1)), via=API)
    with pytest.raises(ValidationFailed, match="has shipped in full already"):
        ship_notice_apply(partner=net.partner, notice=notice(shipped, "ASN-2", (1, 1), numbers=NUMBERS[1:]), via=API)


def test_cancelling_a_part_shipped_po_ships_what_left_and_reroutes_the_rest(net):
    order = net.order([("TEE-BLK-M", 3)])
    po = po_of(order)
    accept(net, po, (1, 3))
    ship_notice_apply(partner=net.partner, notice=notice(po, "ASN-1", (1, 1)), via=API)

    purchase_order_cancel(purchase_order=po, actor=None, reason="the rest is late")

    po.refresh_from_db()
    assert po.status == PurchaseOrderStatus.SHIPPED and po.cancel_reason == "the rest is late"
    shipment = Shipment.objects.get(pk=dropship_shipment(po).pk)
    assert shipment.status == ShipmentStatus.SHIPPED
    assert [line.quantity for line in shipment.lines.all()] == [1]
    moved = order.shipments.exclude(pk=shipment.pk).get()
    assert (moved.location, [line.quantity for line in moved.lines.all()]) == (net.warehouse, [2])
