"""The outbox: events recorded with the change, published (rendered once, one delivery per endpoint), queued.

Recording (`event_record`) runs inside the transaction of the change, from the receivers: an
event exists if and only if the change committed, and a change recorded twice (a repeated save)
makes one event (`Event.key` is unique, the insert skips a duplicate). It costs nothing when no
enabled endpoint takes the type: the set of subscribed types is cached.

Stock changes come from inventory after commit (`stock_levels_changed`, which carries the same pairs
as inventory's stock change feed): each pair becomes one `PendingStockChange` row however often it
changes, and `stock_changes_collect` turns the rows into `stock.changed` events a few seconds later.

Publishing (`events_publish`) takes unpublished events with `FOR UPDATE SKIP LOCKED` (publishers
running at once take disjoint events), renders their bodies, writes a `Delivery` per enabled endpoint
subscribed to the type, and queues them after commit. Anything whose queueing is lost is picked up
by the beat sweep from these rows.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Iterable
from datetime import datetime

from django.core.cache import cache
from django.db import connection, transaction
from django.utils import timezone

from core.queueing import cache_add_or_true, queue_on_commit_or_leave_to_beat, queue_or_leave_to_beat
from webhooks.conf import stock_coalesce_seconds
from webhooks.models import Delivery, DeliveryState, Event, EventType, PendingStockChange, Subscription
from webhooks.payloads.render import render_bodies
from webhooks.services.subscriptions import subscribed_types
from webhooks.tasks import deliver_task, publish_task

logger = logging.getLogger(__name__)

PUBLISH_BATCH = 200
COLLECT_BATCH = 1000


def event_record(*, event_type: str, key: str, subject: dict[str, int]) -> bool:
    """Record that something happened, if an enabled endpoint takes this type; True if recorded (or already).

    Precondition: called inside the transaction of the change (from a receiver), so the event
    commits or rolls back with it. Publication is queued for after the commit.
    """
    if event_type not in subscribed_types():
        return False
    Event.objects.bulk_create([Event(type=event_type, key=key[:120], subject=subject)], ignore_conflicts=True)
    queue_on_commit_or_leave_to_beat(publish_task)
    return True


def stock_changes_note(pairs: Iterable[tuple[int, int]]) -> int:
    """Note (location_id, sku_id) pairs whose stock changed (committed); they become events after the window.

    One row per pair however many changes arrive before it is collected. Returns the pairs noted
    (0 when no enabled endpoint takes `stock.changed`).
    """
    if EventType.STOCK_CHANGED not in subscribed_types():
        return 0
    rows = [PendingStockChange(location_id=location, sku_id=sku) for location, sku in sorted(set(pairs))]
    if not rows:
        return 0
    PendingStockChange.objects.bulk_create(rows, ignore_conflicts=True)
    window = stock_coalesce_seconds()
    if publish_task.app.conf.task_always_eager:
        return len(rows)  # in-process (tests): a countdown would not wait; the sweep collects them
    # One collection per window: the changes that arrive meanwhile join the rows it will take.
    if cache_add_or_true(_stock_window_key(), timeout=max(1, int(window)) + 30):
        queue_or_leave_to_beat(publish_task, countdown=window, stock_window=True)
    return len(rows)


def _stock_window_key() -> str:
    """Set while a collection of pending stock changes is queued (per database, as the types cache)."""
    return f"webhooks:stock-collect-queued:{connection.settings_dict.get('NAME')}"


def stock_window_reopen() -> None:
    """The queued collection starts: a change from now on queues the next one."""
    try:
        cache.delete(_stock_window_key())
    except Exception:
        logger.warning("Could not clear the stock window key; it expires by itself.")


def stock_changes_collect(*, limit: int = COLLECT_BATCH) -> int:
    """Turn pending stock changes into `stock.changed` events (unpublished); returns how many.

    The rows are deleted in the same transaction, taken with SKIP LOCKED, so collectors running
    at once never make two events of one row. A change that commits after the delete notes a new row.
    """
    with transaction.atomic():
        rows = list(PendingStockChange.objects.select_for_update(skip_locked=True).order_by("id")[:limit])
        if not rows:
            return 0
        Event.objects.bulk_create(
            [
                Event(
                    type=EventType.STOCK_CHANGED,
                    key=f"stock:{row.location_id}:{row.sku_id}:{row.pk}",
                    subject={"location": row.location_id, "sku": row.sku_id},
                    created_at=row.first_changed_at,
                )
                for row in rows
            ],
            ignore_conflicts=True,
        )
        PendingStockChange.objects.filter(pk__in=[row.pk for row in rows]).delete()
    return len(rows)


def events_publish(*, limit: int = PUBLISH_BATCH, now: datetime | None = None) -> list[int]:
    """Publish up to `limit` unpublished events, oldest first; returns the ids of the deliveries written.

    An event whose subject no longer exists is marked published with no body and no delivery.
    """
    return _publish_batch(limit=limit, now=now or timezone.now())[1]


def _publish_batch(*, limit: int, now: datetime) -> tuple[int, list[int]]:
    """(events published, delivery ids written) for one batch, in one transaction."""
    with transaction.atomic():
        events = list(
            Event.objects.select_for_update(skip_locked=True).filter(published_at__isnull=True).order_by("id")[:limit]
        )
        if not events:
            return 0, []
        endpoints = list(Subscription.objects.filter(is_active=True).only("pk", "event_types"))
        bodies = render_bodies(events)
        deliveries: list[Delivery] = []
        for event in events:
            event.body = bodies.get(event.pk, "")
            event.published_at = now
            if not event.body:
                continue
            deliveries.extend(
                # queued_at now: it is queued right after this commits; if that is lost, the sweep re-queues it.
                Delivery(event=event, subscription=endpoint, next_attempt_at=now, queued_at=now, created_at=now)
                for endpoint in endpoints
                if event.type in (endpoint.event_types or [])
            )
        Event.objects.bulk_update(events, ["body", "published_at"])
        Delivery.objects.bulk_create(deliveries, ignore_conflicts=True)
        ids = list(
            Delivery.objects.filter(event__in=events, state=DeliveryState.PENDING)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        deliveries_queue_on_commit(ids)
    return len(events), ids


def events_publish_all(*, max_batches: int = 50) -> int:
    """Collect pending stock changes, then publish batches until none is left (bounded); the deliveries written."""
    stock_changes_collect()
    written = 0
    for _batch in range(max_batches):
        published, ids = _publish_batch(limit=PUBLISH_BATCH, now=timezone.now())
        written += len(ids)
        if published < PUBLISH_BATCH:
            break
    return written


def deliveries_queue_on_commit(delivery_ids: Iterable[int]) -> None:
    """Queue one send per delivery once the current transaction commits (each as its own task)."""
    ids = tuple(delivery_ids)
    if ids:
        transaction.on_commit(functools.partial(_queue_each, ids))


def _queue_each(delivery_ids: tuple[int, ...]) -> None:
    for delivery_id in delivery_ids:
        queue_or_leave_to_beat(deliver_task, delivery_id)
