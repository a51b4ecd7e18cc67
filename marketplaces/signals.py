"""The sync engine's reactions to other apps' signals."""

from __future__ import annotations

import logging
from typing import Any

from django.dispatch import receiver

from fulfillment.signals import shipment_shipped
from inventory.signals import stock_levels_changed
from marketplaces.outbox import coalesce_soon
from marketplaces.services.confirmations import shipment_confirmation_record

logger = logging.getLogger(__name__)


@receiver(shipment_shipped, dispatch_uid="channels.confirm_shipment_to_channel")
def confirm_shipment_to_channel(sender: Any, *, shipment_id: int, order_id: int, **kwargs: Any) -> None:
    """A shipment left (its transaction committed): owe its channel a confirmation with tracking.

    If this process dies before recording it, the beat sweep (`confirmations_sweep`) does.
    """

    try:
        shipment_confirmation_record(shipment_id=shipment_id)
    except Exception:
        logger.exception("Could not record the channel confirmation of shipment %s; the sweep will.", shipment_id)


@receiver(stock_levels_changed, dispatch_uid="marketplaces.coalesce_stock_changes")
def coalesce_stock_changes(sender: Any, *, changes: tuple[tuple[int, int], ...], **kwargs: Any) -> None:
    """Stock changed (committed): turn the feed into pending pushes within the coalescing window."""
    coalesce_soon()
