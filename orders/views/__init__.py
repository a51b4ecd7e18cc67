"""Order staff pages: the list with its bulk actions, one order and its actions, the manual
order form, the CSV import, and the exceptions queue.

Each view parses its input, calls one selector or service, and renders the full page, or a
named partial of it when htmx asks. Reading needs `orders.view_order`; holding, releasing and
re-routing need `orders.route_order`; cancelling needs `orders.cancel_order`; creating and
importing need `orders.add_order`. Service refusals (`DomainError`) become messages or form
errors, never a 500.
"""

from orders.views.create import order_create, order_import_view, order_line_row
from orders.views.detail import order_action, order_detail_view, shipment_reject_view
from orders.views.lists import bulk_action, exceptions, index

__all__ = [
    "bulk_action",
    "exceptions",
    "index",
    "order_action",
    "order_create",
    "order_detail_view",
    "order_import_view",
    "order_line_row",
    "shipment_reject_view",
]
