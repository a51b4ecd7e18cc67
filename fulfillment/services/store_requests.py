"""Ship-from-store requests: a store accepts (then picks, packs, ships as any location) or rejects.

Routing gives a store's shipment of a ship order an accept deadline (`Shipment.accept_by`,
the store's SLA counted in opening hours). `store_request_reject` turns it down with a reason:
"out of stock" and "damaged" first correct the store's stock through the ledger, then the
units are re-routed to the next best location by `shipment_reject` (which also keeps that
store away from the order). A "no capacity" rejection also marks the store full for the rest
of its local day (`StoreProfile.ship_full_on`), so routing sends it no more ship orders today.
`store_requests_sla_sweep` (a beat task) re-routes the requests nobody accepted in time; a
request of an order on hold is left alone (nobody may accept it), and releasing the order
starts its SLA again from then. Accepting is the work queue's `shipment_accept`.

Locking (the rule of `fulfillment.services.reroute`): the order row first, then the shipment
row, re-read under its lock and checked again.
"""

from __future__ import annotations

import logging
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from core.errors import Conflict, ValidationFailed
from core.sweeps import sweep_each
from core.types import AnyUser
from fulfillment.models import RejectReason, Shipment, ShipmentStatus, StoreProfile
from fulfillment.services.reroute import Rejection, shipment_reject
from fulfillment.services.shipments import order_document
from fulfillment.services.stores import store_request_deadline
from fulfillment.store_hours import local
from inventory.models import AdjustmentReason, LocationKind, StockLevel
from inventory.services import stock_adjust
from orders.models import DeliveryMethod, Order, OrderStatus

logger = logging.getLogger(__name__)

#: The ledger reason a rejection writes when it corrects the store's stock.
STOCK_CORRECTION = {RejectReason.OUT_OF_STOCK: AdjustmentReason.LOST, RejectReason.DAMAGED: AdjustmentReason.DAMAGED}
SLA_BATCH = 500


def _correct_stock(shipment: Shipment, reason: str, actor: AnyUser | None) -> int:
    """Take the units the store says it cannot ship off its on hand (never below what others hold reserved).

    Precondition: inside the rejection's transaction, after the shipment's own reservation
    was released. Returns the units written off.
    """
    written_off = 0
    per_sku: dict[int, int] = {}
    for line in shipment.lines.all():
        per_sku[line.sku_id] = per_sku.get(line.sku_id, 0) + line.quantity
    levels = {
        level.sku_id: level
        for level in StockLevel.objects.filter(
            location_id=shipment.location_id, sku_id__in=list(per_sku)
        ).select_related("sku")
    }
    for sku_id, quantity in sorted(per_sku.items()):
        level = levels.get(sku_id)
        if level is None:
            continue
        take = min(quantity, level.on_hand - level.reserved)
        if take <= 0:
            continue
        stock_adjust(
            location=shipment.location,
            sku=level.sku,
            delta=-take,
            reason_code=STOCK_CORRECTION[RejectReason(reason)],
            actor=actor,
            note=f"{shipment.number} rejected: {RejectReason(reason).label.lower()}",
            document=order_document(shipment.order),
        )
        written_off += take
    return written_off


def _lock_order_then_shipment(shipment: Shipment) -> Shipment:
    """The shipment under its row lock, its order row locked first; `order` is the locked order."""
    order_id = Shipment.objects.values_list("order_id", flat=True).get(pk=shipment.pk)
    order = Order.objects.select_for_update(of=("self",)).select_related("channel").get(pk=order_id)
    locked = Shipment.objects.select_for_update(of=("self",)).select_related("location").get(pk=shipment.pk)
    locked.order = order
    return locked


def _mark_full_today(shipment: Shipment, now: datetime) -> None:
    """A store said it has no capacity: routing treats it as full until its local midnight."""
    today = local(now, shipment.location.timezone).date()
    profile, _ = StoreProfile.objects.get_or_create(location=shipment.location)
    if profile.ship_full_on != today:
        StoreProfile.objects.filter(pk=profile.pk).update(ship_full_on=today)


def store_request_reject(
    *, shipment: Shipment, reason: str, note: str = "", actor: AnyUser | None, actor_label: str = ""
) -> Rejection:
    """A store turns down a ship-from-store request; its units go to the next best location at once.

    `reason` is out_of_stock, damaged or no_capacity. The first two also write the units off
    the store's on hand (reason "lost" or "damaged" in the ledger) so nobody routes them there
    again. "No capacity" marks the store full for the rest of its local day: routing sends it
    no more ship orders until tomorrow (this request's units included). Only a requested or
    accepted request of a store can be rejected; a rejected one is a 409.
    """
    if reason not in RejectReason.values:
        raise ValidationFailed("Choose why: out of stock, damaged or no capacity.", field="reason")
    label = RejectReason(reason).label
    text = f"{label}" + (f": {note.strip()[:150]}" if note.strip() else "")
    with transaction.atomic():
        locked = _lock_order_then_shipment(shipment)
        if locked.location.kind != LocationKind.STORE or locked.order.delivery_method == DeliveryMethod.PICKUP:
            raise Conflict(f"{locked.number} is not a ship-from-store request.")
        if locked.status not in (ShipmentStatus.REQUESTED, ShipmentStatus.ACCEPTED):
            raise Conflict(f"{locked.number} is {locked.get_status_display().lower()}; it can no longer be rejected.")
        if reason == RejectReason.NO_CAPACITY:
            _mark_full_today(locked, timezone.now())  # before re-routing, so this store is not chosen again
        rejection = shipment_reject(shipment=locked, reason=f"store: {text}", actor=actor, actor_label=actor_label)
        if reason in STOCK_CORRECTION:
            _correct_stock(locked, reason, actor)
    return rejection


def store_request_expire(*, shipment: Shipment, now: datetime | None = None) -> Rejection | None:
    """Re-route one request still not accepted after its deadline; None if it was accepted meanwhile
    or its order is on hold (nobody may accept it then; releasing the order restarts its SLA)."""
    now = now or timezone.now()
    with transaction.atomic():
        locked = _lock_order_then_shipment(shipment)
        if locked.status != ShipmentStatus.REQUESTED or locked.accept_by is None or locked.accept_by > now:
            return None
        if locked.order.status == OrderStatus.ON_HOLD:
            return None
        minutes = ""
        with_profile = getattr(locked.location, "store_profile", None)
        if with_profile is not None:
            minutes = f" ({with_profile.accept_sla_minutes} min)"
        return shipment_reject(
            shipment=locked,
            reason=f"not accepted by {locked.location.code} within its SLA{minutes}",
            actor=None,
            actor_label="SLA monitor",
        )


def store_requests_sla_restart(*, order: Order, now: datetime | None = None) -> int:
    """An order came off hold: its store requests still waiting get a fresh accept deadline from now.

    Precondition: inside the release's transaction, holding the order's row lock. Returns how
    many requests got a new deadline.
    """

    now = now or timezone.now()
    restarted = 0
    waiting = (
        Shipment.objects.select_for_update(of=("self",))
        .select_related("location")
        .filter(order=order, status=ShipmentStatus.REQUESTED, accept_by__isnull=False)
        .order_by("pk")
    )
    for shipment in waiting:
        deadline = store_request_deadline(location=shipment.location, now=now)
        if deadline is not None:
            Shipment.objects.filter(pk=shipment.pk).update(accept_by=deadline)
            restarted += 1
    return restarted


def store_requests_sla_sweep(*, now: datetime | None = None, limit: int = SLA_BATCH) -> list[int]:
    """Re-route every request past its accept deadline, each in its own transaction (idempotent).

    Requests of orders on hold are skipped (and checked again under the lock).
    """
    now = now or timezone.now()
    due = list(
        Shipment.objects.filter(status=ShipmentStatus.REQUESTED, accept_by__lte=now)
        .exclude(order__status=OrderStatus.ON_HOLD)
        .order_by("accept_by", "pk")[:limit]
    )
    moved = sweep_each(
        due,
        lambda shipment: store_request_expire(shipment=shipment, now=now) is not None,
        failure="Could not re-route request %s past its SLA.",
    )
    return [shipment.pk for shipment in moved]
