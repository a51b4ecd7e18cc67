"""The Shippo connector: Shippo's published payloads read right, and every call against the in-product
sandbox, with the failures a packer meets (timeouts, throttling, outages, bad token, refusals)."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any
from uuid import uuid4

import httpx
import pytest

from carriers.connectors import http_client
from carriers.connectors.base import (
    DELIVERED,
    OUT_FOR_DELIVERY,
    PRE_TRANSIT,
    BoughtLabel,
    CarrierError,
    CarrierUnavailable,
    Parcel,
    PostalAddress,
    RateQuote,
    ShipmentRequest,
    SignatureInvalid,
)
from carriers.connectors.shippo import ShippoConnector
from carriers.sandbox import carrier_sandboxes
from carriers.sandbox.shippo import ShippoSandbox
from carriers.sandbox.shippo.core import load_sample

WAREHOUSE = PostalAddress(
    name="Dock 3",
    company="Acme Goods",
    street1="215 Clayton Street",
    city="San Francisco",
    state="CA",
    postal_code="94117",
)
CUSTOMER = PostalAddress(
    name="Ada Lovelace", street1="350 5th Avenue", city="New York", state="NY", postal_code="10118"
)
BOX = Parcel(weight_grams=1500, length_cm=Decimal(30), width_cm=Decimal(20), height_cm=Decimal(10))
SECRET = "whsec_shippo_test"


def shipment(label_format: str = "pdf", **changes: Any) -> ShipmentRequest:
    fields: dict[str, Any] = {
        "reference": "SH-000042-1",
        "ship_from": WAREHOUSE,
        "ship_to": CUSTOMER,
        "parcel": BOX,
        "label_format": label_format,
    }
    return ShipmentRequest(**{**fields, **changes})


@pytest.fixture
def sandbox() -> ShippoSandbox:
    built = carrier_sandboxes.reset(f"shippo.{uuid4().hex[:12]}")
    assert isinstance(built, ShippoSandbox)
    return built


def connector_on(sandbox: ShippoSandbox, **credentials: str) -> ShippoConnector:
    return ShippoConnector(
        account_code="shippo-main",
        credentials={"api_token": sandbox.api_token, **credentials},
        http=http_client(f"sandbox://{sandbox.name}"),
    )


@pytest.fixture
def shippo(sandbox: ShippoSandbox) -> ShippoConnector:
    return connector_on(sandbox, webhook_secret=SECRET)


def mocked(handler: Callable[[httpx.Request], httpx.Response], **credentials: str) -> ShippoConnector:
    """A connector whose HTTP calls are answered by `handler` (for Shippo's own recorded answers)."""
    http = httpx.Client(base_url="https://api.goshippo.com", transport=httpx.MockTransport(handler))
    return ShippoConnector(
        account_code="shippo-main", credentials={"api_token": "shippo_test_x", **credentials}, http=http
    )


def signed(body: bytes, secret: str = SECRET) -> dict[str, str]:
    return {
        "Content-Type": "application/json",
        "X-Shippo-Signature": hmac.new(secret.encode(), body, "sha256").hexdigest(),
    }


def cheapest(quotes: list[Any], carrier: str = "USPS") -> Any:
    return min((quote for quote in quotes if quote.carrier == carrier), key=lambda quote: quote.amount)


# Shippo's published payloads -----------------------------------------------------------------


def test_recorded_shipment_reads_as_three_usps_rates_despite_the_dhl_failure():
    recorded = load_sample("shippo_shipment_create_response_recorded.json")
    shippo = mocked(lambda request: httpx.Response(201, json=recorded))

    quotes = shippo.rates(shipment())

    assert [(q.service, q.amount, q.delivery_days) for q in quotes] == [
        ("Priority Mail Express", Decimal("26.05"), 2),
        ("Priority Mail", Decimal("12.44"), 1),
        ("Parcel Select", Decimal("12.18"), 7),
    ]
    priority = quotes[1]
    assert priority.rate_id == "8c7d0221378b477abb04c062fee673ce"
    assert priority.provider_shipment_id == "e6f4aa8eae4f4cf6af196d21b9b92592"
    assert (priority.carrier, priority.service_code, priority.currency) == ("USPS", "usps_priority", "USD")


def test_a_shipment_with_only_carrier_failures_is_refused_with_their_reason():
    recorded = load_sample("shippo_shipment_create_response_recorded.json")
    recorded["rates"] = []
    shippo = mocked(lambda request: httpx.Response(201, json=recorded))

    with pytest.raises(CarrierError) as refused:
        shippo.rates(shipment())

    assert refused.value.code == "no_rates"
    assert "DHL Express master account doesn't support shipments to inside of the US" in refused.value.message


def test_recorded_label_purchase_downloads_the_label_with_the_token_headers_only_on_the_api():
    recorded = load_sample("shippo_transaction_create_response_recorded.json")
    seen: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if request.url.host == "deliver.goshippo.com":
            return httpx.Response(200, content=b"%PDF-1.4 recorded label")
        return httpx.Response(201, json=recorded)

    shippo = mocked(answer)
    quote = shippo_quote(rate_id="8c7d0221378b477abb04c062fee673ce")

    label = shippo.buy(shipment(), quote, idempotency_key="SH-000042-1:buy")

    assert label.tracking_number == "92108901755477000000000018"
    assert label.provider_label_id == "3a377267a25d49b595117fa221cd2306"
    assert label.tracking_url.endswith("origTrackNum=92108901755477000000000018")
    assert (label.label, label.label_format) == (b"%PDF-1.4 recorded label", "pdf")
    purchase, download = seen
    assert purchase.headers["Authorization"] == "ShippoToken shippo_test_x"
    assert purchase.headers["SHIPPO-API-VERSION"] == "2018-02-08"
    assert json.loads(purchase.content) == {
        "rate": "8c7d0221378b477abb04c062fee673ce",
        "label_file_type": "PDF_4x6",
        "async": False,
        "metadata": "SH-000042-1:buy",
    }
    assert "Authorization" not in download.headers  # the signed link needs no token, and must not leak it


def test_a_failed_purchase_is_refused_with_shippos_message():
    recorded = load_sample("shippo_transaction_create_response_recorded.json")
    recorded.update(status="ERROR", object_state="INVALID", tracking_number="", label_url="")
    recorded["messages"] = [{"source": "USPS", "code": "", "text": "The address to could not be verified."}]

    def answer(request: httpx.Request) -> httpx.Response:
        if request.method == "GET":  # nothing was bought for this rate before
            return httpx.Response(200, json={"count": 0, "next": None, "previous": None, "results": []})
        return httpx.Response(201, json=recorded)

    with pytest.raises(CarrierError) as refused:
        mocked(answer).buy(shipment(), shippo_quote(), idempotency_key="k")

    assert not isinstance(refused.value, CarrierUnavailable)
    assert refused.value.message == "Shippo could not buy the label: USPS: The address to could not be verified."


@pytest.mark.parametrize(("status", "expected"), [("QUEUED", "submitted"), ("SUCCESS", "refunded")])
def test_documented_refund_reads_as_a_void_status(status, expected):
    documented = load_sample("shippo_refund_create_response_docs.json")
    documented["status"] = status
    shippo = mocked(lambda request: httpx.Response(201, json=documented))

    result = shippo.void(bought_label())

    assert result.status == expected


def test_documented_track_updated_webhook_reads_as_a_delivered_report():
    body = json.dumps(load_sample("shippo_track_updated_webhook_docs.json")).encode()
    shippo = mocked(lambda request: httpx.Response(500), webhook_secret=SECRET)

    report = shippo.parse_webhook(signed(body), body)

    assert report is not None
    assert (report.tracking_number, report.status) == ("9205590164917312751089", DELIVERED)
    assert report.delivered_at == datetime(2016, 7, 23, tzinfo=UTC)
    assert report.est_delivery == datetime(2019, 8, 24, 14, 15, 22, tzinfo=UTC)
    [scan] = report.events
    assert scan.location == "Las Vegas, NV 89101, US"
    assert scan.description == "Your shipment has been delivered at the destination mailbox."
    assert report.event_id.startswith("shippo-track-")
    redelivered = shippo.parse_webhook(signed(body), body)
    assert redelivered is not None and redelivered.event_id == report.event_id  # a redelivery is the same event


def test_a_webhook_with_a_placeholder_date_is_refused_clearly():
    payload = load_sample("shippo_track_updated_webhook_docs.json")
    payload["data"]["tracking_status"]["status_date"] = "string"
    body = json.dumps(payload).encode()

    with pytest.raises(CarrierError, match="'string', which is not a date"):
        mocked(lambda request: httpx.Response(500)).parse_webhook({}, body)


def test_webhook_signature_is_required_when_the_account_has_a_secret():
    body = json.dumps(load_sample("shippo_track_updated_webhook_docs.json")).encode()
    shippo = mocked(lambda request: httpx.Response(500), webhook_secret=SECRET)

    with pytest.raises(SignatureInvalid):
        shippo.parse_webhook({"Content-Type": "application/json"}, body)
    with pytest.raises(SignatureInvalid):
        shippo.parse_webhook(signed(body, "another-secret"), body)
    with pytest.raises(SignatureInvalid):
        shippo.parse_webhook(signed(body), body.replace(b"DELIVERED", b"TRANSIT"))
    other_event = json.dumps({"event": "transaction_created", "test": True, "data": {}}).encode()
    assert shippo.parse_webhook({"x-shippo-signature": signed(other_event)["X-Shippo-Signature"]}, other_event) is None


def test_recorded_field_errors_read_as_one_sentence_naming_the_fields():
    recorded = load_sample("shippo_pickup_create_error_response_recorded.json")
    shippo = mocked(lambda request: httpx.Response(400, json=recorded))

    with pytest.raises(CarrierError) as refused:
        shippo.rates(shipment())

    assert refused.value.field == "email"
    assert refused.value.message == (
        "Shippo refused rating the parcel: email: This field is required; "
        "requested_end_time: requested_end_time is not a future date; "
        "requested_start_time: requested_start_time is not a future date."
    )


def shippo_quote(rate_id: str = "8c7d0221378b477abb04c062fee673ce") -> RateQuote:
    return RateQuote(carrier="USPS", service="Priority Mail", amount=Decimal("12.44"), currency="USD", rate_id=rate_id)


def bought_label() -> BoughtLabel:
    return BoughtLabel(
        tracking_number="92108901755477000000000018",
        carrier="USPS",
        service="Priority Mail",
        amount=Decimal("12.44"),
        currency="USD",
        label_format="pdf",
        label=b"",
        provider_label_id="35ed59f23a514ecfa2faeaed93a00086",
    )


# Against the sandbox ---------------------------------------------------------------------------


def test_check_proves_the_token_and_names_the_carriers(shippo):
    assert shippo.check() == "Connected to Shippo (test mode): UPS, USPS."


def test_a_bad_or_revoked_token_is_an_auth_error(sandbox):
    wrong = ShippoConnector(
        account_code="x", credentials={"api_token": "shippo_test_wrong"}, http=http_client(f"sandbox://{sandbox.name}")
    )
    with pytest.raises(CarrierError) as refused:
        wrong.check()
    assert refused.value.code == "auth"
    assert "Invalid token" in refused.value.message

    sandbox.revoked = True
    with pytest.raises(CarrierError) as revoked:
        connector_on(sandbox).rates(shipment())
    assert revoked.value.code == "auth"


@pytest.mark.parametrize("label_format", ["pdf", "zpl"])
def test_rates_buy_track_void(sandbox, shippo, label_format):
    quotes = shippo.rates(shipment(label_format))
    quote = cheapest(quotes)

    label = shippo.buy(shipment(label_format), quote, idempotency_key="SH-000042-1")

    assert label.label.startswith(b"%PDF" if label_format == "pdf" else b"^XA")
    assert label.label_format == label_format
    assert (label.carrier, label.service, label.amount) == (quote.carrier, quote.service, quote.amount)
    assert label.tracking_number.startswith("92055")
    report = shippo.track(label.tracking_number, label.carrier)
    assert report.status == PRE_TRANSIT
    assert report.events[0].location == "San Francisco, CA 94117, US"
    assert shippo.void(label).status == "refunded"
    assert sandbox.transactions[label.provider_label_id]["status"] == "REFUNDED"


def test_a_buy_that_timed_out_is_recovered_and_never_bought_twice(sandbox, shippo):
    quote = cheapest(shippo.rates(shipment()))
    sandbox.timeout_next["transactions.post"] = 1

    with pytest.raises(CarrierUnavailable) as lost:
        shippo.buy(shipment(), quote, idempotency_key="SH-000042-1")
    assert lost.value.timed_out

    recovered = shippo.recover_label(shipment(), quote, idempotency_key="SH-000042-1")
    retried = shippo.buy(shipment(), quote, idempotency_key="SH-000042-1")  # a blind retry, too

    assert recovered is not None
    assert recovered.tracking_number == retried.tracking_number
    assert recovered.label.startswith(b"%PDF")
    bought = [t for t in sandbox.transactions.values() if t["rate"] == quote.rate_id and t["status"] == "SUCCESS"]
    assert len(bought) == 1


def test_recover_label_finds_nothing_when_nothing_was_bought(shippo):
    quote = cheapest(shippo.rates(shipment()))
    assert shippo.recover_label(shipment(), quote, idempotency_key="SH-000042-1") is None


def test_throttling_says_when_to_come_back(sandbox, shippo):
    sandbox.set_limit("shipments.post", 1)
    shippo.rates(shipment())

    with pytest.raises(CarrierUnavailable) as throttled:
        shippo.rates(shipment())

    assert throttled.value.retry_after is not None
    assert 50 <= throttled.value.retry_after <= 60  # one call a minute: the next slot is about a minute away
    assert "throttl" in throttled.value.message


def test_an_outage_is_unavailable_and_passes(sandbox, shippo):
    sandbox.fail_next["shipments.post"] = [503]

    with pytest.raises(CarrierUnavailable) as outage:
        shippo.rates(shipment())

    assert not outage.value.timed_out
    assert "HTTP 503" in outage.value.message
    assert shippo.rates(shipment())


def test_a_refund_after_the_window_is_refused_with_the_reason(sandbox, shippo):
    label = shippo.buy(shipment(), cheapest(shippo.rates(shipment())), idempotency_key="k")
    sandbox.advance(days=31)

    result = shippo.void(label)

    assert result.status == "rejected"
    assert "within 30 days of purchase" in result.message


def test_a_label_already_scanned_cannot_be_voided(sandbox, shippo):
    label = shippo.buy(shipment(), cheapest(shippo.rates(shipment())), idempotency_key="k")
    sandbox.advance(hours=9)

    result = shippo.void(label)

    assert (result.status, result.message) == (
        "rejected",
        "The carrier has already scanned this label (TRANSIT), so it can no longer be refunded.",
    )


def test_sandbox_webhooks_verify_and_carry_the_new_status(sandbox, shippo):
    sandbox.webhook_secret = SECRET
    label = shippo.buy(shipment(), cheapest(shippo.rates(shipment())), idempotency_key="k")
    sandbox.take_webhooks()  # the label-created scan

    sandbox.track_set(label.tracking_number, "TRANSIT", "out_for_delivery")
    sandbox.track_set(label.tracking_number, "DELIVERED")
    out, delivered = sandbox.take_webhooks()

    first = shippo.parse_webhook(out.headers, out.body)
    last = shippo.parse_webhook(delivered.headers, delivered.body)
    assert first is not None and last is not None
    assert first.status == OUT_FOR_DELIVERY
    assert last.status == DELIVERED and last.delivered_at is not None
    assert [event.status for event in last.events] == [PRE_TRANSIT, OUT_FOR_DELIVERY, DELIVERED]
    assert first.event_id != last.event_id
    with pytest.raises(SignatureInvalid):
        shippo.parse_webhook(delivered.headers, delivered.body.replace(b"DELIVERED", b"RETURNED"))
    with pytest.raises(SignatureInvalid):
        connector_on(sandbox, webhook_secret="not-the-secret").parse_webhook(delivered.headers, delivered.body)


def test_address_valid_corrected_and_undeliverable(shippo):
    valid = shippo.verify_address(WAREHOUSE)
    assert (valid.deliverable, valid.suggestion) == (True, None)

    sloppy = PostalAddress(name="Ada", street1="965 mission st", city="san francisco", state="ca", postal_code="94103")
    corrected = shippo.verify_address(sloppy)
    assert corrected.deliverable
    assert corrected.suggestion is not None
    assert (corrected.suggestion.street1, corrected.suggestion.city, corrected.suggestion.state) == (
        "965 Mission Street",
        "San Francisco",
        "CA",
    )
    assert corrected.suggestion.name == "Ada"
    assert "Street corrected to 965 Mission Street." in corrected.messages

    no_zip = shippo.verify_address(
        PostalAddress(name="A", street1="1 Main St", city="X", state="CA", postal_code="00000")
    )
    assert (no_zip.deliverable, no_zip.messages) == (False, ("The ZIP code 00000 does not exist.",))
    undeliverable = shippo.verify_address(
        PostalAddress(name="A", street1="1 Undeliverable Road", city="New York", state="NY", postal_code="10118")
    )
    assert not undeliverable.deliverable
    assert "could not be found" in undeliverable.messages[0]


def test_manifest_covers_the_labels_and_locks_them_from_void(sandbox, shippo):
    labels = [
        shippo.buy(
            shipment(reference=f"SH-{n}"),
            cheapest(shippo.rates(shipment(reference=f"SH-{n}"))),
            idempotency_key=f"k{n}",
        )
        for n in (1, 2)
    ]

    manifest = shippo.manifest(labels)

    assert manifest.document.startswith(b"%PDF")
    assert sandbox.manifests[manifest.provider_id]["transactions"] == [label.provider_label_id for label in labels]
    refused = shippo.void(labels[0])
    assert (refused.status, refused.message) == (
        "rejected",
        "This label is on a manifest (SCAN form) and can no longer be refunded.",
    )


def test_a_manifest_of_two_carriers_is_refused_clearly(shippo):
    quotes = shippo.rates(shipment())
    labels = [shippo.buy(shipment(), cheapest(quotes, carrier), idempotency_key=carrier) for carrier in ("USPS", "UPS")]

    with pytest.raises(CarrierError, match="more than one Shippo carrier account"):
        shippo.manifest(labels)


def test_a_missing_postal_code_is_refused_naming_the_field(shippo):
    nowhere = PostalAddress(name="Ada", street1="350 5th Avenue", city="New York", state="NY", postal_code="")

    with pytest.raises(CarrierError) as refused:
        shippo.rates(shipment(ship_to=nowhere))

    assert refused.value.field == "address_to.zip"
    assert refused.value.message == "Shippo refused rating the parcel: address_to.zip: This field may not be blank."


def test_an_expired_rate_is_refused_and_nothing_is_bought(sandbox, shippo):
    quote = cheapest(shippo.rates(shipment()))
    sandbox.rate_ttl = timedelta(0)  # every rate is already stale

    with pytest.raises(CarrierError, match="Rate has expired"):
        shippo.buy(shipment(), quote, idempotency_key="k")

    assert all(transaction["status"] == "ERROR" for transaction in sandbox.transactions.values())


def test_the_signature_header_is_a_hex_hmac_of_the_raw_body(sandbox):
    sandbox.webhook_secret = SECRET
    sandbox.track_set("9205590000000000000001", "TRANSIT")
    [hook] = sandbox.take_webhooks()
    expected = hmac.new(SECRET.encode(), hook.body, hashlib.sha256).hexdigest()
    assert hook.headers["X-Shippo-Signature"] == expected
