"""Returns background tasks. Each takes ids, is idempotent and retries with backoff.

The tasks the services queue live next to what they run, so a service queues one without
importing this module (which imports the services): `refund_dispatch_task` in
`returns.services.dispatch`, `return_decision_notify` in `returns.notifications`. They keep
their `returns.tasks.*` names, and are imported here so the worker registers them with the rest.
"""

from __future__ import annotations

import logging
from typing import Any

from celery import shared_task
from django.db import OperationalError

from carriers.builtin import CarrierUnavailable
from returns.backoff import MAX_RETRIES, backoff
from returns.notifications import return_decision_notify
from returns.services.dispatch import refund_dispatch_task
from returns.services.routing import return_tracking_refresh

logger = logging.getLogger(__name__)


@shared_task(name="returns.tasks.return_tracking_poll", bind=True, max_retries=MAX_RETRIES)
def return_tracking_poll(self: Any, limit: int = 500) -> int:
    """Every 15 minutes: scans of return parcels on their way, and labels that could not be bought yet."""
    try:
        return return_tracking_refresh(limit=limit)
    except (CarrierUnavailable, OperationalError) as exc:
        retry_after = getattr(exc, "retry_after", None)
        raise self.retry(exc=exc, countdown=retry_after or backoff(self.request.retries)) from exc


__all__ = ["refund_dispatch_task", "return_decision_notify", "return_tracking_poll"]
