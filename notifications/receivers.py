"""Reactions to other apps' changes: each event that concerns a customer becomes an owed email.

They listen to Django's `post_save` of the row each app's service writes for the change, which
is sent inside that service's transaction, so the outbox row commits or rolls back with the
change (the apps' after-commit signals, such as `fulfillment.signals.shipment_shipped`, would
leave a moment after the commit in which a crash loses the email):
- a new `orders.Order` (`order_create`): order confirmation, recorded after the commit by one task
  per second of orders where a broker runs (`notifications_confirm_window`: the order's request
  does not pay the INSERT; a lost window is caught by the minute's catch-up sweep), in the
  transaction otherwise;
- the "cancelled" entry `fulfillment.services.order_cancel` writes on the timeline: cancelled, or
  partially cancelled when part of the order had shipped;
- a `fulfillment.Pickup` saved as expired (`pickup_expire`): pickup expired, instead of cancelled;
- a `fulfillment.Shipment` saved as shipped (`shipment_ship`): shipped, unless a pickup handed over;
- a `returns.Refund` saved as sent or executed (`refund_dispatch`, `refund_mark_executed`): refund issued.
Delays have no save of their own: the beat task `shipment_delays_task` finds them.

Each receiver returns at once, without a query, for saves it has nothing to do with (and on a server
with `NOTIFICATIONS_ENABLED` off), and costs one INSERT otherwise (a refund also reads its return). An
error that is not the database's is logged, not raised: the change itself must go through, and the
beat sweep records what was missed. A database error is raised, because the caller's transaction
cannot go on after it anyway.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Iterable
from typing import Any

from django.db import DatabaseError, transaction
from django.db.models.signals import post_save
from django.dispatch import receiver

from core.queueing import queue_for_window
from fulfillment.models import Pickup, PickupStatus, Shipment, ShipmentStatus
from notifications.services import (
    notifications_enabled,
    order_cancellation_owe,
    order_confirmation_owe,
    pickup_expiry_owe,
    refund_issued_owe,
    shipment_shipped_owe,
)
from notifications.tasks import notifications_confirm_window
from orders.models import Order, OrderEvent, OrderEventKind
from returns.models import Refund, RefundStatus

logger = logging.getLogger(__name__)


def _status_written(created: bool, update_fields: Iterable[str] | None) -> bool:
    """Whether this save wrote the status column (a full save does; a partial one must name it)."""
    return created or update_fields is None or "status" in update_fields


def _owe(what: str, pk: Any, record: Callable[[], None]) -> None:
    if not notifications_enabled():
        return
    try:
        record()
    except DatabaseError:
        raise
    except Exception:
        logger.exception("Could not record the %s email of %s; the sweep will.", what, pk)


@receiver(post_save, sender=Order, dispatch_uid="notifications.order_saved")
def order_saved(sender: Any, instance: Order, created: bool, raw: bool = False, **kwargs: Any) -> None:
    """A new order: owe its customer the confirmation (with a broker, once the order commits, per second)."""
    if raw or not created:
        return
    if notifications_confirm_window.app.conf.task_always_eager:
        _owe("confirmation", instance.pk, lambda: order_confirmation_owe(order=instance))
        return
    if notifications_enabled():
        transaction.on_commit(
            functools.partial(
                queue_for_window,
                notifications_confirm_window,
                key="notifications:confirm-window",
                stamp=instance.created_at,
                window=1.0,
                settle=2.0,
            )
        )


@receiver(post_save, sender=OrderEvent, dispatch_uid="notifications.order_event_saved")
def order_event_saved(sender: Any, instance: OrderEvent, created: bool, raw: bool = False, **kwargs: Any) -> None:
    """An order was cancelled (its timeline says so): owe the cancelled or partially cancelled email."""
    if raw or not created or instance.kind != OrderEventKind.CANCELLED:
        return
    _owe("cancellation", instance.order_id, lambda: order_cancellation_owe(order=instance.order))


@receiver(post_save, sender=Pickup, dispatch_uid="notifications.pickup_saved")
def pickup_saved(
    sender: Any, instance: Pickup, created: bool, raw: bool = False, update_fields: Any = None, **kwargs: Any
) -> None:
    """A pickup expired: owe the pickup expired email (it replaces the order's cancelled email)."""
    if raw or instance.status != PickupStatus.EXPIRED or not _status_written(created, update_fields):
        return
    _owe("pickup expired", instance.pk, lambda: pickup_expiry_owe(pickup=instance))


@receiver(post_save, sender=Shipment, dispatch_uid="notifications.shipment_saved")
def shipment_saved(
    sender: Any, instance: Shipment, created: bool, raw: bool = False, update_fields: Any = None, **kwargs: Any
) -> None:
    """A shipment left: owe its customer the shipped email with every box's tracking link."""
    if raw or instance.status != ShipmentStatus.SHIPPED or not _status_written(created, update_fields):
        return
    _owe("shipped", instance.pk, lambda: shipment_shipped_owe(shipment=instance))


@receiver(post_save, sender=Refund, dispatch_uid="notifications.refund_saved")
def refund_saved(
    sender: Any, instance: Refund, created: bool, raw: bool = False, update_fields: Any = None, **kwargs: Any
) -> None:
    """A return's refund was issued: owe the refund email."""
    issued = (RefundStatus.SENT, RefundStatus.EXECUTED)
    if raw or instance.status not in issued or not _status_written(created, update_fields):
        return
    _owe("refund", instance.pk, lambda: refund_issued_owe(refund=instance))
