"""REST API for inventory (/api/v1/): locations, SKUs, availability and stock operations.

Each endpoint parses its input with a serializer, calls one selector (reads, scoped to the
user's locations) or one service (writes, all-or-nothing), and renders the result. Errors:

- 400 `{"detail", "code", "errors": {field: [message]}}` for bad input, including an
  unknown or out-of-scope SKU or location named in a body or query string;
- 401 without credentials (Token auth answers with `WWW-Authenticate: Token`);
- 403 without the Django permission the endpoint needs;
- 404 for a location or SKU in the URL that does not exist or is outside the user's scope;
- 409 `{"detail", "code": "insufficient_stock", "problems": [...]}` when a reservation does
  not fit in available-to-promise.
"""

from inventory.apis._shared import HasRequiredPermissions, InventoryAPIMixin
from inventory.apis.catalog import LocationViewSet, SKUViewSet
from inventory.apis.stock import (
    AvailabilityView,
    StockAdjustView,
    StockReceiveView,
    StockReleaseView,
    StockReserveView,
)

__all__ = [
    "AvailabilityView",
    "HasRequiredPermissions",
    "InventoryAPIMixin",
    "LocationViewSet",
    "SKUViewSet",
    "StockAdjustView",
    "StockReceiveView",
    "StockReleaseView",
    "StockReserveView",
]
