"""Order staff pages: the list with its bulk actions, one order and its actions, the manual
order form and the CSV import (the exceptions queue is in `ui`, it also shows marketplace holds).

Each view parses its input, calls one selector or service, and renders the full page, or a
named partial of it when htmx asks. Reading needs `orders.view_order`; holding, releasing and
re-routing need `orders.route_order`; cancelling needs `orders.cancel_order`; creating and
importing need `orders.add_order`. Service refusals (`DomainError`) become messages or form
errors, never a 500.
"""

from fulfillment.views.orders.create import order_create, order_import_view, order_line_row
from fulfillment.views.orders.detail import order_action, order_detail_view, shipment_reject_view
from fulfillment.views.orders.lists import bulk_action, index

__all__ = [
    "bulk_action",
    "index",
    "order_action",
    "order_create",
    "order_detail_view",
    "order_import_view",
    "order_line_row",
    "shipment_reject_view",
]
