"""Inventory positions: what a location has and will have of a SKU, the figure replenishment orders against.

position = on hand - reserved + on order + in transit - backorders, where

- on order: units of open stock purchase orders to the location not yet received (ordered, less
  shipped, which a ship notice receives as stock, less what the supplier rejected), plus the units of
  transfers to the location requested but not yet shipped (reserved at their source already);
- in transit: units of transfers shipped to the location, not yet received (`StockLevel.in_transit`);
- backorders: units of open orders waiting for stock. A pickup order waits at its store; a shipped
  order at the location that ships most of the SKU (the largest forecast), since that is where routing
  will take it from when stock comes.

Leaving on order and in transit out orders the same units twice (the open purchase order of 40 units
and the proposal both); leaving backorders out orders too little (they take the next units received).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import F, QuerySet, Sum

from inventory.models import StockLevel, TransferLine, TransferStatus
from orders.models import DeliveryMethod, OrderLine, OrderStatus
from partners.models import PurchaseOrderKind, PurchaseOrderLine, PurchaseOrderStatus

Key = tuple[int, int]  # (sku_id, location_id)

#: Stock POs that may still deliver units.
OPEN_PO_STATUSES = (
    PurchaseOrderStatus.SENT,
    PurchaseOrderStatus.ACKNOWLEDGED,
    PurchaseOrderStatus.PARTIALLY_SHIPPED,
)
#: Orders whose missing units still wait for stock (new ones are about to be routed, held ones wait for staff).
BACKORDER_STATUSES = (
    OrderStatus.BACKORDERED,
    OrderStatus.ROUTED,
    OrderStatus.IN_FULFILLMENT,
    OrderStatus.PARTIALLY_SHIPPED,
)


@dataclass
class Position:
    """The terms of one SKU's inventory position at one location."""

    on_hand: int = 0
    reserved: int = 0
    in_transit: int = 0
    on_order: int = 0  # open stock purchase orders, not yet received
    transfers_requested: int = 0  # transfers to here, requested, not yet shipped
    backorders: int = 0

    @property
    def available(self) -> int:
        return self.on_hand - self.reserved

    @property
    def inbound(self) -> int:
        """Everything on its way: purchase orders, requested and shipped transfers."""
        return self.on_order + self.transfers_requested + self.in_transit

    @property
    def total(self) -> int:
        return self.available + self.inbound - self.backorders

    def terms(self) -> dict[str, int]:
        """The terms as stored on a proposal (its explanation and the page read them)."""
        return {
            "on_hand": self.on_hand,
            "reserved": self.reserved,
            "on_order": self.on_order,
            "transfers_requested": self.transfers_requested,
            "in_transit": self.in_transit,
            "backorders": self.backorders,
        }

    def describe(self) -> str:
        """The position as a sum a person can check, naming only the terms that are not zero."""
        parts = [f"{self.on_hand} on hand"]
        if self.reserved:
            parts.append(f"- {self.reserved} reserved")
        if self.on_order:
            parts.append(f"+ {self.on_order} on order (open purchase orders)")
        if self.transfers_requested:
            parts.append(f"+ {self.transfers_requested} in transfers requested")
        if self.in_transit:
            parts.append(f"+ {self.in_transit} in transit")
        if self.backorders:
            parts.append(f"- {self.backorders} backordered")
        return " ".join(parts)


def _add(out: dict[Key, Position], key: Key, field: str, units: int) -> None:
    position = out.setdefault(key, Position())
    setattr(position, field, getattr(position, field) + int(units or 0))


def stock_positions(
    *,
    location_ids: Iterable[int],
    sku_ids: Iterable[int] | None = None,
    main_location: dict[int, int] | None = None,
    with_backorders: bool = True,
) -> dict[Key, Position]:
    """Every (SKU, location) position at these locations (of these SKUs), in four aggregate queries.

    `main_location` maps a SKU to the location its shipped backorders count at (the one that ships
    most of it); for a SKU it does not name, the location holding most of it on hand.
    """
    ids = sorted(set(location_ids))
    skus = None if sku_ids is None else sorted(set(sku_ids))

    def only_skus(rows: QuerySet[Any], field: str = "sku_id") -> QuerySet[Any]:
        return rows if skus is None else rows.filter(**{f"{field}__in": skus})

    out: dict[Key, Position] = {}
    most_on_hand: dict[int, tuple[int, int]] = {}
    levels = only_skus(StockLevel.objects.filter(location_id__in=ids)).order_by("pk")
    for level in levels.values("sku_id", "location_id", "on_hand", "reserved", "in_transit"):
        out[(level["sku_id"], level["location_id"])] = Position(
            on_hand=level["on_hand"], reserved=level["reserved"], in_transit=level["in_transit"]
        )
        if level["on_hand"] > most_on_hand.get(level["sku_id"], (-1, 0))[0]:
            most_on_hand[level["sku_id"]] = (level["on_hand"], level["location_id"])
    open_po_lines = (
        only_skus(
            PurchaseOrderLine.objects.filter(
                purchase_order__kind=PurchaseOrderKind.STOCK,
                purchase_order__status__in=OPEN_PO_STATUSES,
                purchase_order__location_id__in=ids,
            )
        )
        .values("sku_id", "purchase_order__location_id")
        .annotate(units=Sum(F("quantity") - F("quantity_shipped") - F("quantity_rejected")))
    )
    for row in open_po_lines:
        _add(out, (row["sku_id"], row["purchase_order__location_id"]), "on_order", max(0, row["units"] or 0))
    requested = (
        only_skus(
            TransferLine.objects.filter(transfer__status=TransferStatus.REQUESTED, transfer__destination_id__in=ids)
        )
        .values("sku_id", "transfer__destination_id")
        .annotate(units=Sum("quantity"))
    )
    for row in requested:
        _add(out, (row["sku_id"], row["transfer__destination_id"]), "transfers_requested", row["units"])
    if with_backorders:
        main = {sku_id: location_id for sku_id, (_, location_id) in most_on_hand.items()} | (main_location or {})
        for (sku_id, location_id), units in open_backorders(main_location=main, sku_ids=skus).items():
            if location_id in ids:
                _add(out, (sku_id, location_id), "backorders", units)
    return out


def open_backorders(*, main_location: dict[int, int], sku_ids: Iterable[int] | None = None) -> dict[Key, int]:
    """Units of open orders waiting for stock, per (SKU, location they count at), see the module docstring."""
    lines = OrderLine.objects.filter(order__status__in=BACKORDER_STATUSES)
    if sku_ids is not None:
        lines = lines.filter(sku_id__in=list(sku_ids))
    rows = (
        lines.annotate(
            waiting=F("quantity") - F("quantity_allocated") - F("quantity_shipped") - F("quantity_cancelled")
        )
        .filter(waiting__gt=0)
        .values("sku_id", "order__delivery_method", "order__pickup_location_id")
        .annotate(units=Sum("waiting"))
    )
    out: dict[Key, int] = defaultdict(int)
    for row in rows:
        if row["order__delivery_method"] == DeliveryMethod.PICKUP and row["order__pickup_location_id"]:
            location_id = row["order__pickup_location_id"]
        else:
            location_id = main_location.get(row["sku_id"])
        if location_id is not None:
            out[(row["sku_id"], location_id)] += int(row["units"])
    return dict(out)


def snapshot_key(location_id: int, sku_id: int) -> str:
    return f"{location_id}:{sku_id}"


def position_snapshot(positions: dict[Key, Position], keys: Iterable[tuple[int, int]]) -> dict[str, list[int]]:
    """What a proposal was computed on, per "location:sku": [on hand, reserved, in transit, on order].

    On order counts purchase orders and requested transfers: a PO sent or a transfer requested since
    makes the proposal stale as a receipt does. Backorders are left out: they move with every order
    placed, and a proposal refused for each would never be approved.
    """
    out: dict[str, list[int]] = {}
    for location_id, sku_id in keys:
        position = positions.get((sku_id, location_id), Position())
        out[snapshot_key(location_id, sku_id)] = [
            position.on_hand,
            position.reserved,
            position.in_transit,
            position.on_order + position.transfers_requested,
        ]
    return out
