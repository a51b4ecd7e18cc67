"""Writes of what routing adds to a location's cost (shadow prices, partner terms) and of channels' pools.

The apps that own these facts call these services (planning's shadow price refresh, partners' and
marketplaces' receivers); routing reads the rows in its candidate queries
(`fulfillment.services.routing.candidates`). Each service replaces the whole set it is given, so
a repeated call changes nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.db import transaction

from fulfillment.models import ChannelLocationPool, LocationCostTerms, LocationSkuCost, ShadowPrice

_ZERO = Decimal("0")


@dataclass(frozen=True)
class ShadowPriceRow:
    """One computed price: dollars per unit of `sku_id` at `location_id`, kept for `region`'s demand."""

    location_id: int
    sku_id: int
    price: Decimal
    region: str = ""


@transaction.atomic
def shadow_prices_replace(*, rows: Iterable[ShadowPriceRow], computed_at: datetime, sku_ids: Sequence[int]) -> int:
    """Make the stored prices of `sku_ids` exactly `rows` (zero prices are not stored). Returns rows kept."""
    kept = [row for row in rows if row.price > 0]
    ShadowPrice.objects.filter(sku_id__in=list(sku_ids)).delete()
    ShadowPrice.objects.bulk_create(
        [
            ShadowPrice(
                location_id=row.location_id,
                sku_id=row.sku_id,
                price=row.price.quantize(Decimal("0.0001")),
                region=row.region[:60],
                computed_at=computed_at,
            )
            for row in kept
        ]
    )
    return len(kept)


@transaction.atomic
def location_cost_terms_set(
    *,
    location_ids: Iterable[int],
    label: str,
    order_fee: Decimal,
    unit_fee: Decimal,
    sku_costs: Mapping[int, Decimal],
) -> None:
    """Set one party's terms at these locations: a fee per order, per unit, and a price per unit of some SKUs.

    The row stays for terms of nothing (all zero, no SKU price): it also says that a party runs the
    locations, which routing needs to send a dropship supplier's location any order.
    """
    ids = sorted(set(location_ids))
    LocationSkuCost.objects.filter(location_id__in=ids).delete()
    for location_id in ids:
        LocationCostTerms.objects.update_or_create(
            location_id=location_id,
            defaults={"label": label[:140], "order_fee": order_fee or _ZERO, "unit_fee": unit_fee or _ZERO},
        )
    LocationSkuCost.objects.bulk_create(
        [
            LocationSkuCost(location_id=location_id, sku_id=sku_id, unit_cost=cost)
            for location_id in ids
            for sku_id, cost in sorted(sku_costs.items())
            if cost
        ]
    )


@transaction.atomic
def location_cost_terms_clear(*, location_ids: Iterable[int]) -> None:
    """These locations have no party's terms any more."""
    ids = list(location_ids)
    LocationSkuCost.objects.filter(location_id__in=ids).delete()
    LocationCostTerms.objects.filter(location_id__in=ids).delete()


@transaction.atomic
def channel_pool_set(*, channel_id: int, location_ids: Iterable[int]) -> None:
    """The channel's orders ship only from these locations (none: from any location)."""
    wanted = set(location_ids)
    ChannelLocationPool.objects.filter(channel_id=channel_id).exclude(location_id__in=wanted).delete()
    ChannelLocationPool.objects.bulk_create(
        [ChannelLocationPool(channel_id=channel_id, location_id=location_id) for location_id in sorted(wanted)],
        ignore_conflicts=True,
    )
