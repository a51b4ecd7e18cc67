"""Hostile or odd input gets a clear refusal, never a 500 (found in review)."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from rest_framework.test import APIClient

from core.geo import geocode_postal_code
from core.roles import STORE_ASSOCIATE
from inventory.models import LocationAccess, StockMovement
from inventory.services import DocumentRef, StockLine, stock_reserve
from tests.factories import stocked, user_with_role

pytestmark = pytest.mark.django_db
FULLWIDTH_ZIP = "\uff17\uff15\uff12\uff10\uff11"  # 75201 in full-width digits


@pytest.mark.parametrize("path", ["/inventory/skus/%00/", "/locations/%00/", "/inventory/?q=%00"])
def test_a_nul_character_in_the_url_is_a_400_not_a_database_error(back_office_client, path):
    assert back_office_client.get(path).status_code == 400


def test_a_nul_character_in_a_form_field_is_a_400(back_office_client, warehouse, sku):
    response = back_office_client.post("/add-location/", {"code": "x\x00y", "name": "N", "postal_code": "75201"})
    assert response.status_code == 400


@pytest.mark.parametrize("zip_code", [FULLWIDTH_ZIP, "\u0667\u0665\u0662\u0660\u0661", "75\u0662\u0660\u0661"])
def test_non_ascii_digits_are_not_a_zip_code(zip_code):
    assert geocode_postal_code(zip_code) is None


def test_a_location_with_a_non_ascii_zip_gets_a_field_error_from_the_api(back_office_user):
    client = APIClient()
    client.force_authenticate(back_office_user)
    response = client.post(
        "/api/v1/locations", {"code": "x-dc", "name": "X", "kind": "warehouse", "postal_code": FULLWIDTH_ZIP}
    )
    assert response.status_code == 400
    assert "postal_code" in response.json()["errors"]


def test_a_location_code_cannot_be_renamed_through_the_api(back_office_user, warehouse):
    client = APIClient()
    client.force_authenticate(back_office_user)
    response = client.patch(f"/api/v1/locations/{warehouse.code}", {"code": "renamed"})
    assert response.status_code == 400
    assert "code" in response.json()["errors"]
    warehouse.refresh_from_db()
    assert warehouse.code == "dal-dc"


def test_the_api_cannot_reserve_under_a_transfer_document(back_office_user, warehouse, sku):
    stocked(warehouse, sku, 5)
    client = APIClient()
    client.force_authenticate(back_office_user)
    body = {
        "location": warehouse.code,
        "lines": [{"sku": sku.code, "quantity": 1}],
        "document_type": "transfer",
        "document_id": "PO-77",
    }
    response = client.post("/api/v1/stock/reserve", body)
    assert response.status_code == 400
    assert "document_type" in response.json()["errors"]


def test_a_release_takes_back_only_what_its_own_document_reserved(back_office_user, warehouse, sku):
    stocked(warehouse, sku, 5)
    stock_reserve(location=warehouse, lines=[StockLine(sku.pk, 3)], actor=None, document=DocumentRef("order", "1"))
    client = APIClient()
    client.force_authenticate(back_office_user)
    body = {
        "location": warehouse.code,
        "lines": [{"sku": sku.code, "quantity": 3}],
        "document_type": "order",
        "document_id": "2",
    }
    before = StockMovement.objects.count()

    response = client.post("/api/v1/stock/release", body)

    assert response.status_code == 400
    assert "order 2 holds 0 reserved" in response.json()["detail"]
    assert StockMovement.objects.count() == before


def test_admin_cannot_give_a_store_associate_a_second_store(store, other_store, warehouse):
    associate = user_with_role(STORE_ASSOCIATE, username="assoc2", locations=[store])
    with pytest.raises(ValidationError):
        LocationAccess(user=associate, location=other_store).full_clean()
    with pytest.raises(ValidationError):
        LocationAccess(user=associate, location=warehouse).full_clean()


def test_a_malformed_hx_current_url_header_does_not_turn_a_saved_change_into_an_error(
    back_office_client, warehouse, sku
):
    stocked(warehouse, sku, 5)
    response = back_office_client.post(
        f"/inventory/skus/{sku.code}/locations/{warehouse.code}/receive/",
        {"quantity": "2"},
        HTTP_HX_REQUEST="true",
        HTTP_HX_CURRENT_URL="http://[::1",
    )
    assert response.status_code == 200
