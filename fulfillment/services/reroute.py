"""Re-routing: a location rejects a shipment, staff re-route or hold an order, stock arrives.

Every path ends in `order_route`, which only ever routes units that are waiting (neither
allocated, shipped nor cancelled), so running any of these twice does no harm.

Locking: the order row first, then its shipments (as `order_route` and `order_cancel` do).
"""

from __future__ import annotations

import logging
from collections.abc import Collection
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Exists, F, OuterRef, Q, Value
from django.db.models.functions import Greatest

from core.errors import Conflict, DomainError, ValidationFailed
from core.types import AnyUser
from fulfillment.models import RoutingExclusion, Shipment, ShipmentStatus
from fulfillment.services.routing import RoutingOutcome, order_route
from fulfillment.services.shipments import order_status_sync, shipment_cancel
from inventory.models import StockLevel
from orders.models import Order, OrderEventKind, OrderLine, OrderStatus
from orders.services import order_event_add, order_transition

logger = logging.getLogger(__name__)

#: Orders whose waiting units a stock receipt may route (not new, on hold or closed).
RETRYABLE_STATUSES = (
    OrderStatus.BACKORDERED,
    OrderStatus.ROUTED,
    OrderStatus.IN_FULFILLMENT,
    OrderStatus.PARTIALLY_SHIPPED,
)
#: Shipments staff may take back to re-route: nobody has started picking them.
REROUTABLE_SHIPMENT_STATUSES = (ShipmentStatus.REQUESTED, ShipmentStatus.ACCEPTED)
BACKORDER_RETRY_BATCH = 500


def _order_locked(order_id: int) -> Order:
    return Order.objects.select_for_update(of=("self",)).select_related("channel").get(pk=order_id)


@dataclass(frozen=True)
class Rejection:
    """A rejected shipment and what re-routing its units did (None: the order is on hold)."""

    shipment: Shipment
    routing: RoutingOutcome | None


def shipment_reject(*, shipment: Shipment, reason: str, actor: AnyUser | None, actor_label: str = "") -> Rejection:
    """A location turns a shipment down: release its stock and route just its units again, now.

    One transaction: the shipment becomes rejected (stock released, units waiting again),
    the rejection is recorded as a `RoutingExclusion` of that location for this order, and
    `order_route` routes the waiting units (trigger "rejected at <code>"), to another
    location or to backorder. Only requested, accepted or picking shipments can be rejected
    (a packed one is cancelled instead). A reason is required. `order_route` reads the
    exclusions, so the rejecting location is not chosen again for this order.
    """
    reason = reason.strip()
    if not reason:
        raise ValidationFailed("Say why the shipment is rejected.", field="reason")
    with transaction.atomic():
        order = _order_locked(shipment.order_id)
        rejected = shipment_cancel(
            shipment=shipment, actor=actor, actor_label=actor_label, reason=reason, rejected=True
        )
        RoutingExclusion.objects.get_or_create(
            order=order, location=rejected.location, defaults={"shipment": rejected, "reason": reason[:255]}
        )
        routing = order_route(
            order=order, actor=actor, actor_label=actor_label, trigger=f"rejected at {rejected.location.code}"
        )
        if routing is None:
            order_status_sync(order=order, actor=actor, actor_label=actor_label)
    return Rejection(shipment=rejected, routing=routing)


def order_reroute(*, order: Order, actor: AnyUser | None, reason: str, actor_label: str = "") -> RoutingOutcome | None:
    """Staff re-route: take back every shipment nobody has started picking and route again.

    Shipments requested or accepted are cancelled (stock released, units waiting); those
    being picked or packed stay. Then every waiting unit (these and any backorder) is routed
    with today's stock, capacity and rates: possibly to the same places. Refused (409) for
    an order on hold (release it: that routes it), cancelled, shipped or delivered.
    """
    with transaction.atomic():
        locked = _order_locked(order.pk)
        if locked.status == OrderStatus.ON_HOLD:
            raise Conflict(f"Order {locked.number} is on hold; release it to route it again.")
        if locked.status in (OrderStatus.CANCELLED, OrderStatus.SHIPPED, OrderStatus.DELIVERED):
            raise Conflict(f"Order {locked.number} is {locked.get_status_display().lower()}; nothing to re-route.")
        note = reason.strip() or "re-routed by staff"
        for shipment in locked.shipments.filter(status__in=REROUTABLE_SHIPMENT_STATUSES).order_by("pk"):
            shipment_cancel(shipment=shipment, actor=actor, actor_label=actor_label, reason=f"re-route: {note}")
        order_event_add(
            order=locked, kind=OrderEventKind.NOTE, message=f"Re-route: {note}", actor=actor, actor_label=actor_label
        )
        routing = order_route(order=locked, actor=actor, actor_label=actor_label, trigger="re-route by staff")
        if routing is None:
            order_status_sync(order=locked, actor=actor, actor_label=actor_label)
    return routing


def order_hold(*, order: Order, actor: AnyUser | None, reason: str = "", actor_label: str = "") -> Order:
    """Put an order on hold: nothing is routed, picked, packed or labelled until it is released.

    Its reservations are kept. Holding a held order changes nothing; a shipped, delivered or
    cancelled order cannot be held (409).
    """
    with transaction.atomic():
        locked = _order_locked(order.pk)
        if locked.status != OrderStatus.ON_HOLD:
            order_transition(
                order=locked, to=OrderStatus.ON_HOLD, actor=actor, actor_label=actor_label, reason=reason.strip()
            )
    return locked


def _status_after_hold(order: Order) -> str:
    """A status ON_HOLD may lead to, from which `order_status_sync` can reach the right one."""
    lines = list(order.lines.all())
    if all(line.quantity == line.quantity_cancelled for line in lines):
        return OrderStatus.CANCELLED
    working = order.shipments.filter(
        status__in=[ShipmentStatus.ACCEPTED, ShipmentStatus.PICKING, ShipmentStatus.PACKED]
    ).exists()
    if working or any(line.quantity_shipped for line in lines):
        return OrderStatus.IN_FULFILLMENT
    if any(line.quantity_allocated for line in lines):
        return OrderStatus.ROUTED
    return OrderStatus.BACKORDERED


def order_release(*, order: Order, actor: AnyUser | None, reason: str = "", actor_label: str = "") -> Order:
    """Take an order off hold: its status follows its shipments again and waiting units are routed.

    Its ship-from-store requests still waiting for a store's answer get a fresh accept deadline
    from now (the SLA sweep left them alone while held). Releasing an order that is not on hold
    changes nothing.
    """
    from fulfillment.services.store_requests import store_requests_sla_restart  # noqa: PLC0415 (store requests re-route through this module)

    with transaction.atomic():
        locked = _order_locked(order.pk)
        if locked.status != OrderStatus.ON_HOLD:
            return locked
        order_transition(
            order=locked,
            to=_status_after_hold(locked),
            actor=actor,
            actor_label=actor_label,
            reason=reason.strip() or "released from hold",
        )
        store_requests_sla_restart(order=locked)
        if locked.status != OrderStatus.CANCELLED:
            order_route(order=locked, actor=actor, actor_label=actor_label, trigger="released from hold")
            order_status_sync(order=locked, actor=actor, actor_label=actor_label)
    return Order.objects.get(pk=locked.pk)


def _skus_in_stock(sku_ids: Collection[int]) -> set[int]:
    """Which of these SKUs have available-to-promise units at a location that ships or hands over orders."""
    return set(
        StockLevel.objects.filter(sku_id__in=sku_ids, location__is_active=True)
        .filter(Q(location__ships_orders=True) | Q(location__offers_pickup=True))
        .annotate(atp=Greatest(F("on_hand") - F("reserved") - F("safety_stock"), Value(0)))
        .filter(atp__gt=0)
        .values_list("sku_id", flat=True)
        .distinct()
    )


def backorders_retry(*, sku_ids: Collection[int] | None, limit: int = BACKORDER_RETRY_BATCH) -> list[int]:
    """Route again the orders waiting for stock of these SKUs (of any SKU when None), oldest first.

    Each order is routed in its own transaction, so one failure or a long run never holds
    the others' locks; a refusal for one order is logged and the others go on. An order
    none of whose waiting SKUs has stock anywhere is skipped (no timeline noise), and the
    run stops once none of the SKUs has stock left. Idempotent: routing only takes waiting
    units. Returns the ids of the orders that got at least one new shipment.
    """
    waiting = OrderLine.objects.filter(
        order=OuterRef("pk"),
        quantity__gt=F("quantity_allocated") + F("quantity_shipped") + F("quantity_cancelled"),
    )
    if sku_ids is not None:
        sku_ids = sorted(set(sku_ids))
        if not sku_ids:
            return []
        waiting = waiting.filter(sku_id__in=sku_ids)
    candidates = list(
        Order.objects.filter(Exists(waiting), status__in=RETRYABLE_STATUSES).order_by("placed_at", "pk")[:limit]
    )
    routed: list[int] = []
    for order in candidates:
        lines = OrderLine.objects.filter(order_id=order.pk)
        wanted = {
            line.sku_id
            for line in lines
            if line.quantity_backordered > 0 and (sku_ids is None or line.sku_id in sku_ids)
        }
        if not _skus_in_stock(wanted):
            if sku_ids is not None and not _skus_in_stock(sku_ids):
                break
            continue
        try:
            outcome = order_route(order=order, actor=None, actor_label="stock receipt", trigger="stock receipt")
        except DomainError as exc:
            logger.warning("Backorder retry of order %s refused: %s", order.number, exc)
            continue
        if outcome is not None and outcome.shipments:
            routed.append(order.pk)
    return routed
