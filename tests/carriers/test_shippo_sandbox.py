"""The Shippo sandbox answers as Shippo does: the recorded shapes, prices that follow weight, size and
distance, tracking that moves with its clock, customs, expiring label links, list pages and limits."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal
from typing import Any
from uuid import uuid4

import httpx
import pytest

from carriers.connectors import http_client
from carriers.connectors.base import (
    DELIVERED,
    IN_TRANSIT,
    OUT_FOR_DELIVERY,
    PRE_TRANSIT,
    RETURN_TO_SENDER,
    CarrierError,
    Customs,
    CustomsItem,
    Parcel,
    PostalAddress,
    ShipmentRequest,
)
from carriers.connectors.shippo import ShippoConnector
from carriers.sandbox import carrier_sandboxes
from carriers.sandbox.shippo import ShippoSandbox
from carriers.sandbox.shippo.core import load_sample

WAREHOUSE = PostalAddress(
    name="Dock 3", street1="215 Clayton Street", city="San Francisco", state="CA", postal_code="94117"
)
NEARBY = PostalAddress(name="Bo", street1="965 Mission Street", city="San Francisco", state="CA", postal_code="94103")
FAR = PostalAddress(name="Ada", street1="350 5th Avenue", city="New York", state="NY", postal_code="10118")
LONDON = PostalAddress(
    name="Grace", street1="10 Downing Street", city="London", state="", postal_code="SW1A 2AA", country="GB"
)
SMALL = Parcel(weight_grams=900, length_cm=Decimal(20), width_cm=Decimal(15), height_cm=Decimal(10))
CUSTOMS = Customs(
    contents_type="merchandise",
    signer="Dock 3",
    items=(
        CustomsItem(
            description="Wool scarf",
            quantity=2,
            value=Decimal("40"),
            weight_grams=400,
            hs_code="6117.10",
            origin_country="US",
            sku="SCARF-1",
        ),
    ),
)


@pytest.fixture
def sandbox() -> ShippoSandbox:
    built = carrier_sandboxes.reset(f"shippo.{uuid4().hex[:12]}")
    assert isinstance(built, ShippoSandbox)
    return built


@pytest.fixture
def shippo(sandbox: ShippoSandbox) -> ShippoConnector:
    http = http_client(f"sandbox://{sandbox.name}")
    return ShippoConnector(account_code="shippo-main", credentials={"api_token": sandbox.api_token}, http=http)


@pytest.fixture
def raw(sandbox: ShippoSandbox) -> httpx.Client:
    """Plain HTTP to the sandbox with the token, to look at its answers as Shippo's."""
    client = http_client(f"sandbox://{sandbox.name}")
    client.headers["Authorization"] = f"ShippoToken {sandbox.api_token}"
    return client


def request(
    ship_to: PostalAddress = FAR, parcel: Parcel = SMALL, reference: str = "SH-7-1", **changes: Any
) -> ShipmentRequest:
    return ShipmentRequest(reference=reference, ship_from=WAREHOUSE, ship_to=ship_to, parcel=parcel, **changes)


def prices(shippo: ShippoConnector, **changes: Any) -> dict[str, Decimal]:
    return {quote.service_code: quote.amount for quote in shippo.rates(request(**changes))}


def cheapest_usps(shippo: ShippoConnector, shipment: ShipmentRequest) -> Any:
    return min((q for q in shippo.rates(shipment) if q.carrier == "USPS"), key=lambda quote: quote.amount)


def test_answers_have_the_recorded_shapes(sandbox, shippo, raw):
    recorded_shipment = load_sample("shippo_shipment_create_response_recorded.json")
    label = shippo.buy(request(), cheapest_usps(shippo, request()), idempotency_key="k")
    shipment = sandbox.shipments[label.provider_shipment_id]
    transaction = raw.get(f"/transactions/{label.provider_label_id}").json()
    track = raw.get(f"/tracks/usps/{label.tracking_number}").json()
    refund = raw.post("/refunds/", json={"transaction": label.provider_label_id, "async": False}).json()

    assert shipment.keys() == recorded_shipment.keys()
    assert shipment["rates"][0].keys() == recorded_shipment["rates"][0].keys()
    assert shipment["parcels"][0].keys() == recorded_shipment["parcels"][0].keys()
    assert shipment["address_from"].keys() == recorded_shipment["address_from"].keys()
    assert transaction.keys() == load_sample("shippo_transaction_create_response_recorded.json").keys()
    assert set(track) == set(load_sample("shippo_track_updated_webhook_docs.json")["data"]) | {"test"}
    assert set(refund) == set(load_sample("shippo_refund_create_response_docs.json")) | {"test"}
    assert isinstance(shipment["rates"][0]["amount"], str)
    assert re.fullmatch(r"\d+\.\d{4}", shipment["parcels"][0]["weight"])  # dimensions as 4-decimal strings


def test_faster_costs_more_within_each_carrier(shippo):
    for quotes in ([q for q in shippo.rates(request()) if q.carrier == carrier] for carrier in ("USPS", "UPS")):
        by_speed = sorted(quotes, key=lambda quote: (quote.delivery_days, -quote.amount))
        amounts = [quote.amount for quote in by_speed]
        assert amounts == sorted(amounts, reverse=True)


def test_prices_follow_weight_size_and_distance(shippo):
    base = prices(shippo)
    heavier = prices(
        shippo, parcel=Parcel(weight_grams=9000, length_cm=Decimal(20), width_cm=Decimal(15), height_cm=Decimal(10))
    )
    bulky = prices(
        shippo, parcel=Parcel(weight_grams=900, length_cm=Decimal(60), width_cm=Decimal(50), height_cm=Decimal(40))
    )
    nearby = prices(shippo, ship_to=NEARBY)

    for service, amount in base.items():
        assert heavier[service] > amount
        assert bulky[service] > amount  # dimensional weight: a light, big box is billed as heavy
        assert nearby[service] <= amount


def test_tracking_moves_with_the_clock_and_every_scan_is_a_webhook(sandbox, shippo):
    label = shippo.buy(request(), cheapest_usps(shippo, request()), idempotency_key="k")
    seen = [shippo.track(label.tracking_number, "USPS").status]
    for hours in (9, 24 * 3, 24 * 3):
        sandbox.advance(hours=hours)
        seen.append(shippo.track(label.tracking_number, "USPS").status)

    report = shippo.track(label.tracking_number, "USPS")
    assert seen[0] == PRE_TRANSIT and seen[1] == IN_TRANSIT and seen[-1] == DELIVERED
    assert report.delivered_at is not None and report.delivered_at == report.events[-1].occurred_at
    assert [event.occurred_at for event in report.events] == sorted(event.occurred_at for event in report.events)
    assert OUT_FOR_DELIVERY in [event.status for event in report.events]
    statuses = [shippo.parse_webhook(hook.headers, hook.body).status for hook in sandbox.take_webhooks()]
    assert statuses == [event.status for event in report.events]


def test_track_set_overrides_the_plan(sandbox, shippo):
    label = shippo.buy(request(), cheapest_usps(shippo, request()), idempotency_key="k")

    sandbox.track_set(label.tracking_number, "RETURNED", "return_to_sender")
    sandbox.advance(days=10)

    report = shippo.track(label.tracking_number, "USPS")
    assert report.status == RETURN_TO_SENDER
    assert report.events[-1].description == "The package is being returned to the sender."
    with pytest.raises(ValueError, match="no tracking status 'LOST'"):
        sandbox.track_set(label.tracking_number, "LOST")


def test_shippo_test_numbers_and_unknown_carriers(shippo):
    assert shippo.track("SHIPPO_DELIVERED", "shippo").status == DELIVERED
    assert shippo.track("SHIPPO_FAILURE", "shippo").status == "exception"
    assert shippo.track("9400100000000000000000", "USPS").status == "unknown"
    with pytest.raises(CarrierError) as refused:
        shippo.track("123", "Pony Express")
    assert refused.value.field == "carrier"


def test_international_parcels_need_customs(sandbox, shippo):
    with pytest.raises(CarrierError, match="customs declaration is required"):
        shippo.rates(request(ship_to=LONDON))

    quotes = shippo.rates(request(ship_to=LONDON, customs=CUSTOMS))

    assert {quote.service_code for quote in quotes} == {"usps_priority_mail_international", "ups_saver"}
    declaration = sandbox.shipments[quotes[0].provider_shipment_id]["customs_declaration"]
    assert declaration["contents_type"] == "MERCHANDISE" and declaration["certify"] is True
    assert declaration["items"][0]["tariff_number"] == "6117.10"
    assert declaration["items"][0]["value_amount"] == "40.00"


def test_an_incomplete_customs_item_names_the_field(shippo):
    unknown_origin = Customs(
        contents_type="gift",
        signer="Dock 3",
        items=(
            CustomsItem(
                description="Mug", quantity=1, value=Decimal(9), weight_grams=300, hs_code="", origin_country=""
            ),
        ),
    )
    with pytest.raises(CarrierError) as refused:
        shippo.rates(request(ship_to=LONDON, customs=unknown_origin))

    assert refused.value.field == "customs_declaration.items[0].origin_country"
    assert refused.value.message.endswith("customs_declaration.items[0].origin_country: This field is required.")


def test_a_return_goes_to_shippo_with_outbound_addresses_and_is_return(sandbox, shippo):
    back = ShipmentRequest(reference="RMA-9", ship_from=FAR, ship_to=WAREHOUSE, parcel=SMALL, is_return=True)

    label = shippo.buy(back, cheapest_usps(shippo, back), idempotency_key="rma")

    shipment = sandbox.shipments[label.provider_shipment_id]
    assert (shipment["address_from"]["zip"], shipment["address_to"]["zip"], shipment["extra"]["is_return"]) == (
        "94117",
        "10118",
        True,
    )
    assert shippo.track(label.tracking_number, "USPS").events[0].location.startswith("New York")


def test_an_expired_label_link_is_refused_and_the_label_recovered_later(sandbox, shippo, raw):
    quote = cheapest_usps(shippo, request())
    sandbox.label_url_ttl = timedelta(seconds=-1)

    with pytest.raises(CarrierError, match="may have expired") as refused:
        shippo.buy(request(), quote, idempotency_key="k")
    assert refused.value.code == "document"

    sandbox.label_url_ttl = timedelta(days=365)
    recovered = shippo.recover_label(request(), quote, idempotency_key="k")
    assert recovered is not None and recovered.label.startswith(b"%PDF")
    link = raw.get(f"/transactions/{recovered.provider_label_id}").json()["label_url"]
    assert raw.get(link.replace("Signature=", "Signature=x")).status_code == 403


def test_a_queued_refund_is_submitted_and_asking_again_changes_nothing(sandbox, shippo):
    sandbox.refund_status = "QUEUED"
    label = shippo.buy(request(), cheapest_usps(shippo, request()), idempotency_key="k")

    first, again = shippo.void(label), shippo.void(label)

    assert (first.status, again.status) == ("submitted", "submitted")
    assert len(sandbox.refunds) == 1
    assert sandbox.transactions[label.provider_label_id]["status"] == "REFUNDPENDING"


def test_a_refused_purchase_says_why(sandbox, shippo):
    sandbox.purchase_errors.append("The carrier declined the label: the parcel is over its size limit.")

    with pytest.raises(CarrierError, match="over its size limit"):
        shippo.buy(request(), cheapest_usps(shippo, request()), idempotency_key="k")


def test_a_queued_manifest_is_read_back(sandbox, shippo):
    sandbox.manifest_async = True
    label = shippo.buy(request(), cheapest_usps(shippo, request()), idempotency_key="k")

    manifest = shippo.manifest([label])

    assert manifest.document.startswith(b"%PDF")
    assert sandbox.count_calls("manifests.get") == 1


def test_lists_page_and_limits_are_per_endpoint_and_verb(sandbox, shippo, raw):
    for key in ("a", "b"):
        shipment = request(reference=f"SH-{key}")
        shippo.buy(shipment, cheapest_usps(shippo, shipment), idempotency_key=key)
    page = raw.get("/transactions/", params={"results": 1}).json()
    assert (page["count"], len(page["results"])) == (2, 1)
    assert raw.get(page["next"]).json()["results"][0]["object_id"] != page["results"][0]["object_id"]

    sandbox.set_limit("shipments.post", 1)
    assert raw.post("/shipments/", json={}).status_code == 400  # counted, though refused
    throttled = raw.post("/shipments/", json={})
    assert throttled.status_code == 429 and throttled.json()["detail"].startswith("Request was throttled.")
    assert int(throttled.headers["Retry-After"]) >= 1
    assert raw.get("/carrier_accounts/").status_code == 200  # another endpoint, its own limit


def test_no_token_gets_drf_answer(sandbox):
    answer = http_client(f"sandbox://{sandbox.name}").get("/carrier_accounts/")
    assert (answer.status_code, answer.json()) == (401, {"detail": "Authentication credentials were not provided."})
