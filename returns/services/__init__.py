"""Returns write services. Import from here: `from returns.services import return_request`."""

from returns.services._common import return_document, rma_event, rma_lock, rma_transition
from returns.services.dispatch import (
    RefundConnector,
    RefundFailed,
    RefundRequest,
    RefundResult,
    refund_connector_for,
    refund_dispatch,
    refund_mark_executed,
    refund_retry,
)
from returns.services.eligibility import Returnable, ReturnLineInput, returnable_lines
from returns.services.exchanges import customer_is_trusted, exchange_cancel, exchange_create, exchange_release
from returns.services.inspection import Inspection, UnitInspection, return_inspect
from returns.services.money import refund_create, refund_quote_for
from returns.services.policy import (
    PolicyInput,
    ReasonInput,
    return_policy_default_ensure,
    return_policy_for,
    return_policy_set,
    return_reason_set,
)
from returns.services.receiving import (
    Receipt,
    return_counter_receive,
    return_counter_receive_open,
    return_receive,
)
from returns.services.requests import (
    return_approve,
    return_cancel,
    return_close,
    return_reject,
    return_request,
)
from returns.services.routing import (
    ReturnRoute,
    return_label_buy,
    return_route,
    return_tracking_record,
    return_tracking_refresh,
)
from returns.services.stock import refurbish_restock, refurbish_scrap, vendor_return_ship

__all__ = [
    "Inspection",
    "PolicyInput",
    "ReasonInput",
    "Receipt",
    "RefundConnector",
    "RefundFailed",
    "RefundRequest",
    "RefundResult",
    "ReturnLineInput",
    "ReturnRoute",
    "Returnable",
    "UnitInspection",
    "customer_is_trusted",
    "exchange_cancel",
    "exchange_create",
    "exchange_release",
    "refund_connector_for",
    "refund_create",
    "refund_dispatch",
    "refund_mark_executed",
    "refund_quote_for",
    "refund_retry",
    "refurbish_restock",
    "refurbish_scrap",
    "return_approve",
    "return_cancel",
    "return_close",
    "return_counter_receive",
    "return_counter_receive_open",
    "return_document",
    "return_inspect",
    "return_label_buy",
    "return_policy_default_ensure",
    "return_policy_for",
    "return_policy_set",
    "return_reason_set",
    "return_receive",
    "return_reject",
    "return_request",
    "return_route",
    "return_tracking_record",
    "return_tracking_refresh",
    "returnable_lines",
    "rma_event",
    "rma_lock",
    "rma_transition",
    "vendor_return_ship",
]
