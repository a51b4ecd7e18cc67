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

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from django.db.models import F, IntegerField, Q, Sum, Value
from django.db.models.functions import Greatest

from inventory.models import StockLevel
from marketplaces.last_units import last_unit_shares
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


def feeding_filter(sync: ChannelSync, feeding_ids: list[int] | None = None) -> Q:
    """The stock levels a channel may sell from."""
    ids = feeding_ids if feeding_ids is not None else list(sync.feeding_locations.values_list("pk", flat=True))
    if ids:
        return Q(location_id__in=ids, location__is_active=True)
    return Q(location__is_active=True, location__ships_orders=True)


def feeding_atp(sync: ChannelSync, sku_ids: Iterable[int], *, feeding_ids: list[int] | None = None) -> dict[int, int]:
    """ATP per SKU over the channel's feeding locations (one query)."""
    ids = list(sku_ids)
    if not ids:
        return {}
    rows = (
        StockLevel.objects.filter(feeding_filter(sync, feeding_ids), sku_id__in=ids)
        .values("sku_id")
        .annotate(
            atp=Sum(Greatest(F("on_hand") - F("reserved") - F("safety_stock"), Value(0), output_field=IntegerField()))
        )
    )
    found = {row["sku_id"]: int(row["atp"] or 0) for row in rows}
    return {sku_id: found.get(sku_id, 0) for sku_id in ids}


def selling_atp(
    sync: ChannelSync,
    sku_ids: Iterable[int],
    *,
    feeding_ids: list[int] | None = None,
    held: Mapping[int, int] | None = None,
) -> dict[int, int]:
    """Feeding ATP less the sales the marketplaces probably made that are not imported yet: what the
    channels may still sell between them. `held` is that estimate when the caller has it already
    (`{}`: the ledger's figure alone); None reads it (`marketplaces.unheard`). Four queries."""
    ids = list(sku_ids)
    atp = feeding_atp(sync, ids, feeding_ids=feeding_ids)
    if held is None:
        held = unheard_sales(ids)
    for sku_id in held.keys() & atp.keys():
        atp[sku_id] = max(atp[sku_id] - held[sku_id], 0)
    return atp


def policies(sync: ChannelSync, sku_ids: Iterable[int]) -> dict[int, Policy]:
    """The effective policy of each SKU on the channel (one query for the overrides)."""
    base = Policy(buffer=sync.buffer, percentage=sync.percentage, maximum=sync.maximum)
    result = dict.fromkeys(sku_ids, base)
    for override in StockOverride.objects.filter(channel_id=sync.channel_id, sku_id__in=list(result)):
        result[override.sku_id] = Policy(
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
    ids = list(sku_ids)
    if feeding_ids is None:
        feeding_ids = list(sync.feeding_locations.values_list("pk", flat=True))
    atp = selling_atp(sync, ids, feeding_ids=feeding_ids, held=held)
    rules = policies(sync, ids)
    available = {sku_id: channel_quantity(atp[sku_id], rules[sku_id]) for sku_id in ids}
    for sku_id, share in last_unit_shares(sync, atp, feeding_ids).items():
        available[sku_id] = min(available[sku_id], share)
    return available
