"""The ShipBob sandbox behaves as ShipBob does: orders fulfilled on its clock with the webhooks
ShipBob sends (signed, owed twice or out of order on request), a sliding-window limiter, receiving
orders checked and completed on a knob, the deprecated receiving paths still answering."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from partners.threepl.connector import ShipBobConnector, http_client, webhook_verify
from partners.threepl.payloads import order_from_json
from tests.partners.threepl_support import shipbob_sandbox

GUIDE = {
    "shipping_method": "Standard",
    "recipient": {"name": "John Doe", "address": {"address1": "100 N Racine Ave", "city": "Chicago", "country": "US"}},
    "products": [{"name": "Light Roast Coffee", "reference_id": "LIGHT-ROAST", "quantity": 2}],
    "reference_id": "SH-000042",
}


@pytest.fixture
def sandbox():
    return shipbob_sandbox()


@pytest.fixture
def client(sandbox):
    return ShipBobConnector(
        http=http_client(f"sandbox://{sandbox.name}"),
        token=next(iter(sandbox.tokens)),
        channel_id=str(sandbox.channel_id),
    )


def raw(sandbox, method, path, body=None, token=None):
    headers = {
        "Authorization": f"Bearer {token or next(iter(sandbox.tokens))}",
        "shipbob_channel_id": str(sandbox.channel_id),
    }
    return http_client(f"sandbox://{sandbox.name}").request(method, path, json=body, headers=headers)


def topics(hooks):
    return [hook.headers["x-webhook-topic"] for hook in hooks]


def test_an_order_ships_on_the_clock_then_arrives_with_signed_webhooks(sandbox, client):
    created = client.create_order(GUIDE)
    assert created["status"] == "Processing" and sandbox.take_webhooks() == []

    sandbox.advance(sandbox.ship_after + timedelta(seconds=1))
    shipped = sandbox.take_webhooks()

    assert topics(shipped) == ["order.shipment.tracking_received", "order.shipped"]
    for hook in shipped:  # each one verifies with the account's whsec_ secret
        webhook_verify(secret=sandbox.webhook_secret, headers=hook.headers, body=hook.body)
    order = order_from_json(json.loads(shipped[1].body))
    [box] = order.shipments
    assert box.status == "Completed" and box.items == {"LIGHT-ROAST": 2} and box.tracking_number.startswith("9261290")
    assert box.id == created["shipments"][0]["id"]  # the shipment keeps its id when it ships

    sandbox.advance(sandbox.deliver_after)
    [arrived] = sandbox.take_webhooks()
    assert topics([arrived]) == ["order.shipment.delivered"]
    assert json.loads(arrived.body)["status_details"][0]["name"] == "Delivered"
    assert client.get_order(created["id"])["status"] == "Fulfilled"


def test_webhooks_can_come_twice_and_out_of_order_with_the_same_ids(sandbox, client):
    client.create_order(GUIDE)
    sandbox.ship("SH-000042", boxes=2)
    hooks = sandbox.take_webhooks(duplicate=True, shuffle=True)

    ids = [hook.headers["webhook-id"] for hook in hooks]
    assert len(hooks) == 8 and len(set(ids)) == 4  # each delivery twice, with its own id both times
    in_order = [webhook_id for webhook_id in dict.fromkeys(ids) for _ in (0, 1)]
    assert ids != in_order and sorted(ids) == sorted(in_order)  # all of them, not in the order owed


def test_strict_stock_puts_an_order_in_exception_until_told_to_ship(sandbox, client):
    sandbox.strict_inventory = True
    sandbox.set_inventory("LIGHT-ROAST", 1)
    created = client.create_order(GUIDE)

    sandbox.advance(sandbox.ship_after + timedelta(seconds=1))

    [hook] = sandbox.take_webhooks()
    assert topics([hook]) == ["order.shipment.exception"]
    assert json.loads(hook.body)["status_details"][0]["name"] == "OutOfStock"
    assert client.get_order(created["id"])["status"] == "Exception"


def test_a_short_ship_cancels_the_missing_units_in_their_own_shipment(sandbox, client):
    client.create_order(GUIDE)
    order = sandbox.ship("SH-000042", short={"LIGHT-ROAST": 1})

    assert order["status"] == "PartiallyFulfilled"
    assert sorted((s["status"], s["products"][0]["inventory_items"][0]["quantity"]) for s in order["shipments"]) == [
        ("Cancelled", 1),
        ("Completed", 1),
    ]
    assert "order.shipment.cancelled" in topics(sandbox.take_webhooks())


def test_the_window_slides_and_every_answer_says_how_many_calls_are_left(sandbox):
    sandbox.set_rate(3, 60)
    remaining = [raw(sandbox, "GET", "/2026-01/channel").headers["x-remaining-calls"] for _ in range(3)]
    assert remaining == ["2", "1", "0"]
    assert raw(sandbox, "GET", "/2026-01/channel").status_code == 429

    sandbox.advance(timedelta(seconds=61))
    assert raw(sandbox, "GET", "/2026-01/channel").status_code == 200


def test_a_wrong_token_gets_401_with_a_bearer_challenge_and_no_body(sandbox):
    answer = raw(sandbox, "GET", "/2026-01/order", token="sbpat_nope")
    assert answer.status_code == 401 and answer.content == b""
    assert answer.headers["WWW-Authenticate"].startswith("Bearer")
    sandbox.revoked = True
    assert raw(sandbox, "GET", "/2026-01/order").status_code == 401


def test_subscribing_to_topics_is_answered_as_a_subscription(sandbox):
    answer = raw(sandbox, "POST", "/2026-01/webhook", {"topics": ["order.shipped"], "url": "https://shop.example/hook"})
    assert answer.status_code == 201 and answer.json()["topics"] == ["order.shipped"]
    assert raw(sandbox, "GET", "/2026-01/webhook").json()["items"][0]["url"] == "https://shop.example/hook"
    assert raw(sandbox, "POST", "/2026-01/webhook", {"topics": ["order.nope"], "url": "https://x"}).status_code == 400


def _wro(sandbox, *, arrival: datetime, inventory_id: int, quantity: int = 5) -> dict:
    return {
        "fulfillment_center": {"id": 10},
        "package_type": "Package",
        "box_packaging_type": "EverythingInOneBox",
        "boxes": [{"tracking_number": "TR-1", "box_items": [{"inventory_id": inventory_id, "quantity": quantity}]}],
        "expected_arrival_date": arrival.isoformat(),
        "purchase_order_number": "TR-00001",
    }


def test_a_receiving_order_is_checked_awaits_and_completes_into_stock(sandbox, client):
    item = sandbox.add_product("LIGHT-ROAST", on_hand=2)
    future = datetime.now(UTC) + timedelta(days=3)

    past = raw(
        sandbox,
        "POST",
        "/2026-01/receiving",
        _wro(sandbox, arrival=datetime.now(UTC) - timedelta(days=1), inventory_id=item["inventory_id"]),
    )
    assert past.status_code == 400 and past.json()["errors"]["expected_arrival_date"] == [
        "Arrival date must be in the future."
    ]
    unknown = raw(sandbox, "POST", "/2026-01/receiving", _wro(sandbox, arrival=future, inventory_id=1))
    assert unknown.status_code == 400 and "boxes[0].box_items[0].inventory_id" in unknown.json()["errors"]

    created = client.create_receiving(_wro(sandbox, arrival=future, inventory_id=item["inventory_id"]))
    assert created.status == "Awaiting" and created.expected == {"LIGHT-ROAST": 5}
    level = client.inventory_levels()[0]
    assert (level.on_hand, level.awaiting) == (2, 5)
    # The deprecated 2.0 path answers the same object, and its list is a plain array.
    legacy = raw(sandbox, "GET", f"/2.0/receiving/{created.id}").json()
    assert legacy["purchase_order_number"] == "TR-00001" and legacy["box_labels_uri"].endswith("/labels")
    assert isinstance(raw(sandbox, "GET", "/2.0/receiving?PurchaseOrderNumbers=TR-00001").json(), list)

    sandbox.complete_receiving(created.id, received={"LIGHT-ROAST": 4})

    done = client.get_receiving(created.id)
    assert (done.status, done.received, done.stowed) == ("Completed", {"LIGHT-ROAST": 4}, {"LIGHT-ROAST": 4})
    level = client.inventory_levels()[0]
    assert (level.on_hand, level.awaiting) == (6, 0)


def test_receiving_orders_complete_on_the_clock_when_asked_to(sandbox, client):
    item = sandbox.add_product("LIGHT-ROAST")
    sandbox.receive_after = timedelta(days=2)
    created = client.create_receiving(
        _wro(sandbox, arrival=datetime.now(UTC) + timedelta(days=1), inventory_id=item["inventory_id"])
    )
    sandbox.advance(timedelta(days=2, seconds=1))
    assert client.get_receiving(created.id).status == "Completed"
