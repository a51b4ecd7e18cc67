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

Those static rows change a few times a day; orders come many times a second. A trigger keeps a
version number of them (migration `fulfillment/0011`), read in the same statement: a process
keeps the objects it built at a version and, while the version is the same, the statement sends
only each row's id and per-order columns (the static columns come back NULL), and the objects
are copied from the kept ones: this read's CPU in the web process went from about 0.6 ms to 0.3 ms
(16 locations), of about 7 ms per order.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any, TypeVar, cast

from django.db import connection
from django.db.models import Model
from django.db.models.base import ModelState
from django.db.models.fields.reverse_related import OneToOneRel

from core.rows import Columns, integer_array, model_columns
from fulfillment.models import ChannelLocationPool, LocationCostTerms, LocationSkuCost, ShadowPrice, StoreProfile
from fulfillment.selectors.stores.clocks import ship_load_today_sql
from inventory.models import Location, StockLevel

# Each location's levels of the order's SKUs with ATP above 0, as one JSON array (prices as text, so
# exact), with its own unit price and shadow price of the SKU (each unique per location and SKU).
_LEVELS_SQL = """
SELECT json_agg(json_build_array(s.sku_id, s.on_hand - s.reserved - s.safety_stock,
                                 sc.unit_cost::text, sp.price::text, sp.region) ORDER BY s.sku_id)::text
  FROM {levels} s
  LEFT JOIN {sku_costs} sc ON sc.location_id = s.location_id AND sc.sku_id = s.sku_id
  LEFT JOIN {shadow_prices} sp ON sp.location_id = s.location_id AND sp.sku_id = s.sku_id
 WHERE s.location_id = l.id AND s.sku_id = ANY(%s::bigint[]) AND s.on_hand - s.reserved - s.safety_stock > 0
"""


_VERSION_SQL = "(SELECT version FROM fulfillment_routing_network_version)"  # migration fulfillment/0011

# Routing never reads when a location's rows were created or edited; parsing those timestamps was
# the largest CPU cost of this read. They are deferred on the instances (read on access).
UNREAD = ("created_at", "updated_at")


@functools.cache
def _statement(complete: bool) -> tuple[str, Columns, Columns, Columns]:
    """The statement; `complete` adds each location's load today and levels, and the network's
    version (PostgreSQL only): the static columns then come back only when the version is not
    the one given (its first parameter), NULL otherwise."""
    quote = connection.ops.quote_name
    static = "lf" if complete else "l"
    location, location_sql = model_columns(Location, static, UNREAD)
    profile, profile_sql = model_columns(StoreProfile, "p", UNREAD)
    terms, terms_sql = model_columns(LocationCostTerms, "t", UNREAD)
    pool = quote(ChannelLocationPool._meta.db_table)
    levels = _LEVELS_SQL.format(
        levels=quote(StockLevel._meta.db_table),
        sku_costs=quote(LocationSkuCost._meta.db_table),
        shadow_prices=quote(ShadowPrice._meta.db_table),
    )
    if complete:
        head, network = f"{_VERSION_SQL} AS version, l.id, ", f"{ship_load_today_sql('l', '%s')}, ({levels}) "
        # a scalar subquery, computed once; the static columns join only when the caller's copy is not current
        source = (
            f"{quote(Location._meta.db_table)} l "
            f"LEFT JOIN {quote(Location._meta.db_table)} lf ON lf.id = l.id AND {_VERSION_SQL} IS DISTINCT FROM %s "
        )
    else:
        head, network, source = "NULL, l.id, ", "NULL, NULL ", f"{quote(Location._meta.db_table)} l "
    sql = (
        f"SELECT {head}{', '.join(location_sql + profile_sql + terms_sql)}, "  # noqa: S608
        f"EXISTS (SELECT 1 FROM {pool} c WHERE c.channel_id = %s), "
        f"EXISTS (SELECT 1 FROM {pool} c WHERE c.channel_id = %s AND c.location_id = l.id), "
        f"{network}"
        f"FROM {source}"
        f"LEFT JOIN {quote(StoreProfile._meta.db_table)} p ON p.location_id = {static}.id "
        f"LEFT JOIN {quote(LocationCostTerms._meta.db_table)} t ON t.location_id = {static}.id "
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
    has a daily cap, its load today (at `now`). One statement.

    The locations, profiles and terms are fresh objects on every call (the caller may set
    attributes on them), copied from the ones this process built at the network's current
    version: the statement sends their columns only when that version moved on.
    """
    complete = connection.vendor == "postgresql"  # json_agg, arrays and time zones in SQL
    sql, location_columns, profile_columns, terms_columns = _statement(complete)
    known = _known.get(_database_key()) if complete else None
    params: list[Any] = [channel_id, channel_id, now, integer_array(sku_ids)] if complete else [channel_id, channel_id]
    rows = _rows(sql, params, known, complete=complete)
    version = rows[0][0] if rows else None
    current = known is not None and version == known.version
    if current and any(row[1] not in known.statics for row in rows):  # type: ignore[union-attr]
        # Cannot happen while the trigger runs; rows loaded with triggers disabled could do it.
        rows, current = _rows(sql, params, None, complete=complete), False
    first = 2 + len(location_columns.names)
    second = first + len(profile_columns.names)
    third = second + len(terms_columns.names)
    built: dict[int, _Static] = {}
    # every location's levels parsed in one call: the driver would parse each location's apart
    levels_of = json.loads("[" + ",".join(row[third + 3] or "null" for row in rows) + "]")
    locations = []
    levels = []
    load_today = {}
    for row, its_levels in zip(rows, levels_of, strict=True):
        static: _Static
        if current:
            static = known.statics[row[1]]  # type: ignore[union-attr]
        else:
            static = built[row[1]] = _Static.from_row(
                row, first, second, third, location_columns, profile_columns, terms_columns
            )
        location = static.fresh()
        location.channel_has_pool, location.in_channel_pool = row[third], row[third + 1]  # type: ignore[attr-defined]
        if row[third + 2] is not None:
            load_today[location.pk] = row[third + 2]
        # numbers come back as JSON text: prices keep their exact decimals
        for sku_id, atp, unit_cost, price, region in its_levels or ():
            levels.append((location.pk, sku_id, atp, _decimal(unit_cost), _decimal(price), region))
        locations.append(location)
    if complete and not current and version is not None:
        _known[_database_key()] = _Known(version, built)
    return ShippingNetwork(locations, levels, load_today, complete)


def _rows(sql: str, params: list[Any], known: _Known | None, *, complete: bool) -> list[tuple[Any, ...]]:
    """The statement's rows, the static columns left out where `known` is the current version."""
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, known.version if known else None] if complete else params)
        return cursor.fetchall()


@dataclass(frozen=True)
class _Static:
    """One location as read at a network version, with its profile and terms: never handed out,
    only copied."""

    location: Location
    profile: StoreProfile | None
    terms: LocationCostTerms | None

    @classmethod
    def from_row(cls, row: Sequence[Any], first: int, second: int, third: int, *columns: Columns) -> _Static:
        location_columns, profile_columns, terms_columns = columns
        profile_values, terms_values = row[first:second], row[second:third]
        return cls(
            cast(Location, location_columns.instance(row[2:first])),
            None
            if profile_values[profile_columns.pk_index] is None
            else cast(StoreProfile, profile_columns.instance(profile_values)),
            None
            if terms_values[terms_columns.pk_index] is None
            else cast(LocationCostTerms, terms_columns.instance(terms_values)),
        )

    def fresh(self) -> Location:
        """A new location, profile and terms with the same field values, wired to each other as the ORM would."""
        location = _copy(self.location)
        profile_relation, terms_relation = _relations()
        for relation, related in ((profile_relation, self.profile), (terms_relation, self.terms)):
            copied = None if related is None else _copy(related)
            relation.set_cached_value(location, copied)
            if copied is not None:
                relation.remote_field.set_cached_value(copied, location)
        return location


@functools.cache
def _relations() -> tuple[OneToOneRel, OneToOneRel]:
    """The location's reverse one-to-one relations to its profile and cost terms, looked up once per process."""
    return cast(OneToOneRel, Location._meta.get_field("store_profile")), cast(
        OneToOneRel, Location._meta.get_field("cost_terms")
    )


@dataclass(frozen=True)
class _Known:
    version: int
    statics: dict[int, _Static]


# The statics this process built, by database (`_database_key`), at the version they were read at. Replaced
# whole (never changed in place), so a thread reading it sees one version or the next.
_known: dict[tuple[str, str], _Known] = {}


_M = TypeVar("_M", bound=Model)


def _copy(template: _M) -> _M:
    """A new instance with the template's field values (all immutable: text, numbers, times) and a
    state of its own (no cached relations), as `from_db` would have made it."""
    obj = template.__class__.__new__(template.__class__)
    obj.__dict__.update(template.__dict__)
    obj._state = ModelState()
    obj._state.adding, obj._state.db = False, template._state.db
    return obj


def _decimal(value: str | None) -> Decimal | None:
    return None if value is None else Decimal(value)


def _database_key() -> tuple[str, str]:
    """Versions are numbers of one database: a process pointed at another one (tests) starts over."""
    return connection.alias, str(connection.settings_dict["NAME"])
