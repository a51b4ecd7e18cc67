"""Inventory models, re-exported here so `inventory.models.X` stays the one import path.

Each group of models lives in its own module; add a new module's names below.
"""

from .catalog import BinLocation, Product, Variant
from .counts import CountLine, CountLineStatus, CountSession, CountSessionStatus
from .receipts import DiscrepancyKind, TransferDiscrepancy
from .stock import (
    SKU,
    AdjustmentReason,
    Location,
    LocationAccess,
    LocationKind,
    MovementKind,
    StockChange,
    StockLevel,
    StockMovement,
    Transfer,
    TransferLine,
    TransferStatus,
    validate_timezone,
)

__all__ = [
    "SKU",
    "AdjustmentReason",
    "BinLocation",
    "CountLine",
    "CountLineStatus",
    "CountSession",
    "CountSessionStatus",
    "DiscrepancyKind",
    "Location",
    "LocationAccess",
    "LocationKind",
    "MovementKind",
    "Product",
    "StockChange",
    "StockLevel",
    "StockMovement",
    "Transfer",
    "TransferDiscrepancy",
    "TransferLine",
    "TransferStatus",
    "Variant",
    "validate_timezone",
]
