"""The locations an order may ship from, read for routing in one written-out statement.

Routing reads them on every order: each active shipping location on the map, its store profile
and its own cost terms (both optional, as `select_related` would join them), and whether it is
in the order channel's pool. Built with the ORM (a filter, two joins, two `Exists`) the query
cost more CPU to compile than PostgreSQL spent answering it; here its text is built once per
process from the models' own fields (so a field added to a model comes with it), and the rows
become model instances as the ORM would make them (`from_db`, the fields' converters applied,
the joined objects cached on the location).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, cast

from django.db import connection
from django.db.models import Model

from fulfillment.models import ChannelLocationPool, LocationCostTerms, StoreProfile
from inventory.models import Location

Converter = Callable[[Any, Any, Any], Any]


@dataclass(frozen=True)
class _Columns:
    """One model's columns in the statement: attribute names, and each one's converters."""

    model: type[Model]
    names: list[str]
    converters: list[tuple[int, list[Converter]]]

    @property
    def pk_index(self) -> int:
        return self.names.index(self.model._meta.pk.attname)

    def instance(self, values: Sequence[Any]) -> Model:
        row = list(values)
        for index, converters in self.converters:
            for convert in converters:
                row[index] = convert(row[index], None, connection)
        return self.model.from_db(connection.alias, self.names, row)


def _columns(model: type[Model], alias: str) -> tuple[_Columns, list[str]]:
    fields = model._meta.concrete_fields
    converters = []
    for index, field in enumerate(fields):
        column = field.get_col(alias)
        found = connection.ops.get_db_converters(column) + column.get_db_converters(connection)
        if found:
            converters.append((index, found))
    quote = connection.ops.quote_name
    return _Columns(model, [field.attname for field in fields], converters), [
        f"{alias}.{quote(field.column)}" for field in fields
    ]


@functools.cache
def _statement() -> tuple[str, _Columns, _Columns, _Columns]:
    quote = connection.ops.quote_name
    location, location_sql = _columns(Location, "l")
    profile, profile_sql = _columns(StoreProfile, "p")
    terms, terms_sql = _columns(LocationCostTerms, "t")
    pool = quote(ChannelLocationPool._meta.db_table)
    sql = (
        f"SELECT {', '.join(location_sql + profile_sql + terms_sql)}, "  # noqa: S608
        f"EXISTS (SELECT 1 FROM {pool} c WHERE c.channel_id = %s), "
        f"EXISTS (SELECT 1 FROM {pool} c WHERE c.channel_id = %s AND c.location_id = l.id) "
        f"FROM {quote(Location._meta.db_table)} l "
        f"LEFT JOIN {quote(StoreProfile._meta.db_table)} p ON p.location_id = l.id "
        f"LEFT JOIN {quote(LocationCostTerms._meta.db_table)} t ON t.location_id = l.id "
        "WHERE l.is_active AND l.ships_orders AND l.latitude IS NOT NULL "
        "ORDER BY l.code"
    )
    return sql, location, profile, terms


def shipping_locations(*, channel_id: int) -> list[Location]:
    """Every active shipping location on the map, by code, with `store_profile` and `cost_terms`
    loaded (reading a missing one raises DoesNotExist without a query) and `channel_has_pool`,
    `in_channel_pool` set for the channel. One statement."""
    sql, location_columns, profile_columns, terms_columns = _statement()
    with connection.cursor() as cursor:
        cursor.execute(sql, [channel_id, channel_id])
        rows = cursor.fetchall()
    first, second = len(location_columns.names), len(location_columns.names) + len(profile_columns.names)
    third = second + len(terms_columns.names)
    locations = []
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
        locations.append(location)
    return locations
