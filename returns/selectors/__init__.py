"""Reads for returns, scoped to who asks, one module per screen.

Staff who see every location see every return; a warehouse operator or store associate sees
only returns coming back to (or received at) their locations: anything else is a 404. A
customer reaches an order only with its number and the email it was placed with.

Import from here: `from returns.selectors import return_queue`.
"""

from returns.selectors._common import returns_visible_to
from returns.selectors.counter import counter_open_returns, counter_order, counter_recent, counter_stores
from returns.selectors.detail import (
    order_returns,
    return_detail,
    return_events,
    return_get,
    return_refund,
    transfer_destinations,
)
from returns.selectors.exchange_options import ExchangeOption, exchange_options, exchange_siblings
from returns.selectors.policies import PolicyRow, policy_for_key, policy_reasons_all, policy_rows
from returns.selectors.public import (
    customer_brand_channel,
    customer_order,
    customer_return,
    customer_return_stores,
    customer_returns,
    policy_reasons,
)
from returns.selectors.queue import ReturnFilters, queue_locations, return_queue, return_status_counts
from returns.selectors.receive import ScanResult, receiving_locations, return_find_by_scan
from returns.selectors.report import RateRow, report_periods, report_since, return_report
from returns.selectors.stock import refurbish_bucket, refurbish_unit_get, vendor_return_get, vendor_returns_open

__all__ = [
    "ExchangeOption",
    "PolicyRow",
    "RateRow",
    "ReturnFilters",
    "ScanResult",
    "counter_open_returns",
    "counter_order",
    "counter_recent",
    "counter_stores",
    "customer_brand_channel",
    "customer_order",
    "customer_return",
    "customer_return_stores",
    "customer_returns",
    "exchange_options",
    "exchange_siblings",
    "order_returns",
    "policy_for_key",
    "policy_reasons",
    "policy_reasons_all",
    "policy_rows",
    "queue_locations",
    "receiving_locations",
    "refurbish_bucket",
    "refurbish_unit_get",
    "report_periods",
    "report_since",
    "return_detail",
    "return_events",
    "return_find_by_scan",
    "return_get",
    "return_queue",
    "return_refund",
    "return_report",
    "return_status_counts",
    "returns_visible_to",
    "transfer_destinations",
    "vendor_return_get",
    "vendor_returns_open",
]
