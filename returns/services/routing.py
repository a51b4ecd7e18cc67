"""Where a return goes back to, its prepaid label, and the carrier's scans until it arrives.

`return_route` chooses like the order router does for shipments, in reverse: among the
active locations that accept returns, those that carry every SKU of the return first, then
the cheapest ground label from the customer (rate cards by zone and weight), then the
nearest, then the location's priority. `return_label_buy` asks the carrier with no row lock
held (a slow carrier must not keep the return locked for everyone else) and stores the label
in its own transaction.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from django.db import transaction
from django.db.models import Count
from django.utils import timezone

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
from core.errors import Conflict
from core.types import AnyUser
from fulfillment.routing import add_transit_days, haversine_miles, zone_for_miles
from fulfillment.services import cost_model_load
from inventory.models import Location, StockLevel
from orders.models import Order
from returns.models import ReturnAuthorization, ReturnMethod, ReturnStatus, ReturnTrackingEvent
from returns.services._common import rma_event, rma_lock, rma_transition

logger = logging.getLogger(__name__)

#: Packaging added to the items' weight for the return parcel.
PACKAGING_GRAMS = 150
RETURN_LEVELS = ("standard",)
TRACKING_WINDOW = timedelta(days=60)


@dataclass(frozen=True)
class ReturnRoute:
    location: Location
    carrier: str
    service: str
    price: Decimal | None
    miles: float | None
    zone: int | None
    transit_days: int | None
    reason: str


def _cheapest_label(zone: int, weight_grams: int) -> tuple[str, str, Decimal, int] | None:
    """(carrier, service, price, transit days) of the cheapest standard-level card for the zone and weight."""
    best: tuple[str, str, Decimal, int] | None = None
    for card in cost_model_load().rate_cards:
        if card.level not in RETURN_LEVELS or zone not in card.rates:
            continue
        price = next((p for max_weight, p in card.rates[zone] if weight_grams <= max_weight), None)
        if price is None:
            continue
        if best is None or (price, card.carrier, card.service) < (best[2], best[0], best[1]):
            best = (card.carrier, card.service, price, card.transit_days.get(zone, 5))
    return best


def return_route(*, order: Order, sku_ids: Sequence[int], weight_grams: int) -> ReturnRoute | None:
    """The location a mailed return should go to, with its label and why; None if no location takes returns.

    Two queries whatever the network size: the locations, and which of them carry the SKUs.
    """
    locations = list(Location.objects.filter(is_active=True, accepts_returns=True).order_by("code"))
    if not locations:
        return None
    wanted = set(sku_ids)
    carried = dict(
        StockLevel.objects.filter(location__in=locations, sku_id__in=wanted)
        .values("location_id")
        .annotate(n=Count("sku_id", distinct=True))
        .values_list("location_id", "n")
    )
    bands = cost_model_load().zone_bands
    options = []
    for location in locations:
        carries_all = carried.get(location.pk, 0) >= len(wanted)
        miles = zone = label = None
        if None not in (location.latitude, location.longitude, order.ship_latitude, order.ship_longitude):
            miles = haversine_miles(
                float(order.ship_latitude),  # type: ignore[arg-type]
                float(order.ship_longitude),  # type: ignore[arg-type]
                float(location.latitude),  # type: ignore[arg-type]
                float(location.longitude),  # type: ignore[arg-type]
            )
            zone = zone_for_miles(miles, bands)
            label = _cheapest_label(zone, weight_grams)
        price = label[2] if label else None
        key = (
            not carries_all,
            price is None,
            price if price is not None else Decimal(0),
            miles if miles is not None else float("inf"),
            location.priority,
            location.code,
        )
        options.append((key, location, carries_all, miles, zone, label))
    options.sort(key=lambda option: option[0])
    _, location, carries_all, miles, zone, label = options[0]
    facts = ["takes back these SKUs" if carries_all else "no location that takes returns carries them all"]
    if miles is not None:
        facts.append(f"{miles:,.0f} mi from the customer (zone {zone})")
    if label:
        facts.append(f"cheapest rate {label[0]} {label[1]} ${label[2]}")
    reason = f"Returns to {location.code}: {', '.join(facts)}."
    if len(options) > 1:
        _, other, _, other_miles, _, other_label = options[1]
        details = [
            f"${other_label[2]}" if other_label else "",
            f"{other_miles:,.0f} mi" if other_miles is not None else "",
        ]
        reason += f" Runner-up {other.code}" + (f": {', '.join(d for d in details if d)}." if any(details) else ".")
    return ReturnRoute(
        location=location,
        carrier=label[0] if label else "",
        service=label[1] if label else "",
        price=label[2] if label else None,
        miles=miles,
        zone=zone,
        transit_days=label[3] if label else None,
        reason=reason[:300],
    )


def _label_request(rma: ReturnAuthorization) -> LabelRequest:
    order, location = rma.order, rma.return_location
    assert location is not None
    return LabelRequest(
        carrier=rma.carrier or "postline",
        service=rma.service or "ground",
        reference=rma.number,
        weight_grams=max(rma.weight_grams, 1),
        ship_from=Address(
            name=order.customer_name,
            line1=order.ship_line1,
            city=order.ship_city,
            region=order.ship_region,
            postal_code=order.ship_postal_code,
            country=order.ship_country,
        ),
        ship_to=Address(
            name=f"Returns {location.name}",
            line1=location.address_line1,
            city=location.city,
            region=location.region,
            postal_code=location.postal_code,
            country=location.country,
        ),
    )


def _buy(client: CarrierClient, request: LabelRequest) -> Label:
    buy = getattr(client, "create_return_label", None)
    if callable(buy):
        label: Label = buy(request)
        return label
    return client.create_label(request)  # a carrier without a return product: a normal label, reversed


def return_label_buy(
    *,
    rma: ReturnAuthorization,
    actor: AnyUser | None = None,
    actor_label: str = "",
    client: CarrierClient | None = None,
) -> ReturnAuthorization:
    """Buy the prepaid return label of an authorised mailed return; idempotent (a labelled return keeps its label).

    Call it outside any transaction: the carrier is asked with no row lock held, then the
    label is stored under the return's lock. A carrier that refuses or is down leaves the
    return authorised with `label_error` set, to retry (button on the return page, or the
    tracking task); nothing else changes.
    """
    current = ReturnAuthorization.objects.select_related("order", "return_location").get(pk=rma.pk)
    if current.tracking_number or current.method != ReturnMethod.MAIL:
        return current
    if current.status != ReturnStatus.AUTHORIZED or current.return_location is None:
        raise Conflict(
            f"{current.number} is {current.get_status_display().lower()}; only an authorised return gets a label."
        )
    error = ""
    label: Label | None = None
    try:
        label = _buy(client or carrier_client(), _label_request(current))
    except CarrierUnavailable as exc:
        error = f"The carrier is not answering ({exc}); the label will be bought on the next try."
    except CarrierError as exc:
        error = f"The carrier refused the label: {exc}"
    with transaction.atomic():
        locked = rma_lock(current)
        if locked.tracking_number:
            return locked  # a concurrent request stored one first; ours was never used
        if label is None:
            locked.label_error = error[:300]
            locked.save(update_fields=["label_error", "updated_at"])
            rma_event(rma=locked, message=error, actor=actor, actor_label=actor_label)
            return locked
        locked.tracking_number = label.tracking_number
        locked.label_format = label.label_format
        locked.label_data = label.label_data
        locked.label_rate = label.rate
        locked.label_created_at = label.created_at
        locked.label_error = ""
        if locked.estimated_arrival is None:
            locked.estimated_arrival = add_transit_days(label.created_at.date(), 5)
        locked.save()
        rma_event(
            rma=locked,
            message=f"Return label {locked.carrier} {locked.tracking_number} to {locked.return_location.code} "  # type: ignore[union-attr]
            f"(${label.rate}).",
            actor=actor,
            actor_label=actor_label,
        )
    return locked


def return_tracking_record(*, rma: ReturnAuthorization, updates: Sequence[TrackingUpdate]) -> int:
    """Store a return parcel's scans (each status once); the first carrier scan puts it in transit.

    A delivered scan is only noted: the return is received when the location scans it in.
    Returns how many scans were new.
    """
    with transaction.atomic():
        locked = rma_lock(rma)
        known = set(locked.tracking_events.values_list("status", flat=True))
        new: dict[str, TrackingUpdate] = {}
        for update in sorted(updates, key=lambda u: u.occurred_at):
            if update.status not in known:
                new.setdefault(update.status, update)
        ReturnTrackingEvent.objects.bulk_create(
            [
                ReturnTrackingEvent(
                    rma=locked,
                    status=update.status,
                    occurred_at=update.occurred_at,
                    description=update.description[:255],
                    location=update.location[:120],
                )
                for update in new.values()
            ],
            ignore_conflicts=True,
        )
        moving = {"picked_up", "in_transit", "out_for_delivery", "delivered"}
        if locked.status == ReturnStatus.AUTHORIZED and moving & set(new):
            rma_transition(
                rma=locked,
                to=ReturnStatus.IN_TRANSIT,
                actor_label="carrier tracking",
                message="the carrier has the parcel",
            )
        if "delivered" in new and locked.return_location is not None:
            rma_event(
                rma=locked,
                message=f"Carrier delivered the parcel to {locked.return_location.code}; waiting to be scanned in.",
                actor_label="carrier tracking",
            )
    return len(new)


def return_tracking_refresh(*, client: CarrierClient | None = None, limit: int = 500) -> int:
    """Poll the carrier for labelled returns on their way (and retry labels that failed); returns new scans.

    Each return is asked about with no transaction open. A carrier that is down stops the
    run (the task retries later); a refusal for one parcel is logged and the others go on.
    """
    client = client or carrier_client()
    for pending in ReturnAuthorization.objects.filter(
        status=ReturnStatus.AUTHORIZED, method=ReturnMethod.MAIL, tracking_number=""
    ).exclude(label_error="")[:50]:
        return_label_buy(rma=pending, actor_label="label retry", client=client)
    since = timezone.now() - TRACKING_WINDOW
    returns = list(
        ReturnAuthorization.objects.filter(
            status__in=(ReturnStatus.AUTHORIZED, ReturnStatus.IN_TRANSIT), label_created_at__gte=since
        )
        .exclude(tracking_number="")
        .select_related("order", "return_location")
        .order_by("label_created_at", "pk")[:limit]
    )
    new = 0
    for rma in returns:
        location = rma.return_location
        request = TrackRequest(
            carrier=rma.carrier,
            tracking_number=rma.tracking_number,
            label_created_at=rma.label_created_at or timezone.now(),
            estimated_delivery=rma.estimated_arrival,
            origin=f"{rma.order.ship_city}, {rma.order.ship_region}".strip(", "),
            destination=f"{location.city}, {location.region}".strip(", ") if location else "",
        )
        try:
            updates = client.track(request)
        except CarrierUnavailable:
            raise
        except CarrierError as exc:
            logger.warning("Tracking return %s (%s) failed: %s", rma.number, rma.tracking_number, exc)
            continue
        new += return_tracking_record(rma=rma, updates=updates)
    return new
