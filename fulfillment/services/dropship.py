"""A shipment whose work a partner does at its own location (a dropship supplier): fulfillment's side of it.

The partner answers a purchase order for the shipment (the partners app); what that does to
the shipment is here, so only fulfillment writes fulfillment's rows:
- `shipment_partner_accept`: the partner took the shipment on (requested -> accepted);
- `shipment_partner_reroute`: the partner turned down some or all of its units (or we withdrew
  them): they are released and routed again, with the partner's locations excluded for the
  order, as `fulfillment.services.reroute.shipment_reject` does for a store;
- `shipment_parcels_add` and `shipment_partner_ship`: the partner's parcels become the
  shipment's boxes (labelled, with their tracking numbers) and the shipment ships through
  `shipment_ship`, as our own shipping does (ledger, order lines, channel confirmation with
  every tracking number, customer notice).

Locking: the order row first, then the shipment (the rule of `fulfillment.services.reroute`).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from core.errors import Conflict, ValidationFailed
from core.types import AnyUser
from fulfillment.models import (
    OPEN_SHIPMENT_STATUSES,
    Package,
    PackageStatus,
    RoutingExclusion,
    Shipment,
    ShipmentLine,
    ShipmentStatus,
)
from fulfillment.services.reroute import Rejection, shipment_reject
from fulfillment.services.routing import order_route
from fulfillment.services.shipments import (
    order_document,
    order_status_sync,
    shipment_cancel,
    shipment_ship,
    shipment_transition,
)
from inventory.models import Location
from inventory.services import StockLine, stock_release
from orders.models import Order, OrderEventKind
from orders.services import order_event_add, order_line_deallocate

#: A partner may turn units down (or we may withdraw them) until the shipment is packed.
PARTNER_OPEN_STATUSES = (ShipmentStatus.REQUESTED, ShipmentStatus.ACCEPTED, ShipmentStatus.PICKING)


@dataclass(frozen=True)
class PartnerParcel:
    """A parcel the partner shipped: its tracking number, carrier, service and weight."""

    tracking_number: str
    carrier: str = ""
    service: str = ""
    weight_grams: int = 1


def _lock(shipment: Shipment) -> Shipment:
    """The shipment under its row lock, its order's row locked first; `order` and `location` loaded."""
    order_id = Shipment.objects.values_list("order_id", flat=True).get(pk=shipment.pk)
    order = Order.objects.select_for_update(of=("self",)).select_related("channel").get(pk=order_id)
    locked = Shipment.objects.select_for_update(of=("self",)).select_related("location").get(pk=shipment.pk)
    locked.order = order
    return locked


def shipment_partner_accept(*, shipment: Shipment, actor: AnyUser | None, actor_label: str = "") -> Shipment:
    """The partner took the shipment on: requested becomes accepted (anything further changes nothing)."""
    with transaction.atomic():
        locked = _lock(shipment)
        if locked.status != ShipmentStatus.REQUESTED:
            return locked
        return shipment_transition(shipment=locked, to=ShipmentStatus.ACCEPTED, actor=actor, actor_label=actor_label)


def _exclude(order: Order, shipment: Shipment, locations: Collection[Location], reason: str) -> None:
    for location in locations:
        RoutingExclusion.objects.get_or_create(
            order=order, location=location, defaults={"shipment": shipment, "reason": reason[:255]}
        )


def _release_units(
    shipment: Shipment, quantities: Mapping[int, int], *, reason: str, actor: AnyUser | None, actor_label: str
) -> int:
    """Take units (order line id -> units) off an open shipment: released at the location, waiting again
    on the order. Precondition: the order and the shipment are locked. Returns the units released."""
    lines = {line.order_line_id: line for line in shipment.lines.select_related("order_line").order_by("pk")}
    for order_line_id, quantity in quantities.items():
        line = lines.get(order_line_id)
        if line is None or quantity > line.quantity:
            raise ValidationFailed(f"{shipment.number} does not hold {quantity} unit(s) of that order line.")
    per_sku: dict[int, int] = {}
    for order_line_id, quantity in quantities.items():
        if quantity <= 0:
            continue
        line = lines[order_line_id]
        per_sku[line.sku_id] = per_sku.get(line.sku_id, 0) + quantity
        order_line_deallocate(line=line.order_line, quantity=quantity)
        if quantity == line.quantity:
            line.delete()
        else:
            ShipmentLine.objects.filter(pk=line.pk).update(quantity=line.quantity - quantity)
    released = sum(per_sku.values())
    stock_release(
        location=shipment.location,
        lines=[StockLine(sku_id, quantity) for sku_id, quantity in sorted(per_sku.items())],
        actor=actor,
        document=order_document(shipment.order),
        note=f"{shipment.number}: {reason}"[:255],
    )
    order_event_add(
        order=shipment.order,
        kind=OrderEventKind.SHIPMENT,
        message=f"{released} unit(s) of {shipment.number} at {shipment.location.code} released: {reason}"[:500],
        actor=actor,
        actor_label=actor_label,
    )
    return released


def shipment_partner_reroute(
    *,
    shipment: Shipment,
    reason: str,
    actor: AnyUser | None,
    actor_label: str = "",
    quantities: Mapping[int, int] | None = None,
    exclude: Collection[Location] = (),
    cancelled: bool = False,
) -> Rejection:
    """Units of a partner's shipment go elsewhere: released, and routed again without the partner.

    `quantities` (order line id -> units) names the units; None (or every unit) means the whole
    shipment, which becomes rejected (the partner turned it down: `shipment_reject` itself) or,
    with `cancelled`, cancelled (we withdrew it). Part of it is taken off the shipment, which
    keeps the rest. The shipment's location and every location in `exclude` (the partner's
    others) are excluded for this order before `order_route` routes the waiting units (to
    another location, or to backorder). Only a requested, accepted or picking shipment (409).
    """
    reason = reason.strip()
    if not reason:
        raise ValidationFailed("Say why the units go elsewhere.", field="reason")
    with transaction.atomic():
        locked = _lock(shipment)
        if locked.status not in PARTNER_OPEN_STATUSES:
            raise Conflict(f"{locked.number} is {locked.get_status_display().lower()}; its units cannot go elsewhere.")
        held = {line.order_line_id: line.quantity for line in locked.lines.all()}
        wanted = {k: v for k, v in (quantities or held).items() if v > 0}
        whole = wanted == held
        others = [location for location in exclude if location.pk != locked.location_id]
        _exclude(locked.order, locked, others, reason)
        if whole and not cancelled:
            return shipment_reject(shipment=locked, reason=reason, actor=actor, actor_label=actor_label)
        if whole:
            locked = shipment_cancel(shipment=locked, actor=actor, actor_label=actor_label, reason=reason)
        elif wanted:
            _release_units(locked, wanted, reason=reason, actor=actor, actor_label=actor_label)
        _exclude(locked.order, locked, [locked.location], reason)
        verb = "cancelled" if cancelled else "rejected"
        routing = order_route(
            order=locked.order, actor=actor, actor_label=actor_label, trigger=f"{verb} at {locked.location.code}"
        )
        if routing is None:
            order_status_sync(order=locked.order, actor=actor, actor_label=actor_label)
    return Rejection(shipment=locked, routing=routing)


def shipment_parcels_add(
    *, shipment: Shipment, parcels: Sequence[PartnerParcel], actor: AnyUser | None
) -> list[Package]:
    """The partner's parcels become the shipment's boxes, labelled with their tracking numbers.

    Boxes are numbered on from the shipment's last one; a tracking number the shipment already
    has is not added again. Only an open shipment takes parcels (409).
    """
    with transaction.atomic():
        locked = _lock(shipment)
        if locked.status not in OPEN_SHIPMENT_STATUSES:
            raise Conflict(f"{locked.number} is {locked.get_status_display().lower()}; it takes no more parcels.")
        existing = set(locked.packages.values_list("tracking_number", flat=True))
        last = locked.packages.aggregate(last=Max("box_number"))["last"] or 0
        now = timezone.now()
        new = []
        for parcel in parcels:
            if parcel.tracking_number in existing:
                continue
            existing.add(parcel.tracking_number)
            last += 1
            new.append(
                Package(
                    shipment=locked,
                    box_number=last,
                    weight_grams=max(parcel.weight_grams, 1),
                    packed_at=now,
                    status=PackageStatus.LABELLED,
                    carrier=parcel.carrier[:40],
                    service=parcel.service[:60],
                    tracking_number=parcel.tracking_number[:64],
                    label_created_at=now,
                    packed_by_id=actor.pk if actor is not None and actor.is_authenticated else None,
                )
            )
        return Package.objects.bulk_create(new)


def shipment_partner_ship(*, shipment: Shipment, actor: AnyUser | None, actor_label: str = "") -> Shipment:
    """The partner shipped every unit of the shipment: it ships as our own shipping does (`shipment_ship`).

    The partner picked and packed it in its own building, so the shipment goes straight to packed
    (no work of ours to record), takes the carrier of its first labelled box, and ships with
    that box's tracking number; the channel confirmation carries every box's number. Shipping a
    shipped shipment again changes nothing.
    """
    with transaction.atomic():
        locked = _lock(shipment)
        if locked.status in (ShipmentStatus.SHIPPED, ShipmentStatus.DELIVERED):
            return locked
        if locked.status not in (*PARTNER_OPEN_STATUSES, ShipmentStatus.PACKED):
            raise Conflict(f"{locked.number} is {locked.get_status_display().lower()}; it cannot ship.")
        boxes = list(locked.packages.filter(status=PackageStatus.LABELLED).order_by("box_number"))
        first = boxes[0] if boxes else None
        updates = {"status": ShipmentStatus.PACKED, "weight_grams": sum(box.weight_grams for box in boxes)}
        if first is not None and first.carrier:
            updates.update(carrier=first.carrier[:40], service=first.service[:40])
        Shipment.objects.filter(pk=locked.pk).update(**updates)
        return shipment_ship(
            shipment=locked,
            actor=actor,
            actor_label=actor_label,
            tracking_number=first.tracking_number if first is not None else "",
        )
