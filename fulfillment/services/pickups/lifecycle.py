"""A pickup's life at its store up to "ready": opened by routing, picked, every unit scanned, ready.

`pickup_open` (from routing) creates it with a code and the promised ready-by time;
`pickup_start` starts picking; `pickup_mark_ready` checks the scans, starts the hold period
and emails the customer their pickup code.
"""

from __future__ import annotations

import functools
import secrets
from collections import Counter
from collections.abc import Sequence
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from core.errors import Conflict, ValidationFailed
from core.types import AnyUser
from fulfillment.models import Pickup, PickupStatus, Shipment, ShipmentLine, ShipmentStatus
from fulfillment.scanning import ScanMatcher
from fulfillment.selectors.stores import profile_of, store_clocks
from fulfillment.services.pickups._shared import (
    locked_pickup,
    refuse_if_on_hold,
    shipments_move,
    store_shipments,
    timeline_add,
    waiting_units,
)
from fulfillment.services.shipments import order_status_sync
from fulfillment.services.stores import hold_until
from fulfillment.store_hours import local, pickup_ready_by
from inventory.models import SKU, Location
from orders.models import DeliveryMethod, Order

#: Pickup codes avoid characters people confuse (0/O, 1/I/L, 2/Z, 5/S, 8/B).
CODE_ALPHABET = "ACDEFGHJKMNPQRTUVWXY34679"
CODE_LENGTH = 6
MAX_SCANS = 2_000


def pickup_code_new() -> str:
    """A fresh random pickup code, e.g. "K7Q4XM" (25^6 = 244 million possibilities), unused so far."""
    while True:
        code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
        if not Pickup.objects.filter(code=code).exists():
            return code


# --- Opening (from routing) -----------------------------------------------------------------


def pickup_open(*, order: Order, now: datetime | None = None) -> Pickup | None:
    """Create the pickup of a pickup order (once), with a code and the promised ready-by time.

    Called by `order_route` in the order's transaction. A pickup waiting for stock has no
    ready-by time until its units are reserved at the store (then it gets one). Returns None
    for a ship order.
    """
    if order.delivery_method != DeliveryMethod.PICKUP or order.pickup_location_id is None:
        return None
    existing = Pickup.objects.filter(order=order).first()
    if existing is not None and (existing.ready_by is not None or not existing.is_open):
        return existing
    store = Location.objects.get(pk=order.pickup_location_id)
    now = now or timezone.now()
    ready_by = None
    if waiting_units(order) == 0:
        ready_by = pickup_ready_by(store_clocks([store], now=now)[store.pk], max(now, order.placed_at))
    if existing is not None:
        Pickup.objects.filter(pk=existing.pk).update(ready_by=ready_by)
        existing.ready_by = ready_by
        return existing
    return Pickup.objects.create(order=order, location=store, code=pickup_code_new(), ready_by=ready_by)


# --- Picking and ready ----------------------------------------------------------------------


def pickup_start(*, pickup: Pickup, actor: AnyUser | None, actor_label: str = "") -> Pickup:
    """The associate starts picking a new pickup. Starting one being picked changes nothing.

    Refused (409) while units still wait for stock at the store.
    """
    with transaction.atomic():
        locked = locked_pickup(pickup)
        if locked.status == PickupStatus.PICKING:
            return locked
        if locked.status != PickupStatus.NEW:
            raise Conflict(f"Pickup {locked.order.number} is {locked.get_status_display().lower()}; nothing to pick.")
        refuse_if_on_hold(locked, "you pick it")
        waiting = waiting_units(locked.order)
        if waiting:
            raise Conflict(
                f"{waiting} unit{'s' if waiting != 1 else ''} of {locked.order.number} are not in the store yet; "
                "wait for the transfer (or ask the back office to send one) before picking."
            )
        shipments_move(
            store_shipments(locked, [ShipmentStatus.REQUESTED]), [ShipmentStatus.ACCEPTED, ShipmentStatus.PICKING], ""
        )
        locked.status = PickupStatus.PICKING
        locked.save(update_fields=["status", "updated_at"])
        timeline_add(
            locked, f"Pickup at {locked.location.code}: picking started.", actor=actor, actor_label=actor_label
        )
        order_status_sync(order=locked.order, actor=actor, actor_label=actor_label)
    return locked


def _verify_scans(order: Order, shipments: Sequence[Shipment], codes: Sequence[str]) -> None:
    """Every unit of the pickup scanned exactly once (barcode or SKU code), else a clear refusal."""
    expected: Counter[int] = Counter()
    for line in ShipmentLine.objects.filter(shipment__in=list(shipments)):
        expected[line.sku_id] += line.quantity
    skus = {sku.pk: sku for sku in SKU.objects.filter(pk__in=list(expected))}
    matcher = ScanMatcher((sku, sku.pk) for sku in sorted(skus.values(), key=lambda s: s.code))
    found = matcher.partition(codes)
    scanned: Counter[int] = Counter(sku_id for _, sku_id in found.matched)
    problems = [f"{code} is not in {order.number}." for code in found.unknown]
    for sku_id, want in sorted(expected.items(), key=lambda item: skus[item[0]].code):
        got = scanned[sku_id]
        if got != want:
            problems.append(f"{skus[sku_id].code}: scanned {got} of {want}.")
    if problems:
        raise ValidationFailed(f"{order.number} is not ready: " + " ".join(problems), field="scanned")


def pickup_mark_ready(
    *, pickup: Pickup, scanned: Sequence[str] | None, actor: AnyUser | None, actor_label: str = ""
) -> Pickup:
    """Every unit is picked and set aside: the pickup is ready and the customer is emailed the code.

    `scanned` holds one barcode (or SKU code) per unit, checked against the pickup; None skips
    the check (a transfer received for the pickup: the units were counted at receipt). The hold
    period starts now. Marking a ready pickup ready again changes nothing.
    """
    from fulfillment.tasks import pickup_notify  # noqa: PLC0415 (the task module imports these services)

    codes = [str(code).strip() for code in (scanned or []) if str(code).strip()]
    if len(codes) > MAX_SCANS:
        raise ValidationFailed(f"At most {MAX_SCANS:,} scans.", field="scanned")
    with transaction.atomic():
        locked = locked_pickup(pickup)
        if locked.status == PickupStatus.READY:
            return locked
        if locked.status not in (PickupStatus.NEW, PickupStatus.PICKING):
            raise Conflict(
                f"Pickup {locked.order.number} is {locked.get_status_display().lower()}; it cannot be ready."
            )
        refuse_if_on_hold(locked, "it is marked ready")
        waiting = waiting_units(locked.order)
        if waiting:
            raise Conflict(f"{waiting} unit(s) of {locked.order.number} are not in the store yet.")
        shipments = store_shipments(locked, [ShipmentStatus.REQUESTED, ShipmentStatus.ACCEPTED, ShipmentStatus.PICKING])
        if not shipments:
            raise Conflict(f"{locked.order.number} has nothing reserved at {locked.location.code}.")
        if scanned is not None:
            _verify_scans(locked.order, shipments, codes)
        shipments_move(
            shipments,
            [ShipmentStatus.ACCEPTED, ShipmentStatus.PICKING, ShipmentStatus.PACKED],
            "ready for pickup",
        )
        now = timezone.now()
        profile = profile_of(locked.location)
        locked.status = PickupStatus.READY
        locked.ready_at = now
        locked.hold_until = hold_until(ready_at=now, hold_days=profile.hold_days)
        locked.save(update_fields=["status", "ready_at", "hold_until", "updated_at"])
        timeline_add(
            locked,
            f"Ready for pickup at {locked.location.code}; held until "
            f"{local(locked.hold_until, locked.location.timezone):%a %d %b %H:%M} local time.",
            actor=actor,
            actor_label=actor_label,
        )
        order_status_sync(order=locked.order, actor=actor, actor_label=actor_label)
        transaction.on_commit(functools.partial(pickup_notify.delay, pickup_id=locked.pk, kind="ready"))
    return locked
