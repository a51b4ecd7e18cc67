"""Inventory background tasks."""

import logging

from celery import shared_task

from inventory.services import ledger_verify as verify

logger = logging.getLogger(__name__)


@shared_task(name="inventory.tasks.ledger_verify")
def ledger_verify() -> int:
    """Nightly: replay the ledger and log every drift (there should be none). Returns the count."""
    drifts = verify()
    for drift in drifts:
        logger.error("Ledger drift: %s", drift)
    if not drifts:
        logger.info("Ledger verified: no drift.")
    return len(drifts)
