"""REST API for inventory: happy paths, every bad input, auth, scope, query counts, schema."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, cast

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from inventory.models import SKU, Location, LocationKind, StockLevel, StockMovement
from tests.factories import LocationFactory, SKUFactory, UserFactory, stocked

pytestmark = pytest.mark.django_db

API = "/api/v1"


def new_sku(**kwargs: Any) -> SKU:
    """A SKU from the factory (typed for mypy)."""
    return cast(SKU, SKUFactory(**kwargs))


def client_for(user: Any | None) -> APIClient:
    """An API client authenticated with the user's token (anonymous if None)."""
    client = APIClient()
    if user is not None:
        token, _ = Token.objects.get_or_create(user=user)
        client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


@pytest.fixture
def api(back_office_user) -> APIClient:
    """A client logged in (by token) as back office: every permission, every location."""
    return client_for(back_office_user)


@pytest.fixture
def stock_snapshot() -> Callable[[], tuple[int, list[tuple[int, int, int, int]]]]:
    """A function returning (ledger row count, every level's numbers) to prove nothing was written."""

    def snapshot() -> tuple[int, list[tuple[int, int, int, int]]]:
        """Ledger row count and every level's (pk, on_hand, reserved, safety_stock)."""
        levels = StockLevel.objects.order_by("pk").values_list("pk", "on_hand", "reserved", "safety_stock")
        return StockMovement.objects.count(), list(levels)

    return snapshot


def assert_field_error(response: Any, field: str, status: int = 400) -> str:
    """The answer has the status and a message for the field; returns the message."""
    assert response.status_code == status, response.content
    body = response.json()
    assert field in body["errors"], body
    assert body["errors"][field] and isinstance(body["errors"][field][0], str)
    assert body["code"]
    return body["errors"][field][0]


# --- Locations ----------------------------------------------------------------------------


def test_location_list_and_filters(api, warehouse, store, other_store):
    LocationFactory(code="old-store", kind=LocationKind.STORE, is_active=False, name="Closed store")

    codes = [row["code"] for row in api.get(f"{API}/locations").json()["results"]]
    assert codes == ["chi-store", "dal-dc", "nyc-store", "old-store"]

    body = api.get(f"{API}/locations", {"kind": "store", "active": "true"}).json()
    assert body["count"] == 2
    assert [row["code"] for row in body["results"]] == ["chi-store", "nyc-store"]

    inactive = api.get(f"{API}/locations", {"active": "false"}).json()["results"]
    assert [row["code"] for row in inactive] == ["old-store"]

    assert [row["code"] for row in api.get(f"{API}/locations", {"q": "chicago"}).json()["results"]] == ["chi-store"]


def test_location_list_bad_filters_are_field_errors(api):
    assert_field_error(api.get(f"{API}/locations", {"kind": "castle"}), "kind")
    assert_field_error(api.get(f"{API}/locations", {"active": "maybe"}), "active")


def test_location_create_geocodes_the_zip(api):
    response = api.post(
        f"{API}/locations",
        {"code": "den-store", "name": "Denver Store", "kind": "store", "postal_code": "80202", "offers_pickup": True},
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["city"], body["region"], body["timezone"]) == ("Denver", "CO", "America/Denver")
    assert body["latitude"].startswith("39.74")
    location = Location.objects.get(code="den-store")
    assert location.offers_pickup and location.kind == LocationKind.STORE


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"name": "No code", "kind": "store", "postal_code": "80202"}, "code"),
        ({"code": "has space", "name": "x", "kind": "store", "postal_code": "80202"}, "code"),
        ({"code": "x1", "name": "x", "kind": "castle", "postal_code": "80202"}, "kind"),
        ({"code": "x1", "name": "x", "kind": "store", "postal_code": "00000"}, "postal_code"),
        ({"code": "x1", "name": "x", "kind": "store", "postal_code": "80202", "priority": -1}, "priority"),
        ({"code": "dal-dc", "name": "Duplicate", "kind": "warehouse", "postal_code": "75201"}, "code"),
    ],
)
def test_location_create_bad_input(api, warehouse, payload, field):
    before = Location.objects.count()
    assert_field_error(api.post(f"{API}/locations", payload, format="json"), field)
    assert Location.objects.count() == before


def test_location_patch_and_put(api, warehouse):
    response = api.patch(f"{API}/locations/dal-dc", {"daily_order_capacity": 900}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["daily_order_capacity"] == 900

    full = {"code": "dal-dc", "name": "Dallas Fulfillment", "kind": "warehouse", "postal_code": "75201"}
    response = api.put(f"{API}/locations/dal-dc", full, format="json")
    assert response.status_code == 200, response.content
    warehouse.refresh_from_db()
    assert (warehouse.name, warehouse.daily_order_capacity) == ("Dallas Fulfillment", 900)

    assert_field_error(api.patch(f"{API}/locations/dal-dc", {"postal_code": "00000"}, format="json"), "postal_code")
    assert api.patch(f"{API}/locations/nowhere", {"name": "x"}, format="json").status_code == 404


def test_store_associate_sees_only_their_store(associate_user, store, other_store, warehouse):
    client = client_for(associate_user)
    assert [row["code"] for row in client.get(f"{API}/locations").json()["results"]] == ["nyc-store"]
    assert client.get(f"{API}/locations/nyc-store").status_code == 200
    response = client.get(f"{API}/locations/chi-store")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_location_writes_need_permissions(associate_user, operator_user, store, warehouse):
    payload = {"code": "x1", "name": "x", "kind": "store", "postal_code": "80202"}
    response = client_for(associate_user).post(f"{API}/locations", payload, format="json")
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"
    assert client_for(operator_user).patch(f"{API}/locations/dal-dc", {"name": "x"}, format="json").status_code == 403
    assert not Location.objects.filter(code="x1").exists()


def test_anonymous_gets_401_with_token_challenge(warehouse):
    response = client_for(None).get(f"{API}/locations")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"
    assert client_for(None).post(f"{API}/stock/receive", {}, format="json").status_code == 401
    assert client_for(None).get(f"{API}/availability", {"sku": "x"}).status_code == 401


def test_bad_token_gets_401(warehouse):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")
    assert client.get(f"{API}/locations").status_code == 401


def test_user_without_permissions_gets_403_everywhere(warehouse, sku):
    client = client_for(UserFactory(username="nobody"))
    assert client.get(f"{API}/locations").status_code == 403
    assert client.get(f"{API}/skus").status_code == 403
    assert client.get(f"{API}/availability", {"sku": sku.code}).status_code == 403
    receive = {"location": "dal-dc", "sku": sku.code, "quantity": 1}
    assert client.post(f"{API}/stock/receive", receive, format="json").status_code == 403
    assert StockMovement.objects.count() == 0


# --- SKUs ---------------------------------------------------------------------------------


def test_sku_list_search_and_active_filter(api):
    SKUFactory(code="TEE-BLK-M", name="Black tee, M", barcode="0614141000012")
    SKUFactory(code="TEE-WHT-M", name="White tee, M")
    SKUFactory(code="MUG-01", name="Stoneware mug", is_active=False)

    assert api.get(f"{API}/skus").json()["count"] == 3
    assert [r["code"] for r in api.get(f"{API}/skus", {"q": "tee"}).json()["results"]] == ["TEE-BLK-M", "TEE-WHT-M"]
    assert [r["code"] for r in api.get(f"{API}/skus", {"q": "0614141000012"}).json()["results"]] == ["TEE-BLK-M"]
    assert [r["code"] for r in api.get(f"{API}/skus", {"active": "false"}).json()["results"]] == ["MUG-01"]
    assert api.get(f"{API}/skus", {"active": "true"}).json()["count"] == 2


def test_sku_create_retrieve_update(api):
    payload = {"code": "BOOT-CH-10", "name": "Chelsea boot, 10", "weight_grams": 1450, "price": "189.00"}
    response = api.post(f"{API}/skus", payload, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["price"] == "189.00"

    assert api.get(f"{API}/skus/BOOT-CH-10").json()["weight_grams"] == 1450
    response = api.patch(f"{API}/skus/BOOT-CH-10", {"price": "169.00", "is_active": False}, format="json")
    assert response.status_code == 200, response.content
    sku = SKU.objects.get(code="BOOT-CH-10")
    assert (str(sku.price), sku.is_active) == ("169.00", False)
    assert api.get(f"{API}/skus/NOPE").status_code == 404


def test_sku_codes_with_dots_are_addressable(api):
    SKUFactory(code="CABLE-1.5M", name="Cable 1.5 m")
    assert api.get(f"{API}/skus/CABLE-1.5M").status_code == 200


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"name": "No code"}, "code"),
        ({"code": "TEE-BLK-M", "name": "Duplicate"}, "code"),
        ({"code": "NEW-1", "name": "x", "price": "-1.00"}, "price"),
        ({"code": "NEW-1", "name": "x", "price": "ten"}, "price"),
        ({"code": "NEW-1", "name": "x", "weight_grams": -5}, "weight_grams"),
        ({"code": "NEW-1", "name": "x", "barcode": "1" * 20}, "barcode"),
    ],
)
def test_sku_create_bad_input(api, sku, payload, field):
    assert_field_error(api.post(f"{API}/skus", payload, format="json"), field)
    assert SKU.objects.count() == 1


def test_sku_code_cannot_change(api, sku):
    assert_field_error(api.patch(f"{API}/skus/{sku.code}", {"code": "OTHER"}, format="json"), "code")
    sku.refresh_from_db()
    assert sku.code == "TEE-BLK-M"


def test_sku_writes_need_permissions(operator_user, sku):
    client = client_for(operator_user)
    assert client.get(f"{API}/skus/{sku.code}").status_code == 200
    assert client.patch(f"{API}/skus/{sku.code}", {"name": "x"}, format="json").status_code == 403
    assert client.post(f"{API}/skus", {"code": "N", "name": "n"}, format="json").status_code == 403


# --- Availability -------------------------------------------------------------------------


def test_availability_totals_and_per_location(api, warehouse, store, sku):
    stocked(warehouse, sku, 10)
    stocked(store, sku, 3)
    api.post(f"{API}/stock/reserve", _reserve_body("dal-dc", [(sku.code, 4)]), format="json")

    response = api.get(f"{API}/availability", {"sku": sku.code})
    assert response.status_code == 200
    body = response.json()
    assert body["sku"] == sku.code
    assert body["available"] == 9
    by_location = {row["location"]: row for row in body["locations"]}
    assert by_location["dal-dc"]["available"] == 6
    assert by_location["dal-dc"]["reserved"] == 4
    assert by_location["nyc-store"]["available"] == 3


def test_availability_is_scoped(associate_user, warehouse, store, sku):
    stocked(warehouse, sku, 10)
    stocked(store, sku, 3)
    body = client_for(associate_user).get(f"{API}/availability", {"sku": sku.code}).json()
    assert body["available"] == 3
    assert [row["location"] for row in body["locations"]] == ["nyc-store"]


def test_availability_missing_or_unknown_sku_is_a_field_error(api):
    assert "required" in assert_field_error(api.get(f"{API}/availability"), "sku")
    assert "Unknown SKU" in assert_field_error(api.get(f"{API}/availability", {"sku": "NOPE"}), "sku")


# --- Stock operations ---------------------------------------------------------------------


def _reserve_body(location: str, lines: list[tuple[str, Any]], **extra: Any) -> dict[str, Any]:
    """A reserve/release body for order 1042."""
    return {
        "location": location,
        "lines": [{"sku": code, "quantity": qty} for code, qty in lines],
        "document_type": "order",
        "document_id": "1042",
        **extra,
    }


def test_receive_writes_a_ledger_row_and_returns_the_level(api, back_office_user, warehouse, sku):
    payload = {"location": "dal-dc", "sku": sku.code, "quantity": 24, "note": "PO 7781"}
    response = api.post(f"{API}/stock/receive", payload, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    [movement] = body["movements"]
    assert movement["kind"] == "receipt"
    assert (movement["on_hand_delta"], movement["on_hand_after"]) == (24, 24)
    assert (movement["location"], movement["sku"], movement["actor"]) == ("dal-dc", sku.code, "backoffice")
    assert movement["note"] == "PO 7781"
    assert body["levels"] == [
        {
            "location": "dal-dc",
            "sku": sku.code,
            "on_hand": 24,
            "reserved": 0,
            "safety_stock": 0,
            "in_transit": 0,
            "available": 24,
        }
    ]
    assert StockMovement.objects.get().actor == back_office_user


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"quantity": 0}, "quantity"),
        ({"quantity": -3}, "quantity"),
        ({"quantity": "three"}, "quantity"),
        ({"quantity": 1.5}, "quantity"),
        ({"quantity": None}, "quantity"),
        ({"quantity": 10**12}, "quantity"),
        ({"sku": "NOPE"}, "sku"),
        ({"location": "nowhere"}, "location"),
        ({"location": ""}, "location"),
        ({"note": "x" * 256}, "note"),
    ],
)
def test_receive_bad_input_writes_nothing(api, warehouse, sku, stock_snapshot, change, field):
    stocked(warehouse, sku, 5)
    before = stock_snapshot()
    payload = {"location": "dal-dc", "sku": sku.code, "quantity": 2, **change}
    assert_field_error(api.post(f"{API}/stock/receive", payload, format="json"), field)
    assert stock_snapshot() == before


def test_receive_missing_fields_are_each_named(api, stock_snapshot):
    response = api.post(f"{API}/stock/receive", {}, format="json")
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"location", "sku", "quantity"}


def test_receive_at_inactive_location_is_refused(api, sku, stock_snapshot):
    LocationFactory(code="closed", is_active=False)
    before = stock_snapshot()
    message = assert_field_error(
        api.post(f"{API}/stock/receive", {"location": "closed", "sku": sku.code, "quantity": 1}, format="json"),
        "location",
    )
    assert "inactive" in message
    assert stock_snapshot() == before


def test_operator_works_only_at_their_warehouse(operator_user, warehouse, store, sku, stock_snapshot):
    client = client_for(operator_user)
    ok = client.post(f"{API}/stock/receive", {"location": "dal-dc", "sku": sku.code, "quantity": 5}, format="json")
    assert ok.status_code == 201
    before = stock_snapshot()
    response = client.post(f"{API}/stock/receive", {"location": "nyc-store", "sku": sku.code, "quantity": 5})
    assert "Unknown location" in assert_field_error(response, "location")
    assert stock_snapshot() == before
    # Operators may not reserve.
    response = client.post(f"{API}/stock/reserve", _reserve_body("dal-dc", [(sku.code, 1)]), format="json")
    assert response.status_code == 403


def test_associate_cannot_touch_stock(associate_user, store, sku):
    client = client_for(associate_user)
    receive = {"location": "nyc-store", "sku": sku.code, "quantity": 1}
    assert client.post(f"{API}/stock/receive", receive, format="json").status_code == 403
    adjust = {"location": "nyc-store", "sku": sku.code, "delta": 1, "reason_code": "found"}
    assert client.post(f"{API}/stock/adjust", adjust, format="json").status_code == 403
    assert StockMovement.objects.count() == 0


def test_adjust_happy_path(api, warehouse, sku):
    stocked(warehouse, sku, 10)
    payload = {"location": "dal-dc", "sku": sku.code, "delta": -2, "reason_code": "damaged", "note": "Crushed box"}
    response = api.post(f"{API}/stock/adjust", payload, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["movements"][0]["reason_code"] == "damaged"
    assert body["levels"][0]["on_hand"] == 8


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"delta": 0}, "delta"),
        ({"delta": "minus two"}, "delta"),
        ({"reason_code": "because"}, "reason_code"),
        ({"reason_code": ""}, "reason_code"),
        ({"sku": "NOPE"}, "sku"),
        ({"location": "nowhere"}, "location"),
    ],
)
def test_adjust_bad_input_writes_nothing(api, warehouse, sku, stock_snapshot, change, field):
    stocked(warehouse, sku, 10)
    before = stock_snapshot()
    payload = {"location": "dal-dc", "sku": sku.code, "delta": -1, "reason_code": "lost", **change}
    assert_field_error(api.post(f"{API}/stock/adjust", payload, format="json"), field)
    assert stock_snapshot() == before


def test_adjust_below_zero_or_below_reserved_is_refused(api, warehouse, sku, stock_snapshot):
    stocked(warehouse, sku, 5)
    api.post(f"{API}/stock/reserve", _reserve_body("dal-dc", [(sku.code, 3)]), format="json")
    before = stock_snapshot()
    for delta in (-6, -3):
        payload = {"location": "dal-dc", "sku": sku.code, "delta": delta, "reason_code": "lost"}
        response = api.post(f"{API}/stock/adjust", payload, format="json")
        assert response.status_code == 400, response.content
        assert response.json()["problems"]
    assert stock_snapshot() == before


def test_reserve_and_release(api, warehouse, sku):
    other = new_sku(code="TEE-WHT-M")
    stocked(warehouse, sku, 5)
    stocked(warehouse, other, 5)
    response = api.post(
        f"{API}/stock/reserve", _reserve_body("dal-dc", [(sku.code, 2), (other.code, 1), (sku.code, 1)]), format="json"
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert {(m["sku"], m["reserved_delta"]) for m in body["movements"]} == {(sku.code, 3), (other.code, 1)}
    assert all(m["document_type"] == "order" and m["document_id"] == "1042" for m in body["movements"])
    assert {(lvl["sku"], lvl["available"]) for lvl in body["levels"]} == {(sku.code, 2), (other.code, 4)}

    response = api.post(f"{API}/stock/release", _reserve_body("dal-dc", [(sku.code, 3)]), format="json")
    assert response.status_code == 201, response.content
    assert response.json()["levels"][0]["reserved"] == 0


def test_reserve_more_than_available_is_409_and_all_or_nothing(api, warehouse, sku, stock_snapshot):
    other = new_sku(code="TEE-WHT-M")
    stocked(warehouse, sku, 5)
    stocked(warehouse, other, 1)
    before = stock_snapshot()
    response = api.post(
        f"{API}/stock/reserve", _reserve_body("dal-dc", [(sku.code, 2), (other.code, 2)]), format="json"
    )
    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "insufficient_stock"
    assert body["problems"] == ["TEE-WHT-M at dal-dc: 2 requested but only 1 available."]
    assert stock_snapshot() == before


def test_reserve_respects_safety_stock(api, warehouse, sku):
    from inventory.services import stock_set_safety_stock

    stocked(warehouse, sku, 5)
    stock_set_safety_stock(location=warehouse, sku=sku, safety_stock=3, actor=None)
    assert api.post(f"{API}/stock/reserve", _reserve_body("dal-dc", [(sku.code, 3)]), format="json").status_code == 409
    assert api.post(f"{API}/stock/reserve", _reserve_body("dal-dc", [(sku.code, 2)]), format="json").status_code == 201


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (_reserve_body("dal-dc", [("TEE-BLK-M", 1), ("TEE-BLK-M", 0)]), "lines[1].quantity"),
        (_reserve_body("dal-dc", [("TEE-BLK-M", -1)]), "lines[0].quantity"),
        (_reserve_body("dal-dc", [("TEE-BLK-M", "2x")]), "lines[0].quantity"),
        (_reserve_body("dal-dc", [("TEE-BLK-M", 1), ("NOPE", 1)]), "lines[1].sku"),
        (_reserve_body("dal-dc", []), "lines"),
        (_reserve_body("nowhere", [("TEE-BLK-M", 1)]), "location"),
        (_reserve_body("dal-dc", [("TEE-BLK-M", 1)], document_type=""), "document_type"),
        (_reserve_body("dal-dc", [("TEE-BLK-M", 1)], document_type="Order #1"), "document_type"),
        (_reserve_body("dal-dc", [("TEE-BLK-M", 1)], document_id="9" * 65), "document_id"),
        ({"location": "dal-dc", "lines": "TEE-BLK-M", "document_type": "order", "document_id": "1"}, "lines"),
        (
            {"location": "dal-dc", "lines": [{"sku": "TEE-BLK-M"}], "document_type": "order", "document_id": "1"},
            "lines[0].quantity",
        ),
    ],
)
def test_reserve_bad_input_names_the_field_and_writes_nothing(api, warehouse, sku, stock_snapshot, body, field):
    stocked(warehouse, sku, 5)
    before = stock_snapshot()
    assert_field_error(api.post(f"{API}/stock/reserve", body, format="json"), field)
    assert stock_snapshot() == before


def test_release_more_than_reserved_is_refused(api, warehouse, sku, stock_snapshot):
    stocked(warehouse, sku, 5)
    api.post(f"{API}/stock/reserve", _reserve_body("dal-dc", [(sku.code, 1)]), format="json")
    before = stock_snapshot()
    response = api.post(f"{API}/stock/release", _reserve_body("dal-dc", [(sku.code, 2)]), format="json")
    assert response.status_code == 400
    assert response.json()["problems"]
    assert stock_snapshot() == before


def test_malformed_bodies_are_400_not_500(api, warehouse, sku, stock_snapshot):
    before = stock_snapshot()
    response = api.generic("POST", f"{API}/stock/reserve", "{not json", content_type="application/json")
    assert response.status_code == 400
    assert response.json()["code"] == "parse_error"
    response = api.post(f"{API}/stock/receive", [1, 2], format="json")
    assert response.status_code == 400
    assert "non_field_errors" in response.json()["errors"]
    response = api.post(f"{API}/stock/receive", {"location": "dal\x00", "sku": sku.code, "quantity": 1}, format="json")
    assert_field_error(response, "location")
    assert stock_snapshot() == before


def test_unsupported_method_is_405(api):
    assert api.get(f"{API}/stock/receive").status_code == 405
    assert api.delete(f"{API}/locations/dal-dc").status_code == 405


# --- Query counts -------------------------------------------------------------------------


LIST_URLS = ["locations", "skus", "availability"]


@pytest.mark.parametrize(("role", "scoped"), [("back_office_user", 0), ("associate_user", 1)])
@pytest.mark.parametrize("rows", [2, 30])
def test_list_endpoints_use_a_constant_number_of_queries(request, django_assert_num_queries, role, scoped, rows, store):
    """Token + user, user perms, group perms, (scoped: their locations), count + page or SKU + levels."""
    client = client_for(request.getfixturevalue(role))
    skus = [new_sku() for _ in range(rows)]
    locations = [store, *(LocationFactory(code=f"wh-{n}") for n in range(rows))]
    for location in locations:
        stocked(location, skus[0], 3)
    for sku in skus:
        stocked(store, sku, 1)
    for url in LIST_URLS:
        params = {"sku": skus[0].code} if url == "availability" else {}
        expected = 5 + (scoped if url != "skus" else 0)
        with django_assert_num_queries(expected):
            response = client.get(f"{API}/{url}", params)
        assert response.status_code == 200


# --- OpenAPI ------------------------------------------------------------------------------


def test_openapi_schema_lists_every_endpoint(client, back_office_user):
    client.force_login(back_office_user)
    response = client.get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    paths = response.json()["paths"]
    for path in [
        "/api/v1/locations",
        "/api/v1/locations/{code}",
        "/api/v1/skus",
        "/api/v1/skus/{code}",
        "/api/v1/availability",
        "/api/v1/stock/receive",
        "/api/v1/stock/adjust",
        "/api/v1/stock/reserve",
        "/api/v1/stock/release",
    ]:
        assert path in paths, path
    assert "409" in paths["/api/v1/stock/reserve"]["post"]["responses"]
    assert {p["name"] for p in paths["/api/v1/locations"]["get"]["parameters"]} >= {"kind", "active", "q"}


def test_openapi_schema_validates_without_warnings(tmp_path):
    from django.core.management import call_command

    out = tmp_path / "schema.yaml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(out))
    assert "/api/v1/stock/reserve" in out.read_text()


def test_api_docs_need_a_login(client):
    assert client.get("/api/schema/").status_code in (401, 403)
    assert client.get("/api/docs/").status_code in (401, 403)


def test_swagger_ui_is_served_offline(client, back_office_user):
    client.force_login(back_office_user)
    response = client.get("/api/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "swagger-ui" in html
    referenced = re.findall(r"""(?:src|href)\s*=\s*["']([^"']+)["']""", html)
    assert referenced, html
    assert all(not url.startswith(("http:", "https:", "//")) for url in referenced), referenced
    for url in referenced:
        assert url.startswith(settings.STATIC_URL), url
        assert finders.find(url.removeprefix(settings.STATIC_URL)), f"{url} is not a vendored static file"
    external = re.compile(r"https?://(?!localhost|127\.0\.0\.1|testserver|www\.w3\.org)[\w.-]+/")
    assert not external.search(html), external.findall(html)
