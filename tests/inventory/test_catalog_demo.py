"""The demo's products and bins: variants of one product line grouped, warehouse stock in aisle bins."""

from __future__ import annotations

import pytest

from inventory.demo import apply_plan, build_plan, full_catalog
from inventory.demo.variants import demo_bin_path
from inventory.models import BinLocation, LocationKind, Product, Variant

pytestmark = pytest.mark.django_db


def test_catalog_names_the_product_size_and_colour_of_each_variant():
    by_code = {spec.code: spec for spec in full_catalog()}
    tee = by_code["APP-TEE-BLK-M"]
    assert (tee.product, tee.size, tee.colour) == ("Everyday Crew Tee", "M", "Black")
    assert by_code["HOM-KNIFE"].product == ""  # one SKU: no product grouping


def test_demo_bins_run_aisle_bay_shelf_slot():
    assert [demo_bin_path("apparel", n) for n in (0, 1, 4, 16)] == ["A-01-1-A", "A-01-1-B", "A-01-2-A", "A-02-1-A"]
    assert demo_bin_path("electronics", 0) == "D-01-1-A"


def test_the_seeded_demo_groups_variants_and_bins_warehouse_stock():
    result = apply_plan(build_plan(seed=42, sku_count=40))
    assert result.skus == 40
    assert Product.objects.exists()
    grouped = Variant.objects.select_related("product", "sku")
    assert all(variant.sku.name.startswith(variant.product.name) for variant in grouped)
    kinds = set(BinLocation.objects.values_list("location__kind", flat=True))
    assert kinds and kinds <= {LocationKind.WAREHOUSE, LocationKind.THIRD_PARTY}
