"""Correctly signed webhooks of a shape the parser does not expect are answered 400 naming the
field (never 500), store nothing and are logged on the channel; strings holding NUL or a lone
surrogate are stored cleaned, because PostgreSQL's jsonb refuses them."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from marketplaces.models import SyncEvent, WebhookDelivery

pytestmark = pytest.mark.django_db
KINDS = ["shopify", "woocommerce"]


def signed_post(channel, sandbox, kind: str, body: bytes):
    """POST `body` as the marketplace would, signed with the channel's webhook secret."""
    if kind == "shopify":
        headers = {
            "X-Shopify-Topic": "orders/create",
            "X-Shopify-Hmac-Sha256": sandbox.sign(body),
            "X-Shopify-Event-Id": str(uuid.uuid4()),
        }
    else:
        headers = {
            "X-WC-Webhook-Topic": "order.created",
            "X-WC-Webhook-Signature": sandbox.sign(body),
            "X-WC-Webhook-Delivery-ID": str(uuid.uuid4()),
        }
    client = Client(raise_request_exception=False)
    return client.post(
        reverse("channels:webhook", args=[channel.code]), data=body, content_type="application/json", headers=headers
    )


@pytest.fixture(params=KINDS)
def shop(request, make_channel, skus):
    """A channel of each kind, and a real order webhook body from its sandbox to bend out of shape."""
    kind = request.param
    channel, sandbox = make_channel(kind)
    sandbox.create_order([(skus[0].code, 2)], zip="10001")
    (hook,) = sandbox.take_webhooks()
    return kind, channel, sandbox, json.loads(hook.body)


def refused(response, *words: str) -> str:
    assert response.status_code == 400, response.content
    detail = response.json()["detail"]
    for word in words:
        assert word in detail, detail
    assert not WebhookDelivery.objects.exists()
    return detail


@pytest.mark.parametrize("body", [b"[]", b'[{"id": 1}]', b'"order"', b"42", b"null", b"true"])
def test_a_body_that_is_not_an_object_is_a_400(shop, body):
    kind, channel, sandbox, _ = shop
    refused(signed_post(channel, sandbox, kind, body), "object")
    assert SyncEvent.objects.filter(channel=channel, kind="webhook").exists()


def test_line_items_as_a_list_of_strings_is_a_400_naming_the_item(shop):
    kind, channel, sandbox, order = shop
    order["line_items"] = ["AB-01", "AB-02"]
    refused(signed_post(channel, sandbox, kind, json.dumps(order).encode()), "line_items[0]")


def test_line_items_that_is_not_a_list_is_a_400(shop):
    kind, channel, sandbox, order = shop
    order["line_items"] = {"sku": "AB-01"}
    refused(signed_post(channel, sandbox, kind, json.dumps(order).encode()), "line_items")


def test_a_shipping_address_that_is_a_list_is_a_400_naming_it(shop):
    kind, channel, sandbox, order = shop
    field = "shipping_address" if kind == "shopify" else "shipping"
    order[field] = ["1 Main St", "New York"]
    refused(signed_post(channel, sandbox, kind, json.dumps(order).encode()), field)


@pytest.mark.parametrize("price", ["abc", "NaN", "1e999999", [1], {"amount": 1}])
def test_a_price_that_is_not_a_number_is_a_400_naming_it(shop, price):
    kind, channel, sandbox, order = shop
    item: dict[str, Any] = order["line_items"][0]
    item.pop("price_set", None)
    item["price"] = price
    refused(signed_post(channel, sandbox, kind, json.dumps(order).encode()), "line_items[0].price")


def test_a_quantity_that_is_not_a_number_is_a_400_naming_it(shop):
    kind, channel, sandbox, order = shop
    item = order["line_items"][0]
    item.pop("current_quantity", None)
    item["quantity"] = "two"
    refused(signed_post(channel, sandbox, kind, json.dumps(order).encode()), "line_items[0].quantity")


@pytest.mark.parametrize("value", [{"nested": 1}, [1], None, ""])
def test_an_order_id_that_is_not_an_id_is_a_400(shop, value):
    kind, channel, sandbox, order = shop
    order["id"] = value
    refused(signed_post(channel, sandbox, kind, json.dumps(order).encode()), "id")


def test_a_total_that_is_not_a_number_is_a_400_naming_it(shop):
    kind, channel, sandbox, order = shop
    order["total_tax"] = "lots"
    refused(signed_post(channel, sandbox, kind, json.dumps(order).encode()), "total_tax")


def test_a_deeply_nested_body_is_a_400(shop):
    kind, channel, sandbox, _ = shop
    refused(signed_post(channel, sandbox, kind, b"[" * 3000 + b"]" * 3000), "nested")


@pytest.mark.parametrize("bad", ["\\u0000", "\\ud800", "\\udfff"])
def test_nul_and_lone_surrogates_in_strings_are_stored_cleaned(shop, bad):
    kind, channel, sandbox, order = shop
    order["note"] = "leave at the door"
    order["line_items"][0]["name"] = "Tee"
    text = json.dumps(order).replace("leave at the door", f"leave{bad} at the door").replace('"Tee"', f'"T{bad}ee"')
    text = text.replace('"note"', f'"no{bad}te"', 1)

    response = signed_post(channel, sandbox, kind, text.encode())

    assert response.status_code == 200, response.content
    delivery = WebhookDelivery.objects.get(channel=channel)
    stored = json.dumps(delivery.payload, ensure_ascii=False)
    assert "\x00" not in stored and "\\u0000" not in stored
    assert not any(0xD800 <= ord(char) <= 0xDFFF for char in stored)
    assert delivery.resource_id == str(order["id"])
