"""Cancelling orders: every unit not yet shipped is cancelled and its stock released."""

from __future__ import annotations

from django.db import transaction

from core.errors import Conflict
from core.types import AnyUser
from fulfillment.models import OPEN_SHIPMENT_STATUSES
from fulfillment.services.shipments import shipment_cancel
from orders.models import Order, OrderEventKind, OrderStatus
from orders.services import order_event_add, order_line_cancel_backorder, order_lock, order_transition


def order_cancel(*, order: Order, actor: AnyUser | None, actor_label: str = "", reason: str = "") -> Order:
    """Cancel what has not shipped: open shipments are cancelled (stock released), backorders dropped.

    A shipped or delivered order is refused (409); a partially shipped order keeps what has
    shipped and becomes shipped. Cancelling a cancelled order changes nothing.
    """
    with transaction.atomic():
        locked = order_lock(order)
        if locked.status == OrderStatus.CANCELLED:
            return locked
        if locked.status in (OrderStatus.SHIPPED, OrderStatus.DELIVERED):
            raise Conflict(f"Order {locked.number} has shipped; start a return instead of cancelling.")
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
        order_event_add(
            order=locked,
            kind=OrderEventKind.CANCELLED,
            message="Cancelled" + (f": {reason}" if reason else "."),
            actor=actor,
            actor_label=actor_label,
        )
    return locked
