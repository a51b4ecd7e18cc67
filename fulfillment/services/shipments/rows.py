"""Written-out statements for new rows of shipments and of the records routing keeps with them.

Routing writes these rows on every new order; as ORM calls they were a round trip each (a
shipment, its lines, its location's load counter, the order lines' allocated units). Here they
are built once per process from the models' own fields and sent as one statement, and the
objects passed in become the saved rows, as `bulk_create` would leave them.
"""

from __future__ import annotations

import functools
from collections import defaultdict

from django.db import connection

from core.rows import insert_rows, mark_saved, records_json, rows_json
from fulfillment.models import LocationDayLoad, Shipment, ShipmentLine
from fulfillment.services.capacity import day_load_rows, location_day_load_add
from orders.models import Order
from orders.services import order_lines_allocate, order_lines_allocate_sql

# The shipments, their lines, their locations' day load counters and the order lines' allocated
# units in one statement (data-modifying CTEs): it was four round trips per routed order. Rows
# come back in the order they were written (ORDER BY before the INSERT, ids from one sequence).
_WRITE_SQL = """
WITH made AS (
    INSERT INTO {shipments} ({shipment_columns})
    SELECT {shipment_values} FROM {shipment_rows} WITH ORDINALITY AS u ORDER BY u.ordinality
    RETURNING id
), numbered AS (
    SELECT id, row_number() OVER (ORDER BY id) AS n FROM made
), added AS (
    INSERT INTO {lines} (shipment_id, order_line_id, sku_id, quantity)
    SELECT s.id, u.order_line_id, u.sku_id, u.quantity
      FROM ROWS FROM (json_to_recordset(%s::json) AS (k bigint, order_line_id bigint, sku_id bigint, quantity integer))
           WITH ORDINALITY AS u(k, order_line_id, sku_id, quantity, n)
      JOIN numbered s ON s.n = u.k
     ORDER BY u.n
    RETURNING id
), counted AS (
    INSERT INTO {load} AS t (location_id, day, slot, ship_orders)
    SELECT location_id, day, slot, ship_orders
      FROM json_to_recordset(%s::json) AS u(location_id bigint, day date, slot integer, ship_orders integer)
     ORDER BY 1, 2
        ON CONFLICT (location_id, day, slot) DO UPDATE SET ship_orders = t.ship_orders + EXCLUDED.ship_orders
), allocated AS (
    {allocate}
)
SELECT ARRAY(SELECT id FROM made ORDER BY id), ARRAY(SELECT id FROM added ORDER BY id)
"""


@functools.cache
def _write_sql() -> str:
    quote = connection.ops.quote_name
    rows = insert_rows(Shipment)
    return _WRITE_SQL.format(
        shipments=quote(Shipment._meta.db_table),
        shipment_columns=rows.columns,
        shipment_values=rows.values("u"),
        shipment_rows=rows.source,
        lines=quote(ShipmentLine._meta.db_table),
        load=quote(LocationDayLoad._meta.db_table),
        allocate=order_lines_allocate_sql(),
    )


def shipment_rows_write(order: Order, shipments: list[Shipment], per_shipment: list[list[ShipmentLine]]) -> None:
    """Write new shipments and their lines, count them in the day's load, allocate the lines' units.

    One statement; the objects become the saved rows (primary keys set, lines tied to their shipment).
    """
    if connection.vendor != "postgresql":
        _write_apart(order, shipments, per_shipment)
        return
    shipment_rows = rows_json(shipments, insert_rows(Shipment))  # sets created_at: it decides the load's day
    lines = [(k, line) for k, lines in enumerate(per_shipment, start=1) for line in lines]
    allocated: dict[int, int] = defaultdict(int)
    for _, line in lines:
        allocated[line.order_line_id] += line.quantity
    load = day_load_rows(order=order, shipments=shipments, delta=1)
    params = [
        shipment_rows,
        records_json(
            {"k": k, "order_line_id": line.order_line_id, "sku_id": line.sku_id, "quantity": line.quantity}
            for k, line in lines
        ),
        records_json(
            {"location_id": location_id, "day": day, "slot": slot, "ship_orders": n}
            for location_id, day, slot, n in load
        ),
        records_json({"id": pk, "quantity": quantity} for pk, quantity in allocated.items()),
    ]
    with connection.cursor() as cursor:
        cursor.execute(_write_sql(), params)
        shipment_ids, line_ids = cursor.fetchone()
    if len(shipment_ids) != len(shipments) or len(line_ids) != len(lines):
        raise RuntimeError(f"Wrote {len(shipment_ids)} shipments and {len(line_ids)} lines for order {order.pk}.")
    for shipment, pk in zip(shipments, shipment_ids, strict=True):
        mark_saved(shipment, pk)
    for (k, line), pk in zip(lines, line_ids, strict=True):
        line.shipment = shipments[k - 1]
        mark_saved(line, pk)


def _write_apart(order: Order, shipments: list[Shipment], per_shipment: list[list[ShipmentLine]]) -> None:
    """The same rows in four statements, for a database without data-modifying CTEs (SQLite: the embedded demo)."""
    Shipment.objects.bulk_create(shipments)
    for shipment, lines in zip(shipments, per_shipment, strict=True):
        for line in lines:
            line.shipment = shipment
    ShipmentLine.objects.bulk_create([line for lines in per_shipment for line in lines])
    location_day_load_add(order=order, shipments=shipments, delta=1)
    order_lines_allocate(allocations=[(line.order_line, line.quantity) for lines in per_shipment for line in lines])
