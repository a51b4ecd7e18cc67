"""The ShipBob connector: ShipBob's published payloads parsed as fixtures, Standard-Webhooks
signatures, and its answers to ShipBob's auth, throttling, duplicate and paging behaviour (against
the sandbox, no database)."""

from __future__ import annotations

import json
import time
from pathlib import Path

import httpx
import pytest

from partners.threepl.connector import (
    AUTH_RETRY_SECONDS,
    DuplicateReference,
    ShipBobConnector,
    SignatureInvalid,
    ThreePlError,
    ThreePlUnavailable,
    http_client,
    webhook_signature,
    webhook_verify,
)
from partners.threepl.payloads import (
    inventory_level_from_json,
    merge_order_json,
    order_from_json,
    receiving_from_json,
    tracking_notice_from_json,
)
from tests.partners.threepl_support import shipbob_sandbox

SAMPLES = Path(__file__).resolve().parents[2] / "partners" / "samples"


def sample(name: str):
    return json.loads((SAMPLES / name).read_text())


@pytest.fixture
def sandbox():
    return shipbob_sandbox()


def connector(sandbox, *, token=None, channel_id=None) -> ShipBobConnector:
    return ShipBobConnector(
        http=http_client(f"sandbox://{sandbox.name}"),
        token=token if token is not None else next(iter(sandbox.tokens)),
        channel_id=str(channel_id if channel_id is not None else sandbox.channel_id),
    )


# --- The published payloads ------------------------------------------------------------------------


def test_the_published_order_parses_with_units_from_inventory_items_and_tracking():
    order = order_from_json(sample("shipbob_order_create_response_example.json"))
    assert (order.id, order.reference_id, order.status) == (0, "string", "Processing")
    assert order.items == {"TShirtBlueM": 0}
    [shipment] = order.shipments
    assert shipment.tracking_number == "860C8CDC8F0B4FC7AB69AC86C20539EC"
    assert (shipment.carrier, shipment.carrier_service) == ("USPS", "Priority")
    assert shipment.fulfillment_center == "Cicero (IL)" and shipment.items == {"TShirtBlueM": 0}
    assert shipment.shipped_at is not None and shipment.shipped_at.year == 2019


def test_the_published_tracking_webhook_parses_its_seven_digit_time():
    notice = tracking_notice_from_json(sample("shipbob_order_shipment_tracking_received_webhook.json"))
    assert (notice.order_id, notice.reference_id) == (100000001, "TEST101")
    assert (notice.tracking_number, notice.carrier, notice.carrier_service) == (
        "9261290306529427911297",
        "USPS",
        "ParcelSelect",
    )
    assert notice.at is not None and notice.at.microsecond == 361476


def test_the_captured_receiving_order_parses_expected_and_received_per_sku():
    wro = receiving_from_json(sample("shipbob_receiving_order_get_response_sandbox.json"))
    assert (wro.id, wro.status, wro.purchase_order_number) == (443001, "Completed", "POTEST1")
    assert wro.received == {"100": 100, "101": 100, "102": 100} == wro.expected


def test_the_published_inventory_level_parses():
    level = inventory_level_from_json(sample("shipbob_inventory_level_list_response_example.json")["items"][0])
    assert (level.inventory_id, level.sku, level.on_hand, level.fulfillable) == (0, "string", 0, 0)


def test_a_late_word_never_moves_a_shipment_back():
    order = sample("shipbob_order_create_response_example.json")
    shipped = order["shipments"][0] | {"id": 5, "status": "Completed", "status_details": [{"name": "Processing"}]}
    delivered = shipped | {"status_details": [{"name": "Delivered"}], "delivery_date": "2026-01-02T10:00:00Z"}
    state = merge_order_json({}, shipment=delivered)
    state = merge_order_json(state, order=order | {"id": 9, "shipments": [shipped]})  # older news
    [kept] = order_from_json(state).shipments
    assert kept.detail == "Delivered" and kept.delivered_at is not None


# --- Signatures ------------------------------------------------------------------------------------


def test_the_signature_matches_the_standard_webhooks_test_vector():
    # The example of the Standard Webhooks specification ShipBob follows.
    signature = webhook_signature(
        "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "msg_p5jXN8AQM9LWM0D4loKWxJek", "1614265330", b'{"test": 2432232314}'
    )
    assert signature == "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="


def _signed(secret: str, body: bytes, *, at: int | None = None, webhook_id: str = "msg_1") -> dict[str, str]:
    timestamp = str(at if at is not None else int(time.time()))
    return {
        "webhook-id": webhook_id,
        "webhook-timestamp": timestamp,
        "webhook-signature": webhook_signature(secret, webhook_id, timestamp, body),
        "x-webhook-topic": "order.shipped",
    }


def test_a_webhook_verifies_and_a_tampered_old_or_unsigned_one_does_not(sandbox):
    secret = sandbox.webhook_secret
    body = json.dumps(sample("shipbob_order_create_response_example.json")).encode()

    delivery = webhook_verify(secret=secret, headers=_signed(secret, body), body=body)
    assert (delivery.webhook_id, delivery.topic, delivery.payload["status"]) == ("msg_1", "order.shipped", "Processing")

    with pytest.raises(SignatureInvalid):
        webhook_verify(secret=secret, headers=_signed(secret, body), body=body.replace(b"Processing", b"Cancelled"))
    with pytest.raises(SignatureInvalid):
        webhook_verify(secret=secret, headers=_signed(secret, body, at=int(time.time()) - 3600), body=body)
    with pytest.raises(SignatureInvalid):
        webhook_verify(secret="whsec_" + "QUFBQUFBQUFBQUFBQUFBQQ==", headers=_signed(secret, body), body=body)
    with pytest.raises(SignatureInvalid):
        webhook_verify(secret=secret, headers={"webhook-id": "msg_1"}, body=body)


def test_one_good_signature_among_several_is_enough(sandbox):
    body = b'{"id": 1}'
    headers = _signed(sandbox.webhook_secret, body)
    headers["webhook-signature"] = "v1,bm90IHRoaXMgb25l " + headers["webhook-signature"]  # a rotated secret's first
    assert webhook_verify(secret=sandbox.webhook_secret, headers=headers, body=body).payload == {"id": 1}


# --- Against the sandbox --------------------------------------------------------------------------------


def test_a_bad_token_is_refused_as_credentials_to_fix_and_retry_later(sandbox):
    with pytest.raises(ThreePlUnavailable) as refused:
        connector(sandbox, token="sbpat_wrong").inventory_levels()
    assert "401" in refused.value.message and refused.value.retry_after == AUTH_RETRY_SECONDS


def test_the_throttle_answers_429_with_the_published_body_and_headers(sandbox):
    sandbox.set_rate(2, 60)
    client = connector(sandbox)
    client.inventory_levels()
    client.inventory_levels()

    raw = http_client(f"sandbox://{sandbox.name}").get(
        "/2026-01/inventory-level", headers={"Authorization": f"Bearer {client.token}"}
    )
    assert raw.status_code == 429
    wait = int(raw.headers["x-retry-after"])
    assert 55 <= wait <= 60 and raw.headers["x-remaining-calls"] == "0"
    assert raw.json() == {"statusCode": 429, "message": f"Rate limit is exceeded. Try again in {wait} seconds."}
    with pytest.raises(ThreePlUnavailable) as throttled:
        client.inventory_levels()
    assert throttled.value.retry_after == pytest.approx(wait, abs=1)


def test_a_repeated_reference_is_a_duplicate_and_is_found_by_reference(sandbox):
    client = connector(sandbox)
    request = sample("shipbob_order_create_request_guide.json")
    created = client.create_order(request)

    with pytest.raises(DuplicateReference):
        client.create_order(request)
    found = client.find_order(request["reference_id"])
    assert found is not None and found["id"] == created["id"]
    assert client.find_order("nobody") is None
    assert set(created) == set(sample("shipbob_order_create_response_example.json"))  # the published shape


def test_an_order_without_the_channel_header_or_an_address_is_refused_with_the_field(sandbox):
    with pytest.raises(ThreePlError) as no_channel:
        ShipBobConnector(
            http=http_client(f"sandbox://{sandbox.name}"), token=next(iter(sandbox.tokens)), channel_id=""
        ).create_order(sample("shipbob_order_create_request_guide.json"))
    assert "shipbob_channel_id" in no_channel.value.message and no_channel.value.status == 400

    request = sample("shipbob_order_create_request_guide.json")
    request["recipient"]["address"]["city"] = ""
    with pytest.raises(ThreePlError) as no_city:
        connector(sandbox).create_order(request)
    assert "recipient.address.city" in no_city.value.message


def test_a_timeout_is_a_lost_answer_to_retry(sandbox):
    sandbox.timeout_next["order_create"] = 1
    with pytest.raises(ThreePlUnavailable) as lost:
        connector(sandbox).create_order(sample("shipbob_order_create_request_guide.json"))
    assert lost.value.timed_out
    assert len(sandbox.orders) == 1  # ShipBob did the work


def test_inventory_pages_follow_the_cursor_to_the_end(sandbox):
    for n in range(5):
        sandbox.set_inventory(f"SKU-{n}", n)
    pages = list(connector(sandbox).inventory_pages(page_size=2))
    assert [len(page) for page in pages] == [2, 2, 1]
    assert [item["sku"] for page in pages for item in page] == [f"SKU-{n}" for n in range(5)]


def test_a_transport_failure_is_unavailable():
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    client = ShipBobConnector(
        http=httpx.Client(base_url="https://api.shipbob.com", transport=httpx.MockTransport(refuse)),
        token="t",
        channel_id="1",
    )
    with pytest.raises(ThreePlUnavailable):
        client.get_order(1)
