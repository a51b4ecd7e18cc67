"""A new order and its lines written in one statement.

Every order is inserted with its lines; as ORM calls that was two round trips and two compiled
INSERTs (about 1.5 ms of CPU per order, more than PostgreSQL spent on them). Here the statement
is built once per process from the models' own fields (`core.rows`): the order's row, then its
lines taking the new order's id from its RETURNING, as data-modifying CTEs. The objects become
the saved rows, and the order's `pre_save` and `post_save` signals are sent as `save()` sends
them, so what listens to a new order (its confirmation email, its `order.created` webhook)
still hears of it, in the same transaction. Other databases (SQLite: the embedded demo) save
with the ORM.
"""

from __future__ import annotations

import functools

from django.db import connection

from core.rows import insert_rows, mark_saved, quoted_column, rows_json, signal_before_insert, signal_inserted
from orders.models import Order, OrderLine

_WRITE_SQL = """
WITH made AS (
    INSERT INTO {orders} ({order_columns}) SELECT {order_values} FROM {order_rows} AS o
    RETURNING id
), added AS (
    INSERT INTO {lines} ({order_id}, {line_columns})
    SELECT made.id, {line_values}
      FROM made, {line_rows} WITH ORDINALITY AS u
     ORDER BY u.ordinality
    RETURNING id
)
SELECT made.id, ARRAY(SELECT id FROM added ORDER BY id) FROM made
"""


@functools.cache
def _write_sql() -> str:
    quote = connection.ops.quote_name
    orders, lines = insert_rows(Order), insert_rows(OrderLine, ("order_id",))
    return _WRITE_SQL.format(
        orders=quote(Order._meta.db_table),
        order_columns=orders.columns,
        order_values=orders.values("o"),
        order_rows=orders.source,
        lines=quote(OrderLine._meta.db_table),
        order_id=quoted_column(OrderLine, "order"),
        line_columns=lines.columns,
        line_values=lines.values("u"),
        line_rows=lines.source,
    )


def order_rows_write(order: Order, lines: list[OrderLine]) -> None:
    """Insert a new `order` and its `lines` (in this order of line numbers), as `save()` and `bulk_create` would.

    Raises IntegrityError when the channel already has an order with this external id (the unique
    index refuses it; nothing is written). `order` and `lines` become the saved rows.
    """
    if connection.vendor != "postgresql":
        order.save(force_insert=True)
        for line in lines:
            line.order = order
        OrderLine.objects.bulk_create(lines)
        return
    signal_before_insert(order)
    params = [
        rows_json([order], insert_rows(Order)),
        rows_json(lines, insert_rows(OrderLine, ("order_id",)), related_saved=False),
    ]
    with connection.cursor() as cursor:
        cursor.execute(_write_sql(), params)
        order_id, line_ids = cursor.fetchone()
    mark_saved(order, order_id)
    for line, pk in zip(lines, line_ids, strict=True):
        line.order = order
        mark_saved(line, pk)
    signal_inserted(order)
