"""Recording what a customer is owed: one outbox row per event, never two.

Every event (an order confirmed, a shipment shipped, a delay, a cancellation, a refund) comes to
`notification_owe` with a key naming it (`shipped:<shipment id>`, ...). The key is unique and the
row is inserted with "on conflict do nothing", so however often an event is reported (the save
that made it, then the beat sweep that double-checks) the customer hears of it once. The
`*_owe` functions run inside the transaction of the change (from `notifications.receivers`), so
the row commits or rolls back with it; each costs one INSERT and reads nothing. The send is
queued after the commit. Whether the channel sends this kind is decided when sending, so a row
exists for every event and switching a kind on later never sends old news.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.utils import timezone

from core.queueing import queue_on_commit_by_window
from fulfillment.models import Pickup, PickupStatus, Shipment, ShipmentStatus
from notifications.models import Notification, NotificationKind, NotificationState
from notifications.tasks import notification_send_task, notifications_send_window
from orders.models import DeliveryMethod, Order, OrderStatus
from returns.models import Refund, RefundStatus

NO_EMAIL = "The order has no email address."


def notifications_enabled() -> bool:
    """False on a server told not to email customers (`NOTIFICATIONS_ENABLED`, e.g. a staging copy)."""
    return bool(getattr(settings, "NOTIFICATIONS_ENABLED", True))


def notification_owe(
    *,
    order: Order,
    kind: str,
    dedupe_key: str,
    shipment_id: int | None = None,
    pickup_id: int | None = None,
    refund_id: int | None = None,
    data: dict[str, Any] | None = None,
) -> None:
    """Owe the customer of `order` the email of one event, once per `dedupe_key`, in the caller's transaction.

    One INSERT that does nothing when the event was recorded before. Without an email address
    on the order the row is kept as skipped; otherwise it is sent once the transaction commits.
    """
    if not notifications_enabled():
        return
    email = order.customer_email
    row = Notification(
        order_id=order.pk,
        channel_id=order.channel_id,
        kind=kind,
        dedupe_key=dedupe_key,
        state=NotificationState.PENDING if email else NotificationState.SKIPPED,
        skip_reason="" if email else NO_EMAIL,
        shipment_id=shipment_id,
        pickup_id=pickup_id,
        refund_id=refund_id,
        data=data or {},
        to_email=email,
        next_attempt_at=timezone.now() if email else None,
    )
    Notification.objects.bulk_create([row], ignore_conflicts=True)
    if email and row.next_attempt_at is not None:
        # One broker message per second of emails: a message each cost the request more CPU than its INSERT.
        queue_on_commit_by_window(
            notification_send_task,
            notifications_send_window,
            window_key="notifications:send-window",
            stamp=row.next_attempt_at,
            key=dedupe_key,
        )


def order_confirmation_owe(*, order: Order) -> None:
    """A new order: owe its customer the confirmation."""
    notification_owe(order=order, kind=NotificationKind.ORDER_CONFIRMATION, dedupe_key=f"order_confirmation:{order.pk}")


def shipment_shipped_owe(*, shipment: Shipment) -> None:
    """A shipment left (its order loaded): owe the shipped email; a pickup handed over at the counter is not mailed."""
    if shipment.order.delivery_method != DeliveryMethod.SHIP:
        return
    notification_owe(
        order=shipment.order,
        kind=NotificationKind.SHIPPED,
        dedupe_key=f"shipped:{shipment.pk}",
        shipment_id=shipment.pk,
    )


def shipment_delay_owe(*, shipment: Shipment, cause: str) -> None:
    """A shipment will miss its promise (`cause`: late_estimate, carrier_problem, past_promise): owe the delay email."""
    notification_owe(
        order=shipment.order,
        kind=NotificationKind.DELAYED,
        dedupe_key=f"delayed:{shipment.pk}",
        shipment_id=shipment.pk,
        data={"cause": cause},
    )


def order_cancellation_owe(*, order: Order) -> None:
    """The units not shipped were cancelled (`order` as the cancellation left it): cancelled, or the rest of it."""
    if order.status == OrderStatus.CANCELLED:
        notification_owe(order=order, kind=NotificationKind.CANCELLED, dedupe_key=f"cancelled:{order.pk}")
    else:
        notification_owe(
            order=order, kind=NotificationKind.PARTIALLY_CANCELLED, dedupe_key=f"partially_cancelled:{order.pk}"
        )


def pickup_expiry_owe(*, pickup: Pickup) -> None:
    """A pickup was not collected in time (its order loaded): owe the pickup expired email instead of "cancelled".

    The expiry cancels the order first, in the same transaction, which owed a plain cancellation:
    that row is skipped before anything is sent, so the customer gets the email that says why.
    """
    if not notifications_enabled():
        return
    Notification.objects.filter(dedupe_key=f"cancelled:{pickup.order_id}", state=NotificationState.PENDING).update(
        state=NotificationState.SKIPPED, skip_reason="Told as a pickup not collected in time."
    )
    notification_owe(
        order=pickup.order,
        kind=NotificationKind.PICKUP_EXPIRED,
        dedupe_key=f"pickup_expired:{pickup.pk}",
        pickup_id=pickup.pk,
    )


def refund_issued_owe(*, refund: Refund) -> None:
    """A return's refund was issued (sent to the channel or executed): owe the refund email (not for nothing)."""
    if refund.amount <= 0:
        return
    notification_owe(
        order=refund.rma.order,
        kind=NotificationKind.REFUND_ISSUED,
        dedupe_key=f"refund_issued:{refund.pk}",
        refund_id=refund.pk,
    )


# --- After the fact, from ids (the beat sweeps) --------------------------------------------------


def order_confirmation_record(*, order_id: int) -> bool:
    """The sweep found an order without a confirmation row: owe it. False if the order is gone."""
    order = Order.objects.filter(pk=order_id).first()
    if order is None:
        return False
    order_confirmation_owe(order=order)
    return True


def shipment_shipped_record(*, shipment_id: int) -> bool:
    """The sweep found a shipped shipment without a shipped row: owe it."""
    shipment = Shipment.objects.select_related("order").filter(pk=shipment_id).first()
    if shipment is None or shipment.status not in (ShipmentStatus.SHIPPED, ShipmentStatus.DELIVERED):
        return False
    shipment_shipped_owe(shipment=shipment)
    return True


def shipment_delay_record(*, shipment_id: int, cause: str) -> bool:
    """The delay sweep found a shipment at risk: owe the delay email."""
    shipment = Shipment.objects.select_related("order").filter(pk=shipment_id).first()
    if shipment is None:
        return False
    shipment_delay_owe(shipment=shipment, cause=cause)
    return True


def order_cancellation_record(*, order_id: int) -> bool:
    """The sweep found a cancellation without a row: owe the email that fits (the statuses are final now)."""
    order = Order.objects.filter(pk=order_id).first()
    if order is None:
        return False
    pickup = Pickup.objects.select_related("order").filter(order=order, status=PickupStatus.EXPIRED).first()
    if pickup is not None:
        pickup_expiry_owe(pickup=pickup)
    else:
        order_cancellation_owe(order=order)
    return True


def refund_issued_record(*, refund_id: int) -> bool:
    """The sweep found an issued refund without a row: owe the refund email."""
    refund = Refund.objects.select_related("rma__order").filter(pk=refund_id).first()
    if refund is None or refund.status not in (RefundStatus.SENT, RefundStatus.EXECUTED):
        return False
    refund_issued_owe(refund=refund)
    return True
