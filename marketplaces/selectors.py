"""Reads for the channel pages: health at a glance, one channel's sync detail, listings, re-sync
progress, and what each channel may sell of a SKU."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Max, Min, OuterRef, Prefetch, QuerySet, Subquery
from django.shortcuts import get_object_or_404

from channels.models import Channel, ChannelApiKey
from marketplaces.availability import channel_available, channels_available
from marketplaces.models import ChannelOrder, ChannelOrderStatus, Listing, PushState, StockOutbox, StockOverride
from marketplaces.unheard import unheard_sales


def channel_health_list() -> QuerySet[Channel]:
    """Every channel with its sync health at a glance, in a constant number of queries.

    Annotates `pending_pushes`, `failed_pushes`, `oldest_pending_at` (lag), `held_orders`,
    `order_count`, `last_order_at`; `sync` is joined (None for channels never connected).
    """

    def outbox_count(*states: str) -> Subquery:
        return Subquery(
            StockOutbox.objects.filter(channel=OuterRef("pk"), state__in=states)
            .values("channel")
            .annotate(n=Count("pk"))
            .values("n")[:1]
        )

    held = Subquery(
        ChannelOrder.objects.filter(channel=OuterRef("pk"), status=ChannelOrderStatus.HELD)
        .values("channel")
        .annotate(n=Count("pk"))
        .values("n")[:1]
    )
    oldest = Subquery(
        StockOutbox.objects.filter(channel=OuterRef("pk"), state__in=[PushState.PENDING, PushState.IN_FLIGHT])
        .values("channel")
        .annotate(m=Min("changed_at"))
        .values("m")[:1]
    )
    keys = ChannelApiKey.objects.select_related("created_by").order_by("-created_at", "-id")
    return (
        Channel.objects.select_related("sync")
        .annotate(
            order_count=Count("orders", distinct=True),
            last_order_at=Max("orders__placed_at"),
            pending_pushes=outbox_count(PushState.PENDING, PushState.IN_FLIGHT),
            failed_pushes=outbox_count(PushState.FAILED),
            oldest_pending_at=oldest,
            held_orders=held,
        )
        .prefetch_related(Prefetch("api_keys", queryset=keys))
        .order_by("code")
    )


def channel_detail_get(*, code: str) -> Channel:
    """One channel with its sync settings (404 if unknown)."""
    return get_object_or_404(Channel.objects.select_related("sync"), code=code)


def listing_rows(*, channel: Channel, query: str = "", limit: int = 100) -> list[dict[str, object]]:
    """A channel's listings with our SKU, its channel available-to-sell now, the units of it held back
    as probably sold and not imported yet, what was last pushed and the state of its pending push
    (ten queries whatever the number of listings)."""

    listings = Listing.objects.filter(channel=channel).select_related("sku").order_by("external_sku")
    if query:
        listings = listings.filter(external_sku__icontains=query) | listings.filter(sku__code__icontains=query)
    rows = list(listings[:limit])
    sku_ids = [listing.sku_id for listing in rows]
    held = unheard_sales(sku_ids) if rows else {}
    available = channel_available(channel.sync, sku_ids, held=held) if rows else {}
    outbox = {row.sku_id: row for row in StockOutbox.objects.filter(channel=channel, sku_id__in=sku_ids)}
    overrides = {o.sku_id: o for o in StockOverride.objects.filter(channel=channel, sku_id__in=sku_ids)}
    return [
        {
            "listing": listing,
            "available": available.get(listing.sku_id, 0),
            "held": held.get(listing.sku_id, 0),
            "push": outbox.get(listing.sku_id),
            "override": overrides.get(listing.sku_id),
        }
        for listing in rows
    ]


def resync_progress(*, channel: Channel) -> dict[str, int]:
    """How far the last re-sync got: total, still pending, failed."""

    sync = channel.sync
    pending = StockOutbox.objects.filter(channel=channel, state__in=[PushState.PENDING, PushState.IN_FLIGHT]).count()
    failed = StockOutbox.objects.filter(channel=channel, state=PushState.FAILED).count()
    total = max(sync.resync_total, pending)
    done = max(total - pending, 0)
    return {
        "total": total,
        "pending": pending,
        "failed": failed,
        "done": done,
        "percent": 100 if total == 0 else int(100 * done / total),
    }


def sku_channel_availability(*, sku_id: int) -> list[dict[str, Any]]:
    """Per channel listing the SKU: what it may sell now, what it was last told, and its push state; and
    the units held back from every channel as probably sold and not imported yet, on each row."""

    listings = list(
        Listing.objects.filter(sku_id=sku_id).select_related("channel", "channel__sync").order_by("channel__code")
    )
    pushes = {row.channel_id: row for row in StockOutbox.objects.filter(sku_id=sku_id)}
    held = unheard_sales([sku_id]) if listings else {}
    syncs = [sync for listing in listings if (sync := getattr(listing.channel, "sync", None)) is not None]
    available = channels_available([(sync, [sku_id]) for sync in syncs], held=held) if syncs else {}
    return [
        {
            "channel": listing.channel,
            "listing": listing,
            "available": available[listing.channel_id][sku_id] if listing.channel_id in available else None,
            "held": held.get(sku_id, 0),
            "push": pushes.get(listing.channel_id),
        }
        for listing in listings
    ]


def channel_orders_held() -> list[dict[str, Any]]:
    """Channel orders held before they became orders (a SKU not listed, a line we cannot read), per channel.

    They are not orders yet, so they cannot sit in the exceptions queue itself; the queue
    points to each channel's page, where they are listed with their reasons (one query).
    """
    return list(
        ChannelOrder.objects.filter(status=ChannelOrderStatus.HELD)
        .values("channel__code", "channel__name")
        .annotate(count=Count("pk"))
        .order_by("channel__code")
    )
