"""The locations an order may ship from, read for routing in one written-out statement.

Routing reads them on every order: each active shipping location on the map, its store profile
and its own cost terms (both optional, as `select_related` would join them), whether it is in
the order channel's pool, its stock levels of the order's SKUs and, where it has a daily cap,
its load today (sub-selects per location: read apart they were two more round trips). Built
with the ORM (a filter, two joins, two `Exists`) the query cost more CPU to compile than
PostgreSQL spent answering it; here its text is built once per process from the models' own
fields (so a field added to a model comes with it), and the rows become model instances as the
ORM would make them (`from_db`, the fields' converters applied, the joined objects cached on
the location).
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any, cast

from django.db import connection

from core.rows import Columns, integer_array, model_columns
from fulfillment.models import ChannelLocationPool, LocationCostTerms, LocationSkuCost, ShadowPrice, StoreProfile
from fulfillment.selectors.stores.clocks import ship_load_today_sql
from inventory.models import Location, StockLevel

# Each location's levels of the order's SKUs with ATP above 0, as one JSON array (prices as text, so
# exact), with its own unit price and shadow price of the SKU (each unique per location and SKU).
_LEVELS_SQL = """
SELECT json_agg(json_build_array(s.sku_id, s.on_hand - s.reserved - s.safety_stock,
                                 sc.unit_cost::text, sp.price::text, sp.region) ORDER BY s.sku_id)
  FROM {levels} s
  LEFT JOIN {sku_costs} sc ON sc.location_id = s.location_id AND sc.sku_id = s.sku_id
  LEFT JOIN {shadow_prices} sp ON sp.location_id = s.location_id AND sp.sku_id = s.sku_id
 WHERE s.location_id = l.id AND s.sku_id = ANY(%s::bigint[]) AND s.on_hand - s.reserved - s.safety_stock > 0
"""


# Routing never reads when a location's rows were created or edited; parsing those timestamps was
# the largest CPU cost of this read. They are deferred on the instances (read on access).
UNREAD = ("created_at", "updated_at")


@functools.cache
def _statement(complete: bool) -> tuple[str, Columns, Columns, Columns]:
    """The statement; `complete` adds each location's load today and levels (PostgreSQL only)."""
    quote = connection.ops.quote_name
    location, location_sql = model_columns(Location, "l", UNREAD)
    profile, profile_sql = model_columns(StoreProfile, "p", UNREAD)
    terms, terms_sql = model_columns(LocationCostTerms, "t", UNREAD)
    pool = quote(ChannelLocationPool._meta.db_table)
    levels = _LEVELS_SQL.format(
        levels=quote(StockLevel._meta.db_table),
        sku_costs=quote(LocationSkuCost._meta.db_table),
        shadow_prices=quote(ShadowPrice._meta.db_table),
    )
    network = f"{ship_load_today_sql('l', '%s')}, ({levels}) " if complete else "NULL, NULL "
    sql = (
        f"SELECT {', '.join(location_sql + profile_sql + terms_sql)}, "  # noqa: S608
        f"EXISTS (SELECT 1 FROM {pool} c WHERE c.channel_id = %s), "
        f"EXISTS (SELECT 1 FROM {pool} c WHERE c.channel_id = %s AND c.location_id = l.id), "
        f"{network}"
        f"FROM {quote(Location._meta.db_table)} l "
        f"LEFT JOIN {quote(StoreProfile._meta.db_table)} p ON p.location_id = l.id "
        f"LEFT JOIN {quote(LocationCostTerms._meta.db_table)} t ON t.location_id = l.id "
        "WHERE l.is_active AND l.ships_orders AND l.latitude IS NOT NULL "
        "ORDER BY l.code"
    )
    return sql, location, profile, terms


@dataclass(frozen=True)
class ShippingNetwork:
    """What routing reads about the locations an order may ship from, in one statement."""

    locations: list[Location]
    # (location, SKU, ATP, own unit price, shadow price, its region) of each level of the SKUs asked with ATP above 0
    levels: list[tuple[int, int, int, Decimal | None, Decimal | None, str | None]]
    # ship orders each location with a daily cap took on today (`ship_load_today`)
    load_today: dict[int, int]
    # False where the database cannot read levels and load in the same statement (SQLite, the
    # embedded demo): `levels` and `load_today` are empty, for the caller to read apart
    complete: bool = True


def shipping_locations(*, channel_id: int, sku_ids: Sequence[int], now: datetime) -> ShippingNetwork:
    """Every active shipping location on the map, by code, with `store_profile` and `cost_terms`
    loaded (reading a missing one raises DoesNotExist without a query) and `channel_has_pool`,
    `in_channel_pool` set for the channel; with each one's stock levels of `sku_ids` and, where it
    has a daily cap, its load today (at `now`). One statement."""
    complete = connection.vendor == "postgresql"  # json_agg, arrays and time zones in SQL
    sql, location_columns, profile_columns, terms_columns = _statement(complete)
    with connection.cursor() as cursor:
        params: list[Any] = (
            [channel_id, channel_id, now, integer_array(sku_ids)] if complete else [channel_id, channel_id]
        )
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    first, second = len(location_columns.names), len(location_columns.names) + len(profile_columns.names)
    third = second + len(terms_columns.names)
    locations = []
    levels = []
    load_today = {}
    for row in rows:
        location = cast(Location, location_columns.instance(row[:first]))
        for related_name, columns, values in (
            ("store_profile", profile_columns, row[first:second]),
            ("cost_terms", terms_columns, row[second:third]),
        ):
            relation = Location._meta.get_field(related_name)
            related = None if values[columns.pk_index] is None else columns.instance(values)
            relation.set_cached_value(location, related)  # type: ignore[union-attr]
            if related is not None:
                relation.remote_field.set_cached_value(related, location)  # type: ignore[union-attr]
        location.channel_has_pool, location.in_channel_pool = row[third], row[third + 1]  # type: ignore[attr-defined]
        if row[third + 2] is not None:
            load_today[location.pk] = row[third + 2]
        # numbers come back as JSON text: prices keep their exact decimals
        for sku_id, atp, unit_cost, price, region in row[third + 3] or ():
            levels.append((location.pk, sku_id, atp, _decimal(unit_cost), _decimal(price), region))
        locations.append(location)
    return ShippingNetwork(locations, levels, load_today, complete)


def _decimal(value: str | None) -> Decimal | None:
    return None if value is None else Decimal(value)
