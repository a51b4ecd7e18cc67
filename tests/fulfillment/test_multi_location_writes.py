"""What an order routed to several locations writes, and in how many statements.

A split order reserves every location in two statements and opens no savepoint; a consolidated one
writes its hold, legs, legs' lines and the order lines' units in one, and its transfers open no
savepoints of their own. A shortage found at reservation still leaves nothing of the failed attempt
and routes again.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from fulfillment.models import ConsolidationHold, ConsolidationLeg, ConsolidationLegLine, LinehaulLane, RoutingPolicy
from fulfillment.services.routing import reserve
from inventory.models import LocationKind, StockLevel, StockMovement, Transfer
from inventory.services import stock_adjust
from orders.models import OrderStatus
from tests.factories import LocationFactory, SKUFactory, stocked
from tests.factories.orders import place_order

pytestmark = pytest.mark.django_db


def _levels(sku) -> dict[str, tuple[int, int]]:
    """(on hand, reserved) of the SKU per location code."""
    return {
        level.location.code: (level.on_hand, level.reserved)
        for level in StockLevel.objects.filter(sku=sku).select_related("location")
    }


def _after_the_order_insert(statements: CaptureQueriesContext) -> list[str]:
    """The statements from the order's insert on (a test's transaction adds a savepoint before it)."""
    sql = [query["sql"] for query in statements.captured_queries]
    return sql[next(n for n, text in enumerate(sql) if 'INTO "orders_order"' in text) :]


def test_a_split_order_reserves_both_locations_in_two_statements_without_a_savepoint(web, cmh, dal, mug, tee):
    stocked(cmh, mug, 5)
    stocked(dal, tee, 5)
    RoutingPolicy.objects.create(channel=None, allow_consolidation=False)

    with CaptureQueriesContext(connection) as statements:
        order = place_order(web, [("MUG-1", 2), ("TEE-1", 1)]).order

    assert sorted((s.location.code, s.lines.get().quantity) for s in order.shipments.all()) == [
        ("cmh-dc", 2),
        ("dal-dc", 1),
    ]
    assert (_levels(mug)["cmh-dc"], _levels(tee)["dal-dc"]) == ((5, 2), (5, 1))
    after = _after_the_order_insert(statements)
    assert not any(text.startswith("SAVEPOINT") for text in after)
    # both locations' levels locked and checked in one statement, reserved in one more
    assert sum("FOR UPDATE OF l" in text for text in after) == 1
    assert sum('UPDATE "inventory_stocklevel"' in text for text in after) == 1
    assert StockMovement.objects.filter(kind="reserve", document_id=str(order.pk)).count() == 2


def test_a_split_plan_that_no_longer_fits_routes_again_without_reserving_twice(web, cmh, dal, mug, tee, monkeypatch):
    stocked(cmh, mug, 5)
    stocked(dal, tee, 5)
    RoutingPolicy.objects.create(channel=None, allow_consolidation=False)
    planned = reserve.plan

    def plan_then_sell_the_tees(*args, **kwargs):
        chosen = planned(*args, **kwargs)
        if len(chosen.shipments) == 2:
            stock_adjust(location=dal, sku=tee, delta=-5, reason_code="damaged", actor=None)
        return chosen

    monkeypatch.setattr(reserve, "plan", plan_then_sell_the_tees)

    order = place_order(web, [("MUG-1", 1), ("TEE-1", 1)]).order

    assert [s.location.code for s in order.shipments.all()] == ["cmh-dc"]
    assert _levels(mug)["cmh-dc"] == (5, 1)  # the first attempt reserved nothing
    assert StockMovement.objects.filter(sku=mug, kind="reserve").count() == 1
    assert [(line.quantity_allocated, line.quantity_backordered) for line in order.lines.order_by("id")] == [
        (1, 0),
        (0, 1),
    ]


def test_two_legs_write_their_own_lines_and_allocate_every_unit_in_one_statement(web, network, mug, tee):
    cmh, _dal = network
    stl: Any = LocationFactory(code="stl-dc", name="St. Louis DC", kind=LocationKind.WAREHOUSE)
    cap: Any = SKUFactory(code="CAP-1", name="Cap", weight_grams=100)
    stocked(stl, cap, 5)
    LinehaulLane.objects.create(origin=stl, destination=cmh, cost_per_unit=Decimal("0.30"), transit_days=2)

    with CaptureQueriesContext(connection) as statements:
        order = place_order(web, [("MUG-1", 1), ("TEE-1", 2), ("CAP-1", 1)]).order

    hold = ConsolidationHold.objects.get(order=order)
    assert hold.node == cmh
    legs = {leg.origin.code: leg for leg in ConsolidationLeg.objects.filter(hold=hold).select_related("origin")}
    assert sorted(legs) == ["dal-dc", "stl-dc"]
    brought = {
        code: sorted((line.order_line.sku.code, line.quantity) for line in ConsolidationLegLine.objects.filter(leg=leg))
        for code, leg in legs.items()
    }
    assert brought == {"dal-dc": [("TEE-1", 2)], "stl-dc": [("CAP-1", 1)]}
    assert {leg.transfer.source.code for leg in legs.values()} == {"dal-dc", "stl-dc"}
    order.refresh_from_db()
    assert order.status == OrderStatus.ROUTED
    assert [(line.quantity_allocated, line.quantity_backordered) for line in order.lines.order_by("id")] == [
        (1, 0),
        (2, 0),
        (1, 0),
    ]
    sql = _after_the_order_insert(statements)
    # one statement writes the hold, both legs, their lines and the units; no leg has a statement of its own
    assert sum('INTO "fulfillment_consolidationhold"' in text for text in sql) == 1
    assert sum('INTO "fulfillment_consolidationleg"' in text for text in sql) == 1
    assert sum('INTO "fulfillment_consolidationlegline"' in text for text in sql) == 1
    # routing's attempt is the only savepoint: the transfers open none of their own
    assert sum(text.startswith("SAVEPOINT") for text in sql) == 1


def test_a_shortage_at_the_origin_rolls_back_the_attempt_and_routes_what_is_left(web, network, mug, tee, monkeypatch):
    _cmh, dal = network
    planned = reserve.plan

    def plan_then_sell_the_tees(*args, **kwargs):
        chosen = planned(*args, **kwargs)
        if chosen.legs and StockLevel.objects.get(location=dal, sku=tee).on_hand:
            # another channel's sale empties Dallas between the plan and its reservation
            stock_adjust(location=dal, sku=tee, delta=-5, reason_code="damaged", actor=None)
        return chosen

    monkeypatch.setattr(reserve, "plan", plan_then_sell_the_tees)

    order = place_order(web, [("MUG-1", 1), ("TEE-1", 1)]).order

    # the first attempt's node shipment, transfer and hold are gone; the second ships the mug, the tee waits
    assert not ConsolidationHold.objects.exists()
    assert not Transfer.objects.exists()
    assert [(s.location.code, s.lines.count()) for s in order.shipments.all()] == [("cmh-dc", 1)]
    assert _levels(mug)["cmh-dc"] == (5, 1)
    assert _levels(tee)["dal-dc"] == (0, 0)
    assert [(line.quantity_allocated, line.quantity_backordered) for line in order.lines.order_by("id")] == [
        (1, 0),
        (0, 1),
    ]
    # the ledger keeps only what stayed: the mug's one reservation, no reservation of the tee
    assert StockMovement.objects.filter(sku=mug, kind="reserve").count() == 1
    assert not StockMovement.objects.filter(sku=tee, kind="reserve").exists()
