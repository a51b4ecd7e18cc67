"""Channel available-to-sell: the ledger-backed ATP of the locations that feed a channel, after its policy.

    ATP(feeding)  = sum over feeding locations of max(on hand - reserved - safety stock, 0)
    selling ATP   = (ATP(feeding) - sales probably made and not imported yet)+
    available     = min(maximum, floor((selling ATP - buffer)+ * percentage / 100), last-unit share)

A per-SKU override replaces the buffer or the maximum, or blocks the SKU (0). With no
feeding location chosen, every active location that ships orders feeds the channel. Once ATP
is down to the channel's `split_below`, the channels selling that stock split it
(`marketplaces.last_units`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from django.db.models import F, IntegerField, Q, Sum, Value
from django.db.models.functions import Greatest

from inventory.models import StockLevel
from marketplaces.last_units import feeding_locations, last_unit_splits
from marketplaces.listing_reads import ListingReads
from marketplaces.models import ChannelSync, StockOverride
from marketplaces.unheard import unheard_sales


@dataclass(frozen=True)
class Policy:
    buffer: int = 0
    percentage: int = 100
    maximum: int | None = None
    blocked: bool = False


def channel_quantity(atp: int, policy: Policy) -> int:
    """What the channel may show for a SKU with `atp` units available at its feeding locations."""
    if policy.blocked:
        return 0
    quantity = max(atp - policy.buffer, 0) * max(min(policy.percentage, 100), 0) // 100
    if policy.maximum is not None:
        quantity = min(quantity, policy.maximum)
    return quantity


def feeding_filter(feeding_ids: Iterable[int]) -> Q:
    """The stock levels a channel whose chosen feeding locations are `feeding_ids` may sell from."""
    ids = list(feeding_ids)
    if ids:
        return Q(location_id__in=ids, location__is_active=True)
    return Q(location__is_active=True, location__ships_orders=True)


def feeding_atp(sync: ChannelSync, sku_ids: Iterable[int], *, feeding_ids: list[int] | None = None) -> dict[int, int]:
    """ATP per SKU over the channel's feeding locations (one query, two without `feeding_ids`)."""
    if feeding_ids is None:
        feeding_ids = sorted(feeding_locations([sync.channel_id])[sync.channel_id])
    return _atp(feeding_ids, list(sku_ids))


def _atp(feeding_ids: list[int], sku_ids: list[int]) -> dict[int, int]:
    """ATP per SKU over these feeding locations (one query, none without SKUs)."""
    if not sku_ids:
        return {}
    rows = (
        StockLevel.objects.filter(feeding_filter(feeding_ids), sku_id__in=sku_ids)
        .values("sku_id")
        .annotate(
            atp=Sum(Greatest(F("on_hand") - F("reserved") - F("safety_stock"), Value(0), output_field=IntegerField()))
        )
    )
    found = {row["sku_id"]: int(row["atp"] or 0) for row in rows}
    return {sku_id: found.get(sku_id, 0) for sku_id in sku_ids}


def _less_held(atp: dict[int, int], held: Mapping[int, int]) -> dict[int, int]:
    for sku_id in held.keys() & atp.keys():
        atp[sku_id] = max(atp[sku_id] - held[sku_id], 0)
    return atp


def policies(sync: ChannelSync, sku_ids: Iterable[int]) -> dict[int, Policy]:
    """The effective policy of each SKU on the channel (one query for the overrides)."""
    return _policies([(sync, list(sku_ids))])[sync.channel_id]


def _policies(asks: Sequence[tuple[ChannelSync, list[int]]]) -> dict[int, dict[int, Policy]]:
    """Per channel, the effective policy of each SKU asked (one query for every channel's overrides)."""
    result: dict[int, dict[int, Policy]] = {}
    bases: dict[int, Policy] = {}
    for sync, sku_ids in asks:
        bases[sync.channel_id] = Policy(buffer=sync.buffer, percentage=sync.percentage, maximum=sync.maximum)
        result[sync.channel_id] = dict.fromkeys(sku_ids, bases[sync.channel_id])
    skus = sorted({sku_id for _sync, sku_ids in asks for sku_id in sku_ids})
    if not skus:
        return result
    for override in StockOverride.objects.filter(channel_id__in=list(result), sku_id__in=skus):
        wanted, base = result[override.channel_id], bases[override.channel_id]
        if override.sku_id not in wanted:
            continue
        wanted[override.sku_id] = Policy(
            buffer=override.buffer if override.buffer is not None else base.buffer,
            percentage=base.percentage,
            maximum=override.maximum if override.maximum is not None else base.maximum,
            blocked=override.blocked,
        )
    return result


def channel_available(
    sync: ChannelSync,
    sku_ids: Iterable[int],
    *,
    feeding_ids: list[int] | None = None,
    held: Mapping[int, int] | None = None,
) -> dict[int, int]:
    """Channel available-to-sell per SKU: selling ATP (`held` as there) after the channel's policy,
    overrides and last-unit share."""
    return channel_available_and_keeps(sync, sku_ids, feeding_ids=feeding_ids, held=held)[0]


def channel_available_and_keeps(
    sync: ChannelSync,
    sku_ids: Iterable[int],
    *,
    feeding_ids: list[int] | None = None,
    held: Mapping[int, int] | None = None,
) -> tuple[dict[int, int], dict[int, int]]:
    """`channel_available`, and the last units the channel keeps in the split per SKU
    (`last_units.last_unit_splits`), from the same reads: the pusher needs both."""
    feeding = None if feeding_ids is None else {sync.channel_id: feeding_ids}
    available, splits = _available_and_splits([(sync, sku_ids)], feeding=feeding, held=held)
    return available[sync.channel_id], splits.get(sync.channel_id, ({}, {}))[1]


def channels_available(
    asks: Sequence[tuple[ChannelSync, Iterable[int]]],
    *,
    feeding: Mapping[int, list[int]] | None = None,
    held: Mapping[int, int] | None = None,
) -> dict[int, dict[int, int]]:
    """Per channel asking, `channel_available` of its SKUs, for every channel in the queries of one.

    The feeding locations of the channels not in `feeding` (channel: its chosen locations) are
    read in one query; ATP in one query per distinct set of feeding locations (channels left on
    every shipping location share one); the estimate of unheard sales (`held`, None: read here),
    the overrides and the last-unit split (`last_units.last_unit_splits`) once for all.
    """
    return _available_and_splits(asks, feeding=feeding, held=held)[0]


def _available_and_splits(
    asks: Sequence[tuple[ChannelSync, Iterable[int]]],
    *,
    feeding: Mapping[int, list[int]] | None,
    held: Mapping[int, int] | None,
) -> tuple[dict[int, dict[int, int]], dict[int, tuple[dict[int, int], dict[int, int]]]]:
    """`channels_available`, and per channel its last-unit shares and keeps (`last_unit_splits`)."""
    wanted = [(sync, list(sku_ids)) for sync, sku_ids in asks]
    feeds = dict(feeding or {})
    missing = feeding_locations(sync.channel_id for sync, _ids in wanted if sync.channel_id not in feeds)
    feeds.update({channel_id: sorted(locations) for channel_id, locations in missing.items()})
    # who lists the SKUs, the deliveries waiting and the announced orders: read once for both parts
    reads = ListingReads(sku_id for _sync, ids in wanted for sku_id in ids)
    if held is None:
        held = unheard_sales(reads.sku_ids, reads=reads)
    atp = _selling_atp_by_channel(wanted, feeds, held)
    rules = _policies(wanted)
    splits = last_unit_splits(
        [(sync, atp[sync.channel_id], feeds[sync.channel_id]) for sync, _ids in wanted], reads=reads
    )
    result: dict[int, dict[int, int]] = {}
    for sync, ids in wanted:
        channel, mine = sync.channel_id, rules[sync.channel_id]
        available = {sku_id: channel_quantity(atp[channel][sku_id], mine[sku_id]) for sku_id in ids}
        for sku_id, share in splits.get(channel, ({}, {}))[0].items():
            available[sku_id] = min(available[sku_id], share)
        result[channel] = available
    return result, splits


def _selling_atp_by_channel(
    wanted: list[tuple[ChannelSync, list[int]]], feeds: Mapping[int, list[int]], held: Mapping[int, int]
) -> dict[int, dict[int, int]]:
    """Per channel, the selling ATP of its SKUs: one ATP query per distinct set of feeding locations."""
    groups: dict[tuple[int, ...], set[int]] = defaultdict(set)
    for sync, ids in wanted:
        groups[tuple(sorted(feeds[sync.channel_id]))].update(ids)
    by_feeds = {key: _atp(list(key), sorted(skus)) for key, skus in groups.items()}
    result = {}
    for sync, ids in wanted:
        atp = by_feeds[tuple(sorted(feeds[sync.channel_id]))]
        result[sync.channel_id] = _less_held({sku_id: atp[sku_id] for sku_id in ids}, held)
    return result
