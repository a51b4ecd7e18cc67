"""The home page puts each person's waiting work first, each count linking to the list that holds it."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from core.roles import ADMINISTRATOR, WAREHOUSE_OPERATOR
from fulfillment.models import Pickup, PickupStatus
from tests.factories import LocationFactory, SKUFactory, stocked, user_with_role
from tests.factories.orders import ChannelFactory, place_order
from tests.factories.stores import place_pickup

pytestmark = pytest.mark.django_db


def count(body: str, key: str) -> int:
    found = re.search(rf'data-count="{key}">(\d+)<', body)
    assert found, f"no {key} action on the page"
    return int(found.group(1))


def link(body: str, key: str) -> str:
    item = body.split(f'data-action="{key}"')[1]
    return item.split('href="')[1].split('"')[0].replace("&amp;", "&")


@pytest.fixture
def web(db: Any) -> Any:
    return ChannelFactory(code="web", name="Web shop")


@pytest.fixture
def tee(db: Any) -> Any:
    return SKUFactory(code="TEE-BLK-M", name="Black tee, M")


def test_back_office_sees_what_waits_at_every_location_with_links(
    back_office_client: Any, web: Any, warehouse: Any, store: Any, tee: Any
) -> None:
    stocked(warehouse, tee, 10)
    stocked(store, tee, 10)
    for n in range(2):
        place_order(web, [("TEE-BLK-M", 1)], external_id=f"ship-{n}", postal_code="75201")
    ready = place_pickup(web, store, [("TEE-BLK-M", 1)], external_id="p-1")
    Pickup.objects.filter(pk=ready.pk).update(status=PickupStatus.READY, hold_until=timezone.now() + timedelta(hours=3))

    body = back_office_client.get(reverse("ui:dashboard")).content.decode()

    assert count(body, "accept") == 2
    assert link(body, "accept") == reverse("fulfillment:work") + "?tab=accept"
    assert count(body, "pickups") == 1 and "1 expire within a day" in body
    assert link(body, "inspect") == reverse("returns:index") + "?status=received"
    assert link(body, "po_late") == reverse("partners:po_list") + "?sla=late"
    assert count(body, "sync") == 0
    assert link(body, "forecasts") == reverse("planning:index")
    # The work comes first; the stock summary follows under its own heading.
    assert body.index("To do now") < body.index("Orders at a glance") < body.index("Stock at a glance")


def test_an_operator_sees_only_their_locations_work_and_no_back_office_queues(
    client: Any, web: Any, warehouse: Any, tee: Any
) -> None:
    other: Any = LocationFactory(code="reno-dc", name="Reno DC")
    stocked(other, tee, 10)  # only Reno has stock: the order is Reno's work
    place_order(web, [("TEE-BLK-M", 1)], external_id="reno")
    client.force_login(user_with_role(WAREHOUSE_OPERATOR, username="op", locations=[warehouse]))

    body = client.get(reverse("ui:dashboard")).content.decode()

    assert count(body, "accept") == 0
    assert 'data-action="sync"' not in body and 'data-action="po_late"' not in body


def test_a_store_associate_lands_on_their_store_page(associate_user: Any, client: Any) -> None:
    client.force_login(associate_user)
    response = client.get(reverse("ui:dashboard"))
    assert response.status_code == 302 and response["Location"] == reverse("fulfillment:pickups")


def test_the_home_page_answers_in_a_constant_number_of_queries(
    client: Any, web: Any, warehouse: Any, store: Any, tee: Any, django_assert_num_queries: Any
) -> None:
    client.force_login(user_with_role(ADMINISTRATOR, username="boss", is_staff=True, is_superuser=True))
    stocked(warehouse, tee, 50)
    stocked(store, tee, 50)
    place_order(web, [("TEE-BLK-M", 1)], external_id="first")
    client.get(reverse("ui:dashboard"))
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as first:
        client.get(reverse("ui:dashboard"))
    for n in range(6):
        place_order(web, [("TEE-BLK-M", 1)], external_id=f"more-{n}")
        place_pickup(web, store, [("TEE-BLK-M", 1)], external_id=f"pickup-{n}")
    with django_assert_num_queries(len(first.captured_queries)):
        response = client.get(reverse("ui:dashboard"))
    assert count(response.content.decode(), "accept") == 7
