"""Returns background tasks. Each takes ids, is idempotent and retries with backoff."""

from __future__ import annotations

import logging
from typing import Any

from celery import shared_task
from django.db import OperationalError

from core.errors import Conflict
from fulfillment.carrier_sandbox import CarrierUnavailable
from returns.services.money import RefundFailed, refund_dispatch
from returns.services.routing import return_tracking_refresh

logger = logging.getLogger(__name__)

MAX_RETRIES = 8
BACKOFF_MAX_SECONDS = 3600


def _backoff(retries: int) -> int:
    return int(min(2**retries * 30, BACKOFF_MAX_SECONDS))


@shared_task(name="returns.tasks.refund_dispatch_task", bind=True, max_retries=MAX_RETRIES)
def refund_dispatch_task(self: Any, refund_id: int) -> str:
    """Hand one refund to its channel (queued after commit when a return is inspected); retried with backoff."""
    try:
        return refund_dispatch(refund_id=refund_id).status
    except Conflict:
        return "sending"  # another worker is sending it right now; its answer is recorded there
    except (RefundFailed, OperationalError) as exc:
        retry_after = getattr(exc, "retry_after", None)
        raise self.retry(exc=exc, countdown=retry_after or _backoff(self.request.retries)) from exc


@shared_task(name="returns.tasks.return_tracking_poll", bind=True, max_retries=MAX_RETRIES)
def return_tracking_poll(self: Any, limit: int = 500) -> int:
    """Every 15 minutes: scans of return parcels on their way, and labels that could not be bought yet."""
    try:
        return return_tracking_refresh(limit=limit)
    except (CarrierUnavailable, OperationalError) as exc:
        retry_after = getattr(exc, "retry_after", None)
        raise self.retry(exc=exc, countdown=retry_after or _backoff(self.request.retries)) from exc


@shared_task(name="returns.tasks.return_decision_notify", bind=True, max_retries=MAX_RETRIES)
def return_decision_notify(self: Any, rma_id: int) -> bool:
    """Email the customer the decision on their held return request (queued after the decision commits)."""
    from returns.models import ReturnAuthorization
    from returns.notifications import return_decision_email

    rma = ReturnAuthorization.objects.select_related("order").get(pk=rma_id)
    message = return_decision_email(rma)
    if message is None:
        return False
    try:
        message.send()
    except OSError as exc:  # SMTP down: try again later
        raise self.retry(exc=exc, countdown=_backoff(self.request.retries)) from exc
    return True
