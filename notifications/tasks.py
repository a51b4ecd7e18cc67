"""Notification background tasks: send one email (retried with backoff), and the beat sweeps."""

from __future__ import annotations

from typing import Any

from celery import shared_task
from django.db import OperationalError

#: Celery's own bound; the row's attempts (`sending.MAX_ATTEMPTS`, 8) stop it first.
MAX_TASK_RETRIES = 10


@shared_task(name="notifications.tasks.notification_send_task", bind=True, max_retries=MAX_TASK_RETRIES)
def notification_send_task(self: Any, key: str) -> str:
    """Send the owed email of one event (its key; queued after the row commits), retried with backoff.

    Idempotent: a row already sent or being sent is left alone (see `notification_send`).
    """
    from notifications.services.sending import SendFailed, backoff_seconds, notification_send

    try:
        return notification_send(key=key)
    except SendFailed as exc:
        raise self.retry(exc=exc, countdown=exc.countdown) from exc
    except OperationalError as exc:
        raise self.retry(exc=exc, countdown=backoff_seconds(self.request.retries + 1)) from exc


@shared_task(name="notifications.tasks.notifications_sweep_task", autoretry_for=(OperationalError,), max_retries=3)
def notifications_sweep_task() -> dict[str, int]:
    """Every minute: record emails whose event signal was lost, queue due rows again, give up dead sends."""
    from notifications.services import notifications_catch_up, notifications_redrive

    caught = notifications_catch_up()
    queued, given_up = notifications_redrive()
    return {
        "confirmations": caught.confirmations,
        "shipped": caught.shipped,
        "cancellations": caught.cancellations,
        "refunds": caught.refunds,
        "queued": queued,
        "given_up": given_up,
    }


@shared_task(name="notifications.tasks.shipment_delays_task", autoretry_for=(OperationalError,), max_retries=3)
def shipment_delays_task() -> list[int]:
    """Every 15 minutes: owe a delay email for shipments newly at risk of missing their promise."""
    from notifications.services import shipment_delays_detect

    return shipment_delays_detect()
