"""Write what a routing decided in one statement: the decision, the order's new reason (and status), its timeline.

These were three round trips after every routing (an INSERT, an UPDATE, an INSERT of the
timeline entries), each waiting on the one before only for the decision's id, which the routed
entry quotes. As data-modifying CTEs of one statement the entry takes the id from the decision's
RETURNING instead. The statement's text is built once per process per set of order columns.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Any, cast

from django.db import connection
from django.db.models import Field

from core.rows import insert_rows, mark_saved, rows_json, signal_before_insert, signal_inserted
from fulfillment.models import RoutingDecision
from orders.models import Order, OrderEvent

_RECORD_SQL = """
WITH decision AS (
    INSERT INTO {decisions} ({decision_columns}) SELECT {decision_values} FROM {decision_rows} AS d
    RETURNING id
), changed AS (
    UPDATE {orders} SET {order_sets} WHERE id = %s
), entries AS (
    INSERT INTO {events} ({event_columns})
    SELECT {event_values}
      FROM {event_rows} WITH ORDINALITY AS u, decision
     ORDER BY u.ordinality
    RETURNING id
)
SELECT decision.id, ARRAY(SELECT id FROM entries ORDER BY id) FROM decision
"""


def _order_field(name: str) -> Field:
    return cast(Field, Order._meta.get_field(name))


@functools.cache
def _record_sql(order_columns: tuple[str, ...]) -> str:
    quote = connection.ops.quote_name
    decisions, events = insert_rows(RoutingDecision), insert_rows(OrderEvent)
    # the entry that quotes the decision (its place given as a parameter) gets its id: jsonb `||`
    # replaces the placeholder key
    values = [
        f"CASE WHEN u.ordinality = %s THEN u.{name} || jsonb_build_object('decision', decision.id) ELSE u.{name} END"
        if field.attname == "data"
        else f"u.{name}"
        for name, field in zip(events.names, events.fields, strict=True)
    ]
    return _RECORD_SQL.format(
        decisions=quote(RoutingDecision._meta.db_table),
        decision_columns=decisions.columns,
        decision_values=decisions.values("d"),
        decision_rows=decisions.source,
        orders=quote(Order._meta.db_table),
        order_sets=", ".join(f"{quote(_order_field(name).column)} = %s" for name in order_columns),
        events=quote(OrderEvent._meta.db_table),
        event_columns=events.columns,
        event_values=", ".join(values),
        event_rows=events.source,
    )


def routing_record_write(
    *,
    order: Order,
    decision: RoutingDecision,
    events: Sequence[OrderEvent],
    quoting: OrderEvent,
    order_fields: dict[str, Any],
) -> None:
    """Insert `decision` and `events` (in this order on the timeline) and set `order_fields` on the order's row.

    One statement. `quoting` (one of `events`) gets the decision's id under "decision" in its data.
    The decision's `pre_save` and `post_save` are sent as `create` sends them (timeline entries are
    bulk-created: no signals, as before).
    The objects become the saved rows (primary keys and creation times set), as `create` and
    `bulk_create` would leave them; the order's row changes in the database only (the caller
    sets the same values on its object). Runs in the caller's transaction, which holds (or
    created) the order's row.
    """
    if connection.vendor != "postgresql":
        _write_apart(order=order, decision=decision, events=events, quoting=quoting, order_fields=order_fields)
        return
    signal_before_insert(decision)
    columns = tuple(order_fields)
    params = [
        rows_json([decision], insert_rows(RoutingDecision)),
        *(_order_field(name).get_db_prep_save(value, connection) for name, value in order_fields.items()),
        order.pk,
        next(n for n, event in enumerate(events, start=1) if event is quoting),  # its ordinality
        rows_json(events, insert_rows(OrderEvent)),
    ]
    with connection.cursor() as cursor:
        cursor.execute(_record_sql(columns), params)
        decision_id, event_ids = cursor.fetchone()
    if len(event_ids) != len(events):
        raise RuntimeError(f"Wrote {len(event_ids)} of {len(events)} timeline entries for order {order.pk}.")
    mark_saved(decision, decision_id)
    for event, pk in zip(events, event_ids, strict=True):
        mark_saved(event, pk)
    quoting.data["decision"] = decision_id
    signal_inserted(decision)  # its `order.routed` webhook


def _write_apart(
    *,
    order: Order,
    decision: RoutingDecision,
    events: Sequence[OrderEvent],
    quoting: OrderEvent,
    order_fields: dict[str, Any],
) -> None:
    """The same rows in three statements, for a database without data-modifying CTEs (SQLite: the embedded demo)."""
    decision.save(force_insert=True)
    quoting.data["decision"] = decision.pk
    Order.objects.filter(pk=order.pk).update(**order_fields)
    OrderEvent.objects.bulk_create(events)
