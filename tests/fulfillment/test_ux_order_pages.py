"""What staff read on the order pages and the exceptions queue: each line says what a person needs."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from fulfillment.demo import seed_carriers
from fulfillment.services import cost_model_forget, order_hold
from inventory.models import LocationKind
from tests.factories import LocationFactory, SKUFactory, stocked
from tests.factories.orders import place_order

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def carriers(db):
    seed_carriers()
    cost_model_forget()


@pytest.fixture
def tee(db):
    dallas: Any = LocationFactory(code="dal-dc", name="Dallas DC", kind=LocationKind.WAREHOUSE)
    tee: Any = SKUFactory(code="TEE-BLK-M", name="Black tee, M", barcode="4006381333931", weight_grams=300)
    stocked(dallas, tee, 20)
    return tee


def test_the_held_tab_says_why_staff_held_each_order(back_office_client, web, tee, django_assert_num_queries):
    url = reverse("orders:exceptions")
    held = [place_order(web, [("TEE-BLK-M", 1)], external_id=f"W-HOLD-{n}").order for n in range(3)]
    order_hold(order=held[0], actor=None, reason="fraud check 0")
    back_office_client.get(url, {"kind": "on_hold"})
    with CaptureQueriesContext(connection) as one:
        back_office_client.get(url, {"kind": "on_hold"})
    for n, order in enumerate(held[1:], start=1):
        order_hold(order=order, actor=None, reason=f"fraud check {n}")

    with django_assert_num_queries(len(one.captured_queries)):  # one query for the reasons, however many
        body = back_office_client.get(url, {"kind": "on_hold"}).content.decode()

    for n, order in enumerate(held):
        assert order.number in body and f"fraud check {n}" in body
    assert held[0].routing_reason not in body
