"""What every pickup service shares: the locks, the on-hold refusal, the timeline entry, moving shipments.

Locking (the rule of `fulfillment.services.reroute`): the ORDER row first, then the pickup
row, then its shipments in pk order. Each service locks the order, then re-reads the pickup
under its lock and checks its status again, so two services (expiry and a staff cancel, a
handover and a re-route) queue behind each other instead of deadlocking.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

from core.errors import Conflict
from core.types import AnyUser
from fulfillment.models import SHIPMENT_TRANSITIONS, Pickup, Shipment
from orders.models import Order, OrderEventKind, OrderLine, OrderStatus
from orders.services import order_event_add

#: Pickups each beat-task run expires or moves on, at most (the rest wait for the next run).
EXPIRY_BATCH = 500


def locked_pickup(pickup: Pickup) -> Pickup:
    """The pickup under its row lock, its order row locked FIRST (see the module docstring).

    The returned pickup's `order` is the locked, freshly read order.
    """
    order = Order.objects.select_for_update(of=("self",)).select_related("channel").get(pk=pickup.order_id)
    locked = Pickup.objects.select_for_update(of=("self",)).select_related("location").get(pk=pickup.pk)
    locked.order = order
    return locked


def refuse_if_on_hold(pickup: Pickup, doing: str) -> None:
    """409 while the (locked) order is on hold: staff hold an order to stop all work on it."""
    if pickup.order.status == OrderStatus.ON_HOLD:
        raise Conflict(f"Order {pickup.order.number} is on hold; the back office must release it before {doing}.")


def timeline_add(pickup: Pickup, message: str, *, actor: AnyUser | None, actor_label: str = "", **data: object) -> None:
    order_event_add(
        order=pickup.order,
        kind=OrderEventKind.SHIPMENT,
        message=message,
        actor=actor,
        actor_label=actor_label,
        data={"pickup": pickup.pk, **data},
    )


def store_shipments(pickup: Pickup, statuses: Collection[str]) -> list[Shipment]:
    """The pickup's shipments at its store in these statuses, locked in pk order."""
    return list(
        Shipment.objects.select_for_update(of=("self",))
        .filter(order_id=pickup.order_id, location_id=pickup.location_id, status__in=list(statuses))
        .order_by("pk")
    )


def shipments_move(shipments: Sequence[Shipment], path: Sequence[str], reason: str) -> None:
    """Walk locked shipments along `path` of statuses from where each one is (each step allowed by
    SHIPMENT_TRANSITIONS)."""
    for shipment in shipments:
        steps = list(path)
        if shipment.status in steps:
            steps = steps[steps.index(shipment.status) + 1 :]
        for to in steps:
            if to not in SHIPMENT_TRANSITIONS.get(shipment.status, frozenset()):
                raise Conflict(f"{shipment.number} is {shipment.get_status_display().lower()}; it cannot be {to}.")
            shipment.status = to
        shipment.status_reason = reason[:255]
        shipment.save(update_fields=["status", "status_reason", "updated_at"])


def waiting_units(order: Order) -> int:
    return sum(line.quantity_backordered for line in OrderLine.objects.filter(order=order))
