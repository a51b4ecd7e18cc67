"""856 advance ship notice -> one `partners.documents.ShipNotice` per order it ships.

The 856 is a tree of HL levels (HL01 id, HL02 parent, HL03 level: S shipment, O order,
P pack, T tare, I item). The tree is rebuilt from the parent pointers, not from the order
of the segments. Per order level (the one with PRF01 = our PO number):
- lines: every item below it, LIN (our SKU, the supplier's code or a UPC) with SN102 units;
- carrier: TD503 (the SCAC), service: TD512 (service level) or TD505 (routing);
- tracking: REF*CN (carrier's reference) and MAN*CP (carrier-assigned package id) on the
  shipment and on the order's packs. MAN*GM is an SSCC-18 carton label, not a tracking number;
- shipped at: DTM*011 (shipped) when it is a date, else BSN03/BSN04 (the notice's own date).
One 856 can ship several POs (the published sample ships two): each gets its own notice,
with BSN02 as the reference.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from partners.documents import ShipLine, ShipNotice
from partners.edi.envelope import TransactionSet
from partners.edi.mappers.common import (
    ItemRef,
    LineCatalog,
    NoCatalog,
    at_utc,
    fail,
    match_line,
    missing_segment,
    parse_date,
    parse_time,
    po_number,
    quantity,
    required,
)
from partners.edi.syntax import Segment

TRACKING_MAN = ("CP",)  # MAN01 qualifiers that carry a carrier's package tracking number


@dataclass
class _Level:
    """One HL level with the segments that follow it (up to the next HL)."""

    hl: Segment
    segments: list[Segment] = field(default_factory=list)
    parent: _Level | None = None

    @property
    def code(self) -> str:
        return self.hl.get(3).strip()

    def ancestors(self) -> list[_Level]:
        chain, node = [], self.parent
        while node is not None:
            chain.append(node)
            node = node.parent
        return chain

    def find(self, segment_id: str, qualifier: str | None = None) -> list[Segment]:
        return [s for s in self.segments if s.id == segment_id and (qualifier is None or s.get(1) == qualifier)]


def _levels(ts: TransactionSet) -> list[_Level]:
    """The HL tree, each level linked to its parent; bad parent pointers are refused."""
    levels: list[_Level] = []
    by_id: dict[str, _Level] = {}
    for segment in ts.body:
        if segment.id == "HL":
            level = _Level(segment)
            hl_id, parent_id = required(ts, segment, 1, "hierarchical id"), segment.get(2).strip()
            if hl_id in by_id:
                raise fail(ts, segment, 1, f"HL01 {hl_id!r} is used twice")
            if parent_id:
                if parent_id not in by_id:
                    raise fail(ts, segment, 2, f"HL02 {parent_id!r} is not the HL01 of an earlier level")
                level.parent = by_id[parent_id]
            required(ts, segment, 3, "hierarchical level code")
            by_id[hl_id] = level
            levels.append(level)
        elif levels:
            levels[-1].segments.append(segment)
    return levels


def _tracking(levels: list[_Level]) -> list[str]:
    numbers: list[str] = []
    for level in levels:
        for segment in level.find("REF", "CN") + [s for s in level.find("MAN") if s.get(1) in TRACKING_MAN]:
            value = segment.get(2).strip()
            if value and value not in numbers:
                numbers.append(value)
    return numbers


def _carrier(levels: list[_Level]) -> tuple[str, str]:
    for level in levels:
        for td5 in level.find("TD5"):
            carrier = td5.get(3).strip()
            if carrier:
                return carrier, (td5.get(12) or td5.get(5)).strip()
    return "", ""


def _when(bsn: Segment, levels: list[_Level], warnings: list[str]) -> datetime | None:
    """DTM*011 of the order or shipment level, else the BSN date and time."""
    for level in levels:
        for dtm in level.find("DTM", "011"):
            day = parse_date(dtm.get(2).strip())
            if day is not None:
                return at_utc(day, parse_time(dtm.get(3).strip()))
            warning = (
                f"DTM02 (segment {dtm.position}): shipped date {dtm.get(2)!r} is not CCYYMMDD; "
                "BSN03/BSN04 used as the ship date"
            )
            if warning not in warnings:
                warnings.append(warning)
    day = parse_date(bsn.get(3).strip())
    return at_utc(day, parse_time(bsn.get(4).strip())) if day else None


def ship_notices_from_856(
    ts: TransactionSet, catalog: LineCatalog | None = None, warnings: list[str] | None = None
) -> tuple[ShipNotice, ...]:
    """Map an 856 set to one `ShipNotice` per order level; raise `MappingError` at the first bad segment.

    `warnings` (when given) collects what was read with a fallback, e.g. an unreadable DTM.
    """
    catalog = catalog or NoCatalog()
    warnings = warnings if warnings is not None else []
    bsn = next((segment for segment in ts.body if segment.id == "BSN"), None)
    if bsn is None:
        raise missing_segment(ts, "BSN", "an 856 starts with BSN (shipment id, date)")
    reference = required(ts, bsn, 2, "shipment identification")
    levels = _levels(ts)
    if not levels:
        raise missing_segment(ts, "HL", "an 856 needs a shipment/order/item hierarchy")
    orders: dict[int, tuple[_Level, str]] = {}
    for level in levels:
        prf = level.find("PRF")
        if prf:
            orders[id(level)] = (level, po_number(required(ts, prf[0], 1, "purchase order number")))
    if not orders:
        raise missing_segment(ts, "PRF", "no order level names our purchase order (PRF01)")
    lines: dict[int, dict[int, int]] = {key: {} for key in orders}
    for level in levels:
        lin = level.find("LIN")
        if not lin:
            continue
        owner = next((node for node in [level, *level.ancestors()] if id(node) in orders), None)
        if owner is None:
            raise fail(ts, lin[0], 0, "this item is not below an order level with a PRF (our PO number)")
        number = orders[id(owner)][1]
        item = ItemRef(lin[0].get(1).strip(), tuple(lin[0].pairs(2)))
        line_number = match_line(catalog.lines(number), item)
        if line_number is None:
            raise fail(ts, lin[0], 3, f"LIN ({item.describe()}) matches no line of {number}")
        sn1 = level.find("SN1")
        if not sn1:
            raise missing_segment(ts, "SN1", f"the item at HL {level.hl.get(1)} ({item.describe()}) has no quantity")
        units = quantity(ts, sn1[0], 2, "number of units shipped")
        per_line = lines[id(owner)]
        per_line[line_number] = per_line.get(line_number, 0) + units
    notices = []
    for key, (order, number) in orders.items():
        if not lines[key]:
            raise missing_segment(ts, "LIN", f"the order level HL {order.hl.get(1)} for {number} ships no item")
        subtree = [level for level in levels if order in level.ancestors()]
        shipment_levels = order.ancestors()
        carrier, service = _carrier([order, *shipment_levels])
        notices.append(
            ShipNotice(
                po_number=number,
                reference=reference,
                lines=tuple(ShipLine(line_number=n, quantity=q) for n, q in sorted(lines[key].items())),
                carrier=carrier,
                service=service,
                tracking_numbers=tuple(_tracking([*shipment_levels, order, *subtree])),
                shipped_at=_when(bsn, [order, *shipment_levels], warnings),
            )
        )
    return tuple(notices)
