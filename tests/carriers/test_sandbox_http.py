"""The carrier sandboxes over HTTP (`/carriers/sandbox/<name>/…`), as the demo's worker reaches them.

Requests go through Django (the test client, or a live server for the connectors) to the
sandbox; answers come back with their status, headers and links that work from outside.
Each test uses a sandbox of its own name.
"""

from __future__ import annotations

import base64
import json
import uuid
from decimal import Decimal
from typing import Any

import httpx
import pytest

from carriers.connectors import connector_for
from carriers.connectors.base import Parcel, PostalAddress, ShipmentRequest
from carriers.models import CarrierAccount, WebhookEvent
from carriers.sandbox import carrier_sandboxes
from carriers.sandbox.easypost import EasyPostSandbox
from carriers.sandbox.shippo import ShippoSandbox
from carriers.sandbox.ups import ACCOUNT_NUMBER, CLIENT_ID, CLIENT_SECRET
from core.crypto import credentials_encrypt

API_KEY = "EZTKsandbox0123456789abcdef"
SAMPLES = "carriers/sandbox/samples"
DALLAS = PostalAddress("Dallas DC", "4800 Irving Blvd", "Dallas", "TX", "75201", company="Demo Goods")
LA = PostalAddress("Grace Hopper", "179 N Harbor Dr", "Redondo Beach", "CA", "90277")


def fresh(kind: str) -> Any:
    """A sandbox of `kind` that no other test uses."""
    return carrier_sandboxes.reset(f"{kind}.http-{uuid.uuid4().hex[:10]}")


def easypost_auth() -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{API_KEY}:".encode()).decode()}


def sample_shipment() -> bytes:
    with open(f"{SAMPLES}/easypost_shipment_create_request.json", "rb") as published:
        return published.read()


def shipment_request(reference: str = "SH-000001-1") -> ShipmentRequest:
    parcel = Parcel(1800, Decimal(30), Decimal(20), Decimal(15))
    return ShipmentRequest(reference, DALLAS, LA, parcel)


def account_on(live_server: Any, sandbox: Any, credentials: dict[str, str], **extra: Any) -> CarrierAccount:
    """An account that reaches `sandbox` over HTTP, as the demo's accounts do."""
    return CarrierAccount.objects.create(
        code=extra.pop("code", f"{sandbox.kind}-http"),
        name=f"{sandbox.kind} over HTTP",
        provider=sandbox.kind,
        base_url=f"{live_server.url}/carriers/sandbox/{sandbox.name}",
        credentials=credentials_encrypt(credentials),
        **extra,
    )


# Through Django's test client -----------------------------------------------------------------


@pytest.mark.django_db
def test_an_easypost_label_is_rated_bought_and_downloaded_through_the_view(client):
    sandbox = fresh("easypost")
    prefix = f"/carriers/sandbox/{sandbox.name}"

    created = client.post(
        f"{prefix}/v2/shipments", sample_shipment(), content_type="application/json", headers=easypost_auth()
    )
    shipment = created.json()
    cheapest = min(shipment["rates"], key=lambda rate: Decimal(rate["rate"]))
    bought = client.post(
        f"{prefix}/v2/shipments/{shipment['id']}/buy",
        json.dumps({"rate": {"id": cheapest["id"]}}),
        content_type="application/json",
        headers=easypost_auth(),
    )
    label_url = bought.json()["postage_label"]["label_url"]
    label = client.get(label_url.removeprefix("http://testserver"))

    assert created.status_code == 201, created.content
    assert created["Content-Type"] == "application/json"
    assert bought.status_code == 200
    assert bought.json()["tracking_code"]
    assert sandbox.purchases == [shipment["id"]]
    assert label_url.startswith(f"http://testserver{prefix}/files/postage_label/")
    assert label.status_code == 200
    assert label["Content-Type"] == "application/pdf"
    assert label.content.startswith(b"%PDF")


@pytest.mark.django_db
def test_refusals_come_back_with_the_carriers_status_body_and_headers(client):
    sandbox = fresh("easypost")
    sandbox.set_rate(0.001, 1)
    prefix = f"/carriers/sandbox/{sandbox.name}"

    unsigned = client.get(f"{prefix}/v2/addresses")
    first = client.get(f"{prefix}/v2/addresses?page_size=1", headers=easypost_auth())
    throttled = client.get(f"{prefix}/v2/addresses?page_size=1", headers=easypost_auth())

    assert unsigned.status_code == 401
    assert unsigned.json()["error"]["code"] == "APIKEY.REQUIRED"
    assert first.status_code == 200
    assert throttled.status_code == 429
    assert throttled.json()["error"]["code"] == "RATE_LIMITED"
    assert int(throttled["Retry-After"]) >= 1


@pytest.mark.django_db
def test_a_shippo_list_hands_out_next_links_that_work_from_outside(client):
    sandbox = fresh("shippo")
    prefix = f"/carriers/sandbox/{sandbox.name}"
    auth = {"Authorization": f"ShippoToken {sandbox.api_token}"}

    first = client.get(f"{prefix}/carrier_accounts/?results=1", headers=auth).json()
    second = client.get(first["next"].removeprefix("http://testserver"), headers=auth).json()

    assert first["count"] == 2
    assert first["next"].startswith(f"http://testserver{prefix}/carrier_accounts/?")
    assert second["previous"].startswith(f"http://testserver{prefix}/")
    assert {first["results"][0]["carrier"], second["results"][0]["carrier"]} == {"usps", "ups"}


@pytest.mark.django_db
def test_no_sandbox_is_served_when_the_setting_is_off_or_the_kind_is_unknown(client, settings):
    sandbox = fresh("easypost")

    unknown = client.get("/carriers/sandbox/fedex/v1/rates", headers=easypost_auth())
    settings.CARRIER_SANDBOX = False
    off = client.get(f"/carriers/sandbox/{sandbox.name}/v2/addresses", headers=easypost_auth())

    assert unknown.status_code == 404
    assert off.status_code == 404
    assert sandbox.count_calls() == 0


@pytest.mark.django_db
def test_the_webhooks_control_hands_out_the_owed_webhooks_once(client):
    sandbox = fresh("shippo")
    url = f"/carriers/sandbox/{sandbox.name}/_sandbox/webhooks"

    empty = client.post(url, "{}", content_type="application/json").json()
    sandbox.enqueue_webhook({"Content-Type": "application/json"}, b'{"event": "track_updated"}')
    owed = client.post(url, "{}", content_type="application/json").json()
    again = client.post(url, "{}", content_type="application/json").json()
    not_post = client.get(url)

    assert empty == {"webhooks": []}
    assert owed == {
        "webhooks": [{"headers": {"Content-Type": "application/json"}, "body": '{"event": "track_updated"}'}]
    }
    assert again == {"webhooks": []}
    assert not_post.status_code == 405


# Connectors pointed at the HTTP address (a live server) -----------------------------------------


@pytest.mark.django_db(transaction=True)
def test_an_easypost_account_on_the_http_address_rates_buys_and_tracks(live_server):
    sandbox = fresh("easypost")
    account = account_on(
        live_server, sandbox, {"api_key": API_KEY, "webhook_secret": sandbox.webhook_secret}, label_format="pdf"
    )
    connector = connector_for(account)

    quotes = connector.rates(shipment_request())
    label = connector.buy(shipment_request(), quotes[0], idempotency_key="SH-000001-1")
    report = connector.track(label.tracking_number, label.carrier)

    assert connector.check() == "Connected (test mode)"
    assert label.label.startswith(b"%PDF")  # downloaded from the file URL the view handed out
    assert sandbox.purchases == [quotes[0].provider_shipment_id]
    assert report.tracking_number == label.tracking_number


@pytest.mark.django_db(transaction=True)
def test_a_shippo_account_on_the_http_address_downloads_its_signed_label(live_server):
    sandbox = fresh("shippo")
    connector = connector_for(account_on(live_server, sandbox, {"api_token": sandbox.api_token}))

    quote = min(connector.rates(shipment_request()), key=lambda q: q.amount)
    label = connector.buy(shipment_request(), quote, idempotency_key="SH-000001-1")

    assert label.label.startswith(b"%PDF")
    assert label.tracking_number


@pytest.mark.django_db(transaction=True)
def test_a_ups_account_on_the_http_address_signs_in_and_rates(live_server):
    sandbox = fresh("ups")
    credentials = {"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET, "account_number": ACCOUNT_NUMBER}
    connector = connector_for(account_on(live_server, sandbox, credentials))

    quotes = connector.rates(shipment_request())

    assert quotes
    assert all(quote.carrier == "UPS" and quote.amount > 0 for quote in quotes)
    assert sandbox.count_calls("token") == 1


# Delivering webhooks to the product ------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_deliver_posts_signed_tracking_webhooks_to_the_accounts_endpoint_once(live_server):
    sandbox: EasyPostSandbox = fresh("easypost")
    account = account_on(live_server, sandbox, {"api_key": API_KEY, "webhook_secret": sandbox.webhook_secret})
    connector = connector_for(account)
    label = connector.buy(shipment_request(), connector.rates(shipment_request())[0], idempotency_key="k")
    sandbox.tracker_set(label.tracking_number, "delivered")
    deliver = f"{live_server.url}/carriers/sandbox/{sandbox.name}/_sandbox/deliver"

    answer = httpx.post(deliver, json={"duplicate": True}).json()
    nothing_left = httpx.post(deliver, json={}).json()

    assert answer["account"] == account.code
    assert answer["url"] == f"{live_server.url}/fulfillment/carriers/webhooks/{account.code}/"
    statuses = [delivery["status"] for delivery in answer["delivered"]]
    assert statuses == [200] * 4  # tracker.created and tracker.updated, each delivered twice
    assert sorted(d["detail"] for d in answer["delivered"]).count("duplicate") == 2
    assert WebhookEvent.objects.filter(account=account, tracking_number=label.tracking_number).count() == 2
    assert nothing_left["delivered"] == []


@pytest.mark.django_db(transaction=True)
def test_a_shippo_sandbox_signs_with_the_secret_its_account_registered(live_server):
    sandbox: ShippoSandbox = fresh("shippo")
    account = account_on(live_server, sandbox, {"api_token": sandbox.api_token, "webhook_secret": "registered"})
    connector = connector_for(account)
    label = connector.buy(
        shipment_request(), min(connector.rates(shipment_request()), key=lambda q: q.amount), idempotency_key="k"
    )
    sandbox.track_set(label.tracking_number, "DELIVERED")

    answer = httpx.post(f"{live_server.url}/carriers/sandbox/{sandbox.name}/_sandbox/deliver", json={}).json()

    assert answer["delivered"] and all(delivery["status"] == 200 for delivery in answer["delivered"])
    assert sandbox.webhook_secret == "registered"
    assert WebhookEvent.objects.filter(account=account, tracking_number=label.tracking_number).exists()


@pytest.mark.django_db(transaction=True)
def test_deliver_asks_which_account_when_several_point_at_the_sandbox(live_server):
    sandbox = fresh("easypost")
    credentials = {"api_key": API_KEY, "webhook_secret": sandbox.webhook_secret}
    account_on(live_server, sandbox, credentials, code="ep-one")
    account_on(live_server, sandbox, credentials, code="ep-two")
    deliver = f"{live_server.url}/carriers/sandbox/{sandbox.name}/_sandbox/deliver"

    ambiguous = httpx.post(deliver, json={})
    named = httpx.post(deliver, json={"account": "ep-two"})

    assert ambiguous.status_code == 400
    assert "account" in ambiguous.json()["detail"]
    assert named.status_code == 200
    assert named.json()["account"] == "ep-two"
