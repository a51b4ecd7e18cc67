"""Work at a location: accept, pick (pick lists), pack (scan verification).

A shipment moves requested -> accepted (`shipment_accept`) -> picking (`picklist_create`) ->
packed (`shipment_pack`) -> shipped (`shipment_label` buys the carrier label, then ships
it through `shipment_ship`) -> delivered (`shipment_deliver`, normally from the carrier's
tracking through `tracking_refresh`); labels, shipping and tracking live in
`fulfillment.services.shipping`. While its order is on hold nothing moves.

Locking: every service locks the order row(s) first, then the shipment(s) (the rule of
`fulfillment.services.reroute`), so work at a location never deadlocks with a cancel or a
re-route. The carrier is only called with no row lock held, so a slow carrier never holds up
other work on the order.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from core.errors import Conflict, NotFound, ValidationFailed
from core.types import AnyUser, actor_id
from fulfillment.models import (
    PickList,
    PickListStatus,
    Shipment,
    ShipmentLine,
    ShipmentStatus,
)
from fulfillment.services.shipments import shipment_transition
from inventory.catalog_selectors import bin_path_subquery
from inventory.models import Location
from inventory.services.catalog_variants import bin_sort_key
from orders.models import Order, OrderStatus

logger = logging.getLogger(__name__)

#: The heaviest parcel a national carrier takes (150 lb); heavier goes as freight.
MAX_PACKAGE_WEIGHT_GRAMS = 68_039
MAX_PICKLIST_SHIPMENTS = 200
MAX_SCANS = 10_000
MAX_UNKNOWN_NAMED = 20
#: Shipped parcels are polled for this long; after that they need a person (lost parcel claim).
TRACKING_WINDOW = timedelta(days=60)


def _locked(shipment: Shipment) -> Shipment:
    """The shipment under its row lock, taken after its order's (orders first, as everywhere).

    Locks only those two rows, not the location's. Taking the order first keeps packing,
    labelling and delivering from deadlocking with a cancel or a re-route of the same order.
    """
    _order_locked(Shipment.objects.values_list("order_id", flat=True).get(pk=shipment.pk))
    return Shipment.objects.select_for_update(of=("self",)).select_related("order", "location").get(pk=shipment.pk)


def _order_locked(order_id: int) -> Order:
    return Order.objects.select_for_update(of=("self",)).get(pk=order_id)


def _refuse_if_on_hold(shipment: Shipment) -> None:
    order = shipment.order
    if order.status == OrderStatus.ON_HOLD:
        raise Conflict(f"Order {order.number} is on hold; release it before working on {shipment.number}.")


def _status_label(shipment: Shipment) -> str:
    return shipment.get_status_display().lower()


# --- Accept ----------------------------------------------------------------------------------


def shipment_accept(*, shipment: Shipment, actor: AnyUser | None, actor_label: str = "") -> Shipment:
    """The location takes on a requested shipment (a store agrees to ship from its shelves).

    Accepting an accepted shipment again changes nothing; any other status is a 409. Locks the
    order row first, then the shipment (as the SLA sweep and the store rejection do), so an
    accept racing the sweep waits for it instead of deadlocking.
    """
    with transaction.atomic():
        _order_locked(Shipment.objects.values_list("order_id", flat=True).get(pk=shipment.pk))
        locked = _locked(shipment)
        if locked.status == ShipmentStatus.ACCEPTED:
            return locked
        _refuse_if_on_hold(locked)
        return shipment_transition(shipment=locked, to=ShipmentStatus.ACCEPTED, actor=actor, actor_label=actor_label)


# --- Pick lists ------------------------------------------------------------------------------


@dataclass(frozen=True)
class PickLine:
    """One row of a printed pick list: a SKU and how many units to take from the shelf."""

    sku_code: str
    name: str
    barcode: str
    quantity: int
    bin: str = ""  # where it sits at the pick list's location, e.g. A-03-2-B; empty if nobody set one


def picklist_create(
    *, location: Location, shipments: Sequence[Shipment], actor: AnyUser | None, actor_label: str = ""
) -> PickList:
    """Batch accepted shipments of one location into a pick list and start picking them.

    All or nothing: an empty batch, more than `MAX_PICKLIST_SHIPMENTS`, a shipment of another
    location, one that is not accepted or whose order is on hold is refused (every problem
    listed in `details["problems"]`) and nothing is written.
    """
    ids = sorted({shipment.pk for shipment in shipments})
    if not ids:
        raise ValidationFailed("Choose at least one shipment to pick.", field="shipments")
    if len(ids) > MAX_PICKLIST_SHIPMENTS:
        raise ValidationFailed(f"At most {MAX_PICKLIST_SHIPMENTS} shipments per pick list.", field="shipments")
    with transaction.atomic():
        order_ids = sorted(set(Shipment.objects.filter(pk__in=ids).values_list("order_id", flat=True)))
        list(Order.objects.select_for_update(of=("self",)).filter(pk__in=order_ids).order_by("pk"))  # orders first
        locked = list(
            Shipment.objects.select_for_update(of=("self",))
            .select_related("order", "location")
            .filter(pk__in=ids)
            .order_by("pk")
        )
        if len(locked) != len(ids):
            raise NotFound("Some of the shipments do not exist.", field="shipments")
        problems = []
        for shipment in locked:
            if shipment.location_id != location.pk:
                problems.append(f"{shipment.number} ships from {shipment.location.code}, not {location.code}.")
            elif shipment.status != ShipmentStatus.ACCEPTED:
                problems.append(f"{shipment.number} is {_status_label(shipment)}; only accepted shipments are picked.")
            elif shipment.order.status == OrderStatus.ON_HOLD:
                problems.append(f"{shipment.number}: order {shipment.order.number} is on hold.")
        if problems:
            raise Conflict(" ".join(problems), field="shipments", details={"problems": problems})
        picklist = PickList.objects.create(location=location, created_by_id=actor_id(actor))
        picklist.shipments.add(*locked)
        for shipment in locked:
            shipment_transition(
                shipment=shipment,
                to=ShipmentStatus.PICKING,
                actor=actor,
                actor_label=actor_label,
                reason=f"on pick list {picklist.number}",
            )
    return picklist


def picklist_lines(picklist: PickList) -> list[PickLine]:
    """What to take from the shelves for a pick list: units per SKU with its bin (one query).

    Sorted in walking order: by bin path naturally (A-2 before A-10), SKUs without a bin
    last, then by SKU code. Shipments cancelled or rejected since the list was printed are left out.
    """
    rows = (
        ShipmentLine.objects.filter(shipment__picklists=picklist)
        .exclude(shipment__status__in=[ShipmentStatus.CANCELLED, ShipmentStatus.REJECTED])
        .values("sku_id", "sku__code", "sku__name", "sku__barcode")
        .annotate(quantity=Sum("quantity"), bin=bin_path_subquery(sku_ref="sku_id", location_id=picklist.location_id))
    )
    lines = [
        PickLine(
            sku_code=row["sku__code"],
            name=row["sku__name"],
            barcode=row["sku__barcode"],
            quantity=row["quantity"],
            bin=row["bin"] or "",
        )
        for row in rows
    ]
    return sorted(lines, key=lambda line: (bin_sort_key(line.bin), line.sku_code))


def picklist_close(*, picklist: PickList, actor: AnyUser | None) -> PickList:
    """Mark a pick list done (it also closes by itself when its last shipment is packed).

    Shipments still being picked stay in the location's "to pack" queue.
    """
    with transaction.atomic():
        locked = PickList.objects.select_for_update().get(pk=picklist.pk)
        if locked.status != PickListStatus.DONE:
            locked.status = PickListStatus.DONE
            locked.closed_at = timezone.now()
            locked.save(update_fields=["status", "closed_at"])
    return locked


def _picklists_close_if_done(shipment: Shipment) -> None:
    for picklist in PickList.objects.select_for_update().filter(shipments=shipment, status=PickListStatus.OPEN):
        still_picking = picklist.shipments.filter(status__in=[ShipmentStatus.ACCEPTED, ShipmentStatus.PICKING])
        if not still_picking.exists():
            picklist.status = PickListStatus.DONE
            picklist.closed_at = timezone.now()
            picklist.save(update_fields=["status", "closed_at"])
