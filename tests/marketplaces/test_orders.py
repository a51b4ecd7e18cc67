"""Channel orders in (webhooks, polling) and confirmations out, against the sandboxes and the
marketplaces' own published payloads."""

from __future__ import annotations

import json
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from marketplaces.connectors.amazon import parse_order as parse_amazon
from marketplaces.connectors.shopify import parse_rest_order
from marketplaces.connectors.woocommerce import parse_order as parse_woo
from marketplaces.models import (
    ChannelConfirmation,
    ChannelOrder,
    ChannelOrderStatus,
    ChannelSync,
    DeliveryStatus,
    PushState,
    SyncEvent,
    WebhookDelivery,
)
from marketplaces.services.confirmations import confirmations_push, confirmations_sweep, refund_request
from marketplaces.services.orders import orders_poll, webhook_process
from orders.models import Order, OrderStatus
from tests.factories import stocked

SAMPLES = Path(__file__).resolve().parents[2] / "marketplaces" / "sandbox" / "samples"


def sample(name: str):
    return json.loads((SAMPLES / name).read_text())


# --- Parsers against the published payloads ---------------------------------------------------


def test_shopify_webhook_sample_keeps_64_bit_ids_and_null_skus():
    order = parse_rest_order(sample("shopify_orders_create_webhook.json"))
    assert order.external_id == "820982911946154508"  # above 2**53: never through a float
    assert [line.sku for line in order.lines] == ["", ""]  # Shopify sent sku: null
    assert [line.product_id for line in order.lines] == ["49121760117052", "49121760182588"]
    assert order.cancelled  # the test notification is a cancelled order
    assert order.customer_email == "jon@example.com" and order.postal_code == "40003"
    assert order.lines[0].unit_price == Decimal("885.95")


def test_shopify_order_sample_skips_refunded_lines():
    order = parse_rest_order(sample("shopify_rest_order_get_response.json"))
    raw = sample("shopify_rest_order_get_response.json")["order"]["line_items"]
    assert raw[0]["current_quantity"] == 0
    assert len(order.lines) == len([li for li in raw if li.get("current_quantity", li["quantity"]) > 0])
    assert order.postal_code == "40202" and order.customer_name == "Bob Norman"


def test_woocommerce_sample_empty_sku_and_numeric_price():
    order = parse_woo(sample("woocommerce_order_get_response.json"))
    assert [(line.sku, line.product_id) for line in order.lines] == [("", "93"), ("Bar3", "22:23")]
    assert [line.unit_price for line in order.lines] == [Decimal("3.00"), Decimal("12.00")]
    assert order.customer_email == "john.doe@example.com" and order.postal_code == "94103"
    assert order.updated_at.isoformat() == "2017-03-22T19:28:08+00:00"  # the *_gmt time, as UTC


def test_amazon_samples_zip_plus_four_and_item_prices():
    orders = sample("amazon_sp_getOrders_response_sandbox.json")["payload"]["Orders"]
    items = sample("amazon_sp_getOrderItems_response_sandbox.json")["payload"]["OrderItems"]
    address = sample("amazon_sp_getOrderAddress_response_sandbox.json")["payload"]["ShippingAddress"]
    buyer = sample("amazon_sp_getOrderBuyerInfo_response_sandbox.json")["payload"]
    order = parse_amazon(orders[0], items, address, buyer)
    assert order.external_id == "902-1845936-5435065"
    assert order.postal_code == "98121"  # from 98121-2778
    assert order.customer_email == "fzyrv6gwkhbb15c@example.com"
    assert [(line.sku, line.quantity, line.unit_price) for line in order.lines] == [
        ("NABetaASINB00551Q3CS", 1, Decimal("10.00"))
    ]
    assert order.tax_total == Decimal("1.01")
    documented = sample("amazon_sp_getOrders_response_example.json")["payload"]["Orders"][0]
    example_items = sample("amazon_sp_getOrderItems_response_example.json")["payload"]["OrderItems"]
    parsed = parse_amazon(documented, example_items)
    assert parsed.postal_code == "48817" and parsed.customer_email == "user@example.com"
    assert [line.unit_price for line in parsed.lines] == [Decimal("25.99"), Decimal("8.98")]  # ItemPrice is per line


# --- Webhooks ---------------------------------------------------------------------------------


def deliver(client, channel, hook):
    headers = {f"HTTP_{k.upper().replace('-', '_')}": v for k, v in hook.headers.items() if k.lower() != "content-type"}
    return client.post(
        reverse("channels:webhook", args=[channel.code]), data=hook.body, content_type="application/json", **headers
    )


@pytest.mark.parametrize("kind", ["shopify", "woocommerce"])
def test_duplicate_and_reordered_webhooks_make_one_correct_order(
    kind, make_channel, dc, skus, client, django_capture_on_commit_callbacks
):
    channel, sandbox = make_channel(kind)
    for sku in skus[:2]:
        stocked(dc, sku, 10)
    order_id = sandbox.create_order([(skus[0].code, 2), (skus[1].code, 1)], zip="10001")
    if kind == "shopify":
        sandbox.update_order(order_id, note="gift wrap")
    hooks = sandbox.take_webhooks(duplicate=True, shuffle=True)
    hooks.reverse()  # newest first: out of order

    with django_capture_on_commit_callbacks(execute=True):
        answers = [deliver(client, channel, hook).status_code for hook in hooks]

    assert answers == [200] * len(hooks)
    order = Order.objects.get(channel=channel)
    assert order.external_id == order_id
    assert sorted((line.sku.code, line.quantity) for line in order.lines.all()) == [
        (skus[0].code, 2),
        (skus[1].code, 1),
    ]
    deliveries = WebhookDelivery.objects.filter(channel=channel)
    assert deliveries.count() == len(hooks) // 2  # one row per event; repeats only counted
    assert sum(d.duplicates for d in deliveries) == len(hooks) // 2
    assert set(deliveries.values_list("status", flat=True)) == {DeliveryStatus.PROCESSED}


def test_a_cancellation_webhook_arriving_before_the_creation_leaves_the_order_cancelled(
    make_channel, dc, skus, client, django_capture_on_commit_callbacks
):
    channel, sandbox = make_channel("shopify")
    stocked(dc, skus[0], 5)
    order_id = sandbox.create_order([(skus[0].code, 1)], zip="10001")
    created = sandbox.take_webhooks()
    sandbox.cancel_order_by_customer(order_id)
    cancelled = sandbox.take_webhooks()
    with django_capture_on_commit_callbacks(execute=True):
        for hook in cancelled + created:  # the cancellation first
            deliver(client, channel, hook)
    assert not Order.objects.filter(channel=channel).exists()
    assert ChannelOrder.objects.get(channel=channel).status == ChannelOrderStatus.CANCELLED


def test_a_bad_signature_is_refused_and_nothing_is_stored(make_channel, skus, client, caplog):
    channel, sandbox = make_channel("shopify")
    sandbox.create_order([(skus[0].code, 1)])
    hook = sandbox.take_webhooks()[0]
    hook.headers["X-Shopify-Hmac-Sha256"] = "bm90IHRoZSBzaWduYXR1cmU="
    response = deliver(client, channel, hook)
    assert response.status_code == 401
    assert not WebhookDelivery.objects.exists() and not SyncEvent.objects.filter(kind="webhook").exists()
    assert "bad signature" in caplog.text


def test_a_malformed_body_is_a_400_logged_on_the_channel(make_channel, client):
    channel, sandbox = make_channel("woocommerce")
    body = b'{"id": "oops"}'
    response = client.post(
        reverse("channels:webhook", args=[channel.code]),
        data=body,
        content_type="application/json",
        HTTP_X_WC_WEBHOOK_TOPIC="order.created",
        HTTP_X_WC_WEBHOOK_SIGNATURE=sandbox.sign(body),
    )
    assert response.status_code == 400
    assert not WebhookDelivery.objects.exists()
    event = SyncEvent.objects.get(channel=channel, kind="webhook")
    assert "malformed" in event.message.lower() and "line_items" in event.message


def test_the_webhook_answers_before_the_work_is_done(make_channel, dc, skus, client):
    channel, sandbox = make_channel("shopify")
    sandbox.create_order([(skus[0].code, 1)], zip="10001")
    response = deliver(client, channel, sandbox.take_webhooks()[0])  # on_commit never runs here: no worker
    assert response.status_code == 200
    delivery = WebhookDelivery.objects.get(channel=channel)
    assert delivery.status == DeliveryStatus.RECEIVED and not Order.objects.exists()
    webhook_process(delivery_id=delivery.pk)  # what the worker does
    assert Order.objects.filter(channel=channel).count() == 1


# --- Unknown SKUs are held ----------------------------------------------------------------------


def test_an_order_for_a_sku_not_listed_is_held_with_a_clear_reason(make_channel, dc, skus):
    channel, sandbox = make_channel("amazon", skus=skus[:1])
    stocked(dc, skus[0], 5)
    sandbox.create_order([(skus[0].code, 1), ("AB-12", 1)], zip="10001")

    orders_poll(channel_id=channel.pk)

    record = ChannelOrder.objects.get(channel=channel)
    assert record.status == ChannelOrderStatus.HELD
    assert record.hold_reason == "SKU AB-12 is not listed on Amazon US."
    assert not Order.objects.exists()
    assert SyncEvent.objects.filter(channel=channel, level="error", message__contains="AB-12").exists()

    # Once listed, importing again creates the order.
    from marketplaces.services.orders import channel_order_retry
    from tests.factories import SKUFactory
    from tests.factories.channels import sandbox_list

    ab12: Any = SKUFactory(code="AB-12")
    stocked(dc, ab12, 3)
    sandbox_list(channel, sandbox, ab12)
    record = channel_order_retry(record=record)
    assert record.status == ChannelOrderStatus.IMPORTED and record.order is not None
    assert record.order.lines.count() == 2


def test_a_shopify_line_without_sku_is_found_by_its_variant(
    make_channel, dc, skus, django_capture_on_commit_callbacks, client
):
    channel, sandbox = make_channel("shopify")
    stocked(dc, skus[0], 5)
    sandbox.create_order([(skus[0].code, 1)], zip="10001", null_skus=True)
    with django_capture_on_commit_callbacks(execute=True):
        deliver(client, channel, sandbox.take_webhooks()[0])
    assert Order.objects.get(channel=channel).lines.get().sku == skus[0]


# --- Polling ------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["shopify", "amazon", "ebay", "woocommerce"])
def test_polling_pages_through_every_order_once(kind, make_channel, dc, skus):
    channel, sandbox = make_channel(kind)
    stocked(dc, skus[0], 100)
    if kind == "amazon":
        sandbox.page_size = 2
    ids = [sandbox.create_order([(skus[0].code, 1)], zip="10001") for _ in range(5)]

    assert orders_poll(channel_id=channel.pk) == 5
    assert orders_poll(channel_id=channel.pk) == 5  # the overlap window reads them again…
    assert sorted(Order.objects.filter(channel=channel).values_list("external_id", flat=True)) == sorted(ids)  # …once
    sync = ChannelSync.objects.get(channel=channel)
    assert sync.orders_watermark is not None and sync.last_pull_ok_at is not None
    if kind == "amazon":
        assert sandbox.count_calls("getOrders") == 6  # 3 pages per poll, NextToken


def test_an_order_cancelled_on_the_channel_is_cancelled_here(make_channel, dc, skus):
    channel, sandbox = make_channel("ebay")
    stocked(dc, skus[0], 5)
    order_id = sandbox.create_order([(skus[0].code, 2)], zip="10001")
    orders_poll(channel_id=channel.pk)
    order = Order.objects.get(channel=channel)
    assert order.status != OrderStatus.CANCELLED
    sandbox.cancel_order_by_customer(order_id)
    orders_poll(channel_id=channel.pk)
    order.refresh_from_db()
    assert order.status == OrderStatus.CANCELLED


# --- Confirmations --------------------------------------------------------------------------------


def _ship_order(order, tracking="1Z999AA10123456784"):
    from fulfillment.models import ShipmentStatus
    from fulfillment.services.shipments import shipment_ship, shipment_transition

    shipment = order.shipments.get()
    for status in (ShipmentStatus.ACCEPTED, ShipmentStatus.PICKING, ShipmentStatus.PACKED):
        shipment = shipment_transition(shipment=shipment, to=status, actor=None)
    shipment.carrier = "UPS"
    shipment.save(update_fields=["carrier"])
    return shipment_ship(shipment=shipment, actor=None, tracking_number=tracking)


@pytest.mark.parametrize("kind", ["shopify", "amazon", "ebay", "woocommerce"])
def test_shipments_are_confirmed_to_the_channel_with_tracking(
    kind, make_channel, dc, skus, django_capture_on_commit_callbacks
):
    channel, sandbox = make_channel(kind)
    stocked(dc, skus[0], 5)
    sandbox.create_order([(skus[0].code, 2)], zip="10001")
    orders_poll(channel_id=channel.pk)
    order = Order.objects.get(channel=channel)

    with django_capture_on_commit_callbacks(execute=True):
        _ship_order(order)
    confirmation = ChannelConfirmation.objects.get(order=order, kind="ship")
    assert confirmation.state == PushState.APPLIED, confirmation.last_error
    if kind == "shopify":
        assert sandbox.fulfillments and sandbox.fulfillments[0]["quantity"] == 2
    elif kind == "amazon":
        assert sandbox.confirmations[0]["trackingNumber"] == "1Z999AA10123456784"
    elif kind == "ebay":
        assert sandbox.shipping_fulfillments[0]["trackingNumber"] == "1Z999AA10123456784"
    else:
        assert "1Z999AA10123456784" in sandbox.notes[0]["note"]
        assert sandbox.state.orders[order.external_id]["status"] == "completed"


def test_the_sweep_records_a_confirmation_the_signal_missed(make_channel, dc, skus):
    channel, sandbox = make_channel("ebay")
    stocked(dc, skus[0], 5)
    sandbox.create_order([(skus[0].code, 1)], zip="10001")
    orders_poll(channel_id=channel.pk)
    order = Order.objects.get(channel=channel)
    _ship_order(order)  # on_commit never runs in this test: as if the process died after the commit
    assert not ChannelConfirmation.objects.exists()
    assert confirmations_sweep() == 1
    confirmations_push()
    assert ChannelConfirmation.objects.get(order=order).state == PushState.APPLIED
    assert len(sandbox.shipping_fulfillments) == 1


def test_cancelling_our_order_cancels_it_on_the_channel(make_channel, dc, skus):
    from fulfillment.services import order_cancel

    channel, sandbox = make_channel("woocommerce")
    stocked(dc, skus[0], 5)
    order_id = sandbox.create_order([(skus[0].code, 1)], zip="10001")
    orders_poll(channel_id=channel.pk)
    order_cancel(order=Order.objects.get(channel=channel), actor=None, reason="damaged in the warehouse")
    confirmations_sweep()
    confirmations_push()
    assert sandbox.state.orders[order_id]["status"] == "cancelled"


def test_refunds_go_back_through_the_connector(make_channel, dc, skus):
    channel, sandbox = make_channel("ebay")
    stocked(dc, skus[0], 5)
    sandbox.create_order([(skus[0].code, 1)], zip="10001")
    orders_poll(channel_id=channel.pk)
    order = Order.objects.get(channel=channel)
    refund_request(
        order=order, amount=Decimal("12.50"), reason="Returned: wrong size", dedupe_key="ra-1", lines=[(1, 1)]
    )
    refund_request(
        order=order, amount=Decimal("12.50"), reason="Returned: wrong size", dedupe_key="ra-1", lines=[(1, 1)]
    )
    confirmations_push()
    assert [r["orderLevelRefundAmount"]["value"] for r in sandbox.refunds] == ["12.50"]


def test_amazon_cancellation_is_refused_with_an_instruction(make_channel, dc, skus):
    from fulfillment.services import order_cancel

    channel, sandbox = make_channel("amazon")
    stocked(dc, skus[0], 5)
    sandbox.create_order([(skus[0].code, 1)], zip="10001")
    orders_poll(channel_id=channel.pk)
    order_cancel(order=Order.objects.get(channel=channel), actor=None)
    confirmations_sweep()
    confirmations_push()
    confirmation = ChannelConfirmation.objects.get(kind="cancel")
    assert confirmation.state == PushState.FAILED and "Seller Central" in confirmation.last_error
    assert SyncEvent.objects.filter(channel=channel, kind="confirm", level="error").exists()


def test_poll_watermark_moves_with_the_channel_clock(make_channel, dc, skus):
    channel, sandbox = make_channel("woocommerce")
    stocked(dc, skus[0], 5)
    sandbox.create_order([(skus[0].code, 1)], zip="10001")
    orders_poll(channel_id=channel.pk)
    watermark = ChannelSync.objects.get(channel=channel).orders_watermark
    assert watermark is not None and abs(watermark - timezone.now()) < timedelta(minutes=1)
