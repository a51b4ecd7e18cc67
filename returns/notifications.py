"""Emails to the customer about their return: what they asked for, and the decision on a request that waited for staff.

`return_requested_email` confirms a request made on the customer pages (the label's link, or
the store and the code to show at its counter). The hold page tells the customer "we will
email you"; `return_decision_email` is that email, with the link to the return's status
page. Both come from the shop the customer bought from: its name as the sender and
sign-off, its logo and colour in the HTML part (`channels.branding`). The link's host comes from
`settings.RETURNS_PUBLIC_BASE_URL` (the address customers reach the site at). Sent by the
task `return_decision_notify`, queued after the decision commits. The tasks are defined here,
with the emails, so the request services can queue it without importing `returns.tasks`
(which imports the services).
"""

from __future__ import annotations

from email.mime.image import MIMEImage
from typing import Any

from celery import shared_task
from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse

from channels.branding import Brand, channel_brand
from fulfillment.notifications import pickup_qr_png
from returns.backoff import MAX_RETRIES, backoff
from returns.models import ReturnAuthorization, ReturnMethod, ReturnStatus

#: The inline QR code's Content-ID in the HTML part of a return in store's email.
QR_CONTENT_ID = "return-qr"


def status_link(rma: ReturnAuthorization) -> str:
    """The customer's private link to the return's status page (absolute)."""
    base = str(getattr(settings, "RETURNS_PUBLIC_BASE_URL", "") or "http://localhost:8000").rstrip("/")
    return base + reverse("returns:customer_return", args=[rma.public_token])


def _branded(
    rma: ReturnAuthorization, *, subject: str, body: str, heading: str, counter_code: bool = False
) -> EmailMultiAlternatives:
    """The email as the shop sends it: its name on the sender and the sign-off, its logo and colour in HTML.

    `counter_code` adds the return's QR code inline (and attached): what the store's counter scans.
    """
    brand = channel_brand(rma.order.channel)
    text = f"{body}\n— {brand.name}\n"
    link = status_link(rma)
    # The HTML shows the link as a button: the paragraph that spells it out stays in the text part.
    paragraphs = [part.strip() for part in body.split("\n\n") if part.strip() and link not in part]
    context = {
        "brand": brand,
        "heading": heading,
        "paragraphs": paragraphs,
        "link": link,
        "code": rma.number,
        "qr_cid": QR_CONTENT_ID if counter_code else "",
    }
    html = render_to_string("returns/email/customer.html", context)
    message = EmailMultiAlternatives(
        subject=subject, body=text, from_email=_sender(brand), to=[rma.order.customer_email]
    )
    message.attach_alternative(html, "text/html")
    if counter_code:
        image = MIMEImage(pickup_qr_png(rma.number), _subtype="png")
        image.add_header("Content-ID", f"<{QR_CONTENT_ID}>")
        image.add_header("Content-Disposition", "inline", filename=f"{rma.number}.png")
        message.attach(image)
        message.mixed_subtype = "related"
    return message


def _sender(brand: Brand) -> str:
    """The merchant's address, shown under the shop's name ("Northwind Outfitters <orders@…>")."""
    address = str(settings.DEFAULT_FROM_EMAIL)
    if "<" in address:
        address = address.split("<", 1)[1].rstrip(">").strip()
    name = brand.name.replace('"', "").replace("\n", " ")
    return f'"{name}" <{address}>'


def _store_step(rma: ReturnAuthorization) -> str:
    """What a customer returning in store does next: which store, where, and the code to show."""
    store = rma.return_location
    assert store is not None
    address = ", ".join(part for part in (store.address_line1, store.city, store.postal_code) if part)
    return (
        f"Bring the items to {store.name}{f' ({address})' if address else ''} and show the code {rma.number} "
        "at the counter: its QR code, in this email and on your return's page, scans it."
    )


def return_requested_email(rma: ReturnAuthorization) -> EmailMultiAlternatives | None:
    """The confirmation of a customer's request: held for review, a label to print, or a store to bring it to."""
    order = rma.order
    if not order.customer_email:
        return None
    name = (order.customer_name or "").split(" ")[0] or "there"
    link = status_link(rma)
    if rma.status == ReturnStatus.REQUESTED:
        next_step = (
            "We are reviewing your request and will email you once we have decided. Please do not send anything yet."
        )
    elif rma.method == ReturnMethod.IN_STORE and rma.return_location is not None:
        next_step = _store_step(rma)
    else:
        next_step = "Print your prepaid return label from the link below, pack the items and drop the parcel off."
    body = (
        f"Hello {name},\n\nWe have your return request {rma.number} for order {order.number}.\n\n{next_step}\n\n"
        f"Your return's status{' and label' if rma.method == ReturnMethod.MAIL else ''}:\n{link}\n"
    )
    in_store = rma.method == ReturnMethod.IN_STORE and rma.status == ReturnStatus.AUTHORIZED
    subject = f"Your return {rma.number} for order {order.number}"
    return _branded(rma, subject=subject, body=body, heading=f"Return {rma.number}", counter_code=in_store)


@shared_task(name="returns.tasks.return_requested_notify", bind=True, max_retries=MAX_RETRIES)
def return_requested_notify(self: Any, rma_id: int) -> bool:
    """Email the customer the confirmation of the return they asked for (queued after it commits)."""
    rma = ReturnAuthorization.objects.select_related("order__channel", "return_location").get(pk=rma_id)
    return _send(self, return_requested_email(rma))


def _send(task: Any, message: EmailMultiAlternatives | None) -> bool:
    if message is None:
        return False
    try:
        message.send()
    except OSError as exc:  # SMTP down: try again later
        raise task.retry(exc=exc, countdown=backoff(task.request.retries)) from exc
    return True


def return_decision_email(rma: ReturnAuthorization) -> EmailMultiAlternatives | None:
    """The approval or rejection email of a held request; None when there is nobody to write to or nothing decided."""
    order = rma.order
    if not order.customer_email:
        return None
    name = (order.customer_name or "").split(" ")[0] or "there"
    link = status_link(rma)
    if rma.status == ReturnStatus.REJECTED:
        subject = f"Your return {rma.number} for order {order.number} was not accepted"
        body = (
            f"Hello {name},\n\nWe have reviewed your return request {rma.number} for order {order.number} and "
            f"cannot accept it:\n\n    {rma.decision_note}\n\n"
            f"Please do not send the items back. The details are here:\n{link}\n\n"
            "If you have a question, reply to this email.\n"
        )
    elif rma.status in (ReturnStatus.AUTHORIZED, ReturnStatus.IN_TRANSIT, ReturnStatus.RECEIVED):
        subject = f"Your return {rma.number} for order {order.number} is approved"
        if rma.method == ReturnMethod.MAIL:
            next_step = "Print your prepaid return label from the link below, pack the items and drop the parcel off."
        elif rma.return_location is not None:
            next_step = _store_step(rma)
        else:
            next_step = "Bring the items to the store with your order number."
        body = (
            f"Hello {name},\n\nGood news: your return request {rma.number} for order {order.number} is approved."
            + (f"\n\n    {rma.decision_note}" if rma.decision_note else "")
            + f"\n\n{next_step}\n\nYour return's status and label:\n{link}\n"
        )
    else:
        return None
    counter_code = rma.method == ReturnMethod.IN_STORE and rma.status == ReturnStatus.AUTHORIZED
    return _branded(rma, subject=subject, body=body, heading=subject.split(" for order")[0], counter_code=counter_code)


@shared_task(name="returns.tasks.return_decision_notify", bind=True, max_retries=MAX_RETRIES)
def return_decision_notify(self: Any, rma_id: int) -> bool:
    """Email the customer the decision on their held return request (queued after the decision commits)."""
    rma = ReturnAuthorization.objects.select_related("order__channel", "return_location").get(pk=rma_id)
    return _send(self, return_decision_email(rma))
