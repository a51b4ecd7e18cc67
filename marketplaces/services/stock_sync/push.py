"""One push run of a channel: the pusher lease, the rounds of claims, what each SKU should show now."""

from __future__ import annotations

import logging
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from channels.models import Channel
from marketplaces.availability import channel_available_and_keeps
from marketplaces.connectors import (
    Connector,
    connector_for,
)
from marketplaces.models import (
    CONNECTOR_KINDS,
    ChannelSync,
    CredentialStatus,
    Listing,
    PushState,
    StockOutbox,
    SyncKind,
    SyncLevel,
)
from marketplaces.outbox import outbox_coalesce
from marketplaces.services.log import sync_log
from marketplaces.services.stock_sync.caps import cap_raises, mark_capped
from marketplaces.services.stock_sync.claims import (
    claim_rows,
    due_summary,
    mark_applied,
    owned_row_ids,
    prioritise_requeued,
)
from marketplaces.services.stock_sync.lease import keep_lease, pusher_lease
from marketplaces.services.stock_sync.plan import (
    CLAIM_BATCHES,
    PushReport,
    amazon_feed_threshold,
    flush_plan,
    push_fill_skus,
    push_max_wait,
)
from marketplaces.services.stock_sync.send import PushRound, push_batches, push_feed

logger = logging.getLogger(__name__)


def channel_push(*, channel_id: int, max_rounds: int = 1000, max_wait: float = 60.0, hold: bool = False) -> PushReport:
    """Push a channel's pending stock (see the package docstring). Safe to run concurrently and to repeat.

    One pass: rows changed after the pass began, or not yet committed when a held pass counted
    what was due, wait for the next pass (the next queued task, or the beat re-drive), so changes
    arriving during a push are gathered into the next batch instead of trickling out one call at
    a time. With `hold`, the pass sends only whole batches until the oldest change has waited the
    channel's max wait (then everything counted as due); without it (re-sync buttons, tests),
    everything due goes now.
    """
    outbox_coalesce()  # the stock change feed becomes pending rows first (every channel's, in one pass)
    report = PushReport(channel_id=channel_id)
    with pusher_lease(channel_id) as held:
        if not held:
            report.next_check = 1.0  # another worker is pushing this channel; look again soon
            return report
        channel = Channel.objects.select_related("sync").get(pk=channel_id)
        report.stopped = push_refusal(channel)
        if not report.stopped:
            _push_rounds(channel, report, max_rounds=max_rounds, max_wait=max_wait, hold=hold)
        _forget_removed_listings(channel_id)
    return report


def _forget_removed_listings(channel_id: int) -> int:
    """Delete the listings being removed once the channel shows 0 for them (and their outbox rows)."""
    done = list(
        Listing.objects.filter(channel_id=channel_id, removing=True, last_pushed_quantity=0, error="")
        .exclude(
            sku_id__in=StockOutbox.objects.filter(channel_id=channel_id)
            .exclude(state=PushState.APPLIED)
            .values("sku_id")
        )
        .values_list("pk", "sku_id")
    )
    if not done:
        return 0
    with transaction.atomic():
        StockOutbox.objects.filter(channel_id=channel_id, sku_id__in=[sku_id for _, sku_id in done]).delete()
        Listing.objects.filter(pk__in=[pk for pk, _ in done], removing=True).delete()
    return len(done)


def push_refusal(channel: Channel) -> str:
    """Why the channel must not be pushed to now ("" if it may)."""
    if not channel.is_active:
        return "disabled"
    if channel.kind not in CONNECTOR_KINDS:
        return "no connector"
    sync = channel.sync
    if not sync.sync_stock:
        return "stock sync off"
    if sync.credential_status == CredentialStatus.EXPIRED:
        return "credentials expired"
    if sync.throttled_until and sync.throttled_until > timezone.now():
        return "throttled"
    return ""


def _held_back(channel: Channel, connector: Connector, report: PushReport, cutoff: datetime) -> int | None:
    """How many due rows this held pass may send (None: all); sets when to look again.

    A connector that takes stock feeds gathers changes for one feed when more than the
    threshold are due and it may send one now; else it sends each at once (one SKU per call).
    Other channels gather whole batches until the max wait.
    """
    due_count, oldest_age, orphaned = due_summary(channel.pk, cutoff)
    batch = connector.batch_size
    if connector.supports_stock_feeds and due_count > amazon_feed_threshold() and connector.feed_ready():
        batch = connector.feed_max_messages  # enough for a feed: gather until the max wait
    budget, report.next_check = flush_plan(
        due=due_count,
        oldest_age=oldest_age,
        batch_size=batch,
        max_wait=push_max_wait(channel.sync),
        fill=batch if batch == 1 else max(push_fill_skus(), batch),  # one SKU a call: no reason to hold
    )
    if orphaned:  # rows of a worker that died: push now
        return None
    if budget == 0:
        report.held = due_count
    # "Everything" means the rows counted now. A row another worker's coalescing pass dated
    # before this pass began but committed after it was counted would otherwise go out alone,
    # in a small call of its own right after the batch; it goes with the next batch instead.
    return due_count if budget is None else budget


def _push_rounds(channel: Channel, report: PushReport, *, max_rounds: int, max_wait: float, hold: bool) -> None:
    cutoff = timezone.now()
    connector = connector_for(channel, max_wait=max_wait)
    try:
        budget = _held_back(channel, connector, report, cutoff) if hold else None  # rows this pass may send
        if budget == 0:
            return
        feeding_ids = list(channel.sync.feeding_locations.values_list("pk", flat=True))
        for _round in range(max_rounds):
            keep_lease()  # still alive: keep the channel (compare-and-refresh)
            limit, use_feed = _round_size(channel, connector, budget, cutoff)
            if limit <= 0:
                break
            rows = claim_rows(channel.pk, limit, cutoff)
            if not rows:
                break
            if budget is not None:
                budget -= len(rows)
            if _push_claimed(channel, connector, report, rows, feeding_ids=feeding_ids, use_feed=use_feed):
                break
    finally:
        report.calls += connector.calls
        report.throttled += connector.throttled
        connector.close()
        _record_health(channel, report)


def _round_size(channel: Channel, connector: Connector, budget: int | None, cutoff: datetime) -> tuple[int, bool]:
    """How many rows to claim this round, and whether they go as one stock feed."""
    limit, use_feed = connector.batch_size * CLAIM_BATCHES, False
    if connector.supports_stock_feeds:
        due_now = due_summary(channel.pk, cutoff)[0] if budget is None else budget
        if due_now > amazon_feed_threshold() and connector.feed_ready():
            limit, use_feed = connector.feed_max_messages, True
    if budget is not None:
        limit = min(limit, budget)
    return limit, use_feed


def _push_claimed(
    channel: Channel,
    connector: Connector,
    report: PushReport,
    rows: list[StockOutbox],
    *,
    feeding_ids: list[int],
    use_feed: bool,
) -> bool:
    """Send what changed of the claimed rows (the rest is already shown); True when the run must stop."""
    listings = {
        listing.sku_id: listing
        for listing in Listing.objects.filter(channel_id=channel.pk, sku_id__in=[r.sku_id for r in rows])
    }
    orphans = [row for row in rows if row.sku_id not in listings]
    if orphans:  # no listing row left (so no channel id to send 0 to): forget the push
        with transaction.atomic():
            StockOutbox.objects.filter(pk__in=owned_row_ids(orphans)).delete()
    rows = [row for row in rows if row.sku_id in listings]
    quantities, keeps = channel_available_and_keeps(channel.sync, [row.sku_id for row in rows], feeding_ids=feeding_ids)
    for row in rows:  # a listing being removed shows 0 before it is forgotten (`listing_delete`)
        if listings[row.sku_id].removing:
            quantities[row.sku_id] = 0
    held = cap_raises(channel, connector, rows, listings, quantities, feeding_ids, keeps)
    mark_capped(held)  # the channel keeps what it shows; its next import re-drives the row
    report.capped += len(held)
    held_ids = {row.pk for row in held}
    rows = [row for row in rows if row.pk not in held_ids]
    due, unchanged = [], []
    for row in rows:
        listing = listings[row.sku_id]
        if row.force or listing.last_pushed_quantity != quantities[row.sku_id] or listing.error:
            due.append(row)
        else:
            unchanged.append(row)
    prioritise_requeued(mark_applied(unchanged, quantities))
    report.skipped += len(unchanged)
    push = PushRound(channel=channel, connector=connector, report=report, listings=listings, quantities=quantities)
    if use_feed and due:
        return push_feed(push, due)
    return push_batches(push, due)


def _record_health(channel: Channel, report: PushReport) -> None:
    if report.pushed:
        ChannelSync.objects.filter(channel_id=channel.pk).update(last_push_ok_at=timezone.now())
    if report.pushed or report.failed or report.retrying:
        level = SyncLevel.ERROR if report.failed else (SyncLevel.WARNING if report.retrying else SyncLevel.INFO)
        message = f"Pushed {report.pushed} SKU(s) in {report.calls} call(s)"
        if report.skipped:
            message += f", {report.skipped} already current"
        if report.retrying:
            message += f", {report.retrying} to retry"
        if report.throttled:
            message += f", throttled {report.throttled} times"
        if report.failed:
            message += f", {report.failed} failed: " + "; ".join(report.errors[:3])
        sync_log(
            channel_id=channel.pk,
            kind=SyncKind.PUSH,
            level=level,
            message=message + ".",
            action="Check the listing ids of the failed SKUs on the channel page, then re-sync them."
            if report.failed
            else "",
            calls=report.calls,
            data={"errors": report.errors[:50]},
        )
