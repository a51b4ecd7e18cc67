"""The webhooks app's reactions to the other apps' signals: each turns a change into an event.

Orders, routing, shipments and returns: Django's `post_save` of the row each app's service writes
for the change (`orders.services.order_create` / `order_transition`, the routing decision,
`shipment_ship` / `shipment_deliver`, `returns.services.rma_transition`). It is sent inside the
service's transaction, so the event commits or rolls back with the change; the apps' own
after-commit signals (`fulfillment.signals.shipment_shipped`) would leave a gap between the commit
and the receiver in which a crash loses the event. A save that repeats a status makes no second
event (the event key is unique).

Stock: inventory's `stock_levels_changed`, after commit, with the pairs of its stock change feed. The
feed itself is consumed (and deleted) by the marketplace sync engine, so this app keeps its own
coalescing rows. A crash between inventory's commit and this receiver loses the notification of
that change, not the truth: `stock.changed` carries absolute quantities, so the next change of the
pair reports the right numbers.

Every receiver returns at once, with no query, when no enabled endpoint takes the event type.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from fulfillment.models import RoutingDecision, Shipment, ShipmentStatus
from inventory.signals import stock_levels_changed
from orders.models import Order, OrderStatus
from returns.models import ReturnAuthorization, ReturnStatus
from webhooks.models import EventType, Subscription
from webhooks.services.outbox import event_record, stock_changes_note
from webhooks.services.subscriptions import subscribed_types_forget

logger = logging.getLogger(__name__)

SHIPMENT_EVENTS: dict[str, str] = {
    ShipmentStatus.SHIPPED: EventType.ORDER_SHIPPED,
    ShipmentStatus.DELIVERED: EventType.SHIPMENT_DELIVERED,
}
RETURN_EVENTS: dict[str, str] = {
    ReturnStatus.RECEIVED: EventType.RETURN_RECEIVED,
    ReturnStatus.REFUNDED: EventType.RETURN_REFUNDED,
}


def _status_written(created: bool, update_fields: Iterable[str] | None) -> bool:
    """Whether this save wrote the status column (a full save does; a partial one must name it)."""
    return created or update_fields is None or "status" in update_fields


@receiver(post_save, sender=Order, dispatch_uid="webhooks.order_saved")
def order_saved(
    sender: Any, instance: Order, created: bool, raw: bool = False, update_fields: Any = None, **kwargs: Any
) -> None:
    """A new order (`order.created`), or an order that became cancelled (`order.cancelled`)."""
    if raw:
        return
    subject = {"order": instance.pk}
    if created:
        event_record(event_type=EventType.ORDER_CREATED, key=f"order:{instance.pk}:created", subject=subject)
    if instance.status == OrderStatus.CANCELLED and _status_written(created, update_fields):
        event_record(event_type=EventType.ORDER_CANCELLED, key=f"order:{instance.pk}:cancelled", subject=subject)


@receiver(post_save, sender=RoutingDecision, dispatch_uid="webhooks.routing_decided")
def routing_decided(sender: Any, instance: RoutingDecision, created: bool, raw: bool = False, **kwargs: Any) -> None:
    """Routing reserved stock for at least one shipment (`order.routed`); a plan that only waits sends nothing."""
    if raw or not created or not (instance.plan or {}).get("shipments"):
        return
    event_record(
        event_type=EventType.ORDER_ROUTED,
        key=f"routing:{instance.pk}",
        subject={"routing": instance.pk, "order": instance.order_id},
    )


@receiver(post_save, sender=Shipment, dispatch_uid="webhooks.shipment_saved")
def shipment_saved(
    sender: Any, instance: Shipment, created: bool, raw: bool = False, update_fields: Any = None, **kwargs: Any
) -> None:
    """A shipment left (`order.shipped`) or was delivered (`shipment.delivered`)."""
    event_type = SHIPMENT_EVENTS.get(instance.status)
    if raw or event_type is None or not _status_written(created, update_fields):
        return
    event_record(
        event_type=event_type,
        key=f"shipment:{instance.pk}:{instance.status}",
        subject={"shipment": instance.pk, "order": instance.order_id},
    )


@receiver(post_save, sender=ReturnAuthorization, dispatch_uid="webhooks.return_saved")
def return_saved(
    sender: Any,
    instance: ReturnAuthorization,
    created: bool,
    raw: bool = False,
    update_fields: Any = None,
    **kwargs: Any,
) -> None:
    """A return arrived (`return.received`) or was refunded (`return.refunded`)."""
    event_type = RETURN_EVENTS.get(instance.status)
    if raw or event_type is None or not _status_written(created, update_fields):
        return
    event_record(
        event_type=event_type,
        key=f"return:{instance.pk}:{instance.status}",
        subject={"return": instance.pk, "order": instance.order_id},
    )


@receiver(stock_levels_changed, dispatch_uid="webhooks.stock_changed")
def stock_changed(sender: Any, *, changes: tuple[tuple[int, int], ...], **kwargs: Any) -> None:
    """Stock changed (committed): note the pairs, coalesced, for `stock.changed`."""
    try:
        stock_changes_note(changes)
    except Exception:
        logger.exception("Could not note %s stock changes for webhooks.", len(changes))


@receiver(post_save, sender=Subscription, dispatch_uid="webhooks.subscription_saved")
@receiver(post_delete, sender=Subscription, dispatch_uid="webhooks.subscription_deleted")
def subscription_changed(sender: Any, **kwargs: Any) -> None:
    """An endpoint changed (its page, the admin, an automatic disable): the cached subscribed types are stale."""
    subscribed_types_forget()
    transaction.on_commit(subscribed_types_forget)
