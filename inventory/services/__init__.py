"""Inventory write services. Import from here: `from inventory.services import stock_reserve`."""

from inventory.services.access import location_access_grant
from inventory.services.catalog import location_create, location_update, sku_create, sku_update
from inventory.services.counts import HeldBack, OnHandSet, stock_set_on_hand
from inventory.services.imports import ImportReport, stock_export_csv, stock_import_csv
from inventory.services.ledger import Drift, ledger_verify
from inventory.services.levels import DocumentRef, StockLine
from inventory.services.quarantine import stock_quarantine, stock_quarantine_release, stock_quarantine_remove
from inventory.services.stock import (
    lines_by_sku_code,
    stock_adjust,
    stock_count,
    stock_receive,
    stock_release,
    stock_reserve,
    stock_reserve_at,
    stock_set_safety_stock,
    stock_ship,
)
from inventory.services.transfers import transfer_cancel, transfer_create, transfer_receive, transfer_ship

__all__ = [
    "DocumentRef",
    "Drift",
    "HeldBack",
    "ImportReport",
    "OnHandSet",
    "StockLine",
    "ledger_verify",
    "lines_by_sku_code",
    "location_access_grant",
    "location_create",
    "location_update",
    "sku_create",
    "sku_update",
    "stock_adjust",
    "stock_count",
    "stock_export_csv",
    "stock_import_csv",
    "stock_quarantine",
    "stock_quarantine_release",
    "stock_quarantine_remove",
    "stock_receive",
    "stock_release",
    "stock_reserve",
    "stock_reserve_at",
    "stock_set_on_hand",
    "stock_set_safety_stock",
    "stock_ship",
    "transfer_cancel",
    "transfer_create",
    "transfer_receive",
    "transfer_ship",
]
