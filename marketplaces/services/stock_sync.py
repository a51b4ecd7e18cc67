"""Pushing stock to channels from the outbox, and reconciling what they show.

`channel_push(channel_id=..., hold=True)` is what the worker runs (Celery task `push_channel_task`):

0. With `hold`, a channel is flushed only when its due SKUs fill a batch (then only whole
   batches go) or when its oldest pending change has waited the channel's *max wait*
   (`ChannelSync.push_max_wait`, else settings.CHANNELS_PUSH_MAX_WAIT_SECONDS); whole batches
   go early only when they carry CHANNELS_PUSH_FILL_SKUS SKUs (a burst, a re-sync): a batch API
   gets few, full calls, and no change waits longer than the max wait before it is sent. The
   report says when to look again (`next_check`); the task re-queues itself for then.
1. One pusher per channel at a time (a cache lock with a lease), so pushes to one channel
   never overtake each other.
2. Claim due rows (pending, or in flight past their lease: a worker died mid-push) in one
   short transaction: state `in_flight`, `claimed_generation = generation`.
3. Compute each SKU's channel quantity *now* from the ledger-backed ATP (so many changes
   become one absolute value), skip those the channel already shows (unless re-syncing),
   and push the rest in batches of the connector's batch size, each call through the
   channel's shared token bucket. Amazon: more than `CHANNELS_AMAZON_FEED_THRESHOLD` SKUs
   due and the Feeds plans allowing one now -> one JSON_LISTINGS_FEED for all of them (its
   processing report says which failed); else one patchListingsItem per SKU.
4. Mark each row: applied if no change arrived since the claim (else pending again, to push
   the newer value), pending with backoff on a retryable failure or throttle (Retry-After
   honoured), failed with the channel's reason on a permanent one. Expired credentials stop
   the run and mark the channel; nothing is lost, the rows stay pending.

No database lock is held while calling the marketplace: a slow or throttling marketplace must not block orders.
"""

from __future__ import annotations

import logging
import random
import secrets
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Case, CharField, Count, DateTimeField, F, IntegerField, Min, Q, Value, When
from django.utils import timezone

from channels.models import Channel
from marketplaces.availability import channel_available, channel_quantity, feeding_atp, policies
from marketplaces.connectors import (
    AuthExpired,
    Connector,
    ConnectorError,
    PushResult,
    StockItem,
    Throttled,
    connector_for,
)
from marketplaces.connectors.amazon import AmazonConnector
from marketplaces.leases import lease_acquire, lease_refresh, lease_release, lease_token
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
from marketplaces.outbox import outbox_coalesce, push_soon_on_commit
from marketplaces.services.log import sync_log
from marketplaces.tasks import push_channel_task

logger = logging.getLogger(__name__)


def claim_lease_seconds() -> float:
    """An in-flight row older than this belongs to a worker that died (settings.CHANNELS_CLAIM_LEASE_SECONDS)."""
    return float(getattr(settings, "CHANNELS_CLAIM_LEASE_SECONDS", 120))


def push_max_wait(sync: ChannelSync) -> float:
    """Seconds a pending change may wait to be gathered into a fuller batch (the channel's, else settings)."""
    if sync.push_max_wait is not None:
        return float(sync.push_max_wait)
    return float(getattr(settings, "CHANNELS_PUSH_MAX_WAIT_SECONDS", 4.0))


def amazon_feed_threshold() -> int:
    """More pending SKUs than this on an Amazon channel go by JSON_LISTINGS_FEED (when its plans allow)."""
    return int(getattr(settings, "CHANNELS_AMAZON_FEED_THRESHOLD", 50))


MAX_BACKOFF_SECONDS = 300
CLAIM_BATCHES = 4  # rows claimed per round: this many full batches


@dataclass
class PushReport:
    channel_id: int
    pushed: int = 0
    skipped: int = 0
    retrying: int = 0
    failed: int = 0
    calls: int = 0
    throttled: int = 0
    feeds: int = 0
    held: int = 0  # due SKUs left to gather into a fuller batch
    next_check: float | None = None  # seconds until this channel should be looked at again
    stopped: str = ""
    errors: list[str] = field(default_factory=list)


def backoff_seconds(attempts: int) -> float:
    """Exponential backoff with jitter: 2, 4, 8 … seconds, at most five minutes."""
    return min(MAX_BACKOFF_SECONDS, 2 ** max(attempts, 1)) * (0.8 + 0.4 * random.random())


def _observer() -> Callable[..., None] | None:
    """An optional callable told of every applied push (the sync benchmark measures latency with it)."""
    return getattr(settings, "CHANNELS_PUSH_OBSERVER", None)


def _claim(channel_id: int, limit: int, cutoff: datetime) -> list[StockOutbox]:
    now = timezone.now()
    stale = now - timedelta(seconds=claim_lease_seconds())
    with transaction.atomic():
        ids = list(
            StockOutbox.objects.select_for_update(skip_locked=True)
            .filter(
                Q(state=PushState.PENDING, next_attempt_at__lte=now, changed_at__lte=cutoff)
                | Q(state=PushState.IN_FLIGHT, claimed_at__lt=stale),
                channel_id=channel_id,
            )
            .order_by("changed_at", "pk")
            .values_list("pk", flat=True)[:limit]
        )
        if not ids:
            return []
        # A fresh token per claim: only this claim's marks count (a stale pusher's marks after a
        # take-over match nothing).
        StockOutbox.objects.filter(pk__in=ids).update(
            state=PushState.IN_FLIGHT,
            claimed_at=now,
            claimed_generation=F("generation"),
            claim_token=secrets.token_hex(8),
        )
        return list(StockOutbox.objects.filter(pk__in=ids).order_by("changed_at", "pk"))


def _owned(rows: Sequence[StockOutbox]) -> list[int]:
    """Lock the rows still under their own claim, in (channel, SKU) order; their pks.

    Precondition: inside a transaction. The order is the coalescer's (`marketplaces.outbox`), so
    marks and coalescing never deadlock; a row taken over by another pusher (a new claim
    token) is left out, so a stale pusher's marks change nothing. A change coalesced during
    the push keeps the claim: the mark's generation check sends the newer value next.
    """
    owned = Q(pk__in=[])
    for token in sorted({row.claim_token for row in rows}):
        owned |= Q(claim_token=token, pk__in=[row.pk for row in rows if row.claim_token == token])
    return list(
        StockOutbox.objects.select_for_update()
        .filter(owned)
        .order_by("channel_id", "sku_id")
        .values_list("pk", flat=True)
    )


def _mark_applied(rows: Sequence[StockOutbox], quantities: dict[int, int]) -> None:
    """Applied unless a change arrived since the claim (then pending again: the newer value goes next)."""
    if not rows:
        return
    now = timezone.now()
    with transaction.atomic():
        pks = _owned(rows)
        if not pks:
            return
        StockOutbox.objects.filter(pk__in=pks).update(
            state=Case(
                When(generation=F("claimed_generation"), then=Value(PushState.APPLIED)),
                default=Value(PushState.PENDING),
            ),
            quantity=Case(
                *[When(pk=row.pk, then=Value(quantities[row.sku_id])) for row in rows], output_field=IntegerField()
            ),
            applied_at=now,
            next_attempt_at=now,
            attempts=0,
            last_error="",
            force=Case(When(generation=F("claimed_generation"), then=Value(False)), default=F("force")),
        )


def _mark_retry(
    rows: Sequence[StockOutbox], *, error: str, delay: float | None = None, count_attempt: bool = True
) -> None:
    """Pending again after `delay` (else exponential backoff), for the rows this claim still owns."""
    if not rows:
        return
    now = timezone.now()
    increment = 1 if count_attempt else 0
    with transaction.atomic():
        pks = _owned(rows)
        if not pks:
            return
        StockOutbox.objects.filter(pk__in=pks).update(
            state=PushState.PENDING,
            attempts=F("attempts") + increment,
            next_attempt_at=Case(
                *[
                    When(
                        pk=row.pk,
                        then=Value(
                            now
                            + timedelta(
                                seconds=delay if delay is not None else backoff_seconds(row.attempts + increment)
                            )
                        ),
                    )
                    for row in rows
                ],
                output_field=DateTimeField(),
            ),
            last_error=error[:500],
        )


def _mark_failed(rows: Sequence[StockOutbox], errors: dict[int, str]) -> None:
    """Failed with the channel's reason (pending if a change arrived since the claim), for owned rows."""
    if not rows:
        return
    with transaction.atomic():
        pks = _owned(rows)
        if not pks:
            return
        StockOutbox.objects.filter(pk__in=pks).update(
            state=Case(
                When(generation=F("claimed_generation"), then=Value(PushState.FAILED)),
                default=Value(PushState.PENDING),
            ),
            attempts=F("attempts") + 1,
            last_error=Case(
                *[When(pk=row.pk, then=Value(errors[row.sku_id][:500])) for row in rows],
                output_field=CharField(),
            ),
        )


def channel_push(*, channel_id: int, max_rounds: int = 1000, max_wait: float = 60.0, hold: bool = False) -> PushReport:
    """Push a channel's pending stock (see the module docstring). Safe to run concurrently and to repeat.

    One pass: rows changed after the pass began wait for the next pass (the next queued task,
    or the beat re-drive), so changes arriving during a push are gathered into the next batch
    instead of trickling out one call at a time. With `hold`, the pass sends only whole
    batches until the oldest change has waited the channel's max wait (then everything due);
    without it (re-sync buttons, tests), everything due goes now.
    """
    outbox_coalesce()  # the stock change log becomes pending rows first (every channel's, in one pass)
    report = PushReport(channel_id=channel_id)
    lock_key = f"channels:pusher:{channel_id}"
    token = lease_token()
    if not lease_acquire(lock_key, token, seconds=_lease_seconds()):
        report.next_check = 1.0  # another worker is pushing this channel; look again soon
        return report
    _held_lease.key, _held_lease.token = lock_key, token
    try:
        _push_rounds(
            channel_id,
            report,
            max_rounds=max_rounds,
            max_wait=max_wait,
            lock_key=lock_key,
            cutoff=timezone.now(),
            hold=hold,
        )
        _forget_removed_listings(channel_id)
    finally:
        _held_lease.key = None
        lease_release(lock_key, token)  # compare-and-delete: never a successor's lease
    return report


_held_lease = threading.local()


def _lease_seconds() -> int:
    return max(1, int(claim_lease_seconds()))


def _keep_lease() -> None:
    """Extend this thread's pusher lease (before each round and each batch), if it still holds it."""
    key = getattr(_held_lease, "key", None)
    if key:
        lease_refresh(key, _held_lease.token, seconds=_lease_seconds())


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


def push_fill_skus() -> int:
    """Whole batches go before the max wait only when they carry at least this many SKUs in all."""
    return int(getattr(settings, "CHANNELS_PUSH_FILL_SKUS", 250))


def flush_plan(
    *, due: int, oldest_age: float, batch_size: int, max_wait: float, fill: int = 0
) -> tuple[int | None, float | None]:
    """How many due SKUs to send now (None: all of them) and when to look again (None: nothing left).

    Pure: everything once the oldest change has waited `max_wait`; before that, only whole
    batches, and only when they carry at least `fill` SKUs (a small batch API such as eBay's 25
    would otherwise re-send its bestsellers in batch after batch); else nothing until the
    oldest change is `max_wait` old.
    """
    if due <= 0:
        return 0, None
    if oldest_age >= max_wait:
        return None, None
    whole = (due // batch_size) * batch_size
    return (whole if whole >= fill else 0), max(0.05, max_wait - oldest_age)


def _due_summary(channel_id: int, cutoff: datetime) -> tuple[int, float, bool]:
    """(due rows, age of the oldest change among them in seconds, any taken over from a dead worker)."""
    now = timezone.now()
    stale = now - timedelta(seconds=claim_lease_seconds())
    due = StockOutbox.objects.filter(
        Q(state=PushState.PENDING, next_attempt_at__lte=now, changed_at__lte=cutoff)
        | Q(state=PushState.IN_FLIGHT, claimed_at__lt=stale),
        channel_id=channel_id,
    ).aggregate(
        n=Count("pk"),
        oldest=Min("changed_at"),
        orphaned=Count("pk", filter=Q(state=PushState.IN_FLIGHT)),
    )
    oldest = due["oldest"]
    age = (now - oldest).total_seconds() if oldest else 0.0
    return int(due["n"]), age, bool(due["orphaned"])


def _has_due(channel_id: int) -> bool:
    return StockOutbox.objects.filter(
        channel_id=channel_id, state=PushState.PENDING, next_attempt_at__lte=timezone.now()
    ).exists()


def _pushable(channel: Channel) -> str:
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


def _push_rounds(
    channel_id: int,
    report: PushReport,
    *,
    max_rounds: int,
    max_wait: float,
    lock_key: str,
    cutoff: datetime,
    hold: bool = False,
) -> None:
    channel = Channel.objects.select_related("sync").get(pk=channel_id)
    report.stopped = _pushable(channel)
    if report.stopped:
        return
    sync = channel.sync
    budget: int | None = None  # rows this pass may send (None: all due)
    connector = connector_for(channel, max_wait=max_wait)
    feeds = isinstance(connector, AmazonConnector)
    if hold:
        due_count, oldest_age, orphaned = _due_summary(channel_id, cutoff)
        # Amazon gathers changes for one feed when more than the threshold are due and its plans allow
        # one now, else sends each at once (one SKU per call); other channels gather whole batches.
        batch = connector.batch_size
        if isinstance(connector, AmazonConnector) and due_count > amazon_feed_threshold() and connector.feed_ready():
            batch = connector.feed_max_messages  # enough for a feed: gather until the max wait
        budget, report.next_check = flush_plan(
            due=due_count,
            oldest_age=oldest_age,
            batch_size=batch,
            max_wait=push_max_wait(sync),
            fill=batch if batch == 1 else max(push_fill_skus(), batch),  # one SKU a call: no reason to hold
        )
        if orphaned:  # rows of a worker that died: push now
            budget = None
        if budget == 0:
            report.held = due_count
            connector.close()
            return
    feeding_ids = list(sync.feeding_locations.values_list("pk", flat=True))
    observer = _observer()
    threshold = amazon_feed_threshold()
    try:
        for _round in range(max_rounds):
            _keep_lease()  # still alive: keep the channel (compare-and-refresh)
            limit = connector.batch_size * CLAIM_BATCHES
            use_feed = False
            if feeds and isinstance(connector, AmazonConnector):
                due_now = _due_summary(channel_id, cutoff)[0] if budget is None else budget
                if due_now > threshold and connector.feed_ready():
                    limit, use_feed = connector.feed_max_messages, True
            if budget is not None:
                limit = min(limit, budget)
                if limit <= 0:
                    break
            rows = _claim(channel_id, limit, cutoff)
            if not rows:
                break
            if budget is not None:
                budget -= len(rows)
            claimed_at = time.time()
            listings = {
                listing.sku_id: listing
                for listing in Listing.objects.filter(channel_id=channel_id, sku_id__in=[r.sku_id for r in rows])
            }
            orphans = [row for row in rows if row.sku_id not in listings]
            if orphans:  # no listing row left (so no channel id to send 0 to): forget the push
                with transaction.atomic():
                    StockOutbox.objects.filter(pk__in=_owned(orphans)).delete()
            rows = [row for row in rows if row.sku_id in listings]
            quantities = _quantities(sync, feeding_ids, [row.sku_id for row in rows])
            for row in rows:  # a listing being removed shows 0 before it is forgotten (`listing_delete`)
                if listings[row.sku_id].removing:
                    quantities[row.sku_id] = 0
            due, unchanged = [], []
            for row in rows:
                listing = listings[row.sku_id]
                if row.force or listing.last_pushed_quantity != quantities[row.sku_id] or listing.error:
                    due.append(row)
                else:
                    unchanged.append(row)
            _mark_applied(unchanged, quantities)
            report.skipped += len(unchanged)
            if observer is not None:  # already shown by the channel: visible as of now
                for row in unchanged:
                    observer(
                        channel_id=row.channel_id,
                        sku_id=row.sku_id,
                        quantity=quantities[row.sku_id],
                        claimed_at=claimed_at,
                        done_at=time.time(),
                        sent=False,
                    )
            if use_feed and due and isinstance(connector, AmazonConnector):
                stop = _push_feed(channel, connector, due, listings, quantities, report, observer, claimed_at)
            else:
                stop = _push_batches(channel, connector, due, listings, quantities, report, observer, claimed_at)
            if stop:
                break
    finally:
        report.calls += connector.calls
        report.throttled += connector.throttled
        connector.close()
        _record_health(channel, report)


def _quantities(sync: ChannelSync, feeding_ids: list[int], sku_ids: list[int]) -> dict[int, int]:

    atp = feeding_atp(sync, sku_ids, feeding_ids=feeding_ids)
    rules = policies(sync, sku_ids)
    return {sku_id: channel_quantity(atp[sku_id], rules[sku_id]) for sku_id in sku_ids}


def _push_batches(
    channel: Channel,
    connector: object,
    rows: list[StockOutbox],
    listings: dict[int, Listing],
    quantities: dict[int, int],
    report: PushReport,
    observer: Callable[..., None] | None,
    claimed_at: float,
) -> bool:
    """Push claimed rows batch by batch; True when the run must stop (credentials, throttling)."""

    assert isinstance(connector, Connector)
    size = connector.batch_size
    for start in range(0, len(rows), size):
        batch = rows[start : start + size]
        items = _stock_items(batch, listings, quantities)
        try:
            results = _push_honouring_short_throttles(connector, items, report)
        except AuthExpired as exc:
            _mark_retry(rows[start:], error=exc.message, delay=60, count_attempt=False)
            _credentials_expired(channel, exc.message)
            report.stopped = "credentials expired"
            report.retrying += len(rows) - start
            return True
        except Throttled as exc:
            # A long throttle (a daily quota): leave everything pending until the channel allows calls again.
            wait = exc.retry_after or 60.0
            _mark_retry(rows[start:], error=exc.message, delay=wait, count_attempt=False)
            report.retrying += len(rows) - start
            ChannelSync.objects.filter(channel_id=channel.pk).update(
                throttled_until=timezone.now() + timedelta(seconds=wait), throttle_count=F("throttle_count") + 1
            )
            _schedule_after(channel.pk, wait)
            report.stopped = "throttled"
            return True
        except ConnectorError as exc:
            if exc.retryable:
                _mark_retry(batch, error=exc.message)
                report.retrying += len(batch)
            else:
                _mark_failed(batch, {row.sku_id: exc.message for row in batch})
                report.failed += len(batch)
                report.errors.append(exc.message)
            continue
        _apply_results(batch, results, listings, quantities, report, observer, claimed_at)
    return False


def _stock_items(rows: list[StockOutbox], listings: dict[int, Listing], quantities: dict[int, int]) -> list[StockItem]:
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


def _push_feed(
    channel: Channel,
    connector: AmazonConnector,
    rows: list[StockOutbox],
    listings: dict[int, Listing],
    quantities: dict[int, int],
    report: PushReport,
    observer: Callable[..., None] | None,
    claimed_at: float,
) -> bool:
    """Push claimed rows as one Amazon JSON_LISTINGS_FEED; True when the run must stop.

    The feed's processing report gives a result per SKU, so only the SKUs it refused are
    retried (or failed, for a data error), exactly as with per-SKU calls.
    """
    report.feeds += 1
    try:
        results = connector.push_stock_feed(_stock_items(rows, listings, quantities))
    except AuthExpired as exc:
        _mark_retry(rows, error=exc.message, delay=60, count_attempt=False)
        _credentials_expired(channel, exc.message)
        report.stopped = "credentials expired"
        report.retrying += len(rows)
        return True
    except Throttled as exc:
        _mark_retry(rows, error=exc.message, delay=exc.retry_after or 5.0, count_attempt=False)
        report.retrying += len(rows)
        return False  # the next round falls back to patchListingsItem
    except ConnectorError as exc:
        if exc.retryable:
            _mark_retry(rows, error=exc.message)
            report.retrying += len(rows)
        else:
            _mark_failed(rows, {row.sku_id: exc.message for row in rows})
            report.failed += len(rows)
            report.errors.append(exc.message)
        return False
    _apply_results(
        rows, results, listings, quantities, report, observer, claimed_at, done_at=connector.last_feed_done_at
    )
    return False


SHORT_THROTTLE_SECONDS = 30.0


def _push_honouring_short_throttles(connector: object, items: list[StockItem], report: PushReport) -> list[PushResult]:
    """Push one batch; on a short throttle wait as told (Retry-After, restore rate) and send it again."""

    assert isinstance(connector, Connector)
    for _attempt in range(20):
        _keep_lease()  # a long throttled round must not let another pusher take the channel
        try:
            return connector.push_stock(items)
        except Throttled as exc:
            wait = exc.retry_after or 1.0
            if wait > SHORT_THROTTLE_SECONDS:
                raise
            ChannelSync.objects.filter(channel_id=report.channel_id).update(throttle_count=F("throttle_count") + 1)
            time.sleep(wait)
    raise Throttled("Still throttled after 20 waits.", retry_after=SHORT_THROTTLE_SECONDS)


def _schedule_after(channel_id: int, seconds: float) -> None:

    try:
        push_channel_task.apply_async(args=(channel_id,), countdown=seconds)
    except Exception:
        logger.exception("Could not schedule the push of channel %s; the beat re-drive will.", channel_id)


def _apply_results(
    batch: list[StockOutbox],
    results: list[PushResult],
    listings: dict[int, Listing],
    quantities: dict[int, int],
    report: PushReport,
    observer: Callable[..., None] | None,
    claimed_at: float,
    done_at: float | None = None,
) -> None:
    by_sku = {result.sku_id: result for result in results}
    ok = [row for row in batch if by_sku[row.sku_id].ok]
    retry = [row for row in batch if not by_sku[row.sku_id].ok and by_sku[row.sku_id].retryable]
    failed = [row for row in batch if not by_sku[row.sku_id].ok and not by_sku[row.sku_id].retryable]
    now = timezone.now()
    with transaction.atomic():
        _mark_applied(ok, quantities)
        for row in retry:
            _mark_retry([row], error=by_sku[row.sku_id].error)
        _mark_failed(failed, {row.sku_id: by_sku[row.sku_id].error for row in failed})
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
    report.pushed += len(ok)
    report.retrying += len(retry)
    report.failed += len(failed)
    report.errors.extend(f"{listings[row.sku_id].external_sku}: {by_sku[row.sku_id].error}" for row in failed)
    if observer is not None:
        done = done_at or time.time()
        for row in ok:
            observer(
                channel_id=row.channel_id,
                sku_id=row.sku_id,
                quantity=quantities[row.sku_id],
                claimed_at=claimed_at,
                done_at=done,
                sent=True,
            )


def _credentials_expired(channel: Channel, message: str) -> None:
    ChannelSync.objects.filter(channel_id=channel.pk).update(
        credential_status=CredentialStatus.EXPIRED, credential_error=message[:300]
    )
    sync_log(
        channel_id=channel.pk,
        kind=SyncKind.CREDENTIALS,
        level=SyncLevel.ERROR,
        message=f"{channel.name} refused our credentials: {message}",
        action="Enter new credentials on the channel's connection form. Sync is paused until then; nothing is lost.",
    )


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


# --- Re-sync and reconciliation -----------------------------------------------------------------


def channel_resync(*, channel: Channel, sku_ids: Sequence[int] | None = None) -> int:
    """Queue a forced push of some SKUs (or every listed SKU) of a channel; returns how many.

    The pushes go through the outbox like any change, so they survive a crash and are
    throttled like any other; the channel page shows their progress.
    """
    listings = Listing.objects.filter(channel=channel)
    if sku_ids is not None:
        listings = listings.filter(sku_id__in=list(sku_ids))
    ids = list(listings.values_list("sku_id", flat=True))
    now = timezone.now()
    with transaction.atomic():
        # lock in (channel, SKU) order, as the coalescer upserts, so a re-sync never deadlocks with it
        locked = StockOutbox.objects.select_for_update().filter(channel=channel, sku_id__in=ids).order_by("sku_id")
        existing = set(locked.values_list("sku_id", flat=True))
        StockOutbox.objects.filter(channel=channel, sku_id__in=ids).update(
            state=PushState.PENDING,
            force=True,
            generation=F("generation") + 1,
            next_attempt_at=now,
            changed_at=now,
            attempts=0,
        )
        StockOutbox.objects.bulk_create(
            [
                StockOutbox(channel=channel, sku_id=sku_id, changed_at=now, next_attempt_at=now, force=True)
                for sku_id in ids
                if sku_id not in existing
            ],
            ignore_conflicts=True,
        )
        ChannelSync.objects.filter(channel=channel).update(resync_total=len(ids), resync_started_at=now)

        push_soon_on_commit([channel.pk])
    return len(ids)


def channel_reconcile(*, channel_id: int, grace_seconds: float = 30.0) -> int:
    """Read stock back from the channel and queue a push for every SKU that differs; returns how many.

    A SKU pushed within `grace_seconds` is left alone (the marketplace may not show a fresh
    write yet: eventual consistency); so is a SKU with a push already pending.
    """
    channel = Channel.objects.select_related("sync").get(pk=channel_id)
    if _pushable(channel) not in ("", "throttled"):
        return 0
    listings = list(Listing.objects.filter(channel=channel))
    if not listings:
        return 0
    expected = channel_available(channel.sync, [listing.sku_id for listing in listings])
    items = [
        StockItem(
            sku_id=listing.sku_id,
            external_sku=listing.external_sku,
            external_id=listing.external_id,
            ref=listing.inventory_ref or listing.external_id,
            quantity=expected[listing.sku_id],
        )
        for listing in listings
    ]
    connector = connector_for(channel)
    try:
        shown = connector.read_stock(items)
    except AuthExpired as exc:
        _credentials_expired(channel, exc.message)
        return 0
    except ConnectorError as exc:
        sync_log(
            channel_id=channel.pk,
            kind=SyncKind.RECONCILE,
            level=SyncLevel.WARNING,
            message=f"Could not read stock back: {exc.message}",
            calls=connector.calls,
        )
        return 0
    finally:
        connector.close()
    now = timezone.now()
    # Pushes pending or in flight will set the value anyway; a failed one is checked again (the
    # listing may have been fixed on the channel), so a failure is never skipped forever.
    busy = set(
        StockOutbox.objects.filter(channel=channel, state__in=[PushState.PENDING, PushState.IN_FLIGHT]).values_list(
            "sku_id", flat=True
        )
    )
    drift = []
    for listing in listings:
        seen = shown.get(listing.sku_id)
        recent = listing.last_pushed_at and (now - listing.last_pushed_at).total_seconds() < grace_seconds
        if listing.sku_id in busy or recent:
            continue
        if seen is None or seen != expected[listing.sku_id]:
            drift.append((listing, seen))
    Listing.objects.filter(channel=channel, sku_id__in=list(shown)).update(last_seen_at=now)
    for listing in listings:
        if listing.sku_id in shown:
            Listing.objects.filter(pk=listing.pk).update(last_seen_quantity=shown[listing.sku_id])
    if drift:
        channel_resync(channel=channel, sku_ids=[listing.sku_id for listing, _ in drift])
    ChannelSync.objects.filter(channel=channel).update(last_reconcile_at=now, drift_found=len(drift))
    examples = ", ".join(
        f"{listing.external_sku} showed {seen if seen is not None else 'nothing'}, should be {expected[listing.sku_id]}"
        for listing, seen in drift[:5]
    )
    sync_log(
        channel_id=channel.pk,
        kind=SyncKind.RECONCILE,
        level=SyncLevel.WARNING if drift else SyncLevel.INFO,
        message=(
            f"Drift on {len(drift)} of {len(listings)} SKU(s), corrected by a push: {examples}."
            if drift
            else f"All {len(listings)} SKU(s) match."
        ),
        calls=connector.calls,
    )
    return len(drift)
