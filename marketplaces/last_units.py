"""The last units of a SKU are split between the channels that sell them, never shown twice.

Every channel shows its own available-to-sell, computed from the same ledger. With plenty of
stock that is what merchants want: each marketplace may sell everything. With only a few units
left it is how channels oversell: four marketplaces each show the last 3 units, and until the
first sale has come back through intake and the new quantity has reached the others (seconds on
webhooks, a poll interval on Amazon and eBay), all four keep selling the same 3 units.

So once a SKU's units at a channel's feeding locations fall to the channel's `split_below`, the
channels whose feeding locations overlap split those units between them in proportion to what
each sold of the SKU lately (plus one, so a quiet channel still gets a turn), by largest
remainder: the shares add up to exactly the units left, so the marketplaces together can never
sell more than we have. Each stock change re-splits (every channel of the SKU is re-pushed
anyway), so units move to the channels that sell them.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from datetime import timedelta

from django.db.models import Sum
from django.utils import timezone

from marketplaces.models import ChannelSync, Listing
from orders.models import OrderLine

#: How far back a channel's sales of a SKU weigh its share of the last units.
SALES_WINDOW = timedelta(days=14)


def largest_remainder(pool: int, weights: Mapping[int, float]) -> dict[int, int]:
    """Split `pool` units in proportion to `weights`; the shares add up to `pool` exactly.

    Ties (equal remainders) go to the larger weight, then the smaller key, so every channel
    computes the same split.
    """
    if pool <= 0 or not weights:
        return dict.fromkeys(weights, 0)
    total = float(sum(weights.values()))
    exact = {key: pool * weight / total for key, weight in weights.items()}
    shares = {key: int(value) for key, value in exact.items()}
    left = pool - sum(shares.values())
    order = sorted(weights, key=lambda key: (-(exact[key] - shares[key]), -weights[key], key))
    for key in order[:left]:
        shares[key] += 1
    return shares


def last_unit_shares(sync: ChannelSync, atp: Mapping[int, int], feeding_ids: list[int]) -> dict[int, int]:
    """This channel's share of each SKU whose units at its feeding locations are down to its `split_below`.

    SKUs with more units than that are left out (no cap). Three queries when any SKU is low:
    the channels listing those SKUs, their feeding locations, and their recent sales.
    """
    low = {sku_id: units for sku_id, units in atp.items() if units <= sync.split_below}
    if not low or sync.split_below <= 0:
        return {}
    sharing = _sharing_channels(sync, list(low), feeding_ids)
    everyone = {sync.channel_id} | {channel for channels in sharing.values() for channel in channels}
    sold = _recent_sales(list(everyone), list(low))
    shares: dict[int, int] = {}
    for sku_id, units in low.items():
        channels = sharing.get(sku_id, set()) | {sync.channel_id}
        weights = {channel: 1.0 + sold.get((channel, sku_id), 0) for channel in channels}
        shares[sku_id] = largest_remainder(units, weights)[sync.channel_id]
    return shares


def shared_skus(sync: ChannelSync, sku_ids: list[int], feeding_ids: list[int]) -> set[int]:
    """The SKUs of `sku_ids` another channel also sells from our feeding locations (their last units are split).

    Two queries when any SKU is given.
    """
    if not sku_ids:
        return set()
    return {sku_id for sku_id, channels in _sharing_channels(sync, sku_ids, feeding_ids).items() if channels}


def _sharing_channels(sync: ChannelSync, sku_ids: list[int], feeding_ids: list[int]) -> dict[int, set[int]]:
    """Per SKU, the other stock-synced active channels listing it whose feeding locations overlap ours."""
    listed = (
        Listing.objects.filter(
            sku_id__in=sku_ids, removing=False, channel__is_active=True, channel__sync__sync_stock=True
        )
        .exclude(channel_id=sync.channel_id)
        .values_list("channel_id", "sku_id")
    )
    by_sku: dict[int, set[int]] = defaultdict(set)
    for channel_id, sku_id in listed:
        by_sku[sku_id].add(channel_id)
    others = {channel for channels in by_sku.values() for channel in channels}
    overlapping = _overlapping(others, set(feeding_ids))
    return {sku_id: channels & overlapping for sku_id, channels in by_sku.items()}


def _overlapping(channel_ids: set[int], ours: set[int]) -> set[int]:
    """The channels that may sell stock from one of our feeding locations.

    A channel with no feeding location chosen sells from every location that ships orders, so
    it is taken to overlap any other channel (the safe side: a smaller share, never a shared unit).
    """
    if not channel_ids:
        return set()
    feeds: dict[int, set[int]] = {channel_id: set() for channel_id in channel_ids}
    through = ChannelSync.feeding_locations.through.objects.filter(channelsync__channel_id__in=channel_ids)
    for channel_id, location_id in through.values_list("channelsync__channel_id", "location_id"):
        feeds[channel_id].add(location_id)
    return {channel_id for channel_id, theirs in feeds.items() if not ours or not theirs or ours & theirs}


def _recent_sales(channel_ids: list[int], sku_ids: list[int]) -> dict[tuple[int, int], int]:
    """Units of each SKU each channel sold within the sales window."""
    if not channel_ids:
        return {}
    rows = (
        OrderLine.objects.filter(
            sku_id__in=sku_ids,
            order__channel_id__in=channel_ids,
            order__placed_at__gte=timezone.now() - SALES_WINDOW,
        )
        .values("order__channel_id", "sku_id")
        .annotate(units=Sum("quantity"))
    )
    return {(row["order__channel_id"], row["sku_id"]): int(row["units"] or 0) for row in rows}
