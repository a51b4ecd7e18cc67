"""Returns screens, one module per screen family. Import views from here."""

from returns.views.counter import counter, counter_return
from returns.views.create import return_create
from returns.views.detail import (
    return_action,
    return_detail_view,
    return_inspect_view,
    return_label,
    return_photo,
    return_receive_view,
)
from returns.views.policies import policies, policy_edit
from returns.views.public import (
    customer_label,
    customer_order_view,
    customer_quote,
    customer_return_view,
    customer_start,
)
from returns.views.queue import index
from returns.views.receive import receive_scan
from returns.views.report import return_report_view
from returns.views.stock import refurbish_action, returned_stock, vendor_return_ship_view

__all__ = [
    "counter",
    "counter_return",
    "customer_label",
    "customer_order_view",
    "customer_quote",
    "customer_return_view",
    "customer_start",
    "index",
    "policies",
    "policy_edit",
    "receive_scan",
    "refurbish_action",
    "return_action",
    "return_create",
    "return_detail_view",
    "return_inspect_view",
    "return_label",
    "return_photo",
    "return_receive_view",
    "return_report_view",
    "returned_stock",
    "vendor_return_ship_view",
]
