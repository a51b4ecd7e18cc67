"""The orders list shows each order's tags as chips that filter the list, in one query for the page."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.urls import reverse

from fulfillment.demo import seed_carriers
from inventory.models import LocationKind
from orders.services.edits import order_tags_set
from tests.factories import LocationFactory, SKUFactory, stocked
from tests.factories.orders import place_order
from tests.fulfillment.test_order_pages import LIST_QUERIES

pytestmark = pytest.mark.django_db


@pytest.fixture
def stock(db):
    seed_carriers()
    dallas: Any = LocationFactory(code="dal-dc", name="Dallas DC", kind=LocationKind.WAREHOUSE)
    tee: Any = SKUFactory(code="TEE-BLK-M", name="Black tee, M")
    stocked(dallas, tee, 50)


def test_each_row_shows_its_tags_and_a_chip_filters_by_it(back_office_client, web, stock):
    vip = place_order(web, [("TEE-BLK-M", 1)], external_id="W-VIP").order
    plain = place_order(web, [("TEE-BLK-M", 1)], external_id="W-PLAIN").order
    order_tags_set(order=vip, tags=["vip", "gift"], actor=None)

    body = back_office_client.get(reverse("orders:index")).content.decode()

    row = re.search(rf'<tr data-order="{vip.number}">.*?</tr>', body, re.S)
    assert row is not None
    assert re.findall(r'class="tag-chip" href="\?tag=(\w+)"', row.group(0)) == ["gift", "vip"]
    other = re.search(rf'<tr data-order="{plain.number}">.*?</tr>', body, re.S)
    assert other is not None and "tag-chip" not in other.group(0)


def test_tags_do_not_add_a_query_per_row(back_office_client, web, stock, django_assert_num_queries):
    for n in range(6):
        order = place_order(web, [("TEE-BLK-M", 1)], external_id=f"W-{n}").order
        order_tags_set(order=order, tags=[f"t{n}", "wholesale"], actor=None)
    with django_assert_num_queries(LIST_QUERIES):
        body = back_office_client.get(reverse("orders:index")).content.decode()
    assert body.count('class="tag-chip"') == 12
