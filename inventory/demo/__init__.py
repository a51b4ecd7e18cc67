"""The demo network: a realistic US merchant, built deterministically from a seed.

Two steps, so the data can be checked without a database:

- `build_plan(seed=..., sku_count=...)` is pure: it returns a `DemoPlan` (locations, SKUs,
  opening stock, transfers, users). The same seed and size always give the same plan.
- `apply_plan(plan)` writes the plan through `inventory.services` (location_create,
  sku_create, receipts, stock_count, stock_set_safety_stock, transfer_*), so every unit
  on the screen has its ledger rows and `ledger_verify()` finds no drift.

`manage.py seed_demo` is the thin command around these.
"""

from inventory.demo.catalog import CATALOG, full_catalog, gtin13, gtin13_check_digit, is_valid_gtin13
from inventory.demo.network import DROPSHIP_FAMILY, NETWORK
from inventory.demo.plan import DEFAULT_SEED, DEFAULT_SKU_COUNT, apply_plan, build_plan
from inventory.demo.specs import DemoPlan, DemoResult, LocationSpec, SKUSpec, StockSpec, TransferSpec, UserSpec

__all__ = [
    "CATALOG",
    "DEFAULT_SEED",
    "DEFAULT_SKU_COUNT",
    "DROPSHIP_FAMILY",
    "NETWORK",
    "DemoPlan",
    "DemoResult",
    "LocationSpec",
    "SKUSpec",
    "StockSpec",
    "TransferSpec",
    "UserSpec",
    "apply_plan",
    "build_plan",
    "full_catalog",
    "gtin13",
    "gtin13_check_digit",
    "is_valid_gtin13",
]
