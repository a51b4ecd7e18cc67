"""The packing bench in boxes and the shipping page: live rates, labels, print, void, slip, manifest."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.urls import reverse

from core.roles import WAREHOUSE_OPERATOR
from fulfillment.models import Package, PackageStatus, ShipmentStatus
from fulfillment.services import shipment_accept
from tests.factories import LocationFactory, SKUFactory, stocked, user_with_role
from tests.factories.carriers import box_type, carrier_account, sandbox_of
from tests.factories.orders import place_order

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}
TEE, MUG = "4006381333931", "0012345678905"


def text(response) -> str:
    return response.content.decode()


@pytest.fixture
def dallas(warehouse):
    warehouse.address_line1 = "2100 Ross Ave"
    warehouse.save(update_fields=["address_line1"])
    return warehouse


@pytest.fixture
def skus(db):
    return (
        SKUFactory(code="TEE-BLK-M", name="Black tee, M", barcode=TEE, weight_grams=300, price=Decimal("20")),
        SKUFactory(code="MUG-WHT", name="White mug", barcode=MUG, weight_grams=450, price=Decimal("12")),
    )


@pytest.fixture
def chicago(db):
    return LocationFactory(code="chi-dc", name="Chicago DC")


@pytest.fixture
def shipment(web, dallas, skus):
    tee, mug = skus
    stocked(dallas, tee, 10)
    stocked(dallas, mug, 10)
    order = place_order(
        web, [("TEE-BLK-M", 2), ("MUG-WHT", 1)], line1="350 5th Ave", city="New York", region="NY"
    ).order
    found = order.shipments.get()
    shipment_accept(shipment=found, actor=None)
    return found


@pytest.fixture
def operator_client(client, dallas):
    client.force_login(user_with_role(WAREHOUSE_OPERATOR, username="dal-operator", locations=[dallas]))
    return client


def pack_in_two_boxes(client, shipment, medium_id):
    url = reverse("fulfillment:work_pack", args=[shipment.pk])
    page = client.post(url, {"action": "scan", "scan": TEE, "scanned": [TEE]})
    assert page.status_code == 200
    # The box is full: start box 2, and the mug goes into it.
    page = client.post(url, {"action": "newbox", "scanned": [TEE, TEE]})
    assert "Box 2 started" in text(page) and 'name="breaks" value="2"' in text(page)
    page = client.post(url, {"action": "scan", "scan": MUG, "scanned": [TEE, TEE], "breaks": ["2"]})
    assert re.search(r'data-box="2"[^>]*>.*?data-cell="units"[^>]*>1<', text(page), re.S)
    return client.post(
        url,
        {
            "action": "pack",
            "scanned": [TEE, TEE, MUG],
            "breaks": ["2"],
            "weight_grams": "750",
            "box_weight": ["600"],
            "box_type": [str(medium_id), ""],
        },
    )


def test_pack_two_boxes_buy_live_rates_print_and_void_one(operator_client, shipment, dallas):
    account = carrier_account("easypost", dallas, label_format="zpl")
    medium = box_type(dallas)

    response = pack_in_two_boxes(operator_client, shipment, medium.pk)
    ship_url = reverse("fulfillment:work_ship", args=[shipment.pk])
    assert response.status_code == 302 and response["Location"] == ship_url
    boxes = list(Package.objects.filter(shipment=shipment).order_by("box_number"))
    assert [(b.weight_grams, b.box_type_id, len(b.scanned)) for b in boxes] == [(750, medium.pk, 2), (600, None, 1)]

    page = operator_client.get(ship_url)
    assert page.status_code == 200 and "2 boxes" in text(page) and "Asking the carriers for live rates" in text(page)
    rates = operator_client.get(reverse("fulfillment:work_rates", args=[shipment.pk]), **HTMX)
    assert rates.status_code == 200
    offered = re.findall(r'name="rate" value="([^"]+)" id="rate-\d+"( checked)?', text(rates))
    assert len(offered) >= 3 and sum(1 for _, checked in offered if checked) == 1
    fastest = re.search(r'value="([^"]+\|[^"]*Express[^"]*)"', text(rates))
    choice = fastest.group(1) if fastest else offered[-1][0]

    bought = operator_client.post(ship_url, {"rate": choice})
    assert bought.status_code == 302
    shipment.refresh_from_db()
    assert shipment.status == ShipmentStatus.SHIPPED
    boxes = list(Package.objects.filter(shipment=shipment).order_by("box_number"))
    assert all(b.status == PackageStatus.LABELLED and b.label_format == "zpl" for b in boxes)
    page = text(operator_client.get(ship_url))
    for box in boxes:
        assert box.tracking_number in page
    assert page.count('data-action="print"') == 2

    printed = operator_client.get(reverse("fulfillment:label_print", args=[boxes[0].pk]))
    assert printed.status_code == 200 and "This label is ZPL" in text(printed) and "Download ZPL" in text(printed)
    zpl = operator_client.get(reverse("fulfillment:label_file", args=[boxes[0].pk, "zpl"]))
    assert zpl.status_code == 200 and zpl.content.startswith(b"^XA")

    voided = operator_client.post(reverse("fulfillment:label_void", args=[boxes[1].pk]), follow=True)
    assert "voided; refund of" in text(voided)
    assert Package.objects.get(pk=boxes[1].pk).status in (PackageStatus.VOIDED, PackageStatus.VOID_PENDING)
    assert sandbox_of(account).count_calls("refund") == 1


def test_packing_slip_and_return_label(operator_client, shipment, dallas):
    carrier_account("easypost", dallas)
    operator_client.post(
        reverse("fulfillment:work_pack", args=[shipment.pk]),
        {"action": "pack", "scanned": [TEE, TEE, MUG], "weight_grams": "1300"},
    )
    slip = operator_client.get(reverse("fulfillment:packing_slip", args=[shipment.pk]))
    assert slip.status_code == 200 and slip.content.startswith(b"%PDF")
    ship_url = reverse("fulfillment:work_ship", args=[shipment.pk])
    operator_client.post(ship_url)
    box = Package.objects.get(shipment=shipment)
    pdf = operator_client.get(reverse("fulfillment:label_file", args=[box.pk, "pdf"]))
    assert pdf.status_code == 200 and b"".join(pdf.streaming_content).startswith(b"%PDF")

    done = operator_client.post(reverse("fulfillment:return_label", args=[shipment.pk]), follow=True)
    box.refresh_from_db()
    assert box.return_tracking_number and box.return_tracking_number in text(done)
    again = operator_client.post(reverse("fulfillment:return_label", args=[shipment.pk]))
    assert (
        again.status_code == 302 and Package.objects.get(pk=box.pk).return_tracking_number == box.return_tracking_number
    )


def test_a_carrier_refusal_reads_on_the_shipping_page_and_nothing_is_bought(operator_client, shipment, dallas):
    account = carrier_account("easypost", dallas)
    operator_client.post(
        reverse("fulfillment:work_pack", args=[shipment.pk]),
        {"action": "pack", "scanned": [TEE, TEE, MUG], "weight_grams": "1300"},
    )
    sandbox_of(account).fail_next["buy"] = [422]
    page = operator_client.post(reverse("fulfillment:work_ship", args=[shipment.pk]), follow=True)
    assert "refused the label for box 1" in text(page)
    shipment.refresh_from_db()
    assert shipment.status == ShipmentStatus.PACKED and "Buy label" in text(page)


def test_end_of_day_manifest_page(operator_client, shipment, dallas):
    account = carrier_account("easypost", dallas, name="EasyPost Dallas")
    operator_client.post(
        reverse("fulfillment:work_pack", args=[shipment.pk]),
        {"action": "pack", "scanned": [TEE, TEE, MUG], "weight_grams": "1300"},
    )
    operator_client.post(reverse("fulfillment:work_ship", args=[shipment.pk]))
    url = reverse("fulfillment:manifests")
    page = text(operator_client.get(url))
    assert "EasyPost Dallas" in page and re.search(r'data-cell="labels">1<', page)
    closed = operator_client.post(url, {"location": dallas.pk, "account": account.pk}, follow=True)
    assert "close" in text(closed) and "1 parcel" in text(closed)
    box = Package.objects.get(shipment=shipment)
    assert box.manifest is not None
    document = operator_client.get(reverse("fulfillment:manifest_document", args=[box.manifest_id]))
    assert document.status_code == 200 and b"".join(document.streaming_content).startswith(b"%PDF")
    refused = operator_client.post(reverse("fulfillment:label_void", args=[box.pk]), follow=True)
    assert "can no longer be voided" in text(refused)


def test_another_locations_labels_are_not_found(client, shipment, dallas, chicago):
    carrier_account("easypost", dallas)
    client.force_login(user_with_role(WAREHOUSE_OPERATOR, username="chi-operator", locations=[chicago]))
    assert client.get(reverse("fulfillment:work_ship", args=[shipment.pk])).status_code == 404
    assert client.get(reverse("fulfillment:packing_slip", args=[shipment.pk])).status_code == 404
