"""The work queue of a location: tabs and counts, scoping to the user's locations, accept and
reject, pick lists, packing by scan (right and wrong scans), buying the label and shipping."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from core.roles import BACK_OFFICE, STORE_ASSOCIATE, WAREHOUSE_OPERATOR
from fulfillment.demo import seed_carriers
from fulfillment.models import CarrierService, Package, PickList, Shipment, ShipmentStatus
from fulfillment.services import cost_model_forget, order_hold, picklist_create, shipment_accept, shipment_pack
from inventory.models import LocationKind, StockLevel
from orders.models import OrderStatus
from tests.factories import LocationFactory, SKUFactory, UserFactory, stocked, user_with_role
from tests.factories.orders import place_order

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}
TEE_BARCODE = "4006381333931"
MUG_BARCODE = "0012345678905"


def text(response) -> str:
    return response.content.decode()


def search(pattern: str, body: str, flags: int = 0) -> re.Match[str]:
    match = re.search(pattern, body, flags)
    assert match is not None, pattern
    return match


def flash(response) -> list[str]:
    """The messages this request added (not those still waiting from earlier redirects)."""
    storage: Any = get_messages(response.wsgi_request)
    return [str(message) for message in storage._queued_messages]


@pytest.fixture(autouse=True)
def carriers(db):
    seed_carriers()
    cost_model_forget()
    yield
    cost_model_forget()


@pytest.fixture
def nyc(db):
    return LocationFactory(
        code="nyc-store",
        name="New York Store",
        kind=LocationKind.STORE,
        city="New York",
        region="NY",
        postal_code="10001",
        latitude="40.750600",
        longitude="-73.997200",
        timezone="America/New_York",
        ship_from_store=True,
    )


@pytest.fixture
def chi(db):
    return LocationFactory(
        code="chi-store",
        name="Chicago Store",
        kind=LocationKind.STORE,
        city="Chicago",
        region="IL",
        postal_code="60601",
        latitude="41.886000",
        longitude="-87.618000",
        timezone="America/Chicago",
        ship_from_store=True,
    )


@pytest.fixture
def tee(db):
    return SKUFactory(code="TEE-BLK-M", name="Black tee, M", barcode=TEE_BARCODE, weight_grams=300)


@pytest.fixture
def mug(db):
    return SKUFactory(code="MUG-WHT", name="White mug", barcode=MUG_BARCODE, weight_grams=450)


@pytest.fixture
def stock(nyc, chi, tee, mug):
    for store in (nyc, chi):
        stocked(store, tee, 40)
        stocked(store, mug, 40)


@pytest.fixture
def associate(nyc):
    return user_with_role(STORE_ASSOCIATE, username="ny-associate", locations=[nyc])


@pytest.fixture
def associate_client(client, associate):
    client.force_login(associate)
    return client


def nyc_order(web, external_id: str = "W-1", lines=(("TEE-BLK-M", 2), ("MUG-WHT", 1))) -> Shipment:
    order = place_order(web, list(lines), external_id=external_id, postal_code="10001").order
    shipment = order.shipments.get()
    assert shipment.location.code == "nyc-store"
    return shipment


def chi_order(web, external_id: str = "C-1") -> Shipment:
    order = place_order(web, [("TEE-BLK-M", 1)], external_id=external_id, postal_code="60601").order
    shipment = order.shipments.get()
    assert shipment.location.code == "chi-store"
    return shipment


def tab_counts(body: str) -> dict[str, int]:
    return {key: int(n) for key, n in re.findall(r'data-tab="(\w+)"[^>]*>[^<]*<span class="count">(\d+)</span>', body)}


def queue(client, **params) -> str:
    response = client.get(reverse("fulfillment:work"), params)
    assert response.status_code == 200
    return text(response)


# --- The queue -------------------------------------------------------------------------------


def test_tabs_count_each_stage_and_list_its_shipments(associate_client, associate, web, stock, nyc):
    requested = nyc_order(web, "W-1")
    accepted = nyc_order(web, "W-2")
    picking = nyc_order(web, "W-3")
    shipment_accept(shipment=accepted, actor=associate)
    shipment_accept(shipment=picking, actor=associate)
    picklist_create(location=nyc, shipments=[picking], actor=associate)

    body = queue(associate_client)
    assert tab_counts(body) == {"accept": 1, "pick": 1, "pack": 1, "ship": 0, "shipped": 0}
    assert requested.number in body and accepted.number not in body  # "To accept" opens first
    assert "Work queue · New York Store" in body
    assert 'id="id_location"' not in body  # one location: no picker
    pick = queue(associate_client, tab="pick")
    assert accepted.number in pick and "Create pick list" in pick and requested.number not in pick
    pack = queue(associate_client, tab="pack")
    assert picking.number in pack and reverse("fulfillment:work_pack", args=[picking.pk]) in pack
    assert "Open pick lists" in pack


def test_store_associate_sees_and_opens_only_their_store(associate_client, web, stock, chi):
    mine = nyc_order(web, "W-1")
    theirs = chi_order(web, "C-1")
    body = queue(associate_client)
    assert mine.number in body and theirs.number not in body
    assert tab_counts(body)["accept"] == 1
    assert associate_client.get(reverse("fulfillment:work_pack", args=[theirs.pk])).status_code == 404
    for name in ("work_accept", "work_reject", "work_ship"):
        response = associate_client.post(reverse(f"fulfillment:{name}", args=[theirs.pk]), {"reason": "not mine"})
        assert response.status_code == 404, name
    theirs.refresh_from_db()
    assert theirs.status == ShipmentStatus.REQUESTED
    # Another location's pick list does not exist for them either.
    shipment_accept(shipment=theirs, actor=None)
    other_list = picklist_create(location=chi, shipments=[theirs], actor=None)
    assert associate_client.get(reverse("fulfillment:work_picklist", args=[other_list.pk])).status_code == 404
    response = associate_client.post(
        reverse("fulfillment:work_picklist_create"), {"location": "chi-store", "shipments": [theirs.pk]}
    )
    assert response.status_code == 404
    # Asking for another location in the URL shows only their own.
    assert theirs.number not in queue(associate_client, location="chi-store", tab="pack")


def test_back_office_picks_a_location_or_sees_them_all(client, web, stock):
    client.force_login(user_with_role(BACK_OFFICE, username="pat"))
    mine = nyc_order(web, "W-1")
    theirs = chi_order(web, "C-1")
    everything = queue(client)
    assert mine.number in everything and theirs.number in everything
    assert 'id="id_location"' in everything and "All my locations" in everything
    only_chicago = queue(client, location="chi-store")
    assert theirs.number in only_chicago and mine.number not in only_chicago
    assert tab_counts(only_chicago)["accept"] == 1


def test_the_queue_needs_the_work_permission(client, web, stock):
    client.force_login(UserFactory(username="nobody"))
    assert client.get(reverse("fulfillment:work")).status_code == 403
    shipment = nyc_order(web)
    assert client.get(reverse("fulfillment:work_pack", args=[shipment.pk])).status_code == 403
    assert client.post(reverse("fulfillment:work_accept", args=[shipment.pk])).status_code == 403


def test_nav_shows_the_work_queue_to_location_staff(associate_client):
    body = text(associate_client.get(reverse("ui:dashboard"), follow=True))  # home is their store page
    assert '<a href="/fulfillment/work/">Work queue</a>' in body


def test_a_user_without_locations_is_told_so(client):
    client.force_login(user_with_role(WAREHOUSE_OPERATOR, username="new-hire"))
    assert "No location assigned to you" in queue(client)


#: session, user, 2 permission lookups, location access, locations, tab counts, page count,
#: shipments, their lines, open pick lists.
QUEUE_QUERIES = 12  # with the boxes packed (weight per shipment)


def test_queue_queries_do_not_grow(associate_client, associate, web, stock, nyc, django_assert_num_queries):
    first = nyc_order(web, "W-0")
    shipment_accept(shipment=first, actor=associate)
    with django_assert_num_queries(QUEUE_QUERIES):
        associate_client.get(reverse("fulfillment:work"), {"tab": "pick"})
    for n in range(1, 12):
        shipment_accept(shipment=nyc_order(web, f"W-{n}"), actor=associate)
    with django_assert_num_queries(QUEUE_QUERIES):
        associate_client.get(reverse("fulfillment:work"), {"tab": "pick"})
    with django_assert_num_queries(QUEUE_QUERIES):
        associate_client.get(reverse("fulfillment:work"), {"tab": "pick"}, **HTMX)


# --- Accept and reject -----------------------------------------------------------------------


def test_accept_and_reject_from_the_queue(associate_client, web, stock):
    first = nyc_order(web, "W-1")
    second = nyc_order(web, "W-2", lines=(("TEE-BLK-M", 1),))
    response = associate_client.post(
        reverse("fulfillment:work_accept", args=[first.pk]), {"next": "/fulfillment/work/"}
    )
    assert response.status_code == 302 and response["Location"] == "/fulfillment/work/"
    assert flash(response) == [f"{first.number} accepted: it is in To pick."]
    first.refresh_from_db()
    assert first.status == ShipmentStatus.ACCEPTED

    response = associate_client.post(reverse("fulfillment:work_reject", args=[second.pk]), {"reason": ""})
    assert flash(response) == ["Say why the shipment is rejected."]
    response = associate_client.post(reverse("fulfillment:work_reject", args=[second.pk]), {"reason": "shelf empty"})
    assert flash(response)[0].startswith(f"{second.number} rejected; its units are")
    second.refresh_from_db()
    assert second.status == ShipmentStatus.REJECTED and second.status_reason == "shelf empty"
    assert not second.order.shipments.filter(location__code="nyc-store", status=ShipmentStatus.REQUESTED).exists()


def test_nothing_moves_while_the_order_is_on_hold(associate_client, web, stock):
    shipment = nyc_order(web)
    order_hold(order=shipment.order, actor=None, reason="fraud check")
    response = associate_client.post(reverse("fulfillment:work_accept", args=[shipment.pk]))
    assert flash(response) == [
        f"Order {shipment.order.number} is on hold; release it before working on {shipment.number}."
    ]
    assert "Order on hold" in queue(associate_client)


# --- Pick lists ------------------------------------------------------------------------------


def test_pick_list_batches_accepted_shipments_and_prints(associate_client, associate, web, stock):
    first = nyc_order(web, "W-1")
    second = nyc_order(web, "W-2", lines=(("TEE-BLK-M", 3),))
    for shipment in (first, second):
        shipment_accept(shipment=shipment, actor=associate)
    response = associate_client.post(
        reverse("fulfillment:work_picklist_create"), {"location": "nyc-store", "shipments": [first.pk, second.pk]}
    )
    picklist = PickList.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("fulfillment:work_picklist", args=[picklist.pk])
    assert flash(response) == [f"{picklist.number} created: 2 shipments to pick. Print it and walk."]
    body = text(associate_client.get(response["Location"]))
    tee_row = search(r'<tr data-sku="TEE-BLK-M">.*?</tr>', body, re.S).group(0)
    assert re.search(r'data-cell="quantity"><strong>5</strong>', tee_row) and TEE_BARCODE in tee_row
    assert "window.print()" in body and "@media print" in body
    assert first.number in body and second.number in body
    first.refresh_from_db()
    assert first.status == ShipmentStatus.PICKING


def test_pick_list_refusals_are_messages(associate_client, web, stock):
    requested = nyc_order(web, "W-1")
    response = associate_client.post(reverse("fulfillment:work_picklist_create"), {"location": "nyc-store"})
    assert response.status_code == 302 and flash(response) == ["Choose at least one shipment to pick."]
    response = associate_client.post(
        reverse("fulfillment:work_picklist_create"), {"location": "nyc-store", "shipments": [requested.pk]}
    )
    assert flash(response) == [f"{requested.number} is requested; only accepted shipments are picked."]
    assert not PickList.objects.exists()


# --- Packing ---------------------------------------------------------------------------------


def pack_url(shipment: Shipment) -> str:
    return reverse("fulfillment:work_pack", args=[shipment.pk])


def test_pack_page_focuses_the_scan_field(associate_client, associate, web, stock):
    shipment = nyc_order(web)
    shipment_accept(shipment=shipment, actor=associate)
    body = text(associate_client.get(pack_url(shipment)))
    assert re.search(r'<input type="text" name="scan" id="id_scan" autofocus', body)
    assert 'data-figure="progress">0 of 3 units scanned' in body


def test_each_scan_adds_to_the_list_and_wrong_scans_are_refused(associate_client, associate, web, stock):
    shipment = nyc_order(web)
    shipment_accept(shipment=shipment, actor=associate)
    url = pack_url(shipment)

    response = associate_client.post(url, {"action": "scan", "scan": TEE_BARCODE}, **HTMX)
    assert response.status_code == 200
    body = text(response)
    assert body.lstrip().startswith('<div id="pack-state"') and "<html" not in body
    assert f"✓ {TEE_BARCODE} added · 1 of 3 scanned" in body
    assert re.findall(r'name="scanned" value="([^"]+)"', body) == [TEE_BARCODE]

    response = associate_client.post(url, {"action": "scan", "scan": "9999999999999", "scanned": [TEE_BARCODE]}, **HTMX)
    assert response.status_code == 422
    body = text(response)
    assert f"9999999999999 is not in {shipment.number}. Put that item aside and scan the next one." in body
    assert re.findall(r'name="scanned" value="([^"]+)"', body) == [TEE_BARCODE]

    scans = [TEE_BARCODE, "tee-blk-m"]  # a SKU code works too, in any case
    response = associate_client.post(url, {"action": "scan", "scan": "MUG-WHT", "scanned": scans}, **HTMX)
    assert 'data-figure="progress">3 of 3 units scanned' in text(response)
    response = associate_client.post(
        url, {"action": "scan", "scan": TEE_BARCODE, "scanned": [*scans, "MUG-WHT"]}, **HTMX
    )
    assert response.status_code == 422
    assert "TEE-BLK-M: all 2 already scanned. That unit is one too many: put it back on the shelf." in text(response)
    assert not Package.objects.exists()


def test_pack_checks_scans_again_and_asks_for_a_weight(associate_client, associate, web, stock):
    shipment = nyc_order(web)
    shipment_accept(shipment=shipment, actor=associate)
    url = pack_url(shipment)
    response = associate_client.post(url, {"action": "pack", "scanned": [TEE_BARCODE], "weight_grams": "900"})
    assert response.status_code == 422
    body = text(response)
    assert "cannot be packed" in body and "TEE-BLK-M: scanned 1 of 2, 1 missing." in body
    full = [TEE_BARCODE, TEE_BARCODE, MUG_BARCODE]
    response = associate_client.post(url, {"action": "pack", "scanned": full, "weight_grams": ""})
    assert response.status_code == 422 and 'id="id_weight_grams_error"' in text(response)
    assert not Package.objects.exists()
    shipment.refresh_from_db()
    assert shipment.status == ShipmentStatus.ACCEPTED


def test_pack_then_buy_the_label_and_ship(associate_client, associate, web, stock, nyc):
    shipment = nyc_order(web)
    shipment_accept(shipment=shipment, actor=associate)
    picklist_create(location=nyc, shipments=[shipment], actor=associate)
    full = [TEE_BARCODE, TEE_BARCODE, MUG_BARCODE]

    response = associate_client.post(
        pack_url(shipment), {"action": "pack", "scanned": full, "weight_grams": "1150"}, **HTMX
    )
    ship_page = reverse("fulfillment:work_ship", args=[shipment.pk])
    assert response.status_code == 200 and response["HX-Redirect"] == ship_page
    assert flash(response) == [f"{shipment.number} packed: 3 units. Choose a rate and buy."]
    shipment.refresh_from_db()
    assert shipment.status == ShipmentStatus.PACKED and shipment.packed_grams == 1150

    ship_tab = queue(associate_client, tab="ship")
    assert shipment.number in ship_tab and "Buy label &amp; ship" in ship_tab and "1,150 g" in ship_tab

    page = associate_client.get(ship_page)
    assert page.status_code == 200 and "Buy label &amp; ship" in text(page) and "Packing slip" in text(page)
    response = associate_client.post(ship_page, {"next": "/fulfillment/work/?tab=ship&location=nyc-store"})
    shipment.refresh_from_db()
    assert shipment.status == ShipmentStatus.SHIPPED and shipment.tracking_number
    assert response["Location"] == "/fulfillment/work/?tab=shipped&location=nyc-store"
    service = CarrierService.objects.select_related("carrier").get(
        carrier__code=shipment.carrier, code=shipment.service
    )
    assert flash(response) == [
        f"{shipment.number} shipped with {service.carrier.name} {service.name}: tracking {shipment.tracking_number}. "
        "Print the labels below."
    ]
    shipped_tab = queue(associate_client, tab="shipped")
    assert shipment.tracking_number in shipped_tab
    assert shipment.order.status == OrderStatus.SHIPPED
    level = StockLevel.objects.get(location=nyc, sku__code="TEE-BLK-M")
    assert (level.on_hand, level.reserved) == (38, 0)
    # Shipping twice buys no second label.
    again = associate_client.post(reverse("fulfillment:work_ship", args=[shipment.pk]))
    assert again.status_code == 302 and Package.objects.count() == 1


def test_pack_works_without_javascript(associate_client, associate, web, stock):
    shipment = nyc_order(web, lines=(("TEE-BLK-M", 1),))
    shipment_accept(shipment=shipment, actor=associate)
    page = associate_client.post(pack_url(shipment), {"action": "scan", "scan": TEE_BARCODE})
    assert page.status_code == 200 and "<html" in text(page) and 'name="scanned" value="4006381333931"' in text(page)
    # Enter in the weight field submits with the first button ("Add"): it still packs.
    response = associate_client.post(
        pack_url(shipment), {"action": "scan", "scan": "", "scanned": [TEE_BARCODE], "weight_grams": "400"}
    )
    assert response.status_code == 302 and response["Location"] == reverse("fulfillment:work_ship", args=[shipment.pk])


def test_a_packed_shipment_is_not_packed_again(associate_client, associate, web, stock):
    shipment = nyc_order(web, lines=(("TEE-BLK-M", 1),))
    shipment_accept(shipment=shipment, actor=associate)
    shipment_pack(shipment=shipment, scanned=[TEE_BARCODE], weight_grams=400, actor=associate)
    body = text(associate_client.get(pack_url(shipment)))
    assert f"{shipment.number} is packed" in body and 'name="scan"' not in body
