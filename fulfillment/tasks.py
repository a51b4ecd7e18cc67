"""Fulfillment background tasks. Each takes ids or plain values, is idempotent and retries with backoff."""

from __future__ import annotations

import logging
from typing import Any

from celery import shared_task
from django.db import OperationalError

from fulfillment.carrier_sandbox import CarrierUnavailable, carrier_client
from fulfillment.services.reroute import backorders_retry
from fulfillment.services.shipping import tracking_refresh

logger = logging.getLogger(__name__)

MAX_RETRIES = 6
BACKOFF_MAX_SECONDS = 600


def _backoff(retries: int) -> int:
    return int(min(2**retries * 30, BACKOFF_MAX_SECONDS))


@shared_task(
    name="fulfillment.tasks.backorders_retry_task",
    autoretry_for=(OperationalError,),
    retry_backoff=30,
    retry_backoff_max=BACKOFF_MAX_SECONDS,
    retry_jitter=True,
    max_retries=MAX_RETRIES,
)
def backorders_retry_task(sku_ids: list[int] | None = None) -> list[int]:
    """Route orders waiting for these SKUs (every SKU when None: the hourly sweep), oldest first.

    Queued after commit when stock is received. Returns the ids of orders routed.
    """
    routed = backorders_retry(sku_ids=sku_ids)
    if routed:
        logger.info("Backorder retry routed %d orders (SKUs %s).", len(routed), sku_ids or "all")
    return routed


@shared_task(name="fulfillment.tasks.tracking_poll", bind=True, max_retries=MAX_RETRIES)
def tracking_poll(self: Any, limit: int = 500) -> dict[str, int]:
    """Every 15 minutes: ask the carrier about shipped parcels, store new events, deliver.

    A carrier that is down is retried with backoff, honouring its Retry-After.
    """
    try:
        result = tracking_refresh(limit=limit)
    except (CarrierUnavailable, OperationalError) as exc:
        retry_after = getattr(exc, "retry_after", None)
        raise self.retry(exc=exc, countdown=retry_after or _backoff(self.request.retries)) from exc
    return {
        "checked": result.checked,
        "new_events": result.new_events,
        "delivered": result.delivered,
        "failed": result.failed,
    }


@shared_task(name="fulfillment.tasks.carrier_label_void", bind=True, max_retries=MAX_RETRIES)
def carrier_label_void(self: Any, *, carrier: str, tracking_number: str) -> None:
    """Give back a label bought but not used (so the merchant is not charged). Voiding twice is harmless."""
    try:
        carrier_client().void_label(carrier=carrier, tracking_number=tracking_number)
    except CarrierUnavailable as exc:
        raise self.retry(exc=exc, countdown=exc.retry_after or _backoff(self.request.retries)) from exc
