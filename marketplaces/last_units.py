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

A re-split must not hand out units a channel may already have sold: a sale the marketplace made
but our intake has not imported yet (a webhook in flight, an Amazon order its rate limits have
not let us read) is still in our ATP. Nor may it take back units a channel still shows: a push
sets an absolute quantity, so lowering a channel to give its units to another would show again
any of its sales still on their way. So a channel we pushed last units to keeps, in the split,
what we pushed it less its own sales imported since (`kept_allocations`): the others split only
the rest, and the channel itself is left showing what it shows
(`marketplaces.services.stock_sync.caps` holds the push). It takes part in the split afresh once
its orders since that push are imported and it sold all it was given, or, when it did not, once
the push is `keep_seconds` old (an idle channel gives its units back).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Sum
from django.utils import timezone

from marketplaces.listing_reads import ListingReads, takes_webhooks
from marketplaces.models import ChannelSync
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


#: A channel asking for its split: its sync settings, its selling ATP per SKU, its feeding locations.
SplitAsk = tuple[ChannelSync, Mapping[int, int], list[int]]


def last_unit_splits(
    asks: Sequence[SplitAsk], *, reads: ListingReads | None = None
) -> dict[int, tuple[dict[int, int], dict[int, int]]]:
    """Per channel asking, its share of each low SKU and the SKUs whose share is what it keeps.

    A channel keeps its units only while the channels' kept units fit in what our ledger has
    left: when they do not (they were shown in full before the split, or stock went elsewhere)
    the units are split afresh, as the kept figures no longer tell whose units are whose.
    However many channels ask, the queries are those of one: every figure
    read is per (channel, SKU), so one read over all of them serves each. `reads`: the listings
    already read for the same computation, when they cover the low SKUs.
    """
    low = {
        sync.channel_id: {sku_id: units for sku_id, units in atp.items() if units <= sync.split_below}
        for sync, atp, _feeding in asks
        if sync.split_below > 0
    }
    low = {channel_id: units for channel_id, units in low.items() if units}
    if not low:
        return {}
    low_skus = sorted({sku_id for units in low.values() for sku_id in units})
    ours = {sync.channel_id: set(feeding) for sync, _atp, feeding in asks if sync.channel_id in low}
    reads = ListingReads.covering(reads, low_skus)
    sharing = _sharing_channels(ours, low_skus, reads)
    everyone = set(low) | {other for by_sku in sharing.values() for others in by_sku.values() for other in others}
    sold = _recent_sales(sorted(everyone), low_skus)
    shared = sorted(
        {sku_id for channel_id, by_sku in sharing.items() for sku_id in low[channel_id] if by_sku.get(sku_id)}
    )
    held = kept_allocations(sorted(everyone), shared, reads=reads) if shared else {}
    return {channel_id: _split(channel_id, units, sharing[channel_id], sold, held) for channel_id, units in low.items()}


def _split(
    channel_id: int,
    low: Mapping[int, int],
    sharing: Mapping[int, set[int]],
    sold: Mapping[tuple[int, int], int],
    held: Mapping[tuple[int, int], int],
) -> tuple[dict[int, int], dict[int, int]]:
    """One channel's shares of its low SKUs, and what it keeps, from the figures read for every channel."""
    shares: dict[int, int] = {}
    keeps: dict[int, int] = {}
    for sku_id, units in low.items():
        channels = sharing.get(sku_id, set()) | {channel_id}
        kept = {channel: held[(channel, sku_id)] for channel in channels if (channel, sku_id) in held}
        if sum(kept.values()) > units:
            kept = {}
        if channel_id in kept:  # ours may be sold already: we keep it, no more
            shares[sku_id] = keeps[sku_id] = kept[channel_id]
            continue
        weights = {channel: 1.0 + sold.get((channel, sku_id), 0) for channel in channels if channel not in kept}
        shares[sku_id] = largest_remainder(units - sum(kept.values()), weights)[channel_id]
    return shares, keeps


def webhook_grace_seconds() -> float:
    """How long a webhook may be in flight at the marketplace (settings.CHANNELS_WEBHOOK_GRACE_SECONDS)."""
    return float(getattr(settings, "CHANNELS_WEBHOOK_GRACE_SECONDS", 5.0))


def known_until(
    last_pull_ok_at: datetime | None, webhooks: bool, oldest_waiting: datetime | None, now: datetime
) -> datetime | None:
    """The moment up to which every order a channel sold is known to be imported (None: unknown).

    A successful poll that began then; on a channel that delivers webhooks, also the webhook grace
    ago, or the oldest delivery still waiting to be processed if older (a webhook still in flight
    at the marketplace is not in our table yet).
    """
    if not webhooks:
        return last_pull_ok_at
    clear = now - timedelta(seconds=webhook_grace_seconds())
    if oldest_waiting is not None:
        clear = min(clear, oldest_waiting)
    return clear if last_pull_ok_at is None else max(last_pull_ok_at, clear)


def keep_seconds() -> float:
    """How long a channel whose orders are known imported still keeps last units it shows
    (settings.CHANNELS_LAST_UNITS_KEEP_SECONDS)."""
    return float(getattr(settings, "CHANNELS_LAST_UNITS_KEEP_SECONDS", 120.0))


def kept_allocations(
    channel_ids: list[int], sku_ids: list[int], *, reads: ListingReads | None = None
) -> dict[tuple[int, int], int]:
    """Per (channel, SKU), the last units the channel keeps in the split: what we pushed it less its
    own units of it imported since. A pair is missing when the channel takes part in the split afresh.

    A channel keeps them while its orders since our push are not known imported: it may have sold
    them already. Once they are, it still keeps what it holds while the push is younger than
    `keep_seconds`: a push sets an absolute quantity, so taking units back from a channel that still
    shows some would show again a sale of the last seconds still on its way (a webhook in flight,
    an order placed after the poll began). A channel that sold all we gave it shows 0, so nothing
    of it can be shown again: it takes part afresh as soon as its orders are in. An idle channel's
    units go back into the split once its push is `keep_seconds` old.

    Units the channel announced since (`OrderNotice`, not imported yet) count as its sales too: they
    are held back from the split's pool already (`marketplaces.unheard`).

    Three queries at most: the listings, the waiting webhook deliveries, the lines imported since;
    one more for the announced units when a channel announces its orders. The listings, deliveries
    and announced units come from `reads` when given (read once for the whole computation).
    """
    if not channel_ids or not sku_ids:
        return {}
    reads = ListingReads.covering(reads, sku_ids)
    channels, skus = set(channel_ids), set(sku_ids)
    pushed = [
        row
        for row in reads.listings()
        if row.channel_id in channels and row.sku_id in skus and row.last_pushed_at is not None
    ]
    if not pushed:
        return {}
    hooked = {row.channel_id for row in pushed if takes_webhooks(row.kind)}
    announcing = {row.channel_id for row in pushed if row.last_notices_ok_at is not None}
    waiting = reads.waiting(hooked)
    now = timezone.now()
    fresh_since = now - timedelta(seconds=keep_seconds())
    candidates: dict[tuple[int, int], tuple[int, datetime, bool]] = {}
    for row in pushed:
        channel_id, sku_id, pushed_at = row.channel_id, row.sku_id, row.last_pushed_at
        if pushed_at is None:  # filtered out above; narrows the type
            continue
        known = known_until(row.last_pull_ok_at, channel_id in hooked, waiting.get(channel_id), now)
        settled = known is not None and known > pushed_at
        if not settled or pushed_at > fresh_since:
            candidates[(channel_id, sku_id)] = (int(row.last_pushed_quantity or 0), pushed_at, settled)
    if not candidates:
        return {}
    since = min(pushed_at for _quantity, pushed_at, _settled in candidates.values())
    imported: dict[tuple[int, int], int] = defaultdict(int)
    sold = OrderLine.objects.filter(
        sku_id__in=sku_ids, order__channel_id__in={key[0] for key in candidates}, order__created_at__gte=since
    ).values_list("order__channel_id", "sku_id", "order__created_at", "quantity")
    # Units it announced since (not imported yet) are sold from what we pushed it too.
    announced = [
        (c, k, noticed, units)
        for c, k, _placed, noticed, units in reads.announced(announcing, sku_ids)
        if noticed >= since
    ]
    for channel_id, sku_id, known_at, units in [*sold, *announced]:
        if (channel_id, sku_id) in candidates and known_at >= candidates[(channel_id, sku_id)][1]:
            imported[(channel_id, sku_id)] += units
    kept = {}
    for key, (quantity, _at, settled) in candidates.items():
        left = max(quantity - imported[key], 0)
        if left or not settled:
            kept[key] = left
    return kept


def shared_skus(
    sync: ChannelSync, sku_ids: list[int], feeding_ids: list[int], *, reads: ListingReads | None = None
) -> set[int]:
    """The SKUs of `sku_ids` another channel also sells from our feeding locations (their last units are split).

    Two queries when any SKU is given (one when `reads`, covering them, has read their listings).
    """
    if not sku_ids:
        return set()
    reads = ListingReads.covering(reads, sku_ids)
    sharing = _sharing_channels({sync.channel_id: set(feeding_ids)}, sku_ids, reads)[sync.channel_id]
    return {sku_id for sku_id, channels in sharing.items() if channels}


def _sharing_channels(
    ours: Mapping[int, set[int]], sku_ids: list[int], reads: ListingReads
) -> dict[int, dict[int, set[int]]]:
    """Per channel of `ours` (channel: its feeding locations), per SKU, the other stock-synced active
    channels listing it whose feeding locations overlap the channel's. Two queries (the listings'
    from `reads`, once per computation)."""
    wanted = set(sku_ids)
    by_sku: dict[int, set[int]] = defaultdict(set)
    for row in reads.listings():
        if row.selling and row.sku_id in wanted:
            by_sku[row.sku_id].add(row.channel_id)
    feeds = feeding_locations({channel for channels in by_sku.values() for channel in channels} - set(ours))
    feeds.update(ours)
    result: dict[int, dict[int, set[int]]] = {}
    for channel_id, mine in ours.items():
        overlapping = {other for other, theirs in feeds.items() if other != channel_id and _overlap(mine, theirs)}
        result[channel_id] = {sku_id: channels & overlapping for sku_id, channels in by_sku.items()}
    return result


def feeding_locations(channel_ids: Iterable[int]) -> dict[int, set[int]]:
    """Each channel's chosen feeding locations (empty: none chosen, every location that ships orders
    feeds it). One query, none when no channel is given."""
    feeds: dict[int, set[int]] = {channel_id: set() for channel_id in channel_ids}
    if not feeds:
        return feeds
    through = ChannelSync.feeding_locations.through.objects.filter(channelsync__channel_id__in=list(feeds))
    for channel_id, location_id in through.values_list("channelsync__channel_id", "location_id"):
        feeds[channel_id].add(location_id)
    return feeds


def _overlap(ours: set[int], theirs: set[int]) -> bool:
    """Whether two channels may sell stock from the same location.

    A channel with no feeding location chosen sells from every location that ships orders, so
    it is taken to overlap any other channel (the safe side: a smaller share, never a shared unit).
    """
    return not ours or not theirs or bool(ours & theirs)


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
