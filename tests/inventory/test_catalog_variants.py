"""Products with variants and bins: the services, the natural bin order and the CSV import columns."""

from __future__ import annotations

import pytest

from core.errors import ValidationFailed
from inventory.catalog_selectors import product_family, skus_grouped_by_product
from inventory.models import SKU, BinLocation, Product, Variant
from inventory.services import stock_import_csv
from inventory.services.catalog_variants import bin_set, bin_sort_key, sku_save_with_variant, sku_set_variant
from tests.factories import stocked
from tests.factories.pages import make_sku

pytestmark = pytest.mark.django_db


def test_bin_paths_sort_as_a_picker_walks_the_aisles_with_missing_bins_last():
    paths = ["A-10-1", None, "B-01-1", "a-2-3", "A-02-1", "", "A-2-10"]
    assert sorted(paths, key=bin_sort_key) == ["A-02-1", "a-2-3", "A-2-10", "A-10-1", "B-01-1", None, ""]


def test_a_sku_joins_a_product_created_on_first_use_and_leaves_it_when_the_name_is_cleared(sku):
    variant = sku_set_variant(sku=sku, product_name="  Merino   Crew Sweater ", option1="M", option2="Navy")
    assert variant is not None
    assert variant.product.name == "Merino Crew Sweater"
    assert variant.label == "M / Navy"
    other = make_sku(code="MCS-L-NAVY")
    sku_set_variant(sku=other, product_name="Merino Crew Sweater", option1="L", option2="Navy")
    assert Product.objects.count() == 1

    sku_set_variant(sku=sku, product_name="")
    assert not Variant.objects.filter(sku=sku).exists()
    assert Variant.objects.filter(sku=other).exists()


def test_two_variants_of_one_product_cannot_share_their_options(sku):
    sku_set_variant(sku=sku, product_name="Merino Crew Sweater", option1="M", option2="Navy")
    twin = make_sku(code="MCS-M-NAVY-2")
    with pytest.raises(ValidationFailed, match="TEE-BLK-M is already Merino Crew Sweater in M / Navy") as caught:
        sku_set_variant(sku=twin, product_name="Merino Crew Sweater", option1="M", option2="Navy")
    assert caught.value.field == "option1"
    with pytest.raises(ValidationFailed, match="Name the product"):
        sku_set_variant(sku=twin, product_name="", option1="S")


def test_sku_and_variant_save_together_or_not_at_all(sku):
    sku_set_variant(sku=sku, product_name="Merino Crew Sweater", option1="M", option2="Navy")
    with pytest.raises(ValidationFailed):
        sku_save_with_variant(
            sku=None,
            code="MCS-NEW",
            name="New sweater",
            product_name="Merino Crew Sweater",
            option1="M",
            option2="Navy",
        )
    assert not SKU.objects.filter(code="MCS-NEW").exists()


def test_variants_sit_together_in_the_grid_order_and_standalone_skus_keep_their_place():
    make_sku(code="AAA-MUG", name="Mug")
    for code, size in (("ZZ-M", "M"), ("ZZ-S", "S")):
        sku_set_variant(sku=make_sku(code=code), product_name="Beanie", option1=size)
    make_sku(code="CAP-1", name="Cap")
    order = [s.code for s in skus_grouped_by_product(SKU.objects.all())]
    assert order == ["AAA-MUG", "ZZ-M", "ZZ-S", "CAP-1"]


def test_a_skus_family_lists_every_variant_with_units_on_hand(sku, warehouse, back_office_user):
    sibling = make_sku(code="TEE-BLK-L")
    for member, size in ((sku, "M"), (sibling, "L")):
        sku_set_variant(sku=member, product_name="Black tee", option1=size, option2="Black")
    stocked(warehouse, sibling, 7)
    family = product_family(user=back_office_user, sku=sku)
    assert family is not None
    assert family.option_names == ["Size", "Colour"]
    assert [(s.code, getattr(s, "on_hand_total", None)) for s in family.variants] == [
        ("TEE-BLK-L", 7),
        ("TEE-BLK-M", 0),
    ]
    assert product_family(user=back_office_user, sku=make_sku(code="LONE")) is None


def test_bin_set_cleans_the_path_and_refuses_one_that_is_not_a_path(sku, warehouse):
    saved = bin_set(location=warehouse, sku=sku, path=" a-03-2-b ")
    assert saved is not None and saved.path == "A-03-2-B"
    with pytest.raises(ValidationFailed, match=r"e\.g\. A-03-2-B"):
        bin_set(location=warehouse, sku=sku, path="A 03; drop")
    assert BinLocation.objects.get().path == "A-03-2-B"
    assert bin_set(location=warehouse, sku=sku, path="") is None
    assert not BinLocation.objects.exists()


def test_stock_import_groups_skus_and_sets_bins_from_the_optional_columns(sku, warehouse, store):
    other = make_sku(code="TEE-BLK-L")
    report = stock_import_csv(
        stream=(
            "location,sku,on_hand,product,option1,option2,bin\n"
            "dal-dc,TEE-BLK-M,5,Black tee,M,Black,a-01-1\n"
            "nyc-store,TEE-BLK-M,2,Black tee,M,Black,\n"
            "dal-dc,TEE-BLK-L,3,Black tee,L,Black,A-01-2\n"
        ),
        actor=None,
    )
    assert report.ok, report.errors
    assert {v.sku.code: v.label for v in Variant.objects.select_related("sku")} == {
        "TEE-BLK-M": "M / Black",
        "TEE-BLK-L": "L / Black",
    }
    assert dict(BinLocation.objects.values_list("sku__code", "path")) == {"TEE-BLK-M": "A-01-1", "TEE-BLK-L": "A-01-2"}
    assert other.stock_levels.get().on_hand == 3


def test_stock_import_refuses_bad_catalogue_cells_and_writes_nothing(sku, warehouse, store):
    report = stock_import_csv(
        stream=(
            "location,sku,on_hand,product,option1,bin\n"
            "dal-dc,TEE-BLK-M,5,,M,A-1\n"
            "nyc-store,TEE-BLK-M,2,Tee,S,bad bin!\n"
        ),
        actor=None,
    )
    assert [str(e) for e in report.errors] == [
        "Line 2, product: is empty: name the product the options belong to.",
        "Line 3, bin: A bin path is letters and digits separated by '-', '.', '/' or '_', e.g. A-03-2-B.",
    ]
    assert not Variant.objects.exists() and not BinLocation.objects.exists()
    assert not sku.stock_levels.exists()


def test_stock_import_refuses_one_sku_given_two_products(sku, warehouse, store):
    report = stock_import_csv(
        stream="location,sku,on_hand,product\ndal-dc,TEE-BLK-M,5,Tee\nnyc-store,TEE-BLK-M,2,Shirt\n", actor=None
    )
    assert [str(e) for e in report.errors] == ["Line 3, product: differs from line 2 for SKU TEE-BLK-M."]
    assert not Variant.objects.exists()
    assert not sku.stock_levels.filter(on_hand__gt=0).exists()
