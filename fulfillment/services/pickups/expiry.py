"""Ready pickups not collected in time: reminders before the hold ends, expiry after (beat tasks)."""

from __future__ import annotations

import functools
import logging
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from core.sweeps import sweep_each
from fulfillment.models import Pickup, PickupStatus
from fulfillment.selectors.stores import profile_of
from fulfillment.services.cancel import order_cancel
from fulfillment.services.pickups._shared import EXPIRY_BATCH, locked_pickup
from fulfillment.store_hours import local
from orders.models import OrderStatus

logger = logging.getLogger(__name__)


def pickup_expire(*, pickup: Pickup, now: datetime | None = None) -> bool:
    """Expire one ready pickup whose hold has ended: cancel what was not collected, release its stock.

    An order on hold is left alone (staff are looking at it); it expires at the first run
    after its release. True if it expired now; False if it was not (or no longer) due, so running twice releases
    nothing twice.
    """
    now = now or timezone.now()
    with transaction.atomic():
        locked = locked_pickup(pickup)
        if locked.status != PickupStatus.READY or locked.hold_until is None or locked.hold_until > now:
            return False
        if locked.order.status == OrderStatus.ON_HOLD:
            return False  # staff are looking at the order: it expires once released, if still uncollected
        held = (locked.hold_until - (locked.ready_at or locked.hold_until)).days
        reason = (
            f"Pickup not collected at {locked.location.code} within the {held}-day hold "
            f"(until {local(locked.hold_until, locked.location.timezone):%a %d %b %H:%M} local); stock released."
        )
        order_cancel(order=locked.order, actor=None, actor_label="pickup expiry", reason=reason)
        locked.status = PickupStatus.EXPIRED
        locked.closed_at = now
        locked.status_reason = reason[:255]
        locked.save(update_fields=["status", "closed_at", "status_reason", "updated_at"])
    return True


def pickups_expire(*, now: datetime | None = None, limit: int = EXPIRY_BATCH) -> list[int]:
    """Expire every ready pickup past its hold, each in its own transaction. Returns the expired ids."""
    now = now or timezone.now()
    due = list(
        Pickup.objects.filter(status=PickupStatus.READY, hold_until__lte=now)
        .exclude(order__status=OrderStatus.ON_HOLD)
        .order_by("hold_until", "pk")[:limit]
    )
    expired = sweep_each(
        due, lambda pickup: pickup_expire(pickup=pickup, now=now), failure="Could not expire pickup %s."
    )
    return [pickup.pk for pickup in expired]


def pickups_remind(*, now: datetime | None = None, limit: int = EXPIRY_BATCH) -> list[int]:
    """Queue a reminder for ready pickups whose hold ends within the store's reminder window (once each)."""
    from fulfillment.tasks import pickup_notify  # noqa: PLC0415 (the task module imports these services)

    now = now or timezone.now()
    horizon = now + timedelta(days=60)
    candidates = (
        Pickup.objects.filter(status=PickupStatus.READY, reminded_at__isnull=True, hold_until__gt=now)
        .filter(hold_until__lte=horizon)
        .select_related("location__store_profile")
        .order_by("hold_until", "pk")[:limit]
    )
    queued = []
    for pickup in candidates:
        window = timedelta(hours=profile_of(pickup.location).reminder_hours)
        if pickup.hold_until is None or pickup.hold_until - window > now:
            continue
        with transaction.atomic():
            claimed = Pickup.objects.filter(pk=pickup.pk, reminded_at__isnull=True, status=PickupStatus.READY).update(
                reminded_at=now
            )
            if claimed:
                transaction.on_commit(functools.partial(pickup_notify.delay, pickup_id=pickup.pk, kind="reminder"))
                queued.append(pickup.pk)
    return queued
