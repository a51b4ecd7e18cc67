"""Rendering events into the exact bytes that are sent: the envelope and each type's `data`.

Bodies are rendered once, when an event is published (just after the change committed), from the
objects as they then are, a batch of events at a time with one query per kind of object. The
result is stored on the event and sent as is on every attempt and replay.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from typing import Any

from django.db.models import Prefetch, Q

from fulfillment.models import RoutingDecision, Shipment
from inventory.models import SKU, Location, StockLevel
from orders.models import Order, OrderLine
from returns.models import Refund, ReturnAuthorization
from webhooks.conf import API_VERSION
from webhooks.models import Event, EventType
from webhooks.payloads.purchase_orders import PURCHASE_ORDER_EVENT_TYPES, purchase_order_events
from webhooks.payloads.shapes import iso, order_shape, return_shape, routing_shape, shipment_shape, stock_shape


def envelope(*, event_type: str, event_id: str, created_at: datetime, data: dict[str, Any]) -> dict[str, Any]:
    """The versioned body every delivery has: api_version, type, id, created_at, data."""
    return {
        "api_version": API_VERSION,
        "type": event_type,
        "id": event_id,
        "created_at": iso(created_at),
        "data": data,
    }


def body_bytes(document: dict[str, Any]) -> str:
    """The JSON text sent: compact and ASCII-only, so a consumer that re-decodes it verifies the same bytes."""
    return json.dumps(document, separators=(",", ":"), ensure_ascii=True)


def _orders(ids: Iterable[int]) -> dict[int, Order]:
    lines = Prefetch("lines", queryset=OrderLine.objects.select_related("sku").order_by("line_number"))
    queryset = Order.objects.select_related("channel", "pickup_location").prefetch_related(lines)
    return {order.pk: order for order in queryset.filter(pk__in=set(ids))}


def _order_data(order: Order) -> dict[str, Any]:
    return order_shape(order, list(order.lines.all()))


def _order_events(events: Sequence[Event]) -> dict[int, dict[str, Any]]:
    orders = _orders(event.subject.get("order", 0) for event in events)
    return {
        event.pk: {"order": _order_data(orders[event.subject["order"]])}
        for event in events
        if event.subject.get("order") in orders
    }


def _routing_events(events: Sequence[Event]) -> dict[int, dict[str, Any]]:
    decisions = RoutingDecision.objects.in_bulk([event.subject.get("routing", 0) for event in events])
    orders = _orders(decision.order_id for decision in decisions.values())
    rendered = {}
    for event in events:
        decision = decisions.get(event.subject.get("routing", 0))
        if decision is not None and decision.order_id in orders:
            rendered[event.pk] = {"order": _order_data(orders[decision.order_id]), "routing": routing_shape(decision)}
    return rendered


def _shipment_events(events: Sequence[Event]) -> dict[int, dict[str, Any]]:
    shipments = (
        Shipment.objects.select_related("location")
        .prefetch_related("lines__sku", "lines__order_line", "packages")
        .in_bulk([event.subject.get("shipment", 0) for event in events])
    )
    orders = _orders(shipment.order_id for shipment in shipments.values())
    rendered = {}
    for event in events:
        shipment = shipments.get(event.subject.get("shipment", 0))
        if shipment is not None and shipment.order_id in orders:
            rendered[event.pk] = {
                "order": _order_data(orders[shipment.order_id]),
                "shipment": shipment_shape(shipment, list(shipment.lines.all()), list(shipment.packages.all())),
            }
    return rendered


def _return_events(events: Sequence[Event]) -> dict[int, dict[str, Any]]:
    returns = (
        ReturnAuthorization.objects.select_related("order__channel", "return_location", "exchange_order")
        .prefetch_related("lines__sku", "lines__order_line", "lines__reason", "lines__exchange_sku")
        .in_bulk([event.subject.get("return", 0) for event in events])
    )
    refunds = {refund.rma_id: refund for refund in Refund.objects.filter(rma_id__in=list(returns))}
    return {
        event.pk: {"return": return_shape(rma, list(rma.lines.all()), refunds.get(rma.pk))}
        for event in events
        if (rma := returns.get(event.subject.get("return", 0))) is not None
    }


def _stock_events(events: Sequence[Event]) -> dict[int, dict[str, Any]]:
    pairs = {(event.subject.get("location", 0), event.subject.get("sku", 0)) for event in events}
    locations = Location.objects.in_bulk([location_id for location_id, _ in pairs])
    skus = SKU.objects.in_bulk([sku_id for _, sku_id in pairs])
    wanted = Q(pk__in=[])
    for location_id, sku_id in sorted(pairs):
        wanted |= Q(location_id=location_id, sku_id=sku_id)
    levels = {(level.location_id, level.sku_id): level for level in StockLevel.objects.filter(wanted)}
    rendered = {}
    for event in events:
        location_id, sku_id = event.subject.get("location", 0), event.subject.get("sku", 0)
        if location_id in locations and sku_id in skus:
            level = levels.get((location_id, sku_id))
            rendered[event.pk] = stock_shape(level, location=locations[location_id], sku=skus[sku_id])
    return rendered


_RENDERERS: dict[str, Callable[[Sequence[Event]], dict[int, dict[str, Any]]]] = {
    EventType.ORDER_CREATED: _order_events,
    EventType.ORDER_CANCELLED: _order_events,
    EventType.ORDER_ROUTED: _routing_events,
    EventType.ORDER_SHIPPED: _shipment_events,
    EventType.SHIPMENT_DELIVERED: _shipment_events,
    EventType.RETURN_RECEIVED: _return_events,
    EventType.RETURN_REFUNDED: _return_events,
    EventType.STOCK_CHANGED: _stock_events,
    **dict.fromkeys(PURCHASE_ORDER_EVENT_TYPES, purchase_order_events),
}


def render_bodies(events: Sequence[Event]) -> dict[int, str]:
    """The body of each event (by pk); an event whose subject is gone (or of an unknown type) gets none."""
    by_type: dict[str, list[Event]] = defaultdict(list)
    for event in events:
        by_type[event.type].append(event)
    bodies: dict[int, str] = {}
    for event_type, batch in by_type.items():
        renderer = _RENDERERS.get(event_type)
        if renderer is None:
            continue
        data_by_pk = renderer(batch)
        for event in batch:
            if event.pk in data_by_pk:
                document = envelope(
                    event_type=event.type,
                    event_id=event.public_id,
                    created_at=event.created_at,
                    data=data_by_pk[event.pk],
                )
                bodies[event.pk] = body_bytes(document)
    return bodies
