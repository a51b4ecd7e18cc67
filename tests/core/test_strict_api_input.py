"""Query parameters and dates are read strictly: a value the API cannot honour exactly is a 400
with a validation code naming the parameter or field, never silently dropped or reinterpreted."""

from __future__ import annotations

from datetime import time, timedelta
from typing import cast

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from channels.models import Channel
from inventory.models import Location
from orders.models import Order
from tests.factories import stocked
from tests.factories.orders import ChannelFactory, channel_key
from tests.factories.pages import make_location, make_sku

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(admin_user) -> APIClient:
    client = APIClient()
    client.force_authenticate(admin_user)
    return client


@pytest.fixture
def channel_api(db) -> APIClient:
    client = APIClient()
    client.credentials(
        HTTP_AUTHORIZATION=f"Token {channel_key(cast(Channel, ChannelFactory(code='web', name='Web shop')))}"
    )
    return client


def refused(response, name: str) -> dict:
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["code"] == "invalid", body
    assert name in body["errors"], body
    return body


def test_an_unknown_return_status_is_a_validation_error_naming_status(api):
    refused(api.get("/api/v1/returns", {"status": "bogus"}), "status")
    refused(api.get("/api/v1/returns", {"status": ""}), "status")
    assert api.get("/api/v1/returns", {"status": "authorized"}).status_code == 200


@pytest.mark.parametrize(
    ("path", "parameter", "value"),
    [
        ("/api/v1/orders", "updated_since", ""),
        ("/api/v1/orders", "updated_since", "yesterday"),
        ("/api/v1/orders", "status", ""),
        ("/api/v1/orders", "offset", "null"),
        ("/api/v1/locations", "active", ""),
        ("/api/v1/locations", "kind", ""),
        ("/api/v1/skus", "active", "null"),
    ],
)
def test_an_empty_or_null_query_parameter_is_refused_not_ignored(api, path, parameter, value):
    refused(api.get(path, {parameter: value}), parameter)


def test_the_same_parameters_with_values_still_filter(api):
    assert api.get("/api/v1/orders", {"updated_since": "2024-01-01T00:00:00Z"}).status_code == 200
    assert api.get("/api/v1/skus", {"active": "true", "q": ""}).status_code == 200


LOCATION = {"code": "cut-dc", "name": "Cutoff DC", "kind": "warehouse", "postal_code": "75201"}


@pytest.mark.parametrize("value", ["15:00+02:00", "15:00:00Z", "15:00-05:00"])
def test_a_cutoff_time_with_a_utc_offset_is_refused_not_dropped(api, value):
    refused(api.post("/api/v1/locations", {**LOCATION, "order_cutoff_time": value}), "order_cutoff_time")
    assert not Location.objects.filter(code="cut-dc").exists()


def test_a_local_cutoff_time_is_kept_and_a_change_with_an_offset_is_refused(api):
    created = api.post("/api/v1/locations", {**LOCATION, "order_cutoff_time": "15:00"})
    assert created.status_code == 201, created.json()
    assert created.json()["order_cutoff_time"] == "15:00:00"
    refused(api.patch("/api/v1/locations/cut-dc", {"order_cutoff_time": "16:00+00:00"}), "order_cutoff_time")
    assert Location.objects.get(code="cut-dc").order_cutoff_time == time(15, 0)


def order_body(external_id: str, promised: str | None, placed_at: str | None = None) -> dict:
    body = {
        "external_id": external_id,
        "customer": {"name": "Grace Hopper"},
        "shipping_address": {"postal_code": "10001"},
        "delivery": {"promised_date": promised},
        "lines": [{"sku": "TEE-BLK-M", "quantity": 1}],
    }
    if placed_at:
        body["placed_at"] = placed_at
    return body


@pytest.fixture
def stock(db):
    stocked(make_location(code="dal-dc"), make_sku(code="TEE-BLK-M"), 5)


@pytest.mark.parametrize(
    ("promised", "placed_at"),
    [
        ("1900-01-01", None),
        ((timezone.localdate() - timedelta(days=2)).isoformat(), None),
        ((timezone.localdate() + timedelta(days=400)).isoformat(), None),
        ("2030-01-08", "2030-01-10T09:00:00Z"),
        ("2031-03-01", "2030-01-10T09:00:00Z"),
    ],
)
def test_a_promised_date_out_of_range_is_refused_and_nothing_is_backordered(channel_api, stock, promised, placed_at):
    body = refused(channel_api.post("/api/v1/orders", order_body("W-1", promised, placed_at)), "delivery.promised_date")
    assert "promised" in body["errors"]["delivery.promised_date"][0].lower()
    assert not Order.objects.exists()


@pytest.mark.parametrize(
    ("promised", "placed_at"),
    [
        (timezone.localdate().isoformat(), None),
        ((timezone.localdate() + timedelta(days=300)).isoformat(), None),
        ("2030-01-09", "2030-01-10T09:00:00Z"),
        ("2030-12-31", "2030-01-10T09:00:00Z"),
        (None, None),
    ],
)
def test_a_promised_date_in_range_is_taken(channel_api, stock, promised, placed_at):
    created = channel_api.post("/api/v1/orders", order_body("W-2", promised, placed_at))
    assert created.status_code == 201, created.json()
    assert created.json()["delivery"]["promised_date"] == promised
