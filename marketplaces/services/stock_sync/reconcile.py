"""Re-sync (a forced push of some or all listed SKUs) and reconciliation (read back, correct drift)."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from channels.models import Channel
from marketplaces.availability import channel_available
from marketplaces.connectors import (
    AuthExpired,
    ConnectorError,
    StockItem,
    connector_for,
)
from marketplaces.models import (
    ChannelSync,
    Listing,
    PushState,
    StockOutbox,
    SyncKind,
    SyncLevel,
)
from marketplaces.outbox import push_soon_on_commit
from marketplaces.services.log import credentials_expired_record, sync_log
from marketplaces.services.stock_sync.push import push_refusal

logger = logging.getLogger(__name__)


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
    if push_refusal(channel) not in ("", "throttled"):
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
        credentials_expired_record(channel=channel, message=exc.message)
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
