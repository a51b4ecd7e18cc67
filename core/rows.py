"""Statements written out once per process for the order path's reads and writes.

The ORM compiles a queryset's SQL on every call; on the order path that costs more CPU than
PostgreSQL spends answering a simple read or insert. A statement built here from the model's own
fields (so a field added to the model comes with it) is compiled once. Rows read become model
instances exactly as the ORM would make them (`from_db`, each field's database converters
applied); objects written become the saved rows, as `bulk_create` would leave them.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.db.models import Field, Model
from django.db.models.signals import post_save, pre_save

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


@functools.cache
def insert_columns(model: type[Model], leave_out: tuple[str, ...] = ()) -> tuple[list[Field], str, str]:
    """A model's fields (its primary key and `leave_out` attnames left out) for a written-out
    `INSERT ... SELECT FROM unnest`: the fields, their quoted columns, and one array placeholder per
    column cast to its type. PostgreSQL only."""
    fields = [
        field for field in model._meta.concrete_fields if not field.primary_key and field.attname not in leave_out
    ]
    columns = ", ".join(connection.ops.quote_name(field.column) for field in fields)
    arrays = ", ".join(f"%s::{field.db_type(connection)}[]" for field in fields)
    return fields, columns, arrays


def column_values(objs: Sequence[Model], fields: Sequence[Field], *, related_saved: bool = True) -> list[list[Any]]:
    """Each field's values over `objs`, as `bulk_create` would write them (it sets their auto_now times,
    and, with `related_saved`, the foreign keys of related objects saved after these were built)."""
    if related_saved:
        for obj in objs:
            obj._prepare_related_fields_for_save(operation_name="bulk_create")  # type: ignore[attr-defined]
    db = connections[DEFAULT_DB_ALIAS]  # not the `connection` proxy: it looks the connection up on every read
    return [[field.get_db_prep_save(field.pre_save(obj, True), db) for obj in objs] for field in fields]


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
