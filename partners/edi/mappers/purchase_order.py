"""850 purchase order read back: how we check that the 850 we write says what we meant.

Suppliers do not send us 850s; this reader exists so a generated file is verified by parsing
it, not by comparing strings, and so the published drop-ship 850 can be compared with ours.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from partners.edi.envelope import TransactionSet
from partners.edi.mappers.common import ItemRef, missing_segment, money, quantity, required


@dataclass(frozen=True)
class Po1Line:
    """One PO1: its line id (PO101), quantity, unit price and item codes."""

    line_id: str
    quantity: int
    unit_price: Decimal
    item: ItemRef


@dataclass(frozen=True)
class PurchaseOrderRead:
    """The parts of an 850 a supplier acts on: the PO number, ship-to name and postal code, lines."""

    number: str
    purpose: str
    order_type: str
    ship_to_name: str
    ship_to_postal_code: str
    lines: tuple[Po1Line, ...]


def purchase_order_from_850(ts: TransactionSet) -> PurchaseOrderRead:
    """Read an 850 set; `MappingError` when BEG or a PO1 element is missing or malformed."""
    beg = next((segment for segment in ts.body if segment.id == "BEG"), None)
    if beg is None:
        raise missing_segment(ts, "BEG", "an 850 starts with BEG (purpose, type, PO number)")
    name = postal = ""
    in_ship_to = False
    lines = []
    for segment in ts.body:
        if segment.id == "N1":
            in_ship_to = segment.get(1) == "ST"
            name = segment.get(2) if in_ship_to else name
        elif segment.id == "N4" and in_ship_to:
            postal = segment.get(3)
        elif segment.id == "PO1":
            lines.append(
                Po1Line(
                    line_id=segment.get(1),
                    quantity=quantity(ts, segment, 2),
                    unit_price=money(ts, segment, 4, "unit price"),
                    item=ItemRef(segment.get(1), tuple(segment.pairs(6))),
                )
            )
    return PurchaseOrderRead(
        number=required(ts, beg, 3, "purchase order number"),
        purpose=beg.get(1),
        order_type=beg.get(2),
        ship_to_name=name,
        ship_to_postal_code=postal,
        lines=tuple(lines),
    )
