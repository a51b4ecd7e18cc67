"""Opening stock and transfers: where each SKU is held, how many units, and how they are received."""

from __future__ import annotations

import random

from inventory.demo.network import _3PL, _DS, _STORE, _WH, DROPSHIP_FAMILY
from inventory.demo.specs import DemoPlan, LocationSpec, SKUSpec, StockSpec, TransferSpec
from inventory.models import SKU, Location, MovementKind, TransferStatus
from inventory.services import DocumentRef
from inventory.services.stock import LevelChange, apply_level_changes

RECEIPT_BATCH = 100  # receipt lines per locking round trip (keeps the lock query small on SQLite)


# --- Stock and transfers ------------------------------------------------------------------

# How likely a family is held at each kind of location.
_PRESENCE: dict[str, dict[str, float]] = {
    _WH: {"apparel": 0.85, "footwear": 0.85, "home": 0.7, "electronics": 0.8},
    _3PL: {"apparel": 0.5, "footwear": 0.45, "home": 0.2, "electronics": 0.6},
    _STORE: {"apparel": 0.6, "footwear": 0.55, "home": 0.25, "electronics": 0.45},
}


def _quantity(rng: random.Random, kind: str) -> int:
    """Opening units: warehouses deep, 3PLs medium, stores shallow, suppliers' feeds large."""
    if kind == _STORE:
        return rng.randint(1, 12)
    depth: dict[str, tuple[int, float]] = {_WH: (140, 0.7), _3PL: (60, 0.6), _DS: (250, 0.5)}
    median, spread = depth[kind]
    return max(5, min(int(rng.lognormvariate(0, spread) * median), 1500))


def _stock_for(
    rng: random.Random, location: LocationSpec, skus: list[SKUSpec], dropship_only: set[str]
) -> list[StockSpec]:
    """Opening stock at one location: which SKUs it holds, how many, which ran out or run low."""
    rows: list[StockSpec] = []
    for sku in skus:
        if location.kind == _DS:
            if DROPSHIP_FAMILY[location.code] != sku.family:
                continue
            if sku.code not in dropship_only and rng.random() > 0.6:
                continue
        elif sku.code in dropship_only or rng.random() > _PRESENCE[location.kind][sku.family]:
            continue
        received = _quantity(rng, location.kind)
        roll = rng.random()
        if roll < 0.06:
            # Sold through since the receipt: a cycle count found none left.
            rows.append(StockSpec(location.code, sku.code, received, counted=0))
        elif roll < 0.14:
            # Running low: a few units, some held back as safety stock (display units in a store).
            low = rng.randint(1, 3)
            rows.append(StockSpec(location.code, sku.code, received + low, counted=low, safety_stock=min(2, low)))
        elif roll < 0.22 and location.kind == _WH:
            # Shrink found at a cycle count.
            rows.append(StockSpec(location.code, sku.code, received, counted=max(received - rng.randint(1, 4), 0)))
        elif roll < 0.45 and location.kind in (_WH, _3PL):
            rows.append(StockSpec(location.code, sku.code, received, safety_stock=rng.choice((5, 10, 15))))
        else:
            rows.append(StockSpec(location.code, sku.code, received))
    return rows


def _transfers(rng: random.Random, stock: list[StockSpec], locations: tuple[LocationSpec, ...]) -> list[TransferSpec]:
    """Two transfers in each state; each fits comfortably in its source's available stock."""
    warehouses = [loc.code for loc in locations if loc.kind == _WH]
    stores = [loc.code for loc in locations if loc.kind == _STORE]
    spare: dict[tuple[str, str], int] = {
        (row.location, row.sku): row.on_hand - row.safety_stock for row in stock if row.location in warehouses
    }
    transfers: list[TransferSpec] = []
    statuses = [TransferStatus.REQUESTED, TransferStatus.SHIPPED, TransferStatus.RECEIVED, TransferStatus.CANCELLED]
    for number, status in enumerate(statuses * 2):
        source = warehouses[number % len(warehouses)]
        destination = stores[number % len(stores)] if number % 3 else warehouses[(number + 1) % len(warehouses)]
        candidates = sorted(sku for (loc, sku), units in spare.items() if loc == source and units >= 20)
        if not candidates:
            continue
        picked = rng.sample(candidates, min(len(candidates), rng.randint(1, 3)))
        lines = []
        for sku in sorted(picked):
            quantity = rng.randint(2, 12)
            spare[(source, sku)] -= quantity
            lines.append((sku, quantity))
        kind = "Store replenishment" if destination in stores else "Rebalance between DCs"
        transfers.append(TransferSpec(source, destination, tuple(lines), str(status), note=kind))
    return transfers


# --- Writing the opening stock ------------------------------------------------------------


def _receive_opening_stock(plan: DemoPlan, locations: dict[str, Location], skus: dict[str, SKU]) -> None:
    """Receive the opening stock: one purchase order per location, its lines applied in batches.

    `apply_level_changes` is what `stock_receive` does for one line (lock, F() update, ledger
    row); calling it with a batch of receipt lines writes the same ledger many times faster.
    The plan only holds positive quantities at active locations, which `stock_receive` would check.
    """
    by_location: dict[str, list[StockSpec]] = {}
    for row in plan.stock:
        by_location.setdefault(row.location, []).append(row)
    for code, rows in by_location.items():
        location = locations[code]
        document = DocumentRef("purchase_order", f"PO-{code.upper()}-{plan.seed}")
        for start in range(0, len(rows), RECEIPT_BATCH):
            changes = [
                LevelChange(location.pk, skus[row.sku].pk, MovementKind.RECEIPT, on_hand=row.received)
                for row in rows[start : start + RECEIPT_BATCH]
            ]
            apply_level_changes(changes, actor=None, document=document, note="Opening stock", create_missing=True)
