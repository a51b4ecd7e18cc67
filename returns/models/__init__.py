"""Returns: policies, return authorisations (RMAs), their lines and units, refunds, vendor returns.

A return authorisation moves along `RETURN_TRANSITIONS` (enforced by
`returns.services.rma_transition`): requested -> authorized -> in_transit -> received ->
inspected -> refunded / exchanged -> closed, or rejected / cancelled before anything arrived.
Every received unit is one `ReturnUnit`, inspected once: its condition and its disposition
(restock, refurbish, scrap, return to vendor, transfer). Units that go back to sellable stock
do so only through `inventory.services` (ledger kind `return_restock`).

Every model is imported here so Django registers them with the app, and so `returns.models.X`
keeps working for the code and the migrations (which name `_public_token` and `_photo_path`).
"""

from returns.models.authorizations import (
    ARRIVED_STATUSES,
    EXPECTED_STATUSES,
    RECEIVABLE_STATUSES,
    RETURN_TRANSITIONS,
    ReturnAuthorization,
    ReturnLine,
    ReturnMethod,
    ReturnSource,
    ReturnStatus,
    ReturnTrackingEvent,
    _public_token,
)
from returns.models.policies import OutOfWindow, ReturnPolicy, ReturnReason
from returns.models.refunds import Refund, RefundStatus
from returns.models.units import (
    Condition,
    Disposition,
    ReturnPhoto,
    ReturnUnit,
    VendorReturn,
    VendorReturnStatus,
    _photo_path,
)

__all__ = [
    "ARRIVED_STATUSES",
    "EXPECTED_STATUSES",
    "RECEIVABLE_STATUSES",
    "RETURN_TRANSITIONS",
    "Condition",
    "Disposition",
    "OutOfWindow",
    "Refund",
    "RefundStatus",
    "ReturnAuthorization",
    "ReturnLine",
    "ReturnMethod",
    "ReturnPhoto",
    "ReturnPolicy",
    "ReturnReason",
    "ReturnSource",
    "ReturnStatus",
    "ReturnTrackingEvent",
    "ReturnUnit",
    "VendorReturn",
    "VendorReturnStatus",
    "_photo_path",
    "_public_token",
]
