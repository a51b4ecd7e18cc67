"""Notification background tasks: send one email (retried with backoff), and the beat sweeps."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from celery import shared_task
from django.db import OperationalError

from core.queueing import queue_or_leave_to_beat

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


#: The most emails one second's window queues (a busier second leaves the rest to the sweep).
WINDOW_BATCH = 5000


@shared_task(name="notifications.tasks.notifications_send_window", autoretry_for=(OperationalError,), max_retries=3)
def notifications_send_window(since: str, until: str) -> list[str]:
    """Queue the send of every email owed in [since, until) (ISO times) and not sent yet.

    Recording an email queues this once per second instead of one message per email
    (`core.queueing.queue_on_commit_by_window`); each email still gets its own task and retries.
    """
    from notifications.selectors.outbox import notifications_owed_between

    keys = notifications_owed_between(
        since=datetime.fromisoformat(since), until=datetime.fromisoformat(until), limit=WINDOW_BATCH
    )
    for key in keys:
        queue_or_leave_to_beat(notification_send_task, key=key)
    return keys


@shared_task(name="notifications.tasks.notifications_confirm_window", autoretry_for=(OperationalError,), max_retries=3)
def notifications_confirm_window(since: str, until: str) -> list[int]:
    """Owe the confirmation of every order created in [since, until) (ISO times) that has none yet.

    A new order queues this once per second after it commits (`notifications.receivers.order_saved`)
    instead of writing the row in its own transaction. Each row is recorded once (its unique key).
    """
    from notifications.selectors import orders_owed_confirmation
    from notifications.services.records import order_confirmation_record

    order_ids = orders_owed_confirmation(
        since=datetime.fromisoformat(since), until=datetime.fromisoformat(until), limit=WINDOW_BATCH
    )
    return [order_id for order_id in order_ids if order_confirmation_record(order_id=order_id)]


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
