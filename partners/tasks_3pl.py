"""Celery tasks of the 3PL connector. They take ids, are idempotent, and leave retries to the
outbox rows (`next_attempt_at`, ShipBob's `x-retry-after` honoured), which the beat sweeps.

- `fulfillment_orders_send_task(partner_id)`: queued after a routing that gave a 3PL shipments commits.
- `threepl_sync_task`: beat, every minute: queue shipments and dispatched transfers that have no
  row yet, send what is due (a worker that died mid-send is taken over once its lease ran out),
  cancel at the 3PL what we cancelled after sending, and send due receiving orders.
- `threepl_poll_task`: beat, every 15 minutes: ask ShipBob about orders it holds (the backstop for
  webhooks) and about receiving orders (which have no webhooks), receiving completed transfers.
- `threepl_inventory_snapshot_task`: beat, hourly: record each connected 3PL's stock and the
  drift against our ledger (corrections are a person's action, never this task's).
"""

from __future__ import annotations

import logging

from celery import shared_task
from django.db import OperationalError

from partners.models import Partner
from partners.threepl.connector import ThreePlUnavailable
from partners.threepl.outbox import due_partner_ids
from partners.threepl.selectors import threepl_partners
from partners.threepl.services import (
    fulfillment_orders_poll,
    fulfillment_orders_queue_missing,
    fulfillment_orders_send,
    fulfillment_orders_withdraw,
    receiving_orders_poll,
    receiving_orders_queue,
    receiving_orders_send,
    threepl_reconcile,
)

logger = logging.getLogger(__name__)


@shared_task(name="partners.tasks_3pl.fulfillment_orders_send_task", autoretry_for=(OperationalError,), max_retries=5)
def fulfillment_orders_send_task(partner_id: int | None = None) -> dict[str, int]:
    """Send a partner's due fulfillment orders (every partner's when None)."""
    partner = Partner.objects.filter(pk=partner_id).first() if partner_id is not None else None
    report = fulfillment_orders_send(partner=partner)
    return {"claimed": report.claimed, "sent": report.sent, "adopted": report.adopted, "retried": report.retried}


@shared_task(name="partners.tasks_3pl.threepl_sync_task")
def threepl_sync_task() -> dict[str, int]:
    """Beat: nothing owed to a 3PL waits for a task that was lost (the rows are in the database)."""
    queued = fulfillment_orders_queue_missing()
    sent = 0
    for partner_id in due_partner_ids():
        sent += fulfillment_orders_send(partner=Partner.objects.get(pk=partner_id)).claimed
    withdrawn = fulfillment_orders_withdraw()
    receiving_queued = receiving_orders_queue()
    receiving = receiving_orders_send().claimed
    return {
        "queued": queued,
        "sent": sent,
        "withdrawn": withdrawn,
        "receiving_queued": receiving_queued,
        "receiving_sent": receiving,
    }


@shared_task(name="partners.tasks_3pl.threepl_poll_task")
def threepl_poll_task() -> dict[str, int]:
    """Beat: ask ShipBob about its orders and receiving orders."""
    return {"orders": fulfillment_orders_poll(), "receiving": receiving_orders_poll()}


@shared_task(name="partners.tasks_3pl.threepl_inventory_snapshot_task")
def threepl_inventory_snapshot_task() -> dict[str, int]:
    """Beat: record every connected 3PL's stock and its drift (polling its orders first, so units it
    shipped are on our books before the two are compared)."""
    drifting = 0
    for partner in threepl_partners():
        try:
            fulfillment_orders_poll(partner=partner)
            drifting += threepl_reconcile(partner=partner, apply=False).skus_drifting
        except ThreePlUnavailable as exc:
            logger.warning("Inventory snapshot of %s skipped: %s", partner.code, exc.message)
    return {"drifting": drifting}
