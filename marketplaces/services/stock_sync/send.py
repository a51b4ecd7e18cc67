"""Sending claimed rows to the marketplace and settling the answers: batches, Amazon feeds, throttles."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import timedelta

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from channels.models import Channel
from core.queueing import queue_or_leave_to_beat
from marketplaces.connectors import (
    AuthExpired,
    Connector,
    ConnectorError,
    PushResult,
    StockItem,
    Throttled,
)
from marketplaces.models import (
    ChannelSync,
    Listing,
    StockOutbox,
)
from marketplaces.services.log import credentials_expired_record
from marketplaces.services.stock_sync.claims import mark_applied, mark_failed, mark_retry, prioritise_requeued
from marketplaces.services.stock_sync.lease import keep_lease
from marketplaces.services.stock_sync.plan import SHORT_THROTTLE_SECONDS, PushReport
from marketplaces.tasks import push_channel_task

logger = logging.getLogger(__name__)


@dataclass
class PushRound:
    """What one round of a push run sends: the channel, its open connector, the run's report, and
    the listings and quantities to show of the rows claimed this round (by SKU id)."""

    channel: Channel
    connector: Connector
    report: PushReport
    listings: dict[int, Listing]
    quantities: dict[int, int]


def push_batches(push: PushRound, rows: list[StockOutbox]) -> bool:
    """Push claimed rows batch by batch; True when the run must stop (credentials, a long throttle)."""
    size = push.connector.batch_size
    for start in range(0, len(rows), size):
        batch = rows[start : start + size]
        try:
            results = _push_honouring_short_throttles(push, stock_items(batch, push.listings, push.quantities))
        except ConnectorError as exc:
            if _settle_refusal(exc, push, batch, remaining=rows[start:], throttle_pauses_channel=True):
                return True
            continue
        apply_results(push, batch, results)
    return False


def push_feed(push: PushRound, rows: list[StockOutbox]) -> bool:
    """Push claimed rows as one stock feed (Amazon's JSON_LISTINGS_FEED); True when the run must stop.

    The feed's processing report gives a result per SKU, so only the SKUs it refused are
    retried (or failed, for a data error), exactly as with per-SKU calls. A throttled feed
    pauses nothing: the next round sends the rows one call each.
    """
    push.report.feeds += 1
    try:
        results = push.connector.push_stock_feed(stock_items(rows, push.listings, push.quantities))
    except ConnectorError as exc:
        return _settle_refusal(exc, push, rows, remaining=rows, throttle_pauses_channel=False)
    apply_results(push, rows, results)
    return False


def _settle_refusal(
    exc: ConnectorError,
    push: PushRound,
    batch: list[StockOutbox],
    *,
    remaining: list[StockOutbox],
    throttle_pauses_channel: bool,
) -> bool:
    """The one policy for a marketplace that refused a push; True when the run must stop.

    - Credentials refused: every remaining row waits (no attempt counted), the channel is marked
      and the run stops; new credentials resume it, nothing is lost.
    - Throttled past the short waits: every remaining row waits as long as told (no attempt
      counted). A batch call pauses the channel until then and queues a push for that moment;
      a feed only waits (its rows go one call each next round).
    - Any other error: the batch retries with backoff if the error may pass, else fails with
      the marketplace's reason (shown on the channel page); the run goes on.
    """
    report = push.report
    if isinstance(exc, AuthExpired):
        mark_retry(remaining, error=exc.message, delay=60, count_attempt=False)
        credentials_expired_record(channel=push.channel, message=exc.message)
        report.stopped = "credentials expired"
        report.retrying += len(remaining)
        return True
    if isinstance(exc, Throttled):
        wait = exc.retry_after or (60.0 if throttle_pauses_channel else 5.0)
        mark_retry(remaining, error=exc.message, delay=wait, count_attempt=False)
        report.retrying += len(remaining)
        if not throttle_pauses_channel:
            return False
        ChannelSync.objects.filter(channel_id=push.channel.pk).update(
            throttled_until=timezone.now() + timedelta(seconds=wait), throttle_count=F("throttle_count") + 1
        )
        _schedule_after(push.channel.pk, wait)
        report.stopped = "throttled"
        return True
    if exc.retryable:
        mark_retry(batch, error=exc.message)
        report.retrying += len(batch)
    else:
        mark_failed(batch, {row.sku_id: exc.message for row in batch})
        report.failed += len(batch)
        report.errors.append(exc.message)
    return False


def stock_items(rows: list[StockOutbox], listings: dict[int, Listing], quantities: dict[int, int]) -> list[StockItem]:
    """What the connector sends for each row: the listing's ids on the channel and the quantity to show."""
    return [
        StockItem(
            sku_id=row.sku_id,
            external_sku=listings[row.sku_id].external_sku,
            external_id=listings[row.sku_id].external_id,
            ref=listings[row.sku_id].inventory_ref or listings[row.sku_id].external_id,
            quantity=quantities[row.sku_id],
            previous=listings[row.sku_id].last_pushed_quantity,
        )
        for row in rows
    ]


def _push_honouring_short_throttles(push: PushRound, items: list[StockItem]) -> list[PushResult]:
    """Push one batch; on a short throttle wait as told (Retry-After, restore rate) and send it again."""
    for _attempt in range(20):
        keep_lease()  # a long throttled round must not let another pusher take the channel
        try:
            return push.connector.push_stock(items)
        except Throttled as exc:
            wait = exc.retry_after or 1.0
            if wait > SHORT_THROTTLE_SECONDS:
                raise
            ChannelSync.objects.filter(channel_id=push.channel.pk).update(throttle_count=F("throttle_count") + 1)
            time.sleep(wait)
    raise Throttled("Still throttled after 20 waits.", retry_after=SHORT_THROTTLE_SECONDS)


def _schedule_after(channel_id: int, seconds: float) -> None:
    queue_or_leave_to_beat(push_channel_task, channel_id, countdown=seconds)


def apply_results(push: PushRound, batch: list[StockOutbox], results: list[PushResult]) -> None:
    """Mark each row by the marketplace's answer for its SKU and record what the listing now shows."""
    listings, quantities, report = push.listings, push.quantities, push.report
    by_sku = {result.sku_id: result for result in results}
    ok = [row for row in batch if by_sku[row.sku_id].ok]
    retry = [row for row in batch if not by_sku[row.sku_id].ok and by_sku[row.sku_id].retryable]
    failed = [row for row in batch if not by_sku[row.sku_id].ok and not by_sku[row.sku_id].retryable]
    now = timezone.now()
    with transaction.atomic():
        requeued = mark_applied(ok, quantities)
        for row in retry:
            mark_retry([row], error=by_sku[row.sku_id].error)
        mark_failed(failed, {row.sku_id: by_sku[row.sku_id].error for row in failed})
        changed = []
        for row in ok:
            listing = listings[row.sku_id]
            listing.last_pushed_quantity = quantities[row.sku_id]
            listing.last_pushed_at = now
            listing.error = ""
            changed.append(listing)
        for row in failed:
            listing = listings[row.sku_id]
            listing.error = by_sku[row.sku_id].error[:300]
            changed.append(listing)
        Listing.objects.bulk_update(changed, ["last_pushed_quantity", "last_pushed_at", "error"])
    prioritise_requeued(requeued)
    report.pushed += len(ok)
    report.retrying += len(retry)
    report.failed += len(failed)
    report.errors.extend(f"{listings[row.sku_id].external_sku}: {by_sku[row.sku_id].error}" for row in failed)
