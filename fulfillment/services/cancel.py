"""Cancelling orders: every unit not yet shipped is cancelled and its stock released.

Locking (the rule of `fulfillment.services.reroute`): the order row, then its pickup row,
then its shipments in pk order, then a pickup's transfer.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from core.errors import Conflict, DomainError
from core.types import AnyUser
from fulfillment.models import OPEN_SHIPMENT_STATUSES, Pickup, PickupStatus
from fulfillment.models.stores import OPEN_PICKUP_STATUSES
from fulfillment.services.shipments import shipment_cancel
from inventory.models import TransferStatus
from inventory.services import transfer_cancel
from inventory.services.transfers import RECEIVABLE
from orders.models import Order, OrderEventKind, OrderStatus
from orders.services import order_event_add, order_line_cancel_backorder, order_lock, order_transition


def order_cancel(*, order: Order, actor: AnyUser | None, actor_label: str = "", reason: str = "") -> Order:
    """Cancel what has not shipped: open shipments are cancelled (stock released), backorders dropped.

    A shipped or delivered order is refused (409); a partially shipped order keeps what has
    shipped and becomes shipped. Cancelling a cancelled order changes nothing. A pickup order's
    open pickup is cancelled too, and a transfer still bringing its units is cancelled if it has
    not left the warehouse (its reservation released) or, once on its way, left to arrive (noted
    on the timeline: the units simply become store stock).
    """
    with transaction.atomic():
        locked = order_lock(order)
        if locked.status == OrderStatus.CANCELLED:
            return locked
        if locked.status in (OrderStatus.SHIPPED, OrderStatus.DELIVERED):
            raise Conflict(f"Order {locked.number} has shipped; start a return instead of cancelling.")
        pickup = (
            Pickup.objects.select_for_update(of=("self",))
            .select_related("transfer", "location")
            .filter(order=locked)
            .first()
        )
        for shipment in locked.shipments.filter(status__in=OPEN_SHIPMENT_STATUSES).order_by("pk"):
            shipment_cancel(shipment=shipment, actor=actor, actor_label=actor_label, reason=reason, cancel_units=True)
        for line in locked.lines.all():
            if line.quantity_backordered > 0:
                order_line_cancel_backorder(line=line, quantity=line.quantity_backordered)
        shipped_any = any(line.quantity_shipped for line in locked.lines.all())
        order_transition(
            order=locked,
            to=OrderStatus.SHIPPED if shipped_any else OrderStatus.CANCELLED,
            actor=actor,
            actor_label=actor_label,
            reason=reason,
        )
        if pickup is not None and pickup.status in OPEN_PICKUP_STATUSES:
            Pickup.objects.filter(pk=pickup.pk).update(
                status=PickupStatus.CANCELLED,
                closed_at=timezone.now(),
                status_reason=(reason or "order cancelled")[:255],
            )
            _pickup_transfer_stop(pickup, locked, actor=actor, actor_label=actor_label)
        order_event_add(
            order=locked,
            kind=OrderEventKind.CANCELLED,
            message="Cancelled" + (f": {reason}" if reason else "."),
            actor=actor,
            actor_label=actor_label,
        )
    return locked


def _pickup_transfer_stop(pickup: Pickup, order: Order, *, actor: AnyUser | None, actor_label: str) -> None:
    """The order is cancelled: call off the transfer bringing its pickup's units, or say why it still comes."""
    transfer = pickup.transfer
    if transfer is None or transfer.status not in (TransferStatus.REQUESTED, *RECEIVABLE):
        return
    if transfer.status == TransferStatus.REQUESTED:
        try:
            with transaction.atomic():
                transfer_cancel(transfer=transfer, actor=actor)
        except DomainError:  # it left the warehouse a moment ago
            transfer.refresh_from_db()
        else:
            order_event_add(
                order=order,
                kind=OrderEventKind.NOTE,
                message=f"{transfer.number} to {pickup.location.code} cancelled with the order; "
                "its units stay at the warehouse.",
                actor=actor,
                actor_label=actor_label,
            )
            return
    order_event_add(
        order=order,
        kind=OrderEventKind.NOTE,
        message=f"{transfer.number} is already on its way to {pickup.location.code}; it is not called back. "
        "Its units become store stock when received.",
        actor=actor,
        actor_label=actor_label,
    )
