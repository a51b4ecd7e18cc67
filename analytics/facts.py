"""Computing one day's facts from the orders placed that day (reads only; `analytics.services` writes).

Every count uses the KPI conditions of `fulfillment.selectors.kpi_conditions`, the same ones the
orders list filters by, so a figure and its drill-down list agree. Five queries per day: the
orders with their flags, their shipments with theirs, the first routing decisions (planned
cost), the labelled boxes (actual cost) and the locations' codes.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from django.db.models import BooleanField, Case, Q, QuerySet, Value, When
from django.utils import timezone

from fulfillment.models import Package, PackageStatus, RoutingDecision, Shipment, ShipmentStatus
from fulfillment.selectors.cost_model import cost_model_load
from fulfillment.selectors.kpi_conditions import (
    FIRST_ROUTING,
    delivered_condition,
    filled_first_condition,
    late_delivery_condition,
    late_ship_condition,
    no_show_condition,
    pickup_closed_condition,
    routed_condition,
    shipped_condition,
    split_condition,
    store_rejected_condition,
    store_request_condition,
)
from inventory.models import Location
from orders.models import Order, OrderStatus

COUNTS = (
    "orders",
    "routed",
    "filled_first",
    "split",
    "shipped",
    "shipped_late",
    "delivered",
    "delivered_late",
    "pickups_closed",
    "pickups_no_show",
    "store_requests",
    "store_rejected",
    "costed_orders",
)
COSTS = (
    "planned_shipping",
    "planned_handling",
    "planned_packages",
    "actual_shipping",
    "actual_handling",
    "actual_packages",
)
_ORDER_FLAGS = {
    "routed": routed_condition,
    "filled_first": filled_first_condition,
    "split": split_condition,
    "pickups_closed": pickup_closed_condition,
    "pickups_no_show": no_show_condition,
}
_SHIPMENT_FLAGS = {
    "shipped": shipped_condition,
    "shipped_late": late_ship_condition,
    "delivered": delivered_condition,
    "delivered_late": late_delivery_condition,
    "store_requests": store_request_condition,
    "store_rejected": store_rejected_condition,
}
_SHIPPED_ORDER = (OrderStatus.SHIPPED, OrderStatus.DELIVERED)
_SHIPPED_SHIPMENT = (ShipmentStatus.SHIPPED, ShipmentStatus.DELIVERED)


@dataclass
class FactRow:
    """The figures of one (day, channel, location or None) before they are saved."""

    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(COUNTS, 0))
    costs: dict[str, Decimal] = field(default_factory=lambda: dict.fromkeys(COSTS, Decimal("0.00")))

    def as_fields(self) -> dict[str, Any]:
        return {**self.counts, **self.costs}


Key = tuple[int, int | None]  # (channel id, location id or None for every location)


def day_bounds(day: date) -> tuple[datetime, datetime]:
    """The merchant's day (settings.TIME_ZONE) as an aware [start, end) range, exact across DST."""
    zone = timezone.get_current_timezone()
    start = timezone.make_aware(datetime.combine(day, time.min), zone)
    return start, timezone.make_aware(datetime.combine(day + timedelta(days=1), time.min), zone)


def _flag(condition: Q) -> Case:
    return Case(When(condition, then=Value(True)), default=Value(False), output_field=BooleanField())


def _day_orders(day: date) -> QuerySet[Order]:
    start, end = day_bounds(day)
    return Order.objects.filter(placed_at__gte=start, placed_at__lt=end)


def day_facts(day: date) -> dict[Key, FactRow]:
    """Every fact row of one day, keyed by (channel id, location id or None)."""
    orders = _day_orders(day)
    order_rows = list(
        orders.annotate(**{f"f_{name}": _flag(make()) for name, make in _ORDER_FLAGS.items()}).values(
            "pk", "channel_id", "status", *(f"f_{name}" for name in _ORDER_FLAGS)
        )
    )
    if not order_rows:
        return {}
    shipment_rows = list(
        Shipment.objects.filter(order__in=orders)
        .annotate(**{f"f_{name}": _flag(make()) for name, make in _SHIPMENT_FLAGS.items()})
        .values("order_id", "location_id", "location__kind", "status", *(f"f_{name}" for name in _SHIPMENT_FLAGS))
    )
    rows: dict[Key, FactRow] = defaultdict(FactRow)
    locations_of: dict[int, set[int]] = defaultdict(set)
    channel_of = {row["pk"]: row["channel_id"] for row in order_rows}
    for shipment in shipment_rows:
        locations_of[shipment["order_id"]].add(shipment["location_id"])
        channel = channel_of[shipment["order_id"]]
        for name in _SHIPMENT_FLAGS:
            if shipment[f"f_{name}"]:
                rows[(channel, None)].counts[name] += 1
                rows[(channel, shipment["location_id"])].counts[name] += 1
    shipped_orders = {row["pk"] for row in order_rows if row["status"] in _SHIPPED_ORDER}
    for order in order_rows:
        keys: list[Key] = [(order["channel_id"], None)] + [
            (order["channel_id"], location) for location in locations_of[order["pk"]]
        ]
        for key in keys:
            counts = rows[key].counts
            counts["orders"] += 1
            counts["costed_orders"] += order["pk"] in shipped_orders
            for name in _ORDER_FLAGS:
                counts[name] += bool(order[f"f_{name}"])
    _add_costs(rows, orders, channel_of, shipped_orders, shipment_rows)
    return dict(rows)


def _add_costs(
    rows: dict[Key, FactRow],
    orders: QuerySet[Order],
    channel_of: dict[int, int],
    shipped_orders: set[int],
    shipment_rows: list[dict[str, Any]],
) -> None:
    """Planned (first routing's breakdown) against actual (labels bought, handling, boxes) of orders shipped in full.

    Planned costs are per planned shipment, so each lands at its location; actual shipping is
    each labelled box's rate, handling the location kind's rate per shipment that shipped, and
    packages the merchant's cost per box, as routing priced them.
    """
    if not shipped_orders:
        return
    code_to_id = dict(Location.objects.values_list("code", "pk"))
    decisions = RoutingDecision.objects.filter(order__in=orders, trigger=FIRST_ROUTING).values("order_id", "plan")
    for decision in decisions:
        order_id = decision["order_id"]
        if order_id not in shipped_orders:
            continue
        channel = channel_of[order_id]
        for planned in (decision["plan"] or {}).get("shipments", []):
            breakdown = planned.get("cost_breakdown", {})
            location = code_to_id.get(planned.get("location", ""))
            for key in [(channel, None)] + ([(channel, location)] if location is not None else []):
                costs = rows[key].costs
                for part in ("shipping", "handling", "packages"):
                    costs[f"planned_{part}"] += Decimal(breakdown.get(part, "0"))
    model = cost_model_load()
    for shipment in shipment_rows:
        if shipment["order_id"] in shipped_orders and shipment["status"] in _SHIPPED_SHIPMENT:
            handling = model.handling_by_kind.get(shipment["location__kind"], Decimal("0"))
            channel = channel_of[shipment["order_id"]]
            for key in ((channel, None), (channel, shipment["location_id"])):
                rows[key].costs["actual_handling"] += handling
    boxes = Package.objects.filter(shipment__order__in=orders, status=PackageStatus.LABELLED).values(
        "shipment__order_id", "shipment__location_id", "label_rate"
    )
    for box in boxes:
        order_id = box["shipment__order_id"]
        if order_id not in shipped_orders:
            continue
        for key in ((channel_of[order_id], None), (channel_of[order_id], box["shipment__location_id"])):
            rows[key].costs["actual_shipping"] += box["label_rate"] or Decimal("0")
            rows[key].costs["actual_packages"] += model.package_cost
