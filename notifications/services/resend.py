"""Sending an email again: only ever an explicit staff action, recorded as its own outbox row."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils import timezone

from core.errors import Conflict, ValidationFailed
from core.queueing import queue_on_commit_or_leave_to_beat
from core.types import AnyUser, actor_id
from notifications.models import Notification, NotificationState
from notifications.services.records import notifications_enabled
from notifications.tasks import notification_send_task


def notification_resend(*, notification: Notification, actor: AnyUser | None) -> Notification:
    """Queue the email of `notification`'s event again, to the order's current address.

    The resend is a new row (`<key>:resend:<n>`) pointing at the first one, sent even if the kind
    is now switched off (staff asked for it), and shown on the timeline with who asked. Two
    clicks at once make one resend (409 for the second).
    """
    if not notifications_enabled():
        raise Conflict("This server does not send customer emails (NOTIFICATIONS_ENABLED is off).")
    first = notification.resend_of or notification
    order = first.order
    if not order.customer_email:
        raise ValidationFailed("The order has no email address: add one to the order first.", field="email")
    with transaction.atomic():
        number = Notification.objects.filter(resend_of=first).count() + 1
        try:
            with transaction.atomic():
                row = Notification.objects.create(
                    order=order,
                    channel_id=first.channel_id,
                    kind=first.kind,
                    dedupe_key=f"{first.dedupe_key}:resend:{number}",
                    state=NotificationState.PENDING,
                    shipment_id=first.shipment_id,
                    pickup_id=first.pickup_id,
                    refund_id=first.refund_id,
                    data=first.data,
                    to_email=order.customer_email,
                    next_attempt_at=timezone.now(),
                    resend_of=first,
                    requested_by_id=actor_id(actor),
                )
        except IntegrityError as exc:
            raise Conflict("This email was resent a moment ago.") from exc
        queue_on_commit_or_leave_to_beat(notification_send_task, key=row.dedupe_key)
    return row
