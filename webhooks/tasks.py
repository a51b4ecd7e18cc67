"""Celery tasks of the webhooks app: ids in, idempotent; the rows in the database are the truth.

- `publish_task`: render and fan out unpublished events (queued after the commit that recorded them,
  and a few seconds after a stock change, to coalesce).
- `deliver_task(delivery_id)`: claim and send one delivery; a no-op if it is not due or held.
- `sweep_task`: beat, every 30 s: publish what is left, queue due retries and deliveries whose worker
  died or whose message was lost.
"""

from __future__ import annotations

from celery import shared_task


@shared_task(acks_late=True)
def publish_task(stock_window: bool = False) -> int:
    """Publish every unpublished event (and pending stock change); the deliveries written.

    `stock_window`: this is the collection queued at the end of a stock coalescing window; it frees
    the slot first, so a change from now on queues the next window.
    """
    from webhooks.services import events_publish_all
    from webhooks.services.outbox import stock_window_reopen

    if stock_window:
        stock_window_reopen()
    return events_publish_all()


@shared_task(acks_late=True)
def deliver_task(delivery_id: int) -> bool:
    """Send one delivery if it is due; True if an attempt was made."""
    from webhooks.services import delivery_attempt

    return delivery_attempt(delivery_id=delivery_id) is not None


@shared_task
def sweep_task() -> dict[str, int]:
    """The beat safety net (see `webhooks.services.sweep`)."""
    from webhooks.services import webhooks_sweep

    report = webhooks_sweep()
    return {"published": report.published, "requeued": report.requeued}
