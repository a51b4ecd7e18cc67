"""Every paginated list has a largest page and reads `limit` and `offset` strictly: a bad one is a 400
naming it, never a database error (a limit past 2^63 was a 500 `bigint out of range`)."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from returns.models import ReturnSource
from returns.services import return_request
from returns.services.eligibility import ReturnLineInput
from tests.factories import LocationFactory
from tests.factories.returns import delivered_order, return_network

pytestmark = pytest.mark.django_db
MAX_PAGE_SIZE = 500  # the documented largest page
LISTS = ["/api/v1/orders", "/api/v1/returns", "/api/v1/locations", "/api/v1/skus"]


@pytest.fixture
def rows(db) -> None:
    """A row in every list: an empty list is answered before the database sees the limit."""
    net = return_network()
    order = delivered_order(net.channel, [("TEE-BLK-M", 1, "20.00")])
    return_request(order=order, lines=[ReturnLineInput(1, "doesnt_fit", sku="TEE-BLK-M")], source=ReturnSource.API)


@pytest.fixture
def api(admin_user) -> APIClient:
    client = APIClient()
    client.force_authenticate(admin_user)
    return client


def refused(response, parameter: str) -> None:
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["code"] == "invalid"
    assert list(body["errors"]) == [parameter]


@pytest.mark.parametrize("path", LISTS)
def test_a_limit_past_a_64_bit_integer_is_a_400_naming_limit(api, rows, path):
    refused(api.get(path, {"limit": str(2**63)}), "limit")


@pytest.mark.parametrize("path", LISTS)
def test_a_page_larger_than_the_maximum_is_refused_and_the_maximum_is_served(api, rows, path):
    refused(api.get(path, {"limit": MAX_PAGE_SIZE + 1}), "limit")
    served = api.get(path, {"limit": MAX_PAGE_SIZE})
    assert served.status_code == 200 and served.json()["results"]


@pytest.mark.parametrize(
    ("parameter", "value"),
    [
        ("limit", "-1"),
        ("limit", "0"),
        ("limit", "ten"),
        ("limit", ""),
        ("limit", "1.5"),
        ("offset", "null"),
        ("offset", "-1"),
        ("offset", ""),
        ("offset", str(2**64)),
    ],
)
def test_limit_and_offset_are_read_strictly(api, rows, parameter, value):
    refused(api.get("/api/v1/locations", {parameter: value}), parameter)


def test_pages_still_walk_the_whole_list(api):
    for n in range(5):
        LocationFactory(code=f"loc-{n}")
    first = api.get("/api/v1/locations", {"limit": 2}).json()
    last = api.get("/api/v1/locations", {"limit": 2, "offset": 4}).json()
    assert first["count"] == 5 and len(first["results"]) == 2 and "offset=2" in first["next"]
    assert len(last["results"]) == 1 and last["next"] is None
    assert api.get("/api/v1/locations", {"offset": 99}).json()["results"] == []


def test_the_schema_tells_clients_the_largest_page(api):
    schema = api.get("/api/schema/", {"format": "json"}).json()
    limit = next(p for p in schema["paths"]["/api/v1/skus"]["get"]["parameters"] if p["name"] == "limit")
    assert limit["schema"]["maximum"] == MAX_PAGE_SIZE and limit["schema"]["minimum"] == 1
