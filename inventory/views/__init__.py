"""Inventory staff pages: the grid, SKU and location pages, inline stock actions, transfers, CSV in and out.

Each view parses its input, calls one selector or service, and renders the full page, or a
named partial of it when htmx asks. Location codes and transfer ids always go through the
selectors, so anything outside the user's locations is a 404, whatever the URL says.

One module per screen family; `inventory/urls.py` reaches every view through this package.
"""

from inventory.views.bins import bin_set_view
from inventory.views.grid import export_csv, grid, import_stock
from inventory.views.locations import location_create_view, location_detail, location_edit, location_list_view
from inventory.views.picker import sku_picker
from inventory.views.stock import sku_create_view, sku_detail, sku_edit, stock_action
from inventory.views.transfers import (
    transfer_action,
    transfer_create_view,
    transfer_detail,
    transfer_line_row,
    transfer_list_view,
)

__all__ = [
    "bin_set_view",
    "export_csv",
    "grid",
    "import_stock",
    "location_create_view",
    "location_detail",
    "location_edit",
    "location_list_view",
    "sku_create_view",
    "sku_detail",
    "sku_edit",
    "sku_picker",
    "stock_action",
    "transfer_action",
    "transfer_create_view",
    "transfer_detail",
    "transfer_line_row",
    "transfer_list_view",
]
