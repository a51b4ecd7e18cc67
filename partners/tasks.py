"""Partner background tasks. Each takes ids or plain values, is idempotent and retries with backoff."""

from __future__ import annotations

import logging

from celery import shared_task
from django.db import OperationalError

logger = logging.getLogger(__name__)

MAX_RETRIES = 6
BACKOFF_MAX_SECONDS = 600


@shared_task(
    name="partners.tasks.purchase_order_transmit_task",
    autoretry_for=(OperationalError, OSError),
    retry_backoff=30,
    retry_backoff_max=BACKOFF_MAX_SECONDS,
    retry_jitter=True,
    max_retries=MAX_RETRIES,
)
def purchase_order_transmit_task(purchase_order_id: int) -> int | None:
    """Send a PO through its partner's exchange (queued after the routing that opened it commits).

    Sending twice is harmless: a PO already sent is left alone. Returns the out-document's id.
    """
    from partners.services import purchase_order_transmit

    document = purchase_order_transmit(purchase_order_id=purchase_order_id)
    return document.pk if document is not None else None


@shared_task(
    name="partners.tasks.purchase_order_cancel_transmit_task",
    autoretry_for=(OperationalError, OSError),
    retry_backoff=30,
    retry_backoff_max=BACKOFF_MAX_SECONDS,
    retry_jitter=True,
    max_retries=MAX_RETRIES,
)
def purchase_order_cancel_transmit_task(purchase_order_id: int) -> int | None:
    """Send an EDI partner the 850 withdrawing a PO we cancelled (queued after the cancel commits); once."""
    from partners.services.purchase_orders import purchase_order_cancel_transmit

    document = purchase_order_cancel_transmit(purchase_order_id=purchase_order_id)
    return document.pk if document is not None else None


@shared_task(name="partners.tasks.purchase_orders_sweep_task")
def purchase_orders_sweep_task() -> dict[str, int]:
    """Beat: send POs a lost task left unsent, route elsewhere the lines unanswered past their
    acknowledgment SLA, and cancel the open POs whose order was cancelled on our side."""
    from partners.services import purchase_orders_sla_sweep, purchase_orders_transmit_sweep

    sent = purchase_orders_transmit_sweep()
    expired = purchase_orders_sla_sweep()
    if sent or expired:
        logger.info("Purchase orders: %d sent by the sweep, %d past their SLA or orphaned.", len(sent), len(expired))
    return {"sent": len(sent), "sla": len(expired)}
