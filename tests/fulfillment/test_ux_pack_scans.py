"""The packing bench keeps its scans on the server: a reload, or another device at the bench, resumes at
"2 of 3 scanned" with the boxes as they were; packing moves the codes onto the boxes."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from core.roles import STORE_ASSOCIATE
from fulfillment.demo import seed_carriers
from fulfillment.models import Package, PackScan, Shipment, ShipmentStatus
from fulfillment.services import cost_model_forget, shipment_accept
from inventory.models import LocationKind
from tests.factories import LocationFactory, SKUFactory, stocked, user_with_role
from tests.factories.orders import place_order

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}
TEE, MUG = "4006381333931", "0012345678905"


@pytest.fixture
def bench(db, web) -> tuple[Shipment, Any]:
    """A New York store shipment of two tees and a mug, accepted, and the associate who packs it."""
    seed_carriers()
    cost_model_forget()
    nyc: Any = LocationFactory(
        code="nyc-store",
        kind=LocationKind.STORE,
        postal_code="10001",
        latitude="40.750600",
        longitude="-73.997200",
        timezone="America/New_York",
        ship_from_store=True,
    )
    for code, barcode in (("TEE-BLK-M", TEE), ("MUG-WHT", MUG)):
        sku: Any = SKUFactory(code=code, barcode=barcode, weight_grams=300)
        stocked(nyc, sku, 10)
    associate = user_with_role(STORE_ASSOCIATE, username="sam", locations=[nyc])
    order = place_order(web, [("TEE-BLK-M", 2), ("MUG-WHT", 1)], postal_code="10001").order
    shipment = order.shipments.get()
    shipment_accept(shipment=shipment, actor=associate)
    return shipment, associate


def signed_in(user: Any) -> Any:
    client = Client()
    client.force_login(user)
    return client


def progress(body: str) -> str:
    return body.split('data-figure="progress">', 1)[1].split("<", 1)[0]


def test_a_reload_keeps_the_scans(bench):
    shipment, associate = bench
    client = signed_in(associate)
    url = reverse("fulfillment:work_pack", args=[shipment.pk])
    client.post(url, {"action": "scan", "scan": TEE}, **HTMX)
    client.post(url, {"action": "scan", "scan": MUG}, **HTMX)

    reloaded = client.get(url).content.decode()

    assert progress(reloaded) == "2 of 3 units scanned"
    assert list(PackScan.objects.filter(shipment=shipment).values_list("code", "scanned_by")) == [
        (TEE, associate.pk),
        (MUG, associate.pk),
    ]


def test_another_device_resumes_with_the_boxes_and_refuses_a_unit_too_many(bench):
    shipment, associate = bench
    phone, desk = signed_in(associate), signed_in(associate)
    url = reverse("fulfillment:work_pack", args=[shipment.pk])
    phone.post(url, {"action": "scan", "scan": TEE}, **HTMX)
    phone.post(url, {"action": "newbox", "scanned": [TEE]}, **HTMX)
    phone.post(url, {"action": "scan", "scan": TEE, "scanned": [TEE], "breaks": ["1"]}, **HTMX)

    page = desk.get(url).content.decode()
    assert progress(page) == "2 of 3 units scanned"
    assert 'data-box="2"' in page and 'name="breaks" value="1"' in page

    refused = desk.post(url, {"action": "scan", "scan": TEE}, **HTMX)  # the desk's page is stale: a third tee
    assert refused.status_code == 422
    assert "TEE-BLK-M: all 2 already scanned" in refused.content.decode()
    assert PackScan.objects.filter(shipment=shipment).count() == 2

    desk.post(url, {"action": "scan", "scan": MUG, "breaks": ["1"]}, **HTMX)
    packed = desk.post(url, {"action": "pack", "breaks": ["1"], "weight_grams": "300", "box_weight": "900"}, **HTMX)

    assert packed.status_code == 200 and packed["HX-Redirect"]
    shipment.refresh_from_db()
    assert shipment.status == ShipmentStatus.PACKED
    boxes = list(Package.objects.filter(shipment=shipment).order_by("box_number").values_list("scanned", flat=True))
    assert boxes == [[TEE], [TEE, MUG]]
    assert not PackScan.objects.filter(shipment=shipment).exists()


def test_the_store_page_leads_an_accepted_request_straight_to_its_pack_screen_and_back(bench):
    shipment, associate = bench
    client = signed_in(associate)
    store_page = client.get(reverse("fulfillment:pickups")).content.decode()
    pack_url = reverse("fulfillment:work_pack", args=[shipment.pk])

    assert f'href="{pack_url}"' in store_page  # not the desk's work queue, where Pack is off a phone's screen
    pack_page = client.get(pack_url).content.decode()
    eyebrow = pack_page.split('class="eyebrow"', 1)[1].split("</span>", 1)[0]
    assert f"{reverse('fulfillment:pickups')}?store=nyc-store" in eyebrow and "Store" in eyebrow
