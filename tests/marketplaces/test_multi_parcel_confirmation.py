"""A shipment packed into several boxes is confirmed to the channel with every box's tracking number,
the way each marketplace API takes them (one call with a list, or one call per package)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.utils import timezone

from fulfillment.models import Package, PackageStatus, ShipmentStatus
from fulfillment.services.shipments import shipment_ship, shipment_transition
from marketplaces.connectors import ShipmentLine, connector_for
from marketplaces.connectors.parcels import ShippedParcel, shipment_parcels
from marketplaces.models import ChannelConfirmation, ChannelOrder, PushState, SyncEvent
from marketplaces.services.confirmations import confirmations_push
from marketplaces.services.orders import orders_poll
from orders.models import Order
from tests.factories import stocked

KINDS = ["shopify", "amazon", "ebay", "woocommerce"]
NUMBERS = ["1Z999AA10000000011", "1Z999AA10000000022", "1Z999AA10000000033"]


# --- Which lines go with which number (no database) ---------------------------------------------


def test_one_number_carries_every_line():
    lines = [ShipmentLine("a", 2), ShipmentLine("b", 1)]
    assert shipment_parcels(lines, tracking_number="T1") == [ShippedParcel("T1", lines)]
    assert shipment_parcels(lines, tracking_number="", tracking_numbers=["T1"]) == [ShippedParcel("T1", lines)]


def test_units_are_spread_so_every_box_has_one_and_the_totals_add_up():
    lines = [ShipmentLine("a", 3), ShipmentLine("b", 1)]
    parcels = shipment_parcels(lines, tracking_number="T1", tracking_numbers=["T1", "T2", "T3"])
    assert [p.tracking_number for p in parcels] == ["T1", "T2", "T3"]
    assert [p.lines for p in parcels] == [
        [ShipmentLine("a", 2)],
        [ShipmentLine("a", 1)],
        [ShipmentLine("b", 1)],
    ]


def test_one_unit_in_several_cartons_names_that_unit_on_each_carton():
    parcels = shipment_parcels([ShipmentLine("a", 1)], tracking_number="T1", tracking_numbers=["T1", "T2", "T3"])
    assert [p.lines for p in parcels] == [[ShipmentLine("a", 1)]] * 3


def test_scanned_contents_are_used_when_given_and_a_repeated_number_is_one_parcel():
    lines = [ShipmentLine("a", 2), ShipmentLine("b", 1)]
    contents = [[ShipmentLine("b", 1)], [ShipmentLine("a", 1)], [ShipmentLine("a", 1)]]
    parcels = shipment_parcels(lines, tracking_number="T1", tracking_numbers=["T1", "T2", "T2"], parcel_lines=contents)
    assert parcels == [ShippedParcel("T1", [ShipmentLine("b", 1)]), ShippedParcel("T2", [ShipmentLine("a", 2)])]


# --- Against the four marketplace sandboxes --------------------------------------------------------


def _imported_order(make_channel, dc, skus, kind: str) -> tuple[Any, Any, Order]:
    channel, sandbox = make_channel(kind)
    stocked(dc, skus[0], 5)
    stocked(dc, skus[1], 5)
    sandbox.create_order([(skus[0].code, 2), (skus[1].code, 1)], zip="10001")
    orders_poll(channel_id=channel.pk)
    return channel, sandbox, Order.objects.get(channel=channel)


def _ship_in_boxes(order: Order, boxes: list[dict[str, Any]], capture) -> None:
    """Pack the order's shipment into `boxes` (Package rows, as the label flow leaves them) and ship it."""
    shipment = order.shipments.get()
    for status in (ShipmentStatus.ACCEPTED, ShipmentStatus.PICKING, ShipmentStatus.PACKED):
        shipment = shipment_transition(shipment=shipment, to=status, actor=None)
    shipment.carrier = "UPS"
    shipment.save(update_fields=["carrier"])
    for number, box in enumerate(boxes, start=1):
        Package.objects.create(
            shipment=shipment,
            box_number=number,
            weight_grams=800,
            packed_at=timezone.now(),
            carrier="UPS",
            service="Ground",
            **box,
        )
    with capture(execute=True):
        shipment_ship(shipment=shipment, actor=None, tracking_number=boxes[0]["tracking_number"])


def _labelled(*numbers: str) -> list[dict[str, Any]]:
    return [{"status": PackageStatus.LABELLED, "tracking_number": number} for number in numbers]


def _numbers_on_the_marketplace(kind: str, sandbox: Any, order: Order) -> list[str]:
    """The tracking numbers the marketplace now shows for the order, in the order it got them."""
    if kind == "shopify":
        return [n for f in sandbox.state.orders[order.external_id]["fulfillments"] for n in f["tracking_numbers"]]
    if kind == "amazon":
        return [c["trackingNumber"] for c in sandbox.confirmations if c["order_id"] == order.external_id]
    if kind == "ebay":
        return [f["trackingNumber"] for f in sandbox.shipping_fulfillments if f["orderId"] == order.external_id]
    metas = sandbox.state.orders[order.external_id]["meta_data"]
    return next(m["value"] for m in metas if m["key"] == "tracking_numbers")


def _units_per_package(kind: str, sandbox: Any) -> list[int]:
    if kind == "amazon":
        return [sum(i["quantity"] for i in c["orderItems"]) for c in sandbox.confirmations]
    return [sum(i["quantity"] for i in f["lineItems"]) for f in sandbox.shipping_fulfillments]


@pytest.mark.parametrize("kind", KINDS)
def test_three_boxes_reach_the_marketplace_with_all_three_tracking_numbers(
    kind, make_channel, dc, skus, django_capture_on_commit_callbacks
):
    channel, sandbox, order = _imported_order(make_channel, dc, skus, kind)

    _ship_in_boxes(order, _labelled(*NUMBERS), django_capture_on_commit_callbacks)

    confirmation = ChannelConfirmation.objects.get(order=order, kind="ship")
    assert confirmation.state == PushState.APPLIED, confirmation.last_error
    assert confirmation.payload["tracking_number"] == NUMBERS[0]  # what rows queued before still read
    assert confirmation.payload["tracking_numbers"] == NUMBERS
    assert [p["tracking_number"] for p in confirmation.payload["parcels"]] == NUMBERS
    assert {(p["carrier"], p["service"]) for p in confirmation.payload["parcels"]} == {("UPS", "Ground")}
    assert _numbers_on_the_marketplace(kind, sandbox, order) == NUMBERS
    event = SyncEvent.objects.filter(channel=channel, kind="confirm").latest("id")
    assert all(number in event.message for number in NUMBERS)

    remote = sandbox.state.orders[order.external_id]
    if kind == "shopify":
        assert len(remote["fulfillments"]) == 1  # one fulfillment, every number on it
        assert remote["fulfillment_status"] == "fulfilled"
    elif kind == "amazon":
        assert [c["packageReferenceId"] for c in sandbox.confirmations] == ["1", "2", "3"]
        assert _units_per_package(kind, sandbox) == [1, 1, 1]  # 3 units spread: each package names one
        assert remote["OrderStatus"] == "Shipped" and remote["NumberOfItemsUnshipped"] == 0
    elif kind == "ebay":
        assert _units_per_package(kind, sandbox) == [1, 1, 1]
        assert remote["orderFulfillmentStatus"] == "FULFILLED"
    else:
        note = sandbox.notes[-1]["note"]
        assert all(number in note for number in NUMBERS) and note.startswith("Shipped with UPS in 3 parcels")
        assert remote["status"] == "completed"


@pytest.mark.parametrize("kind", KINDS)
def test_a_voided_box_is_not_sent(kind, make_channel, dc, skus, django_capture_on_commit_callbacks):
    _channel, sandbox, order = _imported_order(make_channel, dc, skus, kind)
    boxes = _labelled(NUMBERS[0], "1Z999AA1VOIDED0002", NUMBERS[2])
    boxes[1]["status"] = PackageStatus.VOIDED

    _ship_in_boxes(order, boxes, django_capture_on_commit_callbacks)

    confirmation = ChannelConfirmation.objects.get(order=order, kind="ship")
    assert confirmation.state == PushState.APPLIED, confirmation.last_error
    assert confirmation.payload["tracking_numbers"] == [NUMBERS[0], NUMBERS[2]]
    assert _numbers_on_the_marketplace(kind, sandbox, order) == [NUMBERS[0], NUMBERS[2]]
    if kind == "woocommerce":
        assert "VOIDED" not in sandbox.notes[-1]["note"]


@pytest.mark.parametrize("kind", KINDS)
def test_a_confirmation_queued_before_boxes_had_labels_still_confirms(kind, make_channel, dc, skus):
    channel, sandbox, order = _imported_order(make_channel, dc, skus, kind)
    line_map = ChannelOrder.objects.get(order=order).data["line_map"]
    ChannelConfirmation.objects.create(
        channel=channel,
        order=order,
        kind="ship",
        dedupe_key="ship:queued-before",
        payload={  # the shape rows had before: one tracking number, no tracking_numbers, no parcels
            "external_id": order.external_id,
            "lines": [
                {"external_line_id": line_map["1"], "quantity": 2},
                {"external_line_id": line_map["2"], "quantity": 1},
            ],
            "carrier": "UPS",
            "tracking_number": "1Z999AA10123456784",
            "shipped_at": datetime(2025, 3, 1, 15, 0, tzinfo=UTC).isoformat(),
        },
        next_attempt_at=timezone.now(),
    )

    assert confirmations_push() == 1

    confirmation = ChannelConfirmation.objects.get(order=order)
    assert confirmation.state == PushState.APPLIED, confirmation.last_error
    assert _numbers_on_the_marketplace(kind, sandbox, order) == ["1Z999AA10123456784"]
    if kind in ("amazon", "ebay"):
        assert _units_per_package(kind, sandbox) == [3]  # one package with every unit


@pytest.mark.parametrize("kind", ["amazon", "ebay"])
def test_each_package_names_what_was_scanned_into_its_box(
    kind, make_channel, dc, skus, django_capture_on_commit_callbacks
):
    _channel, sandbox, order = _imported_order(make_channel, dc, skus, kind)
    boxes = _labelled(*NUMBERS)
    boxes[0]["scanned"] = [skus[1].code]  # the single unit of the second line alone in box 1
    boxes[1]["scanned"] = [skus[0].code]
    boxes[2]["scanned"] = [skus[0].barcode]  # by barcode: the same matcher as the packing bench
    line_map = ChannelOrder.objects.get(order=order).data["line_map"]

    _ship_in_boxes(order, boxes, django_capture_on_commit_callbacks)

    if kind == "amazon":
        sent = [{i["orderItemId"]: i["quantity"] for i in c["orderItems"]} for c in sandbox.confirmations]
    else:
        sent = [{i["lineItemId"]: i["quantity"] for i in f["lineItems"]} for f in sandbox.shipping_fulfillments]
    assert sent == [{line_map["2"]: 1}, {line_map["1"]: 1}, {line_map["1"]: 1}]


def test_amazon_retry_after_a_lost_answer_edits_the_packages_instead_of_adding_more(
    make_channel, dc, skus, django_capture_on_commit_callbacks
):
    _channel, sandbox, order = _imported_order(make_channel, dc, skus, "amazon")
    sandbox.timeout_next["confirmShipment"] = 2  # packages 1 and 2 arrive, their answers are lost

    _ship_in_boxes(order, _labelled(*NUMBERS), django_capture_on_commit_callbacks)
    confirmation = ChannelConfirmation.objects.get(order=order, kind="ship")
    assert confirmation.state == PushState.PENDING and "did not answer" in confirmation.last_error
    ChannelConfirmation.objects.filter(pk=confirmation.pk).update(next_attempt_at=timezone.now() - timedelta(1))
    confirmations_push()
    ChannelConfirmation.objects.filter(pk=confirmation.pk).update(next_attempt_at=timezone.now() - timedelta(1))
    confirmations_push()

    confirmation.refresh_from_db()
    assert confirmation.state == PushState.APPLIED, confirmation.last_error
    assert [c["trackingNumber"] for c in sandbox.confirmations] == NUMBERS
    assert sum(_units_per_package("amazon", sandbox)) == 3


def test_ebay_does_not_add_a_package_it_already_has(make_channel, dc, skus, django_capture_on_commit_callbacks):
    channel, sandbox, order = _imported_order(make_channel, dc, skus, "ebay")
    line_map = ChannelOrder.objects.get(order=order).data["line_map"]
    with connector_for(channel) as connector:  # an earlier attempt got box 1 through, then failed
        connector.confirm_shipment(
            order.external_id,
            [ShipmentLine(line_map["1"], 1)],
            carrier="UPS",
            tracking_number=NUMBERS[0],
            tracking_numbers=[NUMBERS[0]],
            shipped_at=timezone.now(),
        )

    _ship_in_boxes(order, _labelled(*NUMBERS), django_capture_on_commit_callbacks)

    assert ChannelConfirmation.objects.get(order=order).state == PushState.APPLIED
    assert [f["trackingNumber"] for f in sandbox.shipping_fulfillments] == NUMBERS
