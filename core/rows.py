"""Model instances from statements written out once per process, for the order path's reads.

The ORM compiles a queryset's SQL on every call; on the order path that costs more CPU than
PostgreSQL spends answering a simple read. A statement built here from the model's own fields
(so a field added to the model comes with it) is compiled once, and its rows become model
instances exactly as the ORM would make them: `from_db`, each field's database converters
applied.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.db.models import Model

Converter = Callable[[Any, Any, Any], Any]


@dataclass(frozen=True)
class Columns:
    """One model's columns in a written-out statement: attribute names and each one's converters."""

    model: type[Model]
    names: list[str]
    converters: list[tuple[int, list[Converter], Any]]

    @property
    def pk_index(self) -> int:
        return self.names.index(self.model._meta.pk.attname)

    def instance(self, values: Sequence[Any]) -> Model:
        """The model instance the ORM would build from these column values."""
        row = list(values)
        for index, converters, column in self.converters:
            for convert in converters:
                row[index] = convert(row[index], column, connection)  # SQLite's decimals read the column
        return self.model.from_db(connection.alias, self.names, row)


def model_columns(model: type[Model], alias: str) -> tuple[Columns, list[str]]:
    """The model's concrete columns as `alias."column"` SQL, with what turns their values into an instance."""
    fields = model._meta.concrete_fields
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
