"""An order's status (the state machine) and the split of each line's units."""

from __future__ import annotations

from collections.abc import Sequence

from django.db import connection
from django.db.models import F

from core.errors import Conflict
from core.types import AnyUser
from orders.models import ORDER_TRANSITIONS, Order, OrderEvent, OrderEventKind, OrderLine, OrderStatus
from orders.services.events import order_event_new


def order_transition(
    *, order: Order, to: str, actor: AnyUser | None = None, actor_label: str = "", reason: str = ""
) -> Order:
    """Move an order to another status if `ORDER_TRANSITIONS` allows it; refuse (409) otherwise.

    Precondition: the caller holds the order's row lock or is creating the order.
    """
    if to == order.status:
        return order
    order_transition_check(order=order, to=to)
    previous = order.status
    order.status = to
    order.save(update_fields=["status", "updated_at"])
    order_status_event(order=order, previous=previous, to=to, actor=actor, actor_label=actor_label, reason=reason).save(
        force_insert=True
    )
    return order


def order_transition_check(*, order: Order, to: str) -> None:
    """Refuse (409) a status change that `ORDER_TRANSITIONS` does not allow."""
    if to not in ORDER_TRANSITIONS.get(order.status, frozenset()):
        raise Conflict(
            f"Order {order.number} is {order.get_status_display().lower()}; it cannot become "
            f"{OrderStatus(to).label.lower()}."
        )


def order_status_event(
    *, order: Order, previous: str, to: str, actor: AnyUser | None = None, actor_label: str = "", reason: str = ""
) -> OrderEvent:
    """The timeline entry of a status change (not saved yet)."""
    return order_event_new(
        order=order,
        kind=OrderEventKind.STATUS,
        message=f"{OrderStatus(previous).label} → {OrderStatus(to).label}" + (f": {reason}" if reason else ""),
        actor=actor,
        actor_label=actor_label,
        data={"from": previous, "to": to},
    )


def order_lock(order: Order) -> Order:
    """Re-read an order under a row lock (inside a transaction)."""
    return Order.objects.select_for_update(of=("self",)).select_related("channel").get(pk=order.pk)


def _line_update(line_id: int, **deltas: int) -> None:
    """Apply deltas to a line's split with F(); the check constraint refuses an impossible split."""
    OrderLine.objects.filter(pk=line_id).update(**{name: F(name) + delta for name, delta in deltas.items()})


def order_lines_allocate_sql() -> str:
    """`order_lines_allocate` as one UPDATE another service may embed in its own PostgreSQL statement
    (a data-modifying CTE); its one parameter: `[{"id": line id, "quantity": units}, ...]` as JSON
    (`core.rows.records_json`), each line once. The same precondition: the caller holds the order's
    row lock."""
    table = connection.ops.quote_name(OrderLine._meta.db_table)
    return (
        f"UPDATE {table} l SET quantity_allocated = l.quantity_allocated + u.quantity "  # noqa: S608
        "FROM json_to_recordset(%s::json) AS u(id bigint, quantity integer) WHERE l.id = u.id"
    )


def order_lines_allocate(*, allocations: Sequence[tuple[OrderLine, int]]) -> None:
    """Mark units of several lines as allocated, in one UPDATE (F() plus each line's units).

    The database changes, not the OrderLine objects. Precondition, as for every line change:
    the caller holds the order's row lock (or created the order in this transaction).
    """
    per_line: dict[int, int] = {}
    for line, quantity in allocations:
        per_line[line.pk] = per_line.get(line.pk, 0) + quantity
    if not per_line:
        return
    # Written out, not built with Case/When: the ORM's compilation of it was a twentieth of an order's CPU.
    table = connection.ops.quote_name(OrderLine._meta.db_table)
    cases = " ".join(["WHEN %s THEN %s"] * len(per_line))
    ids = ", ".join(["%s"] * len(per_line))
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET quantity_allocated = quantity_allocated + CASE id {cases} END "  # noqa: S608
            f"WHERE id IN ({ids})",
            [*(value for pair in per_line.items() for value in pair), *per_line],
        )


def order_line_deallocate(*, line: OrderLine, quantity: int, cancel: bool = False) -> None:
    """Take units back from a shipment: backordered again, or cancelled when `cancel`."""
    if cancel:
        _line_update(line.pk, quantity_allocated=-quantity, quantity_cancelled=quantity)
    else:
        _line_update(line.pk, quantity_allocated=-quantity)


def order_line_ship(*, line: OrderLine, quantity: int) -> None:
    """Allocated units left the building."""
    _line_update(line.pk, quantity_allocated=-quantity, quantity_shipped=quantity)


def order_line_cancel_backorder(*, line: OrderLine, quantity: int) -> None:
    """Cancel units that were waiting for stock."""
    _line_update(line.pk, quantity_cancelled=quantity)
