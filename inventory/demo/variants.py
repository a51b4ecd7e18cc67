"""The demo's products and bins: SKUs of one product line become its variants, and the
warehouses' SKUs get bins, so the grid groups sizes and colours and pick lists walk aisles."""

from __future__ import annotations

from inventory.demo.specs import DemoPlan
from inventory.models import SKU, Location, LocationKind
from inventory.services.catalog_variants import bins_apply, sku_set_variant

# One aisle letter per family, so a picker finds apparel in A, footwear in B, and so on.
AISLES = {"apparel": "A", "footwear": "B", "home": "C", "electronics": "D"}
SHELVES_PER_BAY = 4
SLOTS = "ABCD"
BINNED_KINDS = {LocationKind.WAREHOUSE, LocationKind.THIRD_PARTY}


def demo_bin_path(family: str, position: int) -> str:
    """A bin for the SKU at `position` within its family: aisle-bay-shelf-slot, e.g. A-03-2-B."""
    per_bay = SHELVES_PER_BAY * len(SLOTS)
    bay, rest = divmod(position, per_bay)
    shelf, slot = divmod(rest, len(SLOTS))
    return f"{AISLES.get(family, 'E')}-{bay + 1:02d}-{shelf + 1}-{SLOTS[slot]}"


def apply_variants_and_bins(plan: DemoPlan, locations: dict[str, Location], skus: dict[str, SKU]) -> tuple[int, int]:
    """Group the plan's SKUs under their products and give warehouse stock its bins.

    Returns (variants, bins) written. Deterministic: positions follow the plan's SKU order.
    """
    variants = 0
    for spec in plan.skus:
        if spec.product:
            sku_set_variant(sku=skus[spec.code], product_name=spec.product, option1=spec.size, option2=spec.colour)
            variants += 1
    positions: dict[str, int] = {}
    seen_in_family: dict[str, int] = {}
    for spec in plan.skus:
        positions[spec.code] = seen_in_family.get(spec.family, 0)
        seen_in_family[spec.family] = positions[spec.code] + 1
    family_of = {spec.code: spec.family for spec in plan.skus}
    rows = [
        (locations[row.location].pk, skus[row.sku].pk, demo_bin_path(family_of[row.sku], positions[row.sku]))
        for row in plan.stock
        if locations[row.location].kind in BINNED_KINDS
    ]
    bins_apply(rows)
    return variants, len(rows)
