"""The order path's one-statement writes: prepared once per connection, and each row where it belongs."""

from __future__ import annotations

import pytest
from django.db import connection

from fulfillment.models import RoutingDecision
from inventory.models import StockLevel
from orders.models import Order, OrderEvent, OrderEventKind, OrderStatus
from tests.factories import stocked
from tests.factories.orders import place_order

pytestmark = pytest.mark.django_db


def _prepared(fragment: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE %s", [f"%{fragment}%"])
        return cursor.fetchone()[0]


def test_orders_after_the_first_few_run_on_prepared_statements(web, warehouse, sku):
    stocked(warehouse, sku, 50)
    runs = connection.settings_dict["OPTIONS"]["prepare_threshold"] + 1  # prepared on the threshold's run

    for n in range(runs):
        place_order(web, [(sku.code, 2)], external_id=f"P-{n}")

    # the order with its lines, the shipments, the routing record: one prepared statement each
    assert _prepared('INSERT INTO "orders_order"') == 1
    assert _prepared('INSERT INTO "fulfillment_shipment"') == 1
    assert _prepared('INSERT INTO "fulfillment_routingdecision"') == 1
    # and the rows are what the channel sees: every order routed, 2 units reserved for each
    assert sorted(Order.objects.values_list("external_id", "status")) == [
        (f"P-{n}", OrderStatus.ROUTED) for n in range(runs)
    ]
    assert StockLevel.objects.get(location=warehouse, sku=sku).reserved == 2 * runs


def test_the_routed_entry_of_the_timeline_links_its_decision_and_no_other_entry_does(web, warehouse, sku):
    stocked(warehouse, sku, 2)

    order = place_order(web, [(sku.code, 3)], external_id="PART-1").order  # 2 ship, 1 waits for stock

    decision = RoutingDecision.objects.get(order=order)
    entries = list(OrderEvent.objects.filter(order=order).order_by("id").values_list("kind", "message", "data"))
    routed = [data for kind, message, data in entries if message.startswith("Routed")]
    others = [(kind, data) for kind, message, data in entries if not message.startswith("Routed")]
    assert routed == [{"decision": decision.pk, "total_cost": str(decision.total_cost)}]
    assert OrderEventKind.BACKORDERED in [kind for kind, _ in others]  # the unit waiting for stock
    assert all("decision" not in (data or {}) for _, data in others)
