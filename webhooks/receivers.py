"""The webhooks app's reactions to the other apps' signals: each turns a change into an event.

Orders, routing, shipments and returns: Django's `post_save` of the row each app's service writes
for the change (`orders.services.order_create` / `order_transition`, the routing decision,
`shipment_ship` / `shipment_deliver`, `returns.services.rma_transition`). It is sent inside the
service's transaction, so the event commits or rolls back with the change; the apps' own
after-commit signals (`fulfillment.signals.shipment_shipped`) would leave a gap between the commit
and the receiver in which a crash loses the event. A save that repeats a status makes no second
event (the event key is unique).

Purchase orders: the partners app's signals (`partners.signals`), sent in the transaction of the change
(partners connects its own saves to them when it starts).

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
from partners.models import PurchaseOrder
from partners.signals import (
    purchase_order_acknowledged,
    purchase_order_cancelled,
    purchase_order_created,
    purchase_order_invoiced,
    purchase_order_sent,
    purchase_order_shipped,
)
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


# --- Purchase orders: partners' signals, sent in the transaction of the change -------------------------------


def _purchase_order_event(event_type: str, step: str, purchase_order: PurchaseOrder, **extra: int) -> None:
    """One event per step of a PO (or per ship notice / invoice: their id is in the key)."""
    detail = "".join(f":{name}:{value}" for name, value in extra.items())
    event_record(
        event_type=event_type,
        key=f"purchase_order:{purchase_order.pk}:{step}{detail}",
        subject={"purchase_order": purchase_order.pk, **extra},
    )


@receiver(purchase_order_created, dispatch_uid="webhooks.purchase_order_created")
def purchase_order_opened(sender: Any, purchase_order: PurchaseOrder, **kwargs: Any) -> None:
    """Routing opened a PO for a dropship supplier (`purchase_order.created`)."""
    _purchase_order_event(EventType.PURCHASE_ORDER_CREATED, "created", purchase_order)


@receiver(purchase_order_sent, dispatch_uid="webhooks.purchase_order_sent")
def purchase_order_went_out(sender: Any, purchase_order: PurchaseOrder, **kwargs: Any) -> None:
    """The PO went out through the partner's exchange (`purchase_order.sent`)."""
    _purchase_order_event(EventType.PURCHASE_ORDER_SENT, "sent", purchase_order)


@receiver(purchase_order_acknowledged, dispatch_uid="webhooks.purchase_order_acknowledged")
def purchase_order_answered(sender: Any, purchase_order: PurchaseOrder, **kwargs: Any) -> None:
    """The partner answered every line (`purchase_order.acknowledged`)."""
    _purchase_order_event(EventType.PURCHASE_ORDER_ACKNOWLEDGED, "acknowledged", purchase_order)


@receiver(purchase_order_shipped, dispatch_uid="webhooks.purchase_order_shipped")
def purchase_order_ship_notice(sender: Any, purchase_order: PurchaseOrder, ship_notice: Any, **kwargs: Any) -> None:
    """A ship notice arrived (`purchase_order.shipped`, one per notice)."""
    _purchase_order_event(EventType.PURCHASE_ORDER_SHIPPED, "shipped", purchase_order, ship_notice=ship_notice.pk)


@receiver(purchase_order_invoiced, dispatch_uid="webhooks.purchase_order_invoiced")
def purchase_order_invoice(sender: Any, purchase_order: PurchaseOrder, invoice: Any, **kwargs: Any) -> None:
    """An invoice was recorded (`purchase_order.invoiced`, one per invoice)."""
    _purchase_order_event(EventType.PURCHASE_ORDER_INVOICED, "invoiced", purchase_order, invoice=invoice.pk)


@receiver(purchase_order_cancelled, dispatch_uid="webhooks.purchase_order_cancelled")
def purchase_order_withdrawn(sender: Any, purchase_order: PurchaseOrder, **kwargs: Any) -> None:
    """The PO was cancelled (`purchase_order.cancelled`)."""
    _purchase_order_event(EventType.PURCHASE_ORDER_CANCELLED, "cancelled", purchase_order)
