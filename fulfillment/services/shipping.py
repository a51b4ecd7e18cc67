"""Shipping at a location: buy the carrier label and ship, record tracking, deliver.

`shipment_label` buys the label with no row lock held (a slow carrier must not block work on
the order), then stores it and ships the parcel through `shipment_ship` in one transaction.
`tracking_refresh` (the beat task `fulfillment.tasks.tracking_poll`) records the carrier's
events and delivers shipments.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from carriers.builtin import (
    CarrierClient,
    CarrierError,
    CarrierUnavailable,
    TrackingUpdate,
    TrackRequest,
    carrier_client,
)
from core.errors import Conflict
from core.types import AnyUser
from fulfillment.models import (
    OPEN_SHIPMENT_STATUSES,
    Package,
    Shipment,
    ShipmentStatus,
    TrackingEvent,
    TrackingStatus,
)
from fulfillment.services.labels import shipment_labels_buy
from fulfillment.services.work import (
    TRACKING_WINDOW,
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


def shipment_tracking_record(
    *, shipment: Shipment, updates: Sequence[TrackingUpdate], actor_label: str = "carrier tracking"
) -> list[TrackingEvent]:
    """Store the carrier's scans of a shipment, each status once, and deliver it on a delivered scan.

    Polling again writes nothing twice (unique per shipment and status). Statuses the
    product does not know are skipped. Returns the events that were new.
    """
    with transaction.atomic():
        locked = _locked(shipment)
        known = set(TrackingEvent.objects.filter(shipment=locked).values_list("status", flat=True))
        new: dict[str, TrackingUpdate] = {}
        for update in sorted(updates, key=lambda u: u.occurred_at):
            if update.status in TrackingStatus.values and update.status not in known:
                new.setdefault(update.status, update)
        created = TrackingEvent.objects.bulk_create(
            [
                TrackingEvent(
                    shipment=locked,
                    occurred_at=update.occurred_at,
                    status=update.status,
                    description=update.description[:255],
                    location=update.location[:120],
                )
                for update in new.values()
            ],
            ignore_conflicts=True,
        )
        delivered = next((u for u in updates if u.status == TrackingStatus.DELIVERED), None)
        if delivered is not None and locked.status == ShipmentStatus.SHIPPED:
            shipment_deliver(shipment=locked, actor_label=actor_label, delivered_at=delivered.occurred_at)
    return created


@dataclass(frozen=True)
class TrackingRefresh:
    checked: int
    new_events: int
    delivered: int
    failed: int


def tracking_refresh(*, client: CarrierClient | None = None, limit: int = 500) -> TrackingRefresh:
    """Ask the carrier about shipped parcels (oldest first) and record what happened to them.

    Each parcel is asked about with no transaction open, then recorded in its own
    transaction. A carrier refusal for one parcel is logged and the others go on; a carrier
    that is down (`CarrierUnavailable`) stops the run so the task retries later. Idempotent.
    """
    client = client or carrier_client()
    since = timezone.now() - TRACKING_WINDOW
    shipments = list(
        Shipment.objects.filter(status=ShipmentStatus.SHIPPED, shipped_at__gte=since)
        .exclude(tracking_number="")
        .select_related("location", "order", "package")
        .order_by("shipped_at", "pk")[:limit]
    )
    new_events = delivered = failed = 0
    for shipment in shipments:
        package = getattr(shipment, "package", None)
        request = TrackRequest(
            carrier=shipment.carrier,
            tracking_number=shipment.tracking_number,
            label_created_at=(package.label_created_at if package and package.label_created_at else None)
            or shipment.shipped_at
            or timezone.now(),
            estimated_delivery=shipment.estimated_delivery,
            origin=f"{shipment.location.city}, {shipment.location.region}".strip(", "),
            destination=f"{shipment.order.ship_city}, {shipment.order.ship_region}".strip(", "),
        )
        try:
            updates = client.track(request)
        except CarrierUnavailable:
            raise
        except CarrierError as exc:
            failed += 1
            logger.warning("Tracking %s (%s) failed: %s", shipment.number, shipment.tracking_number, exc)
            continue
        new_events += len(shipment_tracking_record(shipment=shipment, updates=updates))
        delivered += any(u.status == TrackingStatus.DELIVERED for u in updates)
    return TrackingRefresh(checked=len(shipments), new_events=new_events, delivered=delivered, failed=failed)
