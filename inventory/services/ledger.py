"""Ledger verification: replay every movement and compare with the stored levels."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Max, Sum

from inventory.models import StockLevel, StockMovement

# The level figures the ledger's deltas reproduce (safety stock is an audit trail, not replayed).
_REPLAYED = ("on_hand", "reserved", "in_transit", "quarantined")


@dataclass(frozen=True)
class Drift:
    """A stock level that its ledger does not reproduce."""

    location_code: str
    sku_code: str
    field: str
    stored: int
    replayed: int

    def __str__(self) -> str:
        return f"{self.sku_code} at {self.location_code}: {self.field} is {self.stored}, ledger says {self.replayed}"


def _last_rows() -> dict[tuple[int, int], StockMovement]:
    """The newest ledger row of every (location, SKU)."""
    last_ids = StockMovement.objects.values("location_id", "sku_id").annotate(last_id=Max("id")).values("last_id")
    rows = StockMovement.objects.filter(id__in=last_ids).only(
        "location_id", "sku_id", "on_hand_after", "reserved_after", "in_transit_after", "quarantined_after"
    )
    return {(row.location_id, row.sku_id): row for row in rows}


def ledger_verify() -> list[Drift]:
    """Replay the ledger (sum of deltas per location and SKU) and report every drift.

    Also checks that each level's last ledger row recorded the level it left behind (the
    "after" figures the SKU page shows). An
    empty list means every number on the screen is backed by the ledger.
    """
    sums = {
        (row["location_id"], row["sku_id"]): row
        for row in StockMovement.objects.values("location_id", "sku_id").annotate(
            on_hand=Sum("on_hand_delta"),
            reserved=Sum("reserved_delta"),
            in_transit=Sum("in_transit_delta"),
            quarantined=Sum("quarantined_delta"),
        )
    }
    last_rows = _last_rows()
    drifts: list[Drift] = []
    levels = StockLevel.objects.select_related("location", "sku").order_by("location__code", "sku__code")
    for level in levels.iterator(chunk_size=2000):
        replayed = sums.pop((level.location_id, level.sku_id), dict.fromkeys(_REPLAYED, 0))
        last = last_rows.get((level.location_id, level.sku_id))
        for field in _REPLAYED:
            stored = getattr(level, field)
            recorded = getattr(last, f"{field}_after") if last else 0
            if stored != replayed[field]:
                drifts.append(Drift(level.location.code, level.sku.code, field, stored, replayed[field]))
            elif stored != recorded:
                label = f"{field} (as recorded by the last ledger row)"
                drifts.append(Drift(level.location.code, level.sku.code, label, stored, recorded))
    for (location_id, sku_id), replayed in sums.items():
        for field in _REPLAYED:
            if replayed[field]:
                drifts.append(Drift(f"#{location_id}", f"#{sku_id}", field, 0, replayed[field]))
    return drifts
