"""Which lines go with which tracking number when a shipment leaves in several boxes.

Shopify and WooCommerce take every number of a shipment at once; Amazon (one package per
confirmShipment call) and eBay (one tracking number per shipping fulfillment) take one box per
call, each naming the items in that box. `shipment_parcels` gives those connectors the boxes.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from marketplaces.connectors.data import ShipmentLine


@dataclass(frozen=True)
class ShippedParcel:
    """One box of a shipment as a channel is told about it: its tracking number and what it holds."""

    tracking_number: str
    lines: list[ShipmentLine]


def shipment_parcels(
    lines: Sequence[ShipmentLine],
    *,
    tracking_number: str,
    tracking_numbers: Sequence[str] = (),
    parcel_lines: Sequence[Sequence[ShipmentLine]] = (),
) -> list[ShippedParcel]:
    """The boxes of a shipment, in box order, each with the lines it holds (for channels that take
    one tracking number per call: Amazon's packages, eBay's shipping fulfillments).

    - No `tracking_numbers` (a confirmation queued before boxes had their own labels, a pickup):
      one parcel, `tracking_number`, with every line.
    - `parcel_lines` aligned with `tracking_numbers` and none empty (what was scanned into each
      box): those contents. A number given twice is one parcel holding both boxes' lines.
    - Otherwise the units are spread over the boxes in line order, so every box carries at least
      one unit and the quantities add up to what shipped: the channel sees the right totals and
      every tracking number, though not which unit is in which box. With fewer units than boxes
      (one unit packed in several cartons) the extra boxes name that last unit again.
    """
    numbers = [number for number in tracking_numbers if number]
    if not numbers:
        return [ShippedParcel(tracking_number, list(lines))]
    known = len(parcel_lines) == len(tracking_numbers) and all(parcel_lines)
    if not known:
        parcel_lines = _spread_units(lines, len(numbers))
    else:
        parcel_lines = [content for number, content in zip(tracking_numbers, parcel_lines, strict=True) if number]
    merged: dict[str, Counter[str]] = {}
    for number, content in zip(numbers, parcel_lines, strict=True):
        counts = merged.setdefault(number, Counter())
        for line in content:
            counts[line.external_line_id] += line.quantity
    return [
        ShippedParcel(number, [ShipmentLine(line_id, quantity) for line_id, quantity in counts.items()])
        for number, counts in merged.items()
    ]


def _spread_units(lines: Sequence[ShipmentLine], boxes: int) -> list[list[ShipmentLine]]:
    units = [line.external_line_id for line in lines for _ in range(line.quantity)]
    if not units:
        return [[] for _ in range(boxes)]
    share, extra = divmod(len(units), boxes)
    spread: list[list[ShipmentLine]] = []
    start = 0
    for index in range(boxes):
        size = share + (1 if index < extra else 0)
        chunk = units[start : start + size] or units[-1:]
        start += size
        spread.append([ShipmentLine(line_id, quantity) for line_id, quantity in Counter(chunk).items()])
    return spread
