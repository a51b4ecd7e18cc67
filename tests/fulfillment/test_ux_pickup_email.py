"""The pickup email tells the customer the hold's end in the store's own time, as the store page does."""

from __future__ import annotations

from datetime import UTC, datetime, time
from typing import Any

import pytest

from fulfillment.demo import seed_carriers
from fulfillment.models import Pickup
from fulfillment.notifications import pickup_email
from fulfillment.services import cost_model_forget
from tests.factories import stocked
from tests.factories.orders import ChannelFactory
from tests.factories.pages import make_sku
from tests.factories.stores import make_store, place_pickup, set_store_settings

pytestmark = pytest.mark.django_db


def test_the_hold_ends_in_the_stores_time_zone(settings):
    settings.TIME_ZONE = "UTC"  # a worker's clock: the store is elsewhere
    seed_carriers()
    cost_model_forget()
    hours: dict[int, tuple[time, time] | None] = {day: (time(9, 0), time(21, 0)) for day in range(7)}
    store = set_store_settings(make_store("nyc-store", name="New York Herald Square"), hours=hours)
    assert store.timezone == "America/New_York"
    stocked(store, make_sku(code="TEE-BLK-M", name="Black tee, M", barcode="4006381333931"), 5)
    web: Any = ChannelFactory(code="web", name="Web shop")
    pickup = place_pickup(web, store, [("TEE-BLK-M", 1)])
    Pickup.objects.filter(pk=pickup.pk).update(hold_until=datetime(2026, 12, 7, 2, 43, tzinfo=UTC))
    pickup.refresh_from_db()

    message: Any = pickup_email(pickup, kind="ready")
    html = message.alternatives[0][0]

    assert "Sunday 6 December, 21:43" in message.body and "Sunday 6 December, 21:43" in html
    assert "Monday 7 December" not in message.body + html
