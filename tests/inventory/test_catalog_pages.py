"""Products on the staff pages: the grid groups variants, the SKU page lists them, the SKU form sets them."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from inventory.models import Variant
from inventory.services.catalog_variants import bin_set, sku_set_variant
from tests.factories import stocked
from tests.factories.pages import make_sku

pytestmark = pytest.mark.django_db

GRID_QUERIES = 8  # as the plain grid: products come in the SKU page's query


@pytest.fixture
def sweaters(warehouse):
    skus = []
    for size, units in (("S", 2), ("M", 5), ("L", 0)):
        sku = make_sku(code=f"MCS-{size}-NAVY", name=f"Merino crew sweater {size} navy")
        sku_set_variant(sku=sku, product_name="Merino Crew Sweater", option1=size, option2="Navy")
        if units:
            stocked(warehouse, sku, units)
        skus.append(sku)
    return skus


def test_grid_groups_variants_under_their_product_and_keeps_standalone_skus_as_rows(
    back_office_client, warehouse, sku, sweaters
):
    stocked(warehouse, sku, 3)
    page = back_office_client.get(reverse("inventory:grid")).content.decode()
    group = page[page.index('class="product-group"') : page.index("</tbody>", page.index('class="product-group"'))]
    assert "Merino Crew Sweater" in group and "3 variants" in group
    assert re.findall(r'class="row-title" href="[^"]+">([^<]+)</a>', group) == [
        "MCS-L-NAVY",
        "MCS-M-NAVY",
        "MCS-S-NAVY",
    ]
    assert "M / Navy" in group
    assert '<td class="num total-col"><strong>7</strong>' in group  # 2 + 5 + 0 available over the variants
    standalone = page[page.index("TEE-BLK-M") - 400 : page.index("TEE-BLK-M")]
    assert "variant-row" not in standalone


def test_grid_search_finds_variants_by_product_name(back_office_client, sku, sweaters):
    page = back_office_client.get(reverse("inventory:grid"), {"q": "merino"}).content.decode()
    assert "MCS-M-NAVY" in page and "TEE-BLK-M" not in page


def test_grid_with_products_keeps_its_query_count(back_office_client, warehouse, sweaters, django_assert_num_queries):
    with django_assert_num_queries(GRID_QUERIES):
        back_office_client.get(reverse("inventory:grid"))
    for n in range(10):
        extra = make_sku(code=f"BEANIE-{n}")
        sku_set_variant(sku=extra, product_name=f"Beanie {n % 3}", option1=str(n))
        stocked(warehouse, extra, 1)
    with django_assert_num_queries(GRID_QUERIES):
        back_office_client.get(reverse("inventory:grid"))


def test_sku_page_shows_its_product_the_sibling_variants_and_its_bins(back_office_client, warehouse, sweaters):
    medium = sweaters[1]
    bin_set(location=warehouse, sku=medium, path="C-4-1")
    page = back_office_client.get(reverse("inventory:sku_detail", args=[medium.code])).content.decode()
    assert "a variant of <strong>Merino Crew Sweater</strong>" in page
    assert "Merino Crew Sweater: 3 variants" in page
    assert reverse("inventory:sku_detail", args=["MCS-S-NAVY"]) in page
    assert "This SKU" in page and "C-4-1" in page


def test_a_standalone_skus_page_has_no_variants_card(back_office_client, sku):
    page = back_office_client.get(reverse("inventory:sku_detail", args=[sku.code])).content.decode()
    assert 'id="variants"' not in page


def test_sku_form_sets_and_clears_the_product_and_options(back_office_client, sweaters):
    data: dict[str, object] = {"code": "MCS-XL-NAVY", "name": "Merino crew sweater XL navy", "price": "89.00"}
    data |= {"currency": "usd"}
    data |= {"weight_grams": 400, "length_mm": 0, "width_mm": 0, "height_mm": 0, "is_active": "on"}
    data |= {"product": "Merino Crew Sweater", "option1": "XL", "option2": "Navy"}
    answer = back_office_client.post(reverse("inventory:sku_create"), data)
    assert answer.status_code == 302
    assert Variant.objects.get(sku__code="MCS-XL-NAVY").label == "XL / Navy"

    edit = reverse("inventory:sku_edit", args=["MCS-XL-NAVY"])
    form = back_office_client.get(edit).content.decode()
    assert 'value="Merino Crew Sweater"' in form and '<option value="Merino Crew Sweater">' in form
    clash = back_office_client.post(edit, data | {"option1": "M"})
    assert clash.status_code == 422
    assert "MCS-M-NAVY is already Merino Crew Sweater in M / Navy" in clash.content.decode()
    assert back_office_client.post(edit, data | {"product": "", "option1": "", "option2": ""}).status_code == 302
    assert not Variant.objects.filter(sku__code="MCS-XL-NAVY").exists()
