"""After the handover, the order page of a pickup tells one story: picked up at the store, when, by whom."""

from __future__ import annotations

from datetime import time
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone

from core.roles import STORE_ASSOCIATE
from fulfillment.demo import seed_carriers
from fulfillment.services import cost_model_forget, pickup_handover, pickup_mark_ready, pickup_start
from tests.factories import stocked, user_with_role
from tests.factories.orders import ChannelFactory
from tests.factories.pages import make_sku
from tests.factories.stores import make_store, place_pickup, set_store_settings

pytestmark = pytest.mark.django_db


def test_a_collected_pickup_reads_picked_up_everywhere_on_the_order_page(back_office_client):
    seed_carriers()
    cost_model_forget()
    hours: dict[int, tuple[time, time] | None] = {day: (time(0, 0), time(23, 59)) for day in range(7)}
    store = set_store_settings(make_store("nyc-store", name="New York Herald Square", city="New York"), hours=hours)
    stocked(store, make_sku(code="TEE-BLK-M", name="Black tee, M", barcode="4006381333931"), 5)
    web: Any = ChannelFactory(code="web", name="Web shop")
    sam: Any = user_with_role(STORE_ASSOCIATE, username="sam", first_name="Sam", last_name="Rivera", locations=[store])
    pickup = place_pickup(web, store, [("TEE-BLK-M", 1)], customer_name="Grace Hopper")
    pickup_start(pickup=pickup, actor=sam)
    pickup = pickup_mark_ready(pickup=pickup, scanned=None, actor=sam)
    pickup = pickup_handover(pickup=pickup, actor=sam, id_checked=True)
    day = timezone.localtime(pickup.picked_up_at, ZoneInfo(store.timezone))

    body = back_office_client.get(reverse("orders:detail", args=[pickup.order.pk])).content.decode()

    assert f"Picked up at New York Herald Square on {day:%a} {day.day} {day:%b} by Grace Hopper" in body
    assert "Sam Rivera" in body  # who handed it over
    summary = body.split('aria-label="Customer and delivery"', 1)[1].split("</section>", 1)[0]
    assert "New York, NY" not in summary.split("Delivery", 1)[0]  # no "ship to" the store's own city
    shipments = body.split('id="shipments"', 1)[1].split("</section>", 1)[0]
    for wrong in ("pickup pickup", "Not shipped yet", "Ready for pickup", ">Shipped<"):
        assert wrong not in shipments, wrong
    heading = body.split("<h1>", 1)[1].split("</h1>", 1)[0]
    assert "Picked up" in heading and "Shipped" not in heading
