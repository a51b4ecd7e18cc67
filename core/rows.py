"""Statements written out once per process for the order path's reads and writes.

The ORM compiles a queryset's SQL on every call; on the order path that costs more CPU than
PostgreSQL spends answering a simple read or insert. A statement built here from the model's own
fields (so a field added to the model comes with it) is compiled once. Rows read become model
instances exactly as the ORM would make them (`from_db`, each field's database converters
applied); objects written become the saved rows, as `bulk_create` would leave them.
"""

from __future__ import annotations

import datetime
import decimal
import functools
import json
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, cast

from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.db.models import Field, Model
from django.db.models.signals import post_save, pre_save
from psycopg.types.json import Json, Jsonb

Converter = Callable[[Any, Any, Any], Any]


@dataclass(frozen=True)
class Columns:
    """One model's columns in a written-out statement: attribute names and each one's converters."""

    model: type[Model]
    names: list[str]
    converters: list[tuple[int, list[Converter], Any]]

    @functools.cached_property
    def pk_index(self) -> int:
        return self.names.index(self.model._meta.pk.attname)

    def instance(self, values: Sequence[Any]) -> Model:
        """The model instance the ORM would build from these column values (columns the statement
        left out are deferred, as with `defer()`)."""
        row = list(values)
        if self.converters:
            # `connection` is a proxy that looks the connection up on every attribute read: once here.
            db = connections[DEFAULT_DB_ALIAS]
            for index, converters, column in self.converters:
                for convert in converters:
                    row[index] = convert(row[index], column, db)  # SQLite's decimals read the column
        return self.model.from_db(DEFAULT_DB_ALIAS, self.names, row)


def model_columns(model: type[Model], alias: str, leave_out: tuple[str, ...] = ()) -> tuple[Columns, list[str]]:
    """The model's concrete columns as `alias."column"` SQL, with what turns their values into an instance;
    the `leave_out` attnames are not read (deferred on the instances, as with `defer()`)."""
    fields = [field for field in model._meta.concrete_fields if field.attname not in leave_out]
    converters = []
    for index, field in enumerate(fields):
        column = field.get_col(alias)
        found = connection.ops.get_db_converters(column) + column.get_db_converters(connection)
        if found:
            converters.append((index, found, column))
    quote = connection.ops.quote_name
    return Columns(model, [field.attname for field in fields], converters), [
        f"{alias}.{quote(field.column)}" for field in fields
    ]


@dataclass(frozen=True)
class InsertRows:
    """A model's columns for a written-out `INSERT ... SELECT`, its rows passed as one JSON parameter.

    Rows go to PostgreSQL as one JSON array (`rows_json`) and come out of `source` as rows of the
    model's table, each value parsed by its column's type: one parameter whatever the number of
    columns and rows. As one array parameter per column (`unnest`), each array cost the driver
    more to quote than PostgreSQL spent on the insert (about a tenth of an order's CPU).
    """

    fields: list[Field]
    names: list[str]  # quoted columns
    #: a FROM item of the rows: `json_populate_recordset(NULL::table, %s::json)`; add
    #: `WITH ORDINALITY AS u` and read `u.ordinality` where the rows' order matters
    source: str

    @property
    def columns(self) -> str:
        return ", ".join(self.names)

    def values(self, alias: str) -> str:
        """The columns read from the rows of `source` named `alias`."""
        return ", ".join(f"{alias}.{name}" for name in self.names)


@functools.cache
def insert_rows(model: type[Model], leave_out: tuple[str, ...] = (), *, with_pk: bool = False) -> InsertRows:
    """The model's fields but the `leave_out` attnames and, unless `with_pk` (the rows' ids were taken
    from the sequence already), its primary key, for `rows_json`. PostgreSQL only."""
    fields = [
        field
        for field in model._meta.concrete_fields
        if (with_pk or not field.primary_key) and field.attname not in leave_out
    ]
    quote = connection.ops.quote_name
    return InsertRows(
        fields=fields,
        names=[quote(field.column) for field in fields],
        source=f"json_populate_recordset(NULL::{quote(model._meta.db_table)}, %s::json)",
    )


def quoted_column(model: type[Model], name: str) -> str:
    """A model field's column, quoted for a written-out statement (a foreign key's `…_id`)."""
    return connection.ops.quote_name(cast(Field, model._meta.get_field(name)).column)


def rows_json(objs: Sequence[Model], rows: InsertRows, *, related_saved: bool = True) -> str:
    """`objs` as `bulk_create` would write them (it sets their auto_now times, and, with `related_saved`,
    the foreign keys of related objects saved after these were built): the JSON parameter of `rows.source`."""
    if related_saved:
        for obj in objs:
            obj._prepare_related_fields_for_save(operation_name="bulk_create")  # type: ignore[attr-defined]
    db = connections[DEFAULT_DB_ALIAS]  # not the `connection` proxy: it looks the connection up on every read
    pairs = [(field.column, field) for field in rows.fields]
    return records_json(
        [{column: field.get_db_prep_save(field.pre_save(obj, True), db) for column, field in pairs} for obj in objs]
    )


def records_json(records: Iterable[Mapping[str, Any]]) -> str:
    """Rows as one JSON array of objects, for `json_populate_recordset` or `json_to_recordset`: times in
    ISO 8601, decimals as their exact text, a JSON field's value as itself. A value of any other type
    raises TypeError (rather than reaching the database as some text it might misread)."""
    return json.dumps(list(records), default=_json_value, allow_nan=False, ensure_ascii=False)


def integer_array(values: Iterable[int]) -> str:
    """Integers as the text of a PostgreSQL array (`{1,2,3}`), for a `%s::bigint[]` parameter.

    The driver quotes a Python list element by element, choosing a dumper for each, which costs
    more than the read it feeds; the text of integers needs no quoting (`int()` refuses anything else).
    """
    return "{" + ",".join(str(int(value)) for value in values) + "}"


def _json_value(value: Any) -> Any:
    if isinstance(value, datetime.date | datetime.time):  # datetime is a date
        return value.isoformat()
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, Json | Jsonb):  # what a JSONField prepares: its value, encoded as psycopg would
        return value.obj
    raise TypeError(f"{type(value).__name__} has no JSON form for a written-out row: {value!r}")


def mark_saved(obj: Model, pk: int) -> None:
    """`obj` is the row with this primary key now, as if the ORM had saved it."""
    obj.pk = pk
    obj._state.adding = False
    obj._state.db = DEFAULT_DB_ALIAS  # the statements here run on `connection`, the default database


def signal_before_insert(obj: Model) -> None:
    """Send `pre_save` for a new row as `save()` would, before a written-out INSERT of `obj`."""
    pre_save.send(sender=type(obj), instance=obj, raw=False, using=DEFAULT_DB_ALIAS, update_fields=None)


def signal_inserted(obj: Model) -> None:
    """Send `post_save` (created) as `save()` would, after a written-out INSERT of `obj` (`mark_saved` first):
    what listens to new rows (webhooks, emails) hears of them in the same transaction."""
    post_save.send(sender=type(obj), instance=obj, created=True, update_fields=None, raw=False, using=DEFAULT_DB_ALIAS)
