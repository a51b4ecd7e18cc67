"""Order book writes: create (validated insert), the timeline, the status machine, line splits, CSV reading.

Creating an order together with its routing and reservation is fulfillment's intake
(`fulfillment.services.intake.order_import`), the one way orders enter from any channel.
"""

from orders.services.create import (
    MAX_LINE_QUANTITY,
    MAX_LINES,
    CreatedOrder,
    LineInput,
    OrderInput,
    order_create,
    order_duplicate_note,
    order_find,
    order_input_check,
)
from orders.services.csv_import import ORDER_CSV_COLUMNS, OrderCsvError, OrderCsvReport
from orders.services.events import order_event_add, order_event_new
from orders.services.state import (
    order_line_cancel_backorder,
    order_line_deallocate,
    order_line_ship,
    order_lines_allocate,
    order_lines_allocate_sql,
    order_lock,
    order_status_event,
    order_transition,
    order_transition_check,
)

__all__ = [
    "MAX_LINES",
    "MAX_LINE_QUANTITY",
    "ORDER_CSV_COLUMNS",
    "CreatedOrder",
    "LineInput",
    "OrderCsvError",
    "OrderCsvReport",
    "OrderInput",
    "order_create",
    "order_duplicate_note",
    "order_event_add",
    "order_event_new",
    "order_find",
    "order_input_check",
    "order_line_cancel_backorder",
    "order_line_deallocate",
    "order_line_ship",
    "order_lines_allocate",
    "order_lines_allocate_sql",
    "order_lock",
    "order_status_event",
    "order_transition",
    "order_transition_check",
]
