"""POST/GET /api/v1/returns: a channel requests returns for its own orders, exactly once, with clear refusals."""

from __future__ import annotations

from typing import cast

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from channels.models import Channel
from returns.models import ReturnAuthorization, ReturnLine, ReturnStatus
from tests.factories.orders import ChannelFactory, channel_key
from tests.factories.returns import delivered_order

pytestmark = pytest.mark.django_db


def as_channel(key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


@pytest.fixture
def order(net):
    return delivered_order(net.channel, [("TEE-BLK-M", 2, "20.00"), ("MUG-WHT", 1, "12.50")])


@pytest.fixture
def api(net):
    return as_channel(channel_key(net.channel))


def body(**overrides):
    data = {
        "channel_order_id": "W-1001",
        "lines": [{"sku": "TEE-BLK-M", "quantity": 1, "reason": "doesnt_fit"}],
        "customer_note": "Too small",
    }
    data.update(overrides)
    return data


def test_a_channel_requests_a_return_by_its_own_order_id_and_gets_the_label(api, order):
    response = api.post("/api/v1/returns", body(), format="json", HTTP_IDEMPOTENCY_KEY="ret-1")

    assert response.status_code == 201, response.json()
    data = response.json()
    rma = ReturnAuthorization.objects.get()
    assert data["number"] == rma.number and data["status"] == "authorized"
    assert data["order_id"] == order.pk and data["channel_order_id"] == "W-1001"
    assert data["source"] == "api" and data["return_location"] == "nyc-store"
    assert data["label"]["tracking_number"] == rma.tracking_number and data["label"]["format"] == "zpl"
    assert data["refund"] == {
        "amount": "20.00",
        "currency": "USD",
        "status": "estimated",
        "estimated": True,
        "breakdown": [{"label": "TEE-BLK-M \u00d7 1", "amount": "20.00"}],
    }
    assert data["customer_url"].endswith(f"/returns/self/r/{rma.public_token}/")
    assert rma.created_label == "channel web"


def test_the_same_idempotency_key_replays_and_creates_nothing_more(api, order):
    first = api.post("/api/v1/returns", body(), format="json", HTTP_IDEMPOTENCY_KEY="ret-1")
    again = api.post("/api/v1/returns", body(), format="json", HTTP_IDEMPOTENCY_KEY="ret-1")
    assert again.status_code == 201 and again["Idempotent-Replayed"] == "true"
    assert again.json()["number"] == first.json()["number"]
    assert ReturnAuthorization.objects.count() == 1
    other = api.post("/api/v1/returns", body(customer_note="x"), format="json", HTTP_IDEMPOTENCY_KEY="ret-1")
    assert other.status_code == 422


def test_by_our_order_id_with_an_exchange(api, order):
    lines = [
        {
            "order_line_id": order.lines.get(sku__code="TEE-BLK-M").pk,
            "quantity": 2,
            "reason": "doesnt_fit",
            "exchange_sku": "TEE-BLK-L",
        }
    ]
    response = api.post("/api/v1/returns", {"order_id": order.pk, "lines": lines}, format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["lines"][0]["exchange_sku"] == "TEE-BLK-L"
    assert response.json()["exchange_order_id"] is not None
    assert response.json()["refund"]["amount"] == "0.00"


@pytest.mark.parametrize(
    ("payload", "status", "field", "detail"),
    [
        (
            body(lines=[{"sku": "TEE-BLK-M", "quantity": 3, "reason": "doesnt_fit"}]),
            400,
            "lines[0].quantity",
            "TEE-BLK-M: only 2 can be returned (2 shipped).",
        ),
        (body(lines=[{"sku": "TEE-BLK-M", "quantity": 1, "reason": "meh"}]), 400, "lines[0].reason", None),
        (
            body(lines=[{"sku": "NOPE", "quantity": 1, "reason": "doesnt_fit"}]),
            400,
            "lines[0].sku",
            "Line 1: SKU NOPE is not on this order.",
        ),
        (body(lines=[{"quantity": 1, "reason": "doesnt_fit"}]), 400, "lines[0].sku", None),
        (body(lines=[]), 400, "lines", None),
        (body(channel_order_id="", order_id=None), 400, "order_id", None),
        (body(lines=[{"sku": "TEE-BLK-M", "quantity": "two", "reason": "doesnt_fit"}]), 400, "lines[0].quantity", None),
    ],
)
def test_bad_requests_get_a_400_naming_the_field_and_nothing_is_written(api, order, payload, status, field, detail):
    response = api.post("/api/v1/returns", payload, format="json")
    assert response.status_code == status, response.json()
    assert field in response.json()["errors"], response.json()
    if detail:
        assert response.json()["detail"] == detail
    assert not ReturnAuthorization.objects.exists() and not ReturnLine.objects.exists()


def test_another_channels_order_does_not_exist_for_this_key(net, order):
    other = cast(Channel, ChannelFactory(code="market", name="Marketplace"))
    response = as_channel(channel_key(other)).post("/api/v1/returns", body(), format="json")
    assert response.status_code == 400
    assert response.json() == {
        "detail": "No such order for this channel.",
        "code": "not_found",
        "errors": {"channel_order_id": ["No such order for this channel."]},
    }
    assert not ReturnAuthorization.objects.exists()


def test_a_channel_reads_only_its_own_returns_in_constant_queries(net, api, order):
    for n in range(3):
        delivered_order(net.channel, [("TEE-BLK-M", 1, "20.00")], external_id=f"W-{n}")
        assert api.post("/api/v1/returns", body(channel_order_id=f"W-{n}"), format="json").status_code == 201
    other = cast(Channel, ChannelFactory(code="market", name="Marketplace"))
    other_api = as_channel(channel_key(other))
    assert other_api.get("/api/v1/returns").json()["count"] == 0
    rma = ReturnAuthorization.objects.order_by("pk").first()
    assert rma is not None
    assert other_api.get(f"/api/v1/returns/{rma.pk}").status_code == 404
    assert api.get(f"/api/v1/returns/{rma.pk}").json()["number"] == rma.number

    with CaptureQueriesContext(connection) as three:
        listing = api.get("/api/v1/returns")
    assert listing.json()["count"] == 3
    delivered_order(net.channel, [("TEE-BLK-M", 1, "20.00")], external_id="W-9")
    api.post("/api/v1/returns", body(channel_order_id="W-9"), format="json")
    with CaptureQueriesContext(connection) as four:
        assert api.get("/api/v1/returns").json()["count"] == 4
    assert len(four) == len(three)


def test_anonymous_callers_and_staff_without_the_permission_are_refused(order, operator_user):
    assert APIClient().post("/api/v1/returns", body(), format="json").status_code == 401
    staff = APIClient()
    staff.force_authenticate(operator_user)
    assert staff.post("/api/v1/returns", body(), format="json").status_code == 403
    assert not ReturnAuthorization.objects.exists()


def test_a_held_request_answers_201_with_the_reason(api, net):
    delivered_order(net.channel, [("TEE-BLK-M", 1, "20.00")], external_id="LATE-1", delivered_days_ago=40)
    response = api.post("/api/v1/returns", body(channel_order_id="LATE-1"), format="json")
    assert response.status_code == 201
    assert response.json()["status"] == ReturnStatus.REQUESTED
    assert "return window ended" in response.json()["hold_reason"]
    assert response.json()["label"] is None
