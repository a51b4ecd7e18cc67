"""Shipping at a location: buy the carrier label and ship, record tracking, deliver.

`shipment_label` buys the label with no row lock held (a slow carrier must not block work on
the order), then stores it and ships the parcel through `shipment_ship` in one transaction.
`tracking_refresh` (the beat task `fulfillment.tasks.tracking_poll`) records the carrier's
events and delivers shipments.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from core.errors import Conflict, ValidationFailed
from core.types import AnyUser
from carriers.builtin import (
    Address,
    CarrierClient,
    CarrierError,
    CarrierUnavailable,
    Label,
    LabelRequest,
    TrackingUpdate,
    TrackRequest,
    carrier_client,
)
from fulfillment.models import (
    OPEN_SHIPMENT_STATUSES,
    Package,
    Shipment,
    ShipmentStatus,
    TrackingEvent,
    TrackingStatus,
)
from fulfillment.services.shipments import shipment_ship
from fulfillment.services.work import (
    TRACKING_WINDOW,
    _locked,
    _order_locked,
    _refuse_if_on_hold,
    _status_label,
)
from orders.models import OrderEventKind, OrderStatus
from orders.services import order_event_add, order_transition

logger = logging.getLogger(__name__)


def _label_request(shipment: Shipment, package: Package) -> LabelRequest:
    location, order = shipment.location, shipment.order
    return LabelRequest(
        carrier=shipment.carrier,
        service=shipment.service,
        reference=shipment.number,
        weight_grams=package.weight_grams,
        ship_from=Address(
            name=location.name,
            line1=location.address_line1,
            city=location.city,
            region=location.region,
            postal_code=location.postal_code,
            country=location.country,
        ),
        ship_to=Address(
            name=order.customer_name,
            line1=order.ship_line1,
            city=order.ship_city,
            region=order.ship_region,
            postal_code=order.ship_postal_code,
            country=order.ship_country,
        ),
    )


def _void_later(shipment: Shipment, label: Label) -> None:
    from fulfillment.tasks import carrier_label_void  # noqa: PLC0415 (the tasks module imports this one)

    transaction.on_commit(
        functools.partial(carrier_label_void.delay, carrier=shipment.carrier, tracking_number=label.tracking_number)
    )


def shipment_label(
    *, shipment: Shipment, actor: AnyUser | None, actor_label: str = "", client: CarrierClient | None = None
) -> Package:
    """Buy the carrier label for a packed shipment and ship it (reserved -> shipped in the ledger).

    Call it outside any transaction: the carrier is asked before a row is locked (a slow
    carrier must not hold locks others wait on), then, in one transaction, the label is stored
    on the package and `shipment_ship` ships the shipment with its tracking number.
    Idempotent: a shipment that has its label is not
    charged twice. If the shipment changed while the label was bought (cancelled, put on
    hold, packed again, or a second click bought another label first), the new label is
    voided after commit and the request is refused (409) or answered with the first label.
    A carrier refusal is a 400; a carrier that is down is a 409 "try again".
    """
    current = Shipment.objects.select_related("order", "location").get(pk=shipment.pk)
    package = Package.objects.filter(shipment=current).first()
    if package is None:
        raise Conflict(f"Pack {current.number} before buying its label.")
    if package.tracking_number and current.status != ShipmentStatus.PACKED:
        return package
    if not package.tracking_number:
        if current.status != ShipmentStatus.PACKED:
            raise Conflict(f"{current.number} is {_status_label(current)}; only a packed shipment gets a label.")
        _refuse_if_on_hold(current)
        try:
            label: Label | None = (client or carrier_client()).create_label(_label_request(current, package))
        except CarrierUnavailable as exc:
            raise Conflict(f"The carrier is not answering ({exc}); try again in a minute.") from exc
        except CarrierError as exc:
            raise ValidationFailed(f"The carrier refused the label: {exc}", field="weight_grams") from exc
    else:
        label = None  # bought earlier; the shipment still has to be shipped
    void = adopted = False
    problem: str | None = None
    with transaction.atomic():
        locked = _locked(current)
        stored = Package.objects.select_for_update().get(pk=package.pk)
        if label is not None and label.tracking_number != stored.tracking_number:
            if stored.tracking_number:
                void = True  # another request labelled it first: that label stands
            elif locked.status != ShipmentStatus.PACKED or stored.packed_at != package.packed_at:
                void, problem = True, f"{locked.number} changed while its label was bought; look at it again."
            else:
                stored.carrier = locked.carrier
                stored.service = locked.service
                stored.tracking_number = label.tracking_number
                stored.label_format = label.label_format
                stored.label_data = label.label_data
                stored.label_rate = label.rate
                stored.label_created_at = label.created_at
                adopted = True
        if problem is None and locked.status == ShipmentStatus.PACKED:
            if _order_locked(locked.order_id).status == OrderStatus.ON_HOLD:
                void = void or adopted
                problem = f"Order {locked.order.number} is on hold; release it before shipping {locked.number}."
            else:
                stored.save()
                shipment_ship(
                    shipment=locked, actor=actor, tracking_number=stored.tracking_number, actor_label=actor_label
                )
    if void and label is not None:
        # Not inside the block above: a refusal rolls that back, and the void must still happen.
        _void_later(locked, label)
    if problem is not None:
        raise Conflict(problem)
    return Package.objects.select_related("shipment").get(pk=stored.pk)


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
