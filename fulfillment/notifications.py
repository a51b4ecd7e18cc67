"""Customer emails about pickups: "ready for pickup" and the reminder before the hold ends.

Each email carries the pickup code as text and as a QR code (PNG, made with `segno`), shown
inline in the HTML part and attached, so the customer can show it on a phone or on paper.
Sent by the `fulfillment.tasks.pickup_notify` task after the state change commits, through
Django's email backend (the demo writes mail to files under var/mail/).
"""

from __future__ import annotations

import io
from email.mime.image import MIMEImage

import segno
from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import timezone

from fulfillment.models import Pickup
from fulfillment.selectors.stores import profile_of, store_clocks
from fulfillment.store_hours import WEEKDAY_NAMES, hours_label

QR_CONTENT_ID = "pickup-qr"


def pickup_qr_png(code: str, *, scale: int = 8) -> bytes:
    """The QR code of a pickup code as PNG bytes (what a store's scanner reads back as the code)."""
    buffer = io.BytesIO()
    segno.make(code, error="m", micro=False).save(buffer, kind="png", scale=scale, border=4)
    return buffer.getvalue()


def pickup_email(pickup: Pickup, *, kind: str) -> EmailMultiAlternatives:
    """Build the "ready" or "reminder" email of a pickup (text, HTML with the inline QR code, PNG attached)."""
    store = pickup.location
    clock = store_clocks([store])[store.pk]
    hours = [(WEEKDAY_NAMES[day], hours_label(clock.hours, day)) for day in range(7)]
    context = {
        "pickup": pickup,
        "order": pickup.order,
        "store": store,
        "kind": kind,
        "hold_until": timezone.localtime(pickup.hold_until, clock.zone) if pickup.hold_until else None,
        "hold_days": profile_of(store).hold_days,
        "hours": hours,
        "qr_cid": QR_CONTENT_ID,
    }
    subject = (
        f"Your order {pickup.order.number} is ready for pickup at {store.name}"
        if kind == "ready"
        else f"Reminder: order {pickup.order.number} is waiting for you at {store.name}"
    )
    # Templates print times in the active zone: the customer reads the store's clock, whatever the worker's.
    with timezone.override(clock.zone):
        text = render_to_string("fulfillment/email/pickup.txt", context)
        html = render_to_string("fulfillment/email/pickup.html", context)
    message = EmailMultiAlternatives(
        subject=subject, body=text, from_email=settings.DEFAULT_FROM_EMAIL, to=[pickup.order.customer_email]
    )
    message.attach_alternative(html, "text/html")
    png = pickup_qr_png(pickup.code)
    image = MIMEImage(png, _subtype="png")
    image.add_header("Content-ID", f"<{QR_CONTENT_ID}>")
    image.add_header("Content-Disposition", "inline", filename=f"pickup-{pickup.code}.png")
    message.attach(image)
    message.mixed_subtype = "related"
    return message
