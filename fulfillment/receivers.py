"""Fulfillment's reactions to other apps' signals: stock received (pickups waiting for a transfer,
backorders), and the store panel on a location's page. Connected in `FulfillmentConfig.ready`."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from django.db.models import F
from django.dispatch import receiver

from core.queueing import queue_or_leave_to_beat
from fulfillment.models import Pickup, PickupStatus
from fulfillment.selectors.stores import store_panel
from fulfillment.services.pickups import pickups_after_transfer_received
from fulfillment.services.reroute import RETRYABLE_STATUSES
from fulfillment.tasks import backorders_retry_task
from inventory.models import Location, LocationKind
from inventory.signals import location_panels, stock_received
from orders.models import OrderLine

logger = logging.getLogger(__name__)


@receiver(stock_received, dispatch_uid="fulfillment.pickups_ready_on_transfer_received")
def pickups_ready_on_transfer_received(sender: Any, *, location_id: int, sku_ids: list[int], **kwargs: Any) -> None:
    """A store received stock: pickups waiting for a transfer take their units first, then move to picking.

    Connected before the backorder retry, so another order waiting for the same SKUs cannot
    take the units a transfer brought for a pickup.
    """

    waiting = Pickup.objects.filter(location_id=location_id, status=PickupStatus.NEW, transfer__isnull=False)
    if waiting.exists():
        pickups_after_transfer_received(location_id=location_id)


def _has_backorders(sku_ids: Iterable[int]) -> bool:

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

    if not sku_ids or not _has_backorders(sku_ids):
        return
    queue_or_leave_to_beat(backorders_retry_task, sku_ids=sorted(set(sku_ids)))


@receiver(location_panels, dispatch_uid="fulfillment.store_panel_on_location_page")
def store_panel_on_location_page(sender: Any, *, location: Location, **kwargs: Any) -> dict[str, Any] | None:
    """A store's page shows its pickup and ship-from-store settings and today's load."""
    if location.kind != LocationKind.STORE:
        return None

    return {"template": "fulfillment/stores/_location_card.html", "context": store_panel(location=location)}
