"""Celery tasks of the marketplace sync engine: they take ids, are idempotent, and retry with backoff.

- `coalesce_and_push_task`: turn inventory's stock change feed into pending pushes (queued after
  a stock change commits, once per coalescing window), then queue the pushes.
- `push_channel_task(channel_id)`: push a channel's pending stock.
- `sync_redrive`: beat, every 30 s: re-drives every channel with due pushes (a worker crash or a
  lost Redis message loses nothing: the rows are in the database) and due confirmations.
- `orders_poll_task` / `orders_poll_all`: the polling backstop for orders (beat, every minute).
- `notices_pull_task` / `notices_pull_all`: beat, every 5 s: read Amazon's ORDER_CHANGE queues.
- `notices_setup_task(channel_id)`: the order notice setup staff asked for (several calls to Amazon).
- `webhook_process_task(delivery_id)`: act on a stored webhook (re-fetch, then import).
- `webhooks_sweep`: beat, every 5 minutes: queue again deliveries stuck in "received" (bounded).
- `reconcile_all`: beat, every 15 minutes: read stock back and correct drift.
- `confirmations_push_task`, `confirmations_sweep_task`: shipment/cancel/refund confirmations.
- `sandbox_orders_generate`: the demo's customers, buying on the sandbox marketplaces.
"""

from __future__ import annotations

import logging

from celery import shared_task
from django.db.models import Q
from django.utils import timezone

from core.queueing import cache_add_or_true, queue_or_leave_to_beat
from marketplaces.connectors import ConnectorError

logger = logging.getLogger(__name__)


def _check_key(channel_id: int) -> str:
    return f"channels:push-check:{channel_id}"


@shared_task(acks_late=True)
def push_channel_task(channel_id: int, scheduled: bool = False) -> dict[str, int | str]:
    from django.core.cache import cache

    from marketplaces.services.stock_sync import channel_push

    if scheduled:  # this is the queued look: free its slot so it can queue the next one
        cache.delete(_check_key(channel_id))
    report = channel_push(channel_id=channel_id, hold=True)
    if report.next_check is not None and not report.stopped:
        _check_again(channel_id, report.next_check)
    return {"pushed": report.pushed, "calls": report.calls, "failed": report.failed, "stopped": report.stopped}


def _check_again(channel_id: int, seconds: float) -> None:
    """Queue one more look at the channel when its held changes fill a batch or reach their max wait.

    At most one such look is queued per channel at a time; if it is lost (broker down), the
    beat re-drive still pushes the rows, which stay pending in the database.
    """
    import math

    if push_channel_task.app.conf.task_always_eager:
        return  # run in-process (tests): a countdown would not wait, the look would recurse
    if cache_add_or_true(_check_key(channel_id), timeout=max(1, math.ceil(seconds)) + 30):
        queue_or_leave_to_beat(push_channel_task, channel_id, scheduled=True, countdown=seconds)


@shared_task
def coalesce_and_push_task() -> list[int]:
    """Turn the stock change feed into pending pushes and push each channel that got some, now."""
    from marketplaces.outbox import outbox_coalesce, push_soon

    channel_ids = outbox_coalesce()
    push_soon(channel_ids, countdown=0)
    return channel_ids


@shared_task
def sync_redrive() -> int:
    """Push every channel that has due pushes (pending past their time, or claimed by a dead worker)."""
    from datetime import timedelta

    from marketplaces.models import PushState, StockOutbox
    from marketplaces.outbox import outbox_coalesce
    from marketplaces.services.stock_sync import claim_lease_seconds

    outbox_coalesce()  # changes whose wake-up was lost (broker down) become pending rows here
    now = timezone.now()
    due = (
        StockOutbox.objects.filter(
            Q(state=PushState.PENDING, next_attempt_at__lte=now)
            | Q(state=PushState.IN_FLIGHT, claimed_at__lt=now - timedelta(seconds=claim_lease_seconds()))
        )
        .values_list("channel_id", flat=True)
        .distinct()
    )
    channel_ids = sorted(set(due))
    for channel_id in channel_ids:
        push_channel_task.delay(channel_id)
    confirmations_push_task.delay()
    return len(channel_ids)


@shared_task(autoretry_for=(ConnectorError,), retry_backoff=True, retry_backoff_max=300, max_retries=8)
def webhook_process_task(delivery_id: int) -> str:
    """Act on a delivery; a marketplace error that may pass is retried with backoff.

    Refused credentials are not retried: the channel is marked "credentials expired" and the
    delivery stays received; `webhooks_sweep` queues it again once new credentials are saved.
    """
    from marketplaces.connectors import AuthExpired
    from marketplaces.services.orders import webhook_process

    try:
        return webhook_process(delivery_id=delivery_id).status
    except AuthExpired:
        return "credentials expired"


#: A delivery still "received" this long after it arrived lost its task (broker down, worker killed).
WEBHOOK_STUCK_SECONDS = 5 * 60
#: After this long it is given up on (the order poll, every minute, has imported the order anyway).
WEBHOOK_GIVE_UP_SECONDS = 24 * 60 * 60
WEBHOOK_SWEEP_BATCH = 200


@shared_task
def webhooks_sweep() -> int:
    """Beat, every 5 minutes: queue again the deliveries stuck in "received"; returns how many.

    Bounded: at most `WEBHOOK_SWEEP_BATCH` per run, oldest first; channels whose credentials
    expired are left until new credentials are saved; a delivery older than a day is marked
    failed with the reason (the order poll is the backstop).
    """
    from datetime import timedelta

    from marketplaces.models import CredentialStatus, DeliveryStatus, WebhookDelivery

    now = timezone.now()
    WebhookDelivery.objects.filter(
        status=DeliveryStatus.RECEIVED, received_at__lt=now - timedelta(seconds=WEBHOOK_GIVE_UP_SECONDS)
    ).update(
        status=DeliveryStatus.FAILED,
        processed_at=now,
        error="Not processed within a day; the order poll imports the order instead.",
    )
    stuck = list(
        WebhookDelivery.objects.filter(
            status=DeliveryStatus.RECEIVED,
            received_at__lt=now - timedelta(seconds=WEBHOOK_STUCK_SECONDS),
            channel__is_active=True,
        )
        .exclude(channel__sync__credential_status=CredentialStatus.EXPIRED)
        .order_by("received_at", "pk")
        .values_list("pk", flat=True)[:WEBHOOK_SWEEP_BATCH]
    )
    for delivery_id in stuck:
        webhook_process_task.delay(delivery_id)
    return len(stuck)


@shared_task
def orders_poll_task(channel_id: int) -> int:
    from marketplaces.services.orders import orders_poll

    return orders_poll(channel_id=channel_id)


@shared_task
def orders_poll_all() -> int:
    from channels.models import Channel
    from marketplaces.models import CONNECTOR_KINDS

    ids = list(
        Channel.objects.filter(is_active=True, kind__in=CONNECTOR_KINDS, sync__isnull=False).values_list(
            "pk", flat=True
        )
    )
    for channel_id in ids:
        orders_poll_task.delay(channel_id)
    return len(ids)


@shared_task
def notices_pull_task(channel_id: int) -> int:
    from marketplaces.services.notices import notices_pull

    return notices_pull(channel_id=channel_id)


@shared_task
def notices_setup_task(channel_id: int) -> bool | None:
    """Set up the order notices staff asked for; whether notices will arrive (None: already run)."""
    from marketplaces.services.notices_setup import order_notices_setup_requested

    outcome = order_notices_setup_requested(channel_id=channel_id)
    return None if outcome is None else outcome.ok


@shared_task
def notices_pull_all() -> int:
    """Read the order notice queue of every Amazon channel (a channel without one returns at once)."""
    from channels.models import Channel

    ids = list(Channel.objects.filter(is_active=True, kind="amazon", sync__isnull=False).values_list("pk", flat=True))
    for channel_id in ids:
        notices_pull_task.delay(channel_id)
    return len(ids)


@shared_task
def reconcile_all() -> int:
    from channels.models import Channel
    from marketplaces.models import CONNECTOR_KINDS
    from marketplaces.services.stock_sync import channel_reconcile

    drift = 0
    for channel_id in Channel.objects.filter(is_active=True, kind__in=CONNECTOR_KINDS, sync__isnull=False).values_list(
        "pk", flat=True
    ):
        try:
            drift += channel_reconcile(channel_id=channel_id)
        except ConnectorError:
            logger.exception("Reconciliation of channel %s failed", channel_id)
    return drift


@shared_task
def confirmations_push_task() -> int:
    from marketplaces.services.confirmations import confirmations_push

    return confirmations_push()


@shared_task
def confirmations_sweep_task() -> int:
    from marketplaces.services.confirmations import confirmations_push, confirmations_sweep

    created = confirmations_sweep()
    confirmations_push()
    return created


@shared_task
def sandbox_orders_generate(per_channel: int = 1) -> int:
    """The demo's shoppers: place orders on every sandbox marketplace channel, then deliver their webhooks."""
    from marketplaces.sandbox.demo import demo_orders_generate

    return demo_orders_generate(per_channel=per_channel)
