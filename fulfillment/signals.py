"""Fulfillment's reactions to other apps' signals."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from django.db.models import F
from django.dispatch import receiver

from inventory.signals import stock_received
from orders.models import OrderLine

logger = logging.getLogger(__name__)


def _has_backorders(sku_ids: Iterable[int]) -> bool:
    from fulfillment.services.reroute import RETRYABLE_STATUSES

    return OrderLine.objects.filter(
        sku_id__in=list(sku_ids),
        order__status__in=RETRYABLE_STATUSES,
        quantity__gt=F("quantity_allocated") + F("quantity_shipped") + F("quantity_cancelled"),
    ).exists()


@receiver(stock_received, dispatch_uid="fulfillment.backorders_retry_on_stock_received")
def backorders_retry_on_stock_received(sender: Any, *, location_id: int, sku_ids: list[int], **kwargs: Any) -> None:
    """Stock arrived and its transaction committed: queue a retry of the orders waiting for it.

    Nothing is queued when no open order waits for these SKUs. If the broker cannot take the
    task, the hourly sweep (`backorders_retry_task` with no SKUs) routes them instead.
    """
    from fulfillment.tasks import backorders_retry_task

    if not sku_ids or not _has_backorders(sku_ids):
        return
    try:
        backorders_retry_task.delay(sku_ids=sorted(set(sku_ids)))
    except Exception:  # the receipt is committed; the sweep will catch up
        logger.exception("Could not queue the backorder retry for SKUs %s at location %s.", sku_ids, location_id)
