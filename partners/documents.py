"""What a partner tells us, in the product's terms, whichever way it came (portal, API, EDI).

The portal forms, the REST serializers and the EDI parsers all produce these plain
dataclasses; the services in `partners.services` apply them. Quantities are units, money is
Decimal in the PO's currency, times are aware datetimes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal


@dataclass(frozen=True)
class AckLine:
    """Per PO line: how many units the supplier accepts (the rest are rejected, with a reason)."""

    line_number: int
    accepted: int
    reason: str = ""


@dataclass(frozen=True)
class Acknowledgment:
    po_number: str  # "PO-000042" (or the bare number the EDI carries)
    lines: tuple[AckLine, ...]
    reference: str = ""  # the supplier's own id for this acknowledgment


@dataclass(frozen=True)
class ShipLine:
    line_number: int
    quantity: int


@dataclass(frozen=True)
class ShipNotice:
    po_number: str
    reference: str  # the supplier's shipment id: the same reference twice is the same notice
    lines: tuple[ShipLine, ...]
    carrier: str = ""
    service: str = ""
    tracking_numbers: tuple[str, ...] = ()
    shipped_at: datetime | None = None


@dataclass(frozen=True)
class InvoiceLineInput:
    quantity: int
    unit_price: Decimal
    line_number: int | None = None
    supplier_sku: str = ""


@dataclass(frozen=True)
class InvoiceInput:
    po_number: str
    number: str
    invoiced_at: date
    lines: tuple[InvoiceLineInput, ...]
    total: Decimal | None = None  # when given, checked against the lines


@dataclass(frozen=True)
class InventoryRow:
    """Units the partner has of one SKU (ours or its own code), optionally per warehouse."""

    sku: str
    quantity: int
    warehouse: str = ""


@dataclass(frozen=True)
class InventoryFeed:
    rows: tuple[InventoryRow, ...]
    as_of: datetime | None = None
    reference: str = ""
    errors: tuple[str, ...] = field(default_factory=tuple)
