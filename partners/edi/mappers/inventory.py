"""846 inventory inquiry/advice -> `partners.documents.InventoryFeed`.

BIA03 is the feed's reference, BIA04/BIA05 its date and time. Each LIN loop is one item:
its SKU is ours (SK) when the supplier sent it, else the supplier's own code (VN/VC, which
`PartnerSkuCost.supplier_sku` maps), else the UPC. QTY*33 is the quantity available; when
the loop carries REF*WS*<warehouse>*<quantity> segments (the LS/LE loop), the feed has one
row per warehouse instead, and they must add up to QTY*33.
A feed of thousands of items is not refused for one bad item: that item is left out and
named in `InventoryFeed.errors` (segment and element), the others are applied.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from partners.documents import InventoryFeed, InventoryRow
from partners.edi.envelope import TransactionSet
from partners.edi.mappers.common import (
    BARCODE,
    OUR_SKU,
    SUPPLIER_SKU,
    ItemRef,
    MappingError,
    at_utc,
    missing_segment,
    parse_date,
    parse_time,
    quantity,
)
from partners.edi.syntax import Segment

AVAILABLE = "33"  # QTY01: quantity available for sale


def _whole(value: str) -> int | None:
    try:
        amount = Decimal(value.strip())
    except InvalidOperation:
        return None
    return int(amount) if amount == amount.to_integral_value() and amount >= 0 else None


def _item_rows(ts: TransactionSet, lin: Segment, loop: list[Segment]) -> list[InventoryRow]:
    """The rows of one LIN loop, or a `ValueError` saying (with the segment) what is wrong."""
    item = ItemRef(lin.get(1).strip(), tuple(lin.pairs(2)))
    sku = item.first(OUR_SKU) or item.first(SUPPLIER_SKU) or item.first(BARCODE)
    if not sku:
        raise ValueError(f"LIN (segment {lin.position}, {item.describe()}): no SK, VN or UP code to name the item")
    qty = next((segment for segment in loop if segment.id == "QTY" and segment.get(1) == AVAILABLE), None)
    if qty is None:
        raise ValueError(f"LIN (segment {lin.position}, {sku}): no QTY*33 (quantity available)")
    try:
        total = quantity(ts, qty, 2, "quantity available")
    except MappingError as error:
        raise ValueError(f"{error.issue} ({sku})") from None
    rows = []
    for ref in (segment for segment in loop if segment.id == "REF" and segment.get(1) == "WS"):
        warehouse, units = ref.get(2).strip(), _whole(ref.get(3))
        if not warehouse or units is None:
            raise ValueError(
                f"REF (segment {ref.position}, {sku}): REF*WS needs a warehouse in REF02 and a quantity in REF03, "
                f"got {ref.get(2)!r} and {ref.get(3)!r}"
            )
        rows.append(InventoryRow(sku=sku, quantity=units, warehouse=warehouse))
    if not rows:
        return [InventoryRow(sku=sku, quantity=total)]
    if sum(row.quantity for row in rows) != total:
        raise ValueError(
            f"QTY02 (segment {qty.position}, {sku}): QTY*33 says {total}, the REF*WS warehouses add up to "
            f"{sum(row.quantity for row in rows)}"
        )
    return rows


def inventory_feed_from_846(ts: TransactionSet) -> InventoryFeed:
    """Map an 846 set to an `InventoryFeed` (bad items go to `errors`); `MappingError` if there is no BIA/LIN."""
    bia = next((segment for segment in ts.body if segment.id == "BIA"), None)
    if bia is None:
        raise missing_segment(ts, "BIA", "an 846 starts with BIA (purpose, report type, reference, date)")
    loops: list[tuple[Segment, list[Segment]]] = []
    for segment in ts.body:
        if segment.id == "LIN":
            loops.append((segment, []))
        elif loops and segment.id not in ("CTT", "SE"):
            loops[-1][1].append(segment)
    if not loops:
        raise missing_segment(ts, "LIN", "an inventory advice needs at least one item")
    rows: list[InventoryRow] = []
    errors: list[str] = []
    for lin, loop in loops:
        try:
            rows += _item_rows(ts, lin, loop)
        except ValueError as error:
            errors.append(str(error))
    day = parse_date(bia.get(4).strip())
    return InventoryFeed(
        rows=tuple(rows),
        as_of=at_utc(day, parse_time(bia.get(5).strip())) if day else None,
        reference=bia.get(3).strip(),
        errors=tuple(errors),
    )
