"""The quality pages: what each role sees and may do, scoping to the user's locations, and the forms."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from core.roles import STORE_ASSOCIATE, WAREHOUSE_OPERATOR
from inventory.models import MovementKind, StockMovement
from inventory.services import ledger_verify
from quality.models import Inspection, PhotoRequest, ProductPhoto, QcRule, QuarantineLot, SampleMode
from quality.services import UnitResult, inspection_record, photo_approve, photos_upload
from tests.factories import user_with_role
from tests.factories.pages import make_location, make_sku
from tests.quality.conftest import level, make_rule, png

pytestmark = pytest.mark.django_db


def body(response: Any) -> str:
    return response.content.decode()


@pytest.fixture
def tee(db: Any) -> Any:
    return make_sku(code="TEE-BLK-M", name="Black tee, M")


@pytest.fixture
def two_docks(warehouse, tee, receive) -> tuple[Inspection, Inspection]:
    """An inspection waiting at the Dallas DC and one at the Reno DC."""
    reno = make_location(code="reno-dc", name="Reno DC")
    make_rule(sample_mode=SampleMode.UNITS, sample_size=3)
    receive(warehouse, tee, 10)
    receive(reno, tee, 10)
    return Inspection.objects.get(location=warehouse), Inspection.objects.get(location=reno)


@pytest.fixture
def operator_client(operator_user):
    """A browser of its own (the `client` fixture is the back office's)."""
    browser = Client()
    browser.force_login(operator_user)
    return browser


def test_the_queue_shows_an_operator_only_their_locations_inspections(operator_client, back_office_client, two_docks):
    dallas, reno = two_docks
    page = body(operator_client.get(reverse("quality:queue")))
    assert f'data-inspection="{dallas.number}"' in page and f'data-inspection="{reno.number}"' not in page
    assert "Inspect 3 of 10" in page
    assert operator_client.get(reverse("quality:inspection", args=[reno.pk])).status_code == 404
    everything = body(back_office_client.get(reverse("quality:queue")))
    assert dallas.number in everything and reno.number in everything
    only_reno = body(back_office_client.get(reverse("quality:queue"), {"location": "reno-dc"}))
    assert reno.number in only_reno and dallas.number not in only_reno


def test_quality_pages_and_links_are_for_those_who_may_use_them(client, store, two_docks):
    associate = user_with_role(STORE_ASSOCIATE, username="ny", locations=[store])
    client.force_login(associate)
    for name in ("quality:queue", "quality:quarantine", "quality:photo_queue", "quality:rules"):
        assert client.get(reverse(name)).status_code == 403, name
    dashboard = body(client.get(reverse("ui:dashboard")))
    assert reverse("quality:queue") not in dashboard and reverse("quality:photo_queue") not in dashboard

    operator = user_with_role(WAREHOUSE_OPERATOR, username="op2", locations=[two_docks[0].location])
    client.force_login(operator)
    dashboard = body(client.get(reverse("ui:dashboard")))
    assert f'href="{reverse("quality:queue")}"' in dashboard and f'href="{reverse("quality:photo_queue")}"' in dashboard
    assert client.get(reverse("quality:rules")).status_code == 403  # rules and the policy are the back office's


def test_recording_an_inspection_on_the_page_quarantines_the_failed_unit(operator_client, two_docks, tee, warehouse):
    dallas, _reno = two_docks
    url = reverse("quality:inspection", args=[dallas.pk])
    form = body(operator_client.get(url))
    assert form.count('name="unit-') >= 3 and "Packaging intact" in form
    response = operator_client.post(
        url,
        {
            "unit-1-result": "pass",
            "unit-2-result": "fail",
            "unit-2-checks": ["2"],
            "unit-2-note": "dent",
            "unit-3-result": "pass",
            "unit-3-checks": ["0"],  # ticked, then switched back to pass: not a failure
            "note": "one dented",
            "photos": [png((3, 4, 5))],
        },
    )
    assert response.status_code == 302 and response["Location"].endswith("?location=dal-dc")
    dallas.refresh_from_db()
    assert (dallas.status, dallas.passed_units, dallas.failed_units, dallas.photos.count()) == ("failed", 2, 1, 1)
    assert (level(warehouse, tee).on_hand, level(warehouse, tee).quarantined) == (9, 1)
    result = body(operator_client.get(url))
    assert "No damage" in result and "dent" in result
    photo = dallas.photos.get()
    assert operator_client.get(reverse("quality:inspection_photo", args=[photo.pk])).status_code == 200

    again = operator_client.post(url, {"unit-1-result": "pass"})
    assert again.status_code == 302 and Inspection.objects.get(pk=dallas.pk).failed_units == 1


def test_a_failed_unit_without_a_reason_is_sent_back_with_the_form(operator_client, two_docks, tee, warehouse):
    dallas, _reno = two_docks
    url = reverse("quality:inspection", args=[dallas.pk])
    response = operator_client.post(url, {"unit-1-result": "fail", "unit-2-result": "pass", "unit-3-result": "pass"})
    assert response.status_code == 422
    assert "Unit 1 failed: tick what is wrong or write a note." in body(response)
    assert level(warehouse, tee).quarantined == 3  # still held, nothing recorded


def test_the_quarantine_page_disposes_of_units_through_the_ledger(operator_client, two_docks, tee, warehouse):
    dallas, reno = two_docks
    for inspection in (dallas, reno):
        inspection_record(inspection=inspection, results=[UnitResult(passed=False, failed_checks=(0,))] * 3, actor=None)
    page = body(operator_client.get(reverse("quality:quarantine")))
    mine = QuarantineLot.objects.get(location=warehouse)
    other = QuarantineLot.objects.get(location=reno.location)
    assert f'data-lot="{mine.number}"' in page and f'data-lot="{other.number}"' not in page
    url = reverse("quality:dispose", args=[mine.pk])
    prefix = f"lot{mine.pk}"
    refused = operator_client.post(url, {f"{prefix}-action": "return_to_vendor", f"{prefix}-quantity": "2"})
    assert refused.status_code == 422 and "Give the vendor" in body(refused)
    too_many = operator_client.post(url, {f"{prefix}-action": "scrap", f"{prefix}-quantity": "4"})
    assert too_many.status_code == 422 and "has 3 units in quarantine, not 4" in body(too_many)
    ok = operator_client.post(
        url, {f"{prefix}-action": "return_to_vendor", f"{prefix}-quantity": "2", f"{prefix}-vendor_reference": "RMA-1"}
    )
    assert ok.status_code == 302
    assert StockMovement.objects.filter(kind=MovementKind.RETURN_TO_VENDOR, quarantined_delta=-2).count() == 1
    assert operator_client.post(reverse("quality:dispose", args=[other.pk]), {}).status_code == 404
    assert level(warehouse, tee).quarantined == 1
    assert ledger_verify() == []


def test_the_photo_station_uploads_and_a_reviewer_approves(operator_client, back_office_client, tee):
    request = PhotoRequest.objects.get(sku=tee)
    queue = body(operator_client.get(reverse("quality:photo_queue")))
    assert f'data-request="{request.pk}"' in queue
    response = operator_client.post(
        reverse("quality:photo_request_upload", args=[request.pk]), {"photos": [png((9, 9, 9))]}
    )
    assert response.status_code == 302
    photo = ProductPhoto.objects.get(sku=tee)
    assert (
        operator_client.post(reverse("quality:photo_review", args=[photo.pk]), {"decision": "approve"}).status_code
        == 403
    )
    pending = body(back_office_client.get(reverse("quality:photo_queue")))
    assert f'data-photo="{photo.pk}"' in pending
    assert (
        back_office_client.post(reverse("quality:photo_review", args=[photo.pk]), {"decision": "approve"}).status_code
        == 302
    )
    photo.refresh_from_db()
    assert photo.status == "approved" and photo.is_primary


def test_the_sku_page_shows_the_gallery_with_its_primary_image(back_office_client, tee, store):
    (photo,) = photos_upload(sku=tee, uploads=[png((7, 7, 7))], actor=None)
    associate = user_with_role(STORE_ASSOCIATE, username="ny", locations=[store])
    client = Client()
    client.force_login(associate)
    file_url = reverse("quality:photo_file", args=[photo.pk])
    assert client.get(file_url).status_code == 403  # not approved: only photographers and reviewers see it
    photo_approve(photo=photo, actor=None)
    served = client.get(file_url)
    assert served.status_code == 200 and served["Content-Type"] == "image/png"
    assert b"".join(served.streaming_content).startswith(b"\x89PNG")  # type: ignore[attr-defined]
    page = body(back_office_client.get(reverse("inventory:sku_detail", args=[tee.code])))
    assert 'id="gallery"' in page
    assert re.search(rf'<figure class="primary" data-photo="{photo.pk}">\s*<img src="{file_url}"', page)
    assert "Upload for approval" in page and "Request photos" in page
    plain = body(client.get(reverse("inventory:sku_detail", args=[tee.code])))
    assert file_url in plain and "Upload for approval" not in plain


def test_the_sku_gallery_asks_the_photo_station_for_photos(back_office_client, tee):
    url = reverse("quality:sku_photos", args=[tee.code])
    assert back_office_client.post(url, {"action": "request", "reason": "listing_refresh"}).status_code == 302
    assert PhotoRequest.objects.filter(sku=tee, reason="listing_refresh").count() == 1
    assert back_office_client.post(url, {"action": "upload", "photos": [png((1, 1, 1))]}).status_code == 302
    assert ProductPhoto.objects.filter(sku=tee, status="pending").count() == 1


def test_the_back_office_writes_rules_and_the_defect_policy(back_office_client, warehouse):
    response = back_office_client.post(
        reverse("quality:rule_new"),
        {
            "name": "Supplier receipts",
            "sku": "NOPE",
            "sample_mode": "percent",
            "sample_size": "10",
            "checklist": "Seal intact\n\nLabel readable",
            "on_inbound": "on",
            "is_active": "on",
        },
    )
    assert response.status_code == 422 and "There is no SKU with the code &#x27;NOPE&#x27;." in body(response)
    response = back_office_client.post(
        reverse("quality:rule_new"),
        {
            "name": "Supplier receipts",
            "locations": [str(warehouse.pk)],
            "sample_mode": "percent",
            "sample_size": "10",
            "checklist": "Seal intact\n\nLabel readable",
            "on_inbound": "on",
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    rule = QcRule.objects.get()
    assert rule.checklist == ["Seal intact", "Label readable"] and list(rule.locations.all()) == [warehouse]
    assert "Supplier receipts" in body(back_office_client.get(reverse("quality:rules")))
    response = back_office_client.post(
        reverse("quality:policy"), {"exclude_above_percent": "5", "window_days": "30", "minimum_units": "10"}
    )
    assert response.status_code == 302
    refused = back_office_client.post(
        reverse("quality:policy"), {"exclude_above_percent": "100", "window_days": "30", "minimum_units": "10"}
    )
    assert refused.status_code == 422 and "Enter a rate from 0 to 99.99 percent" in body(refused)
