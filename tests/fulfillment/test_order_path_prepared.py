"""The order path's statements are prepared once per connection, not parsed and planned on every order."""

from __future__ import annotations

import pytest
from django.db import connection

from orders.models import Order, OrderStatus
from tests.factories import stocked
from tests.fulfillment.test_order_apis import ORDERS, as_channel, order_body, reserved

pytestmark = pytest.mark.django_db


def _prepared(fragment: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE %s", [f"%{fragment}%"])
        return cursor.fetchone()[0]


def test_orders_after_the_first_run_on_prepared_statements(web_key, warehouse, sku):
    stocked(warehouse, sku, 50)
    client = as_channel(web_key)

    runs = connection.settings_dict["OPTIONS"]["prepare_threshold"] + 1  # prepared on the threshold's run
    for n in range(runs):
        response = client.post(ORDERS, order_body(external_id=f"P-{n}"))
        assert response.status_code == 201, response.json()

    # the order with its lines, the shipments, the routing record: one prepared statement each
    assert _prepared('INSERT INTO "orders_order"') == 1
    assert _prepared('INSERT INTO "fulfillment_shipment"') == 1
    assert _prepared('INSERT INTO "fulfillment_routingdecision"') == 1
    # and the rows are what the channel sees: every order routed, 2 units reserved for each
    assert sorted(Order.objects.values_list("external_id", "status")) == [
        (f"P-{n}", OrderStatus.ROUTED) for n in range(runs)
    ]
    assert reserved(warehouse, sku) == 2 * runs
