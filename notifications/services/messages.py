"""Building the email of an outbox row: its data, the channel's template in its language, the message.

The message goes through Django's configured email backend (`EMAIL_BACKEND`: SMTP from the
environment in production, files under var/mail/ in the demo, memory in tests), from the
channel's sender, with the channel's reply-to, as text with an HTML alternative.
"""

from __future__ import annotations

from typing import Any

from django.core.mail import EmailMultiAlternatives

from notifications.models import Notification, NotificationKind
from notifications.rendering import Brand, RenderedEmail, render_email
from notifications.rendering.context import (
    base_data,
    cancellation_data,
    delay_data,
    pickup_data,
    refund_data,
    shipment_data,
)
from notifications.selectors import brand_of, template_for


class EventGone(Exception):
    """The shipment, pickup or refund the email is about no longer exists."""


def notification_data(row: Notification, brand: Brand) -> dict[str, Any]:
    """What the row's template sees (`row` loaded by `notification_for_send`)."""
    lines = list(row.order.lines.all())
    data = base_data(brand=brand, order=row.order, lines=lines)
    kind = row.kind
    if kind in (NotificationKind.SHIPPED, NotificationKind.DELAYED):
        if row.shipment is None:
            raise EventGone("The shipment of this email no longer exists.")
        data["shipment"] = shipment_data(row.shipment)
        if kind == NotificationKind.DELAYED:
            data["delay"] = delay_data(row.shipment, str(row.data.get("cause", "late_estimate")))
    elif kind in (NotificationKind.CANCELLED, NotificationKind.PARTIALLY_CANCELLED, NotificationKind.PICKUP_EXPIRED):
        data["cancellation"] = cancellation_data(lines, partial=kind == NotificationKind.PARTIALLY_CANCELLED)
        if kind == NotificationKind.PICKUP_EXPIRED:
            if row.pickup is None:
                raise EventGone("The pickup of this email no longer exists.")
            data["pickup"] = pickup_data(row.pickup)
    elif kind == NotificationKind.REFUND_ISSUED:
        if row.refund is None:
            raise EventGone("The refund of this email no longer exists.")
        data["refund"] = refund_data(row.refund)
    return data


def notification_message(row: Notification) -> tuple[EmailMultiAlternatives, RenderedEmail, str]:
    """The email of a row, what was rendered, and its language (raises TemplateProblem or EventGone)."""
    brand = brand_of(row.channel)
    source = template_for(row.channel, row.kind, brand.language)
    rendered = render_email(source, notification_data(row, brand))
    message = EmailMultiAlternatives(
        subject=rendered.subject,
        body=rendered.text,
        from_email=brand.sender,
        to=[row.order.customer_email],
        reply_to=[brand.reply_to] if brand.reply_to else None,
        # RFC 3834: an automatic message, so out-of-office replies do not answer it.
        headers={"Auto-Submitted": "auto-generated"},
    )
    message.attach_alternative(rendered.html, "text/html")
    return message, rendered, source.language
