"""Emails to the customer about their return: the decision on a request that waited for staff.

The hold page tells the customer "we will email you"; `return_decision_email` is that email
(plain text), with the link to the return's status page. The link's host comes from
`settings.RETURNS_PUBLIC_BASE_URL` (the address customers reach the site at). Sent by the
task `return_decision_notify`, queued after the decision commits. The task is defined here,
with the email, so the request services can queue it without importing `returns.tasks`
(which imports the services).
"""

from __future__ import annotations

from typing import Any

from celery import shared_task
from django.conf import settings
from django.core.mail import EmailMessage
from django.urls import reverse

from returns.backoff import MAX_RETRIES, backoff
from returns.models import ReturnAuthorization, ReturnMethod, ReturnStatus


def status_link(rma: ReturnAuthorization) -> str:
    """The customer's private link to the return's status page (absolute)."""
    base = str(getattr(settings, "RETURNS_PUBLIC_BASE_URL", "") or "http://localhost:8000").rstrip("/")
    return base + reverse("returns:customer_return", args=[rma.public_token])


def return_decision_email(rma: ReturnAuthorization) -> EmailMessage | None:
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
        else:
            next_step = "Bring the items to the store with your order number."
        body = (
            f"Hello {name},\n\nGood news: your return request {rma.number} for order {order.number} is approved."
            + (f"\n\n    {rma.decision_note}" if rma.decision_note else "")
            + f"\n\n{next_step}\n\nYour return's status and label:\n{link}\n"
        )
    else:
        return None
    return EmailMessage(subject=subject, body=body, to=[order.customer_email])


@shared_task(name="returns.tasks.return_decision_notify", bind=True, max_retries=MAX_RETRIES)
def return_decision_notify(self: Any, rma_id: int) -> bool:
    """Email the customer the decision on their held return request (queued after the decision commits)."""
    rma = ReturnAuthorization.objects.select_related("order").get(pk=rma_id)
    message = return_decision_email(rma)
    if message is None:
        return False
    try:
        message.send()
    except OSError as exc:  # SMTP down: try again later
        raise self.retry(exc=exc, countdown=backoff(self.request.retries)) from exc
    return True
