"""Each event type, produced by the real services and received over HTTP: once per change, with its versioned
envelope and its data, and with the same fields as the example the documentation page shows."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest

from fulfillment.services import order_cancel
from inventory.services import stock_receive
from orders.models import OrderStatus
from returns.models import ReturnSource, ReturnStatus
from returns.services import (
    ReturnLineInput,
    UnitInspection,
    refund_mark_executed,
    return_inspect,
    return_receive,
    return_request,
)
from tests.factories.orders import place_order
from tests.factories.returns import delivered_order, return_network
from webhooks.conf import API_VERSION
from webhooks.models import Event, EventType
from webhooks.payloads.examples import example_body
from webhooks.tasks import publish_task

pytestmark = pytest.mark.django_db


@pytest.fixture
def net():
    return return_network()


def same_fields(real: Any, example: Any, path: str = "body") -> None:
    """The example has exactly the real body's fields, at every level (values may differ)."""
    if isinstance(real, dict) and isinstance(example, dict):
        assert set(real) == set(example), f"{path}: {sorted(set(real) ^ set(example))}"
        for key in real:
            same_fields(real[key], example[key], f"{path}.{key}")
    elif isinstance(real, list) and isinstance(example, list) and real and example:
        same_fields(real[0], example[0], f"{path}[0]")


def bodies(receiver, event_type: str) -> list[dict[str, Any]]:
    return [json.loads(got.body) for got in receiver.of_type(event_type)]


def the_one(receiver, event_type: str) -> dict[str, Any]:
    (body,) = bodies(receiver, event_type)
    assert body["api_version"] == API_VERSION
    assert body["id"].startswith("evt_") and body["created_at"].endswith("Z")
    same_fields(body, example_body(event_type))
    return body["data"]


def test_an_order_sends_created_routed_shipped_and_delivered_once_each(
    net, make_endpoint, receiver, django_capture_on_commit_callbacks
):
    make_endpoint(
        [EventType.ORDER_CREATED, EventType.ORDER_ROUTED, EventType.ORDER_SHIPPED, EventType.SHIPMENT_DELIVERED]
    )

    with django_capture_on_commit_callbacks(execute=True):
        order = delivered_order(net.channel, [("TEE-BLK-M", 2, "20.00")], external_id="W-77", postal_code="75201")
        place_order(net.channel, [("TEE-BLK-M", 2)], external_id="W-77")  # the channel sends it again

    created = the_one(receiver, EventType.ORDER_CREATED)["order"]
    assert (created["id"], created["number"], created["external_id"]) == (order.pk, order.number, "W-77")
    assert created["channel"] == {"code": "web", "name": "Web shop"}
    assert created["lines"][0]["sku"] == "TEE-BLK-M" and created["lines"][0]["quantity"] == 2
    assert created["lines"][0]["unit_price"] == "20.00"

    routed = the_one(receiver, EventType.ORDER_ROUTED)
    assert routed["routing"]["trigger"] == "new order"
    assert [s["location"] for s in routed["routing"]["shipments"]] == ["dal-dc"]
    assert routed["routing"]["shipments"][0]["lines"] == [{"sku": "TEE-BLK-M", "quantity": 2}]

    shipped = the_one(receiver, EventType.ORDER_SHIPPED)
    assert shipped["shipment"]["location"]["code"] == "dal-dc"
    assert shipped["shipment"]["tracking_number"]
    assert shipped["shipment"]["lines"] == [{"line_number": 1, "sku": "TEE-BLK-M", "quantity": 2}]
    assert [box["tracking_number"] for box in shipped["shipment"]["packages"]] == [
        shipped["shipment"]["tracking_number"]
    ]

    delivered = the_one(receiver, EventType.SHIPMENT_DELIVERED)
    assert delivered["shipment"]["id"] == shipped["shipment"]["id"]
    assert delivered["shipment"]["delivered_at"] and delivered["order"]["status"] == OrderStatus.DELIVERED
    assert len(receiver.requests) == 4  # the repeated order and every other save sent nothing


def test_a_cancelled_order_sends_order_cancelled(net, make_endpoint, receiver, django_capture_on_commit_callbacks):
    make_endpoint([EventType.ORDER_CANCELLED])
    with django_capture_on_commit_callbacks(execute=True):
        order = place_order(net.channel, [("TEE-BLK-M", 1)], external_id="W-9").order
        order_cancel(order=order, actor=None, reason="customer asked")
        order_cancel(order=order, actor=None)  # cancelling again changes nothing

    data = the_one(receiver, EventType.ORDER_CANCELLED)
    assert data["order"]["status"] == OrderStatus.CANCELLED
    assert data["order"]["lines"][0]["cancelled"] == 1


def test_stock_changes_of_one_pair_coalesce_into_one_event_with_the_final_quantities(
    net, make_endpoint, receiver, django_capture_on_commit_callbacks
):
    make_endpoint([EventType.STOCK_CHANGED])
    with django_capture_on_commit_callbacks(execute=True):
        for quantity in (3, 4, 5):  # three receipts within the coalescing window
            stock_receive(location=net.warehouse, sku=net.mug, quantity=quantity, actor=None)
        stock_receive(location=net.warehouse, sku=net.tee, quantity=1, actor=None)
    assert receiver.requests == []  # the window is still open

    with django_capture_on_commit_callbacks(execute=True):
        publish_task.delay(stock_window=True)  # the collection queued for the end of the window

    by_sku = {body["data"]["sku"]["code"]: body["data"] for body in bodies(receiver, EventType.STOCK_CHANGED)}
    assert sorted(by_sku) == ["MUG-WHT", "TEE-BLK-M"]
    mug = by_sku["MUG-WHT"]
    assert (mug["location"]["code"], mug["on_hand"], mug["reserved"], mug["available"]) == ("dal-dc", 32, 0, 32)
    same_fields(json.loads(receiver.of_type(EventType.STOCK_CHANGED)[0].body), example_body(EventType.STOCK_CHANGED))
    assert Event.objects.filter(type=EventType.STOCK_CHANGED).count() == 2


def test_a_return_sends_received_then_refunded(
    net, make_endpoint, receiver, django_capture_on_commit_callbacks, administrator
):
    make_endpoint([EventType.RETURN_RECEIVED, EventType.RETURN_REFUNDED])
    order = delivered_order(net.channel, [("TEE-BLK-M", 1, "20.00")], postal_code="75201")

    with django_capture_on_commit_callbacks(execute=True):
        rma = return_request(
            order=order, lines=[ReturnLineInput(1, "defective", sku="TEE-BLK-M")], source=ReturnSource.API
        )
        assert rma.return_location is not None
        return_receive(rma=rma, location=rma.return_location, actor=None)
        inspections = [UnitInspection(rma.units.get().pk, "defective", "scrap", scrap_reason="torn seam")]
        refund = return_inspect(rma=rma, inspections=inspections, actor=None).refund
        assert refund is not None
        refund_mark_executed(refund=refund, actor=administrator, reference="shop-refund-9")

    received = the_one(receiver, EventType.RETURN_RECEIVED)["return"]
    assert (received["number"], received["order"]["number"]) == (rma.number, order.number)
    assert received["lines"][0]["received"] == 1 and received["lines"][0]["reason"] == "defective"
    refunded = the_one(receiver, EventType.RETURN_REFUNDED)["return"]
    assert refunded["status"] == ReturnStatus.REFUNDED
    assert refunded["refund"]["amount"] == f"{Decimal('20.00'):.2f}"
    assert refunded["refund"]["channel_reference"] == "shop-refund-9"


def test_nothing_is_recorded_for_a_type_no_endpoint_takes(
    net, make_endpoint, receiver, django_capture_on_commit_callbacks
):
    make_endpoint([EventType.RETURN_RECEIVED])
    with django_capture_on_commit_callbacks(execute=True):
        place_order(net.channel, [("TEE-BLK-M", 1)], external_id="W-10")

    assert not Event.objects.exists()
    assert receiver.requests == []


def test_every_documented_type_has_an_example_with_the_envelope():
    for event_type in [*EventType.values, "webhook.ping"]:
        body = example_body(event_type)
        assert (body["api_version"], body["type"]) == (API_VERSION, event_type)
        assert json.loads(json.dumps(body)) == body  # plain JSON: no Decimal, no datetime left
