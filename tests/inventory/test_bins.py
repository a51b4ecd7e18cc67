"""Bins: set inline on a location's stock list, scoped and checked; pick lists walk them in order."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from fulfillment.services import picklist_create, picklist_lines, shipment_accept
from inventory.models import BinLocation
from inventory.services.catalog_variants import bin_set
from tests.factories import stocked
from tests.factories.orders import ChannelFactory, place_order
from tests.factories.pages import make_sku

pytestmark = pytest.mark.django_db

LOCATION_PAGE_QUERIES = 8  # session, user, 2 permissions, the location, level count, level page (bins in it), movements


def bin_url(location, sku) -> str:
    return reverse("inventory:bin_set", args=[location.code, sku.code])


def test_a_bin_saved_inline_answers_in_its_row_and_shows_on_the_page(back_office_client, warehouse, sku):
    stocked(warehouse, sku, 4)
    answer = back_office_client.post(bin_url(warehouse, sku), {"path": "b-12-3"}, HTTP_HX_REQUEST="true")
    assert answer.status_code == 200
    body = answer.content.decode()
    assert 'value="B-12-3"' in body and "✓ Saved" in body and "<html" not in body
    page = back_office_client.get(reverse("inventory:location_detail", args=[warehouse.code])).content.decode()
    assert 'value="B-12-3"' in page


def test_a_malformed_bin_is_refused_in_its_row_with_what_to_type(back_office_client, warehouse, sku):
    stocked(warehouse, sku, 4)
    answer = back_office_client.post(bin_url(warehouse, sku), {"path": "shelf #4"}, HTTP_HX_REQUEST="true")
    assert answer.status_code == 422
    assert "e.g. A-03-2-B" in answer.content.decode() and 'aria-invalid="true"' in answer.content.decode()
    assert not BinLocation.objects.exists()


def test_without_javascript_the_bin_form_posts_and_comes_back_with_a_message(back_office_client, warehouse, sku):
    stocked(warehouse, sku, 4)
    answer = back_office_client.post(bin_url(warehouse, sku), {"path": "A-1"}, follow=True)
    assert "TEE-BLK-M is now in bin A-1 at dal-dc." in answer.content.decode()
    answer = back_office_client.post(bin_url(warehouse, sku), {"path": ""}, follow=True)
    assert "TEE-BLK-M is now without a bin at dal-dc." in answer.content.decode()
    assert not BinLocation.objects.exists()


def test_bins_are_set_only_by_stock_staff_at_their_own_locations(operator_user, associate_user, warehouse, store, sku):
    operator = Client()
    operator.force_login(operator_user)
    assert operator.post(bin_url(store, sku), {"path": "A-1"}).status_code == 404
    associate = Client()
    associate.force_login(associate_user)
    assert associate.post(bin_url(store, sku), {"path": "A-1"}).status_code == 403
    stocked(store, sku, 2)
    page = associate.get(reverse("inventory:location_detail", args=[store.code])).content.decode()
    assert "bin-form" not in page and "No bin" in page
    assert not BinLocation.objects.exists()


def test_location_page_with_bins_does_not_query_per_row(back_office_client, warehouse, django_assert_num_queries):
    for n in range(12):
        sku = make_sku(code=f"BIN-{n}")
        stocked(warehouse, sku, 1)
        bin_set(location=warehouse, sku=sku, path=f"A-{n}")
    with django_assert_num_queries(LOCATION_PAGE_QUERIES):
        page = back_office_client.get(reverse("inventory:location_detail", args=[warehouse.code]))
    assert page.content.decode().count('class="bin-form"') == 12


def test_a_pick_list_walks_bins_in_natural_order_and_prints_them(back_office_client, warehouse, sku):
    web: Any = ChannelFactory(code="web", name="Web shop")
    codes = ["P-NOBIN", "P-A10", "P-A2", "P-B1"]
    for code in codes:
        stocked(warehouse, make_sku(code=code), 5)
    for code, path in (("P-A10", "A-10-1"), ("P-A2", "a-2-1"), ("P-B1", "B-01-1")):
        bin_set(location=warehouse, sku=make_sku(code=code), path=path)
    bin_set(location=warehouse, sku=sku, path="Z-1")  # not on this list
    shipment = place_order(web, [(code, 1) for code in codes]).order.shipments.get()
    shipment_accept(shipment=shipment, actor=None)
    picklist = picklist_create(location=warehouse, shipments=[shipment], actor=None)

    lines = picklist_lines(picklist)
    assert [(line.sku_code, line.bin) for line in lines] == [
        ("P-A2", "A-2-1"),
        ("P-A10", "A-10-1"),
        ("P-B1", "B-01-1"),
        ("P-NOBIN", ""),
    ]
    page = back_office_client.get(reverse("fulfillment:work_picklist", args=[picklist.pk])).content.decode()
    assert page.index("A-2-1") < page.index("A-10-1") < page.index("B-01-1") < page.index("No bin")
