"""Shipping at a location: buy the carrier label and ship, record tracking, deliver.

`shipment_label` buys the label with no row lock held (a slow carrier must not block work on
the order), then stores it and ships the parcel through `shipment_ship` in one transaction.
"""

from __future__ import annotations

import logging
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from carriers.builtin import CarrierClient
from core.errors import Conflict
from core.types import AnyUser
from fulfillment.models import (
    OPEN_SHIPMENT_STATUSES,
    Package,
    Shipment,
    ShipmentStatus,
)
from fulfillment.services.labels import shipment_labels_buy
from fulfillment.services.work import (
    _locked,
    _order_locked,
    _status_label,
)
from orders.models import OrderEventKind, OrderStatus
from orders.services import order_event_add, order_transition

logger = logging.getLogger(__name__)


def shipment_label(
    *, shipment: Shipment, actor: AnyUser | None, actor_label: str = "", client: CarrierClient | None = None
) -> Package:
    """Buy the labels of a packed shipment with the channel rule's choice and ship it; returns box 1.

    See `fulfillment.services.labels.shipment_labels_buy` (idempotent, never buys twice).
    """
    boxes = shipment_labels_buy(shipment=shipment, actor=actor, actor_label=actor_label, client=client)
    return boxes[0]


# --- Delivery and tracking -------------------------------------------------------------------


def _order_deliver_if_done(order_id: int, *, actor: AnyUser | None, actor_label: str) -> None:
    order = _order_locked(order_id)
    if order.status != OrderStatus.SHIPPED:
        return
    shipments = Shipment.objects.filter(order_id=order_id)
    if shipments.filter(status__in=[*OPEN_SHIPMENT_STATUSES, ShipmentStatus.SHIPPED]).exists():
        return
    if shipments.filter(status=ShipmentStatus.DELIVERED).exists():
        order_transition(
            order=order, to=OrderStatus.DELIVERED, actor=actor, actor_label=actor_label, reason="every parcel delivered"
        )


def shipment_deliver(
    *, shipment: Shipment, actor: AnyUser | None = None, actor_label: str = "", delivered_at: datetime | None = None
) -> Shipment:
    """A shipped parcel was delivered; the order is delivered once every parcel it shipped is.

    Delivering a delivered shipment again changes nothing; any status but shipped is a 409.
    """
    with transaction.atomic():
        locked = _locked(shipment)
        if locked.status == ShipmentStatus.DELIVERED:
            return locked
        if locked.status != ShipmentStatus.SHIPPED:
            raise Conflict(f"{locked.number} is {_status_label(locked)}; only a shipped parcel can be delivered.")
        locked.status = ShipmentStatus.DELIVERED
        locked.delivered_at = delivered_at or timezone.now()
        locked.save(update_fields=["status", "delivered_at", "updated_at"])
        order_event_add(
            order=locked.order,
            kind=OrderEventKind.SHIPMENT,
            message=f"{locked.number} delivered"
            + (f" (tracking {locked.tracking_number})." if locked.tracking_number else "."),
            actor=actor,
            actor_label=actor_label,
        )
        _order_deliver_if_done(locked.order_id, actor=actor, actor_label=actor_label)
    return locked
