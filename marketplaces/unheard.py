"""Sales the marketplaces have probably made that our intake has not imported yet.

Our ledger learns of a marketplace sale only when its order is imported: a webhook in flight, an
order the next poll will read (seconds on Amazon and eBay here, a minute under Amazon's real
getOrders limits). Until then every channel is shown units that are already sold, and in a flash
sale the marketplaces sell them again: that blind window, not the push, is where most channel
oversell comes from.

How much is in that window cannot be known, but it can be estimated from the channel's own
recent pace: a channel whose orders are known imported up to `known` (`last_units.known_until`),
`gap` seconds ago, probably sold in the gap at the pace it sold in the `gap` seconds before
`known` (five at least), less what has already arrived of it (a channel that delivers webhooks is only known up
to its webhook grace ago, though most of its orders are in within a second). So each SKU's
available-to-sell is lowered by that estimate summed over the channels that sell it, until the
orders arrive and replace the estimate with the real sale. A quiet SKU
is not affected (nothing sold in the look-back), a bestseller in a flash sale is held back by
twice the sales of one blind window (`safety_margin`: a flash sale's pace grows from one poll
to the next, and sales come in bursts), and a channel whose intake stalls holds back at most
`settings.CHANNELS_UNHEARD_LOOKBACK_SECONDS` of its pace.

A channel that announces its orders to a queue (Amazon's ORDER_CHANGE notifications, read by
`marketplaces.services.notices`) needs no guess for what it announced: those units are held back
in full until the order is imported, and they count as arrived in its blind window, so the guess
only covers what its pace says beyond them. The window itself stays the poll's: a notification
may be late or never come (Amazon asks integrations to keep polling as a backup), and a queue
that answers empty proves nothing about the orders it was never sent.

In the flash-sale bench (`bench/sync.py --flash-sale --explain`) it took the units the
marketplaces oversold from 41 to 24 at a margin of 1, and to 11 at 2; the rest is mostly pushes
still on their way to the marketplace.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Min
from django.utils import timezone

from marketplaces.last_units import known_until
from marketplaces.listing_reads import ListingReads, announced_units, takes_webhooks
from marketplaces.models import ChannelSync, DeliveryStatus, WebhookDelivery
from orders.models import OrderLine

#: The shortest look-back the pace is measured over: a sale or two moments before a poll says
#: little about the next tenth of a second.
PACE_AT_LEAST = timedelta(seconds=5)


def lookback_limit() -> timedelta:
    """The longest look-back of the estimate (settings.CHANNELS_UNHEARD_LOOKBACK_SECONDS; 0: off)."""
    return timedelta(seconds=float(getattr(settings, "CHANNELS_UNHEARD_LOOKBACK_SECONDS", 300.0)))


def safety_margin() -> float:
    """How many times the paced estimate is held back (settings.CHANNELS_UNHEARD_MARGIN): sales come
    in bursts, and a flash sale's pace grows from one poll to the next."""
    return max(float(getattr(settings, "CHANNELS_UNHEARD_MARGIN", 2.0)), 0.0)


def unheard_sales(
    sku_ids: list[int] | None, *, now: datetime | None = None, reads: ListingReads | None = None
) -> dict[int, int]:
    """Per SKU of `sku_ids` (None: every SKU), the units the channels selling it have probably sold
    and we have not imported yet.

    Units a channel announced (`OrderNotice`: Amazon's ORDER_CHANGE notifications) and we have not
    imported are sold for sure: they are counted in full, and as sales in its pace.

    SKUs with no estimate are left out. Three queries when any SKU is given: the channels listing
    them, their deliveries waiting, the order lines of the look-back windows; one more for the
    announced units when a channel announces its orders. With `reads` (over the same SKUs) the
    listings, deliveries and announced units are the ones read once for the whole computation.
    """
    limit = lookback_limit()
    if sku_ids == [] or limit <= timedelta(0):
        return {}
    now = now or timezone.now()
    # every SKU (None): the channels are read from their settings, not from listings
    reads = None if sku_ids is None else ListingReads.covering(reads, sku_ids)
    windows, announcing = _blind_windows(sku_ids, now, limit, reads)
    if not windows and not announcing:
        return {}
    earliest = min((window.start for window in windows.values()), default=now)
    before: dict[tuple[int, int], int] = defaultdict(int)
    arrived: dict[tuple[int, int], int] = defaultdict(int)
    notices = announced_units(announcing, None) if reads is None else reads.announced(announcing, sku_ids)
    announced = [(c, k, placed, units) for c, k, placed, _noticed, units in notices]
    lines = OrderLine.objects.filter(order__channel_id__in=list(windows), order__placed_at__gt=earliest)
    if sku_ids is not None:
        lines = lines.filter(sku_id__in=sku_ids)
    sales = lines.values_list("order__channel_id", "sku_id", "order__placed_at", "quantity") if windows else []
    for channel_id, sku_id, placed_at, units in [*sales, *announced]:
        window = windows.get(channel_id)
        if window is None or placed_at <= window.start:
            continue
        if placed_at > window.known:
            arrived[(channel_id, sku_id)] += units
        else:
            before[(channel_id, sku_id)] += units
    margin = safety_margin()
    estimate: dict[int, float] = defaultdict(float)
    for _channel_id, sku_id, _placed_at, units in announced:  # announced: sold for sure
        estimate[sku_id] += units
    for key, units in before.items():
        expected = units * windows[key[0]].share - arrived[key]
        if expected > 0:
            estimate[key[1]] += expected * margin
    return {sku_id: units for sku_id, value in estimate.items() if (units := math.floor(value + 0.5)) > 0}


@dataclass(frozen=True)
class _Window:
    start: datetime  # the look-back: sales in (start, known] set the pace
    known: datetime  # the channel's orders are known imported up to here
    share: float  # the blind window (known, now] over the look-back's length


def _blind_windows(
    sku_ids: list[int] | None, now: datetime, limit: timedelta, reads: ListingReads | None
) -> tuple[dict[int, _Window], list[int]]:
    """Per channel listing these SKUs (None: any) with a blind window now: the look-back whose pace
    stands for the sales not imported yet, and how much of it the blind window is; and the channels
    that announce their orders to a queue (`OrderNotice`), whose announced units count as sales.
    `reads`: the listings of `sku_ids` (None: every SKU, read from the channels' settings instead)."""
    channels: set[tuple[int, str, datetime | None, datetime | None]]
    if reads is None:  # every channel that syncs stock: one row each, not one per listing
        columns = ("channel_id", "channel__kind", "last_pull_ok_at", "last_notices_ok_at")
        channels = set(ChannelSync.objects.filter(sync_stock=True, channel__is_active=True).values_list(*columns))
    else:
        wanted = set(reads.sku_ids if sku_ids is None else sku_ids)
        channels = {
            (row.channel_id, row.kind, row.last_pull_ok_at, row.last_notices_ok_at)
            for row in reads.listings()
            if row.selling and row.sku_id in wanted
        }
    hooked = {channel_id for channel_id, kind, _pulled, _noticed in channels if takes_webhooks(kind)}
    if not hooked:
        waiting: dict[int, datetime] = {}
    elif reads is None:
        waiting = dict(
            WebhookDelivery.objects.filter(channel_id__in=hooked, status=DeliveryStatus.RECEIVED)
            .values("channel_id")
            .annotate(at=Min("received_at"))
            .values_list("channel_id", "at")
        )
    else:
        waiting = reads.waiting(hooked)
    windows = {}
    for channel_id, _kind, pulled, _noticed in channels:
        known = known_until(pulled, channel_id in hooked, waiting.get(channel_id), now)
        if known is None or known >= now:
            continue  # never imported (nothing to estimate from), or nothing unheard
        blind = now - known
        lookback = min(max(blind, PACE_AT_LEAST), limit)
        windows[channel_id] = _Window(start=known - lookback, known=known, share=min(blind / lookback, 1.0))
    announcing = [channel_id for channel_id, _kind, _pulled, noticed in channels if noticed is not None]
    return windows, announcing
