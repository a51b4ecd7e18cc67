"""Write a consolidated order's hold, its legs, the legs' lines and the order lines' allocated units
in one statement.

Through the ORM these were a round trip each (the hold, then per leg its row and its lines, then
the order lines' units), each waiting on the one before only for an id. As data-modifying CTEs
of one statement the legs take the hold's id from its RETURNING, and the legs' lines find their
leg by its transfer (one leg per transfer). The statement's text is built once per process from
the models' own fields.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass

from django.db import connection

from core.rows import insert_rows, mark_saved, quoted_column, records_json, rows_json
from fulfillment.models import ConsolidationHold, ConsolidationLeg, ConsolidationLegLine
from orders.models import OrderLine
from orders.services import order_lines_allocate, order_lines_allocate_sql

_WRITE_SQL = """
WITH hold AS (
    INSERT INTO {holds} ({hold_columns}) SELECT {hold_values} FROM {hold_rows} AS h
    RETURNING id
), legs AS (
    INSERT INTO {legs} ({hold_id}, {leg_columns})
    SELECT hold.id, {leg_values} FROM {leg_rows} WITH ORDINALITY AS u, hold ORDER BY u.ordinality
    RETURNING id, {transfer_id}
), leg_lines AS (
    INSERT INTO {leg_lines} ({line_columns})
    SELECT legs.id, u.order_line_id, u.sku_id, u.quantity, 0
      FROM ROWS FROM (json_to_recordset(%s::json) AS (transfer_id bigint, order_line_id bigint, sku_id bigint,
                                                      quantity integer))
           WITH ORDINALITY AS u(transfer_id, order_line_id, sku_id, quantity, n)
      JOIN legs ON legs.{transfer_id} = u.transfer_id
     ORDER BY u.n
    RETURNING id
), allocated AS (
    {allocate}
)
SELECT hold.id, ARRAY(SELECT id FROM legs ORDER BY id), (SELECT count(*) FROM leg_lines) FROM hold
"""


@dataclass(frozen=True)
class LegUnits:
    """A leg about to be written (its transfer saved already) and the order-line units it brings."""

    leg: ConsolidationLeg
    units: Sequence[tuple[OrderLine, int]]


@functools.cache
def _write_sql() -> str:
    quote = connection.ops.quote_name
    holds = insert_rows(ConsolidationHold)
    legs = insert_rows(ConsolidationLeg, ("hold_id",))
    return _WRITE_SQL.format(
        holds=quote(ConsolidationHold._meta.db_table),
        hold_columns=holds.columns,
        hold_values=holds.values("h"),
        hold_rows=holds.source,
        legs=quote(ConsolidationLeg._meta.db_table),
        hold_id=quoted_column(ConsolidationLeg, "hold"),
        transfer_id=quoted_column(ConsolidationLeg, "transfer"),
        leg_columns=legs.columns,
        leg_values=legs.values("u"),
        leg_rows=legs.source,
        leg_lines=quote(ConsolidationLegLine._meta.db_table),
        line_columns=", ".join(
            quoted_column(ConsolidationLegLine, name)
            for name in ("leg", "order_line", "sku", "quantity", "quantity_received")
        ),
        allocate=order_lines_allocate_sql(),
    )


def consolidation_rows_write(hold: ConsolidationHold, legs: Sequence[LegUnits]) -> None:
    """Write the hold, its legs and their lines, and allocate the units the legs bring on the order lines.

    In the caller's transaction (it holds the order's row lock). The hold and leg objects become
    the saved rows (primary keys set, each leg tied to the hold); the OrderLine objects are not
    changed (the database is).
    """
    if connection.vendor != "postgresql":
        _write_apart(hold, legs)
        return
    per_line: dict[int, int] = {}
    for leg in legs:
        for line, quantity in leg.units:
            per_line[line.pk] = per_line.get(line.pk, 0) + quantity
    lines = [(leg.leg.transfer_id, line, quantity) for leg in legs for line, quantity in leg.units]
    params = [
        rows_json([hold], insert_rows(ConsolidationHold)),
        rows_json([leg.leg for leg in legs], insert_rows(ConsolidationLeg, ("hold_id",))),
        records_json(
            {"transfer_id": transfer_id, "order_line_id": line.pk, "sku_id": line.sku_id, "quantity": quantity}
            for transfer_id, line, quantity in lines
        ),
        records_json({"id": pk, "quantity": quantity} for pk, quantity in per_line.items()),
    ]
    with connection.cursor() as cursor:
        cursor.execute(_write_sql(), params)
        hold_id, leg_ids, line_count = cursor.fetchone()
    if len(leg_ids) != len(legs) or line_count != len(lines):
        raise RuntimeError(f"Wrote {len(leg_ids)} legs and {line_count} lines for hold {hold_id}.")
    mark_saved(hold, hold_id)
    for leg, pk in zip(legs, leg_ids, strict=True):
        leg.leg.hold = hold
        mark_saved(leg.leg, pk)


def _write_apart(hold: ConsolidationHold, legs: Sequence[LegUnits]) -> None:
    """The same rows through the ORM, for a database without data-modifying CTEs (SQLite: the embedded demo)."""
    hold.save()
    for leg in legs:
        leg.leg.hold = hold
        leg.leg.save()
        ConsolidationLegLine.objects.bulk_create(
            [
                ConsolidationLegLine(leg=leg.leg, order_line=line, sku_id=line.sku_id, quantity=quantity)
                for line, quantity in leg.units
            ]
        )
    order_lines_allocate(allocations=[unit for leg in legs for unit in leg.units])
