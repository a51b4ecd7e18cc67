"""Staff pages: queue with tabs and counts, the return page and its actions, receiving, report, permissions."""

from __future__ import annotations

import io
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from core.roles import WAREHOUSE_OPERATOR
from returns.models import ReturnAuthorization, ReturnPhoto, ReturnSource, ReturnStatus
from returns.services import ReturnLineInput, return_receive, return_request
from tests.factories import user_with_role
from tests.factories.returns import delivered_order

pytestmark = pytest.mark.django_db


def make_return(net, external_id, *, reason="doesnt_fit", postal_code="10001", quantity=1, **kwargs):
    order = delivered_order(
        net.channel, [("TEE-BLK-M", 2, "20.00")], external_id=external_id, postal_code=postal_code, **kwargs
    )
    return return_request(
        order=order, lines=[ReturnLineInput(quantity, reason, sku="TEE-BLK-M")], source=ReturnSource.STAFF
    )


def test_the_queue_has_status_tabs_with_counts_and_constant_queries(
    net, back_office_client, django_assert_max_num_queries
):
    make_return(net, "A-1")
    make_return(net, "A-2", reason="other")
    received = make_return(net, "A-3")
    return_receive(rma=received, location=received.return_location, actor=None)

    page = back_office_client.get("/returns/")
    html = page.content.decode()
    assert page.status_code == 200
    assert re.search(r'data-tab="all"[^>]*>All <span class="count">3<', html)
    assert re.search(r'data-tab="approval"[^>]*>Needs approval <span class="count">1<', html)
    assert re.search(r'data-tab="received"[^>]*>To inspect <span class="count">1<', html)
    approval = back_office_client.get("/returns/?status=approval", HTTP_HX_REQUEST="true")
    assert approval.content.count(b"data-rma=") == 1 and b"Needs approval" in approval.content
    assert b"<html" not in approval.content  # htmx gets the results only

    with django_assert_max_num_queries(12) as few:
        back_office_client.get("/returns/")
    for n in range(4, 8):
        make_return(net, f"A-{n}")
    with django_assert_max_num_queries(len(few.captured_queries)):
        back_office_client.get("/returns/")


def test_the_return_page_shows_label_lines_quote_and_timeline(net, back_office_client):
    rma = make_return(net, "B-1")
    page = back_office_client.get(f"/returns/{rma.pk}/")
    html = page.content.decode()
    assert page.status_code == 200
    assert rma.tracking_number in html and "Print label" in html
    assert 'aria-label="Barcode RMA-' in html
    assert "Estimated refund" in html and "Receive the parcel" in html
    assert "Requested → Authorized" in html
    label = back_office_client.get(f"/returns/{rma.pk}/label/")
    assert label.status_code == 200 and rma.tracking_number.encode() in label.content


def test_staff_create_a_return_from_the_order_page(net, back_office_client):
    order = delivered_order(net.channel, [("TEE-BLK-M", 2, "20.00")])
    order_page = back_office_client.get(f"/orders/{order.pk}/")
    assert f'href="/returns/new/{order.pk}/"'.encode() in order_page.content
    line = order.lines.get()
    response = back_office_client.post(
        f"/returns/new/{order.pk}/",
        {f"qty-{line.pk}": "2", f"reason-{line.pk}": "wrong_item", f"exchange-{line.pk}": ""},
    )
    rma = ReturnAuthorization.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/returns/{rma.pk}/"
    assert rma.source == ReturnSource.STAFF and rma.status == ReturnStatus.AUTHORIZED
    assert rma.number.encode() in back_office_client.get(f"/orders/{order.pk}/").content

    refused = back_office_client.post(
        f"/returns/new/{order.pk}/", {f"qty-{line.pk}": "1", f"reason-{line.pk}": "wrong_item"}
    )
    assert refused.status_code == 422
    assert (
        b"Ensure this value is less than or equal to 0" in refused.content
        or b"Nothing on this order can be returned" in refused.content
    )
    assert ReturnAuthorization.objects.count() == 1


def test_scan_receive_inspect_with_a_photo_through_the_pages(net, back_office_client):
    rma = make_return(net, "C-1", postal_code="75201")
    found = back_office_client.get("/returns/receive/", {"code": rma.number.lower()})
    assert found.status_code == 302 and found["Location"] == f"/returns/{rma.pk}/#receive"
    by_order = back_office_client.get("/returns/receive/", {"code": rma.order.number})
    assert by_order["Location"] == f"/returns/{rma.pk}/#receive"
    unknown = back_office_client.get("/returns/receive/", {"code": "RMA-999999"})
    assert b"No return or order found" in unknown.content

    line = rma.lines.get()
    received = back_office_client.post(
        f"/returns/{rma.pk}/receive/", {"location": "dal-dc", f"received-{line.pk}": "1"}
    )
    assert received.status_code == 302
    again = back_office_client.post(f"/returns/{rma.pk}/receive/", {"location": "dal-dc", f"received-{line.pk}": "1"})
    assert again.status_code == 302
    assert rma.units.count() == 1

    unit = rma.units.get()
    buffer = io.BytesIO()
    Image.new("RGB", (12, 9), (10, 120, 40)).save(buffer, format="JPEG")
    photo = SimpleUploadedFile("box.jpg", buffer.getvalue(), content_type="image/jpeg")
    missing = back_office_client.post(f"/returns/{rma.pk}/inspect/", {f"unit-{unit.pk}-condition": "new"})
    assert missing.status_code == 422 and b"Choose the disposition too" in missing.content
    done = back_office_client.post(
        f"/returns/{rma.pk}/inspect/",
        {f"unit-{unit.pk}-condition": "new", f"unit-{unit.pk}-disposition": "restock", "photos": [photo]},
    )
    assert done.status_code == 302
    stored = ReturnPhoto.objects.get()
    served = back_office_client.get(f"/returns/photos/{stored.pk}/")
    assert served.status_code == 200 and served["Content-Type"] == "image/jpeg"
    rma.refresh_from_db()
    assert rma.status == ReturnStatus.INSPECTED


def test_a_warehouse_operator_works_only_returns_of_their_locations_and_cannot_approve(net, client):
    ours = make_return(net, "D-1", postal_code="75201")  # back to dal-dc
    theirs = make_return(net, "D-2")  # back to nyc-store
    held = make_return(net, "D-3", reason="other")
    operator = user_with_role(WAREHOUSE_OPERATOR, username="olly", locations=[net.warehouse])
    client.force_login(operator)
    listing = client.get("/returns/").content.decode()
    assert ours.number in listing and theirs.number not in listing and held.number not in listing
    assert client.get(f"/returns/{theirs.pk}/").status_code == 404
    assert client.post(f"/returns/{ours.pk}/approve/").status_code == 403
    assert client.post(f"/returns/{ours.pk}/cancel/").status_code == 403
    assert client.get(f"/returns/new/{ours.order_id}/").status_code == 403
    receive = client.post(f"/returns/{theirs.pk}/receive/", {"location": "dal-dc"})
    assert receive.status_code == 404
    ours.refresh_from_db()
    assert ours.status == ReturnStatus.AUTHORIZED


def test_approve_and_reject_from_the_page(net, back_office_client):
    held = make_return(net, "E-1", reason="other")
    other = make_return(net, "E-2", reason="other")
    assert back_office_client.post(f"/returns/{held.pk}/approve/", {"note": "ok"}).status_code == 302
    held.refresh_from_db()
    assert held.status == ReturnStatus.AUTHORIZED and held.tracking_number
    back_office_client.post(f"/returns/{other.pk}/reject/", {"reason": ""})
    other.refresh_from_db()
    assert other.status == ReturnStatus.REQUESTED  # a reason is required
    back_office_client.post(f"/returns/{other.pk}/reject/", {"reason": "Worn"})
    other.refresh_from_db()
    assert other.status == ReturnStatus.REJECTED


def test_the_report_shows_return_rates_and_reasons_with_a_chart(net, back_office_client):
    make_return(net, "F-1", quantity=2)
    make_return(net, "F-2", reason="changed_mind")
    page = back_office_client.get("/returns/report/?days=30")
    html = page.content.decode()
    assert page.status_code == 200
    # 4 tees shipped, 3 returned.
    assert re.search(r'data-sku="TEE-BLK-M">.*?data-cell="rate">75.0%', html, re.S)
    assert 'id="chart-sku"' in html and 'id="chart-reason"' in html
    assert re.search(r'data-figure="rate">75.0%', html)


def test_the_refurbish_and_vendor_page(net, back_office_client):
    from returns.services import UnitInspection, return_inspect

    rma = make_return(net, "G-1", postal_code="75201", quantity=2)
    return_receive(rma=rma, location=net.warehouse, actor=None)
    a, b = rma.units.order_by("sequence")
    return_inspect(
        rma=rma,
        inspections=[
            UnitInspection(a.pk, "opened", "refurbish"),
            UnitInspection(b.pk, "defective", "vendor", vendor="Acme"),
        ],
        actor=None,
    )
    page = back_office_client.get("/returns/stock/")
    assert f'data-unit="{a.pk}"'.encode() in page.content and b"Acme" in page.content
    back_office_client.post(f"/returns/stock/refurbish/{a.pk}/restock/")
    a.refresh_from_db()
    assert a.restocked_at is not None
