"""Global search: what each kind of text finds, who may find what, and the queries it costs."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from core.roles import BACK_OFFICE, STORE_ASSOCIATE, SUPPLIER, WAREHOUSE_OPERATOR
from fulfillment.models import Package
from partners.models import PartnerUser
from returns.models import ReturnSource
from returns.services import ReturnLineInput, return_request
from tests.factories import user_with_role
from tests.factories.orders import place_order
from tests.factories.partners import PartnerFactory
from tests.factories.returns import ReturnNetwork, delivered_order, return_network
from tests.factories.stores import place_pickup

pytestmark = pytest.mark.django_db

URL = reverse("search:search")


@pytest.fixture
def net(db) -> ReturnNetwork:
    return return_network()


@pytest.fixture
def staff(client: Client) -> Client:
    client.force_login(user_with_role(BACK_OFFICE, username="bo"))
    return client


def body(response: Any) -> str:
    return response.content.decode()


def search(client: Client, text: str, **headers: Any) -> Any:
    return client.get(URL, {"q": text}, **headers)


def test_an_order_number_opens_the_order(net: ReturnNetwork, staff: Client) -> None:
    order = place_order(net.channel, [(net.tee.code, 1)], external_id="W-5001").order
    for typed in (order.number, order.number.lower(), f"so-{order.pk}"):
        response = search(staff, typed)
        assert response.status_code == 302 and response["Location"] == reverse("orders:detail", args=[order.pk])


def test_channel_order_id_email_and_name_find_the_order(net: ReturnNetwork, staff: Client) -> None:
    order = place_order(
        net.channel,
        [(net.tee.code, 1)],
        external_id="W-5002",
        customer_name="Grace Hopper",
        customer_email="g@navy.mil",
    ).order
    place_order(net.channel, [(net.tee.code, 1)], external_id="W-5003", customer_name="Alan Turing")
    for typed in ("W-5002", "G@NAVY.MIL", "grace h"):
        assert search(staff, typed)["Location"] == reverse("orders:detail", args=[order.pk]), typed


def test_several_matches_are_listed_by_kind(net: ReturnNetwork, staff: Client) -> None:
    response = search(staff, "tee-blk")
    page = body(response)
    assert response.status_code == 200
    assert "2 matches" in page and "<h2>SKUs</h2>" in page
    assert "TEE-BLK-M" in page and "TEE-BLK-L" in page and "MUG-WHT" not in page
    assert reverse("inventory:sku_detail", args=["TEE-BLK-L"]) in page


def test_a_barcode_opens_its_sku(net: ReturnNetwork, staff: Client) -> None:
    assert search(staff, "0012345678905")["Location"] == reverse("inventory:sku_detail", args=["MUG-WHT"])


def test_tracking_and_rma_numbers_open_the_order_and_the_return(net: ReturnNetwork, staff: Client) -> None:
    order = delivered_order(net.channel, [(net.tee.code, 1, "20.00")])
    parcel = Package.objects.get(shipment__order=order)
    assert parcel.tracking_number
    assert search(staff, parcel.tracking_number)["Location"] == reverse("orders:detail", args=[order.pk])

    rma = return_request(
        order=order, lines=[ReturnLineInput(1, "doesnt_fit", sku=net.tee.code)], source=ReturnSource.API
    )
    detail = reverse("returns:detail", args=[rma.pk])
    assert search(staff, rma.number)["Location"] == detail
    rma.refresh_from_db()
    if rma.tracking_number:  # the return label's own tracking number finds the return too
        assert search(staff, rma.tracking_number)["Location"] == detail


def test_a_pickup_code_is_found_only_by_the_stores_people(net: ReturnNetwork, client: Client) -> None:
    pickup = place_pickup(net.channel, net.store, [(net.tee.code, 1)])
    client.force_login(user_with_role(STORE_ASSOCIATE, username="nyc", locations=[net.store]))
    typed = f"{pickup.code[:3]}-{pickup.code[3:].lower()}"  # as a person types it
    assert search(client, typed)["Location"] == reverse("fulfillment:pickup_detail", args=[pickup.pk])

    client.force_login(user_with_role(WAREHOUSE_OPERATOR, username="dal", locations=[net.warehouse]))
    page = body(search(client, pickup.code))
    assert "Nothing matches" in page and pickup.code in page  # says what it looked for


def test_a_parcel_is_found_only_by_people_of_the_location_it_left(net: ReturnNetwork, client: Client) -> None:
    order = delivered_order(net.channel, [(net.tee.code, 1, "20.00")])
    parcel = Package.objects.select_related("shipment").get(shipment__order=order)
    assert parcel.shipment.location == net.warehouse
    client.force_login(user_with_role(WAREHOUSE_OPERATOR, username="dal", locations=[net.warehouse]))
    assert search(client, parcel.tracking_number)["Location"] == reverse(
        "fulfillment:work_ship", args=[parcel.shipment_id]
    )
    client.force_login(user_with_role(STORE_ASSOCIATE, username="nyc", locations=[net.store]))
    assert "Nothing matches" in body(search(client, parcel.tracking_number))


def test_a_supplier_may_not_search_and_sees_no_box(net: ReturnNetwork, client: Client) -> None:
    user = user_with_role(SUPPLIER, username="sam")
    partner: Any = PartnerFactory()
    PartnerUser.objects.create(user=user, partner=partner)
    client.force_login(user)
    assert search(client, "TEE").status_code == 403


def test_the_header_box_works_without_javascript(net: ReturnNetwork, staff: Client) -> None:
    page = body(staff.get(reverse("ui:dashboard")))
    assert f'<form class="site-search" method="get" action="{URL}"' in page
    assert 'name="q" id="site-search-q"' in page and 'aria-keyshortcuts="/"' in page
    assert "js/shortcuts.js" in page


def test_typing_gets_the_live_results_without_opening_the_match(net: ReturnNetwork, staff: Client) -> None:
    response = search(staff, "MUG", HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    html = body(response)
    assert "MUG-WHT" in html and "<html" not in html and "1 match " in html


def test_a_short_or_unknown_text_says_what_to_type(net: ReturnNetwork, staff: Client) -> None:
    assert "Type at least two characters" in body(search(staff, "T"))
    page = body(search(staff, "no-such-thing"))
    assert "Nothing matches “no-such-thing”" in page and "SO-000123" in page


def _queries(client: Client, text: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = search(client, text, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    return len(captured)


def test_a_search_costs_the_same_queries_for_one_match_or_many(
    net: ReturnNetwork, staff: Client, django_assert_num_queries: Any
) -> None:
    place_order(net.channel, [(net.tee.code, 1)], external_id="X-1", customer_name="Zed One")
    one = _queries(staff, "Zed")
    for n in range(2, 12):
        place_order(net.channel, [(net.tee.code, 1)], external_id=f"X-{n}", customer_name=f"Zed {n}")
    assert _queries(staff, "Zed") == one
    # The session, the user, their permissions (two), then one query per kind: orders, pickups,
    # returns, parcels, SKUs (a back-office user sees every location, so no grants are read).
    with django_assert_num_queries(9):
        page = body(search(staff, "Zed", HTTP_HX_REQUEST="true"))
    assert page.count("data-list-row") == 8  # at most eight of a kind; the orders list has the rest
