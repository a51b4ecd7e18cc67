"""Contract of /api/v1/orders: channels create orders exactly once and see only their own."""

from __future__ import annotations

import threading
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from channels.models import ChannelApiKey
from channels.services import api_key_revoke
from inventory.models import StockLevel, StockMovement
from orders.models import Order, OrderStatus
from tests.factories import stocked
from tests.factories.orders import channel_key, place_order
from tests.factories.pages import make_location, make_sku

pytestmark = pytest.mark.django_db
ORDERS = "/api/v1/orders"


def as_channel(key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def order_body(external_id: str = "W-1001", lines=(("TEE-BLK-M", 2),), **delivery) -> dict:
    return {
        "external_id": external_id,
        "customer": {"name": "Grace Hopper", "email": "grace@example.com"},
        "shipping_address": {"line1": "1 Main St", "city": "New York", "region": "NY", "postal_code": "10001"},
        "delivery": {"method": "ship", "service": "standard", **delivery},
        "lines": [{"sku": sku, "quantity": qty, "unit_price": "19.99"} for sku, qty in lines],
    }


def reserved(location, sku) -> int:
    return StockLevel.objects.get(location=location, sku=sku).reserved


def test_a_channel_creates_an_order_that_is_routed_and_reserved(web_key, warehouse, sku):
    stocked(warehouse, sku, 5)

    response = as_channel(web_key).post(ORDERS, order_body())

    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["status"] == OrderStatus.ROUTED
    assert body["channel"] == "web"
    assert body["grand_total"] == "39.98"
    assert [(s["location"], s["lines"]) for s in body["shipments"]] == [
        ("dal-dc", [{"sku": "TEE-BLK-M", "quantity": 2}])
    ]
    assert body["shipments"][0]["estimated_delivery"]
    assert body["backordered"] == []
    assert "dal-dc" in body["routing_reason"]
    assert reserved(warehouse, sku) == 2
    assert StockMovement.objects.filter(document_type="order", document_id=str(body["id"])).count() == 1


def test_the_same_order_sent_twice_is_created_once(web_key, warehouse, sku):
    stocked(warehouse, sku, 5)
    client = as_channel(web_key)

    first = client.post(ORDERS, order_body())
    again = client.post(ORDERS, order_body())

    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["id"] == first.json()["id"]
    assert Order.objects.count() == 1
    assert reserved(warehouse, sku) == 2


def test_idempotency_key_replays_and_refuses_a_different_body(web_key, warehouse, sku):
    stocked(warehouse, sku, 5)
    client = as_channel(web_key)

    first = client.post(ORDERS, order_body("W-7"), HTTP_IDEMPOTENCY_KEY="k-7")
    replay = client.post(ORDERS, order_body("W-7"), HTTP_IDEMPOTENCY_KEY="k-7")
    other = client.post(ORDERS, order_body("W-8"), HTTP_IDEMPOTENCY_KEY="k-7")

    assert (first.status_code, replay.status_code, other.status_code) == (201, 201, 422)
    assert replay["Idempotent-Replayed"] == "true"
    assert replay.json() == first.json()
    assert Order.objects.count() == 1


def test_an_order_without_stock_is_accepted_and_backordered(web_key, warehouse, sku):
    response = as_channel(web_key).post(ORDERS, order_body())

    assert response.status_code == 201
    body = response.json()
    assert body["status"] == OrderStatus.BACKORDERED
    assert body["shipments"] == []
    assert body["backordered"] == [{"sku": "TEE-BLK-M", "quantity": 2}]


def test_one_location_with_everything_beats_two_nearer_ones(web_key, warehouse, sku):
    """Two stores near New York each hold one SKU; Dallas holds both: one package wins."""
    other = make_sku(code="MUG-WHT")
    near_a = make_location(code="nj-dc", postal_code="07097", latitude="40.73", longitude="-74.06")
    near_b = make_location(code="pa-dc", postal_code="19104", latitude="39.95", longitude="-75.19")
    stocked(near_a, sku, 5)
    stocked(near_b, other, 5)
    stocked(warehouse, sku, 5)
    stocked(warehouse, other, 5)

    body = as_channel(web_key).post(ORDERS, order_body(lines=(("TEE-BLK-M", 1), ("MUG-WHT", 1)))).json()

    # With no carrier rates loaded, a package costs only handling + packaging: one beats two.
    assert [s["location"] for s in body["shipments"]] == ["dal-dc"]
    assert Decimal(body["shipments"][0]["cost"]) > 0


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (lambda b: b["lines"][0].update(sku="NOPE"), "lines[0].sku"),
        (lambda b: b["lines"][0].update(quantity=0), "lines[0].quantity"),
        (lambda b: b["lines"][0].update(quantity="two"), "lines[0].quantity"),
        (lambda b: b.update(lines=[]), "lines"),
        (lambda b: b["shipping_address"].update(postal_code="00000"), "shipping_address.postal_code"),
        (lambda b: b["shipping_address"].pop("postal_code"), "shipping_address.postal_code"),
        (lambda b: b.pop("external_id"), "external_id"),
        (lambda b: b["customer"].pop("name"), "customer.name"),
        (lambda b: b.update(delivery={"method": "pickup"}), "delivery.pickup_location"),
        (lambda b: b.update(delivery={"method": "pickup", "pickup_location": "nowhere"}), "delivery.pickup_location"),
        (lambda b: b.update(delivery={"method": "ship", "service": "teleport"}), "delivery.service"),
    ],
)
def test_bad_orders_get_a_field_error_and_write_nothing(web_key, warehouse, sku, change, field):
    stocked(warehouse, sku, 5)
    body = order_body()
    change(body)
    movements = StockMovement.objects.count()

    response = as_channel(web_key).post(ORDERS, body)

    assert response.status_code == 400, response.json()
    assert field in response.json()["errors"], response.json()
    assert Order.objects.count() == 0
    assert StockMovement.objects.count() == movements


def test_a_wrong_or_revoked_key_is_401(web, web_key, warehouse, sku):
    assert as_channel("fk_deadbeef_nope").post(ORDERS, order_body()).status_code == 401
    api_key_revoke(api_key=ChannelApiKey.objects.get(channel=web))
    assert as_channel(web_key).post(ORDERS, order_body()).status_code == 401
    assert APIClient().post(ORDERS, order_body()).status_code == 401


def test_staff_cannot_create_orders_as_a_channel_but_can_read_them(back_office_user, web_key, warehouse, sku):
    stocked(warehouse, sku, 5)
    created = as_channel(web_key).post(ORDERS, order_body()).json()
    staff = APIClient()
    staff.force_authenticate(back_office_user)

    assert staff.post(ORDERS, order_body("W-2")).status_code == 403
    assert staff.get(f"{ORDERS}/{created['id']}").status_code == 200


def test_a_channel_key_sees_only_its_own_orders_and_no_inventory(web_key, market, warehouse, sku):
    stocked(warehouse, sku, 5)
    theirs = place_order(market, [("TEE-BLK-M", 1)], external_id="M-1").order
    client = as_channel(web_key)
    mine = client.post(ORDERS, order_body()).json()

    assert client.get(f"{ORDERS}/{theirs.pk}").status_code == 404
    assert client.post(f"{ORDERS}/{theirs.pk}/cancel").status_code == 404
    assert [o["id"] for o in client.get(ORDERS).json()["results"]] == [mine["id"]]
    assert client.get("/api/v1/locations").status_code == 403


def test_updated_since_returns_changes_oldest_first(web_key, warehouse, sku):
    stocked(warehouse, sku, 10)
    client = as_channel(web_key)
    first = client.post(ORDERS, order_body("W-1")).json()
    second = client.post(ORDERS, order_body("W-2")).json()

    listed = client.get(ORDERS, {"updated_since": first["updated_at"]}).json()["results"]

    assert [o["id"] for o in listed] == [second["id"]]
    assert client.get(ORDERS, {"updated_since": "yesterday"}).status_code == 400


def test_cancel_releases_the_reservation(web_key, warehouse, sku):
    stocked(warehouse, sku, 5)
    client = as_channel(web_key)
    order = client.post(ORDERS, order_body()).json()

    response = client.post(f"{ORDERS}/{order['id']}/cancel", {"reason": "customer changed their mind"})

    assert response.status_code == 200
    assert response.json()["status"] == OrderStatus.CANCELLED
    assert [s["status"] for s in response.json()["shipments"]] == ["cancelled"]
    assert reserved(warehouse, sku) == 0


def test_the_order_list_costs_a_constant_number_of_queries(web_key, warehouse, sku):
    stocked(warehouse, sku, 50)
    client = as_channel(web_key)
    client.post(ORDERS, order_body("W-1"))
    with CaptureQueriesContext(connection) as one_order:
        assert client.get(ORDERS).status_code == 200
    for n in range(2, 8):
        client.post(ORDERS, order_body(f"W-{n}"))
    with CaptureQueriesContext(connection) as seven_orders:
        assert len(client.get(ORDERS).json()["results"]) == 7

    assert len(seven_orders.captured_queries) == len(one_order.captured_queries) <= 12


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_orders_racing_for_the_last_unit_never_both_get_it(web, warehouse, sku):
    stocked(warehouse, sku, 1)
    key = channel_key(web)
    barrier = threading.Barrier(6)
    results: list[dict] = []
    errors: list[BaseException] = []

    def buy(n: int) -> None:
        try:
            barrier.wait()
            response = as_channel(key).post(ORDERS, order_body(f"R-{n}", lines=(("TEE-BLK-M", 1),)))
            assert response.status_code == 201, response.content
            results.append(response.json())
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=buy, args=(n,)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert errors == []
    statuses = sorted(body["status"] for body in results)
    assert statuses == [OrderStatus.BACKORDERED] * 5 + [OrderStatus.ROUTED]
    level = StockLevel.objects.get(location=warehouse, sku=sku)
    assert (level.on_hand, level.reserved) == (1, 1)
