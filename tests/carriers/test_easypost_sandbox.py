"""The EasyPost connector against its in-product sandbox: rate, buy once, print, void, and every failure.

Each test gets a fresh sandbox of its own name, reached as an account would reach it
(`sandbox://easypost.<name>`). The fixtures are named (`easypost`, `sandbox`, `name`) and the
other EasyPost test modules import them from here.
"""

from __future__ import annotations

import uuid
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest

from carriers.connectors import http_client
from carriers.connectors.base import (
    CarrierError,
    CarrierUnavailable,
    Customs,
    CustomsItem,
    Parcel,
    PostalAddress,
    RateQuote,
    ShipmentRequest,
)
from carriers.connectors.easypost import EasyPostConnector
from carriers.sandbox import carrier_sandboxes
from carriers.sandbox.easypost import EasyPostSandbox
from tests.carriers.test_easypost import sample

API_KEY = "EZTKsandbox0123456789abcdef"
DALLAS = PostalAddress("Dallas DC", "1900 Main Street", "Dallas", "TX", "75201", company="Acme Fulfilment")
NEAR = PostalAddress("Ada Lovelace", "2200 Ross Avenue", "Dallas", "TX", "75201")
FAR = PostalAddress("Grace Hopper", "179 N Harbor Dr", "Redondo Beach", "CA", "90277")


@pytest.fixture(name="name")
def name_fixture() -> str:
    return f"easypost.{uuid.uuid4().hex[:12]}"


@pytest.fixture(name="sandbox")
def sandbox_fixture(name: str) -> EasyPostSandbox:
    fresh = carrier_sandboxes.reset(name)
    assert isinstance(fresh, EasyPostSandbox)
    return fresh


def connect(name: str, api_key: str = API_KEY, sandbox: EasyPostSandbox | None = None) -> EasyPostConnector:
    secret = sandbox.webhook_secret if sandbox else ""
    return EasyPostConnector("ep", {"api_key": api_key, "webhook_secret": secret}, http_client(f"sandbox://{name}"))


@pytest.fixture(name="easypost")
def easypost_fixture(name: str, sandbox: EasyPostSandbox) -> EasyPostConnector:
    return connect(name, sandbox=sandbox)


def request(ship_to: PostalAddress = FAR, grams: int = 2000, dims: tuple[int, int, int] = (30, 20, 10), **extra: Any):
    parcel = Parcel(grams, *(Decimal(d) for d in dims))
    return ShipmentRequest("SH-000042-1", DALLAS, ship_to, parcel, **extra)


def quote(quotes: list[RateQuote], carrier: str, service: str) -> RateQuote:
    return next(q for q in quotes if q.carrier == carrier and q.service == service)


# The whole flow -----------------------------------------------------------------------------


def test_check_says_connected_in_test_mode(easypost):
    assert easypost.check() == "Connected (test mode)"


def test_rate_buy_print_track_and_void_a_pdf_label(easypost, sandbox):
    ask = request()
    quotes = easypost.rates(ask)
    cheapest = min(quotes, key=lambda q: q.amount)

    label = easypost.buy(ask, cheapest, idempotency_key="SH-000042-1")

    assert label.label.startswith(b"%PDF")
    assert label.tracking_number.startswith("94346002083")  # a USPS IMpb, 22 digits
    assert len(label.tracking_number) == 22
    assert (label.carrier, label.service, label.amount) == (cheapest.carrier, cheapest.service, cheapest.amount)
    assert sandbox.purchases == [cheapest.provider_shipment_id]
    report = easypost.track(label.tracking_number, label.carrier)
    assert report.status == "label_created"
    assert report.events[0].location == "DALLAS, TX 75201"
    result = easypost.void(label)
    assert result.status == "submitted"
    assert sandbox.shipments[label.provider_shipment_id]["refund_status"] == "submitted"


def test_a_zpl_label_is_made_on_request_and_is_zpl(easypost, sandbox):
    ask = request(label_format="zpl")
    ups_ground = quote(easypost.rates(ask), "UPS", "Ground")

    label = easypost.buy(ask, ups_ground, idempotency_key="k")

    assert label.label_format == "zpl"
    assert label.label.startswith(b"^XA")
    assert label.tracking_number.startswith("1Z") and len(label.tracking_number) == 18
    assert sandbox.count_calls("label") == 0  # asked for at creation: no second call was needed


def test_a_pdf_for_a_shipment_created_for_zpl_is_fetched_with_the_label_call(easypost, sandbox):
    ask = request(label_format="zpl")
    fedex = quote(easypost.rates(ask), "FedEx", "FEDEX_2_DAY")
    easypost.buy(ask, fedex, idempotency_key="k")

    again = easypost.recover_label(request(label_format="pdf"), fedex, idempotency_key="k")

    assert again is not None and again.label.startswith(b"%PDF")
    assert len(again.tracking_number) == 12  # FedEx Express
    assert sandbox.count_calls("label") == 1
    assert len(sandbox.purchases) == 1


def test_the_sandbox_answers_in_the_published_shapes(easypost, sandbox):
    ask = request()
    quotes = easypost.rates(ask)
    label = easypost.buy(ask, quotes[0], idempotency_key="k")
    shipment = sandbox.shipment_view(label.provider_shipment_id)
    created = sample("easypost_shipment_create_response.json")
    bought = sample("easypost_shipment_buy_response.json")

    assert set(shipment) == set(created)
    assert set(shipment["rates"][0]) == set(created["rates"][0])
    assert set(shipment["postage_label"]) == set(bought["postage_label"])
    assert set(shipment["to_address"]) == set(created["to_address"])
    assert set(shipment["parcel"]) == set(created["parcel"])
    assert set(shipment["tracker"]) >= set(sample("easypost_tracker_create_response.json")) - {"fees"}
    assert shipment["fees"][0]["amount"] == f"{label.amount:.5f}"


# Prices -------------------------------------------------------------------------------------


def test_heavier_farther_and_faster_all_cost_more(easypost):
    light_near = easypost.rates(request(NEAR, grams=500))
    heavy_near = easypost.rates(request(NEAR, grams=9000))
    light_far = easypost.rates(request(FAR, grams=500))

    for carrier, service in (("USPS", "GroundAdvantage"), ("UPS", "Ground"), ("FedEx", "FEDEX_2_DAY")):
        assert quote(heavy_near, carrier, service).amount > quote(light_near, carrier, service).amount
        assert quote(light_far, carrier, service).amount > quote(light_near, carrier, service).amount
    for carrier in ("USPS", "UPS", "FedEx"):
        by_speed = sorted((q for q in light_far if q.carrier == carrier), key=lambda q: q.amount)
        days = [q.delivery_days or 0 for q in by_speed]
        assert days == sorted(days, reverse=True), f"{carrier}: a dearer service is never slower"
        assert days[0] > days[-1]
    assert (quote(light_far, "USPS", "GroundAdvantage").delivery_days or 0) > (
        quote(light_near, "USPS", "GroundAdvantage").delivery_days or 0
    )


def test_a_light_but_bulky_box_is_billed_on_its_dimensional_weight(easypost):
    small = quote(easypost.rates(request(grams=500, dims=(20, 15, 10))), "UPS", "Ground")
    bulky = quote(easypost.rates(request(grams=500, dims=(60, 50, 40))), "UPS", "Ground")

    assert bulky.amount > small.amount


def test_a_carrier_that_cannot_rate_only_drops_out(easypost, sandbox):
    sandbox.failing_carriers["UPS"] = "UPS is not answering."

    quotes = easypost.rates(request())

    assert {q.carrier for q in quotes} == {"USPS", "FedEx"}
    assert sandbox.shipments[quotes[0].provider_shipment_id]["messages"][0]["message"] == "UPS is not answering."


def test_an_unknown_destination_zip_gets_no_rates_and_says_why(easypost):
    nowhere = PostalAddress("X", "1 Main St", "Nowhere", "ZZ", "00001")

    with pytest.raises(CarrierError) as refused:
        easypost.rates(request(nowhere))

    assert refused.value.code == "no_rates"
    assert "Invalid destination ZIP code" in refused.value.message


def test_an_international_parcel_needs_customs_and_carries_them(easypost, sandbox):
    london = PostalAddress("Ada", "10 Downing Street", "London", "", "SW1A 2AA", country="GB")
    with pytest.raises(CarrierError) as refused:
        easypost.rates(request(london))
    assert "Customs information is required" in refused.value.message

    customs = Customs("merchandise", (CustomsItem("T-shirt", 2, Decimal("30"), 400, "610910", "US"),), "Ada Byron")
    quotes = easypost.rates(request(london, customs=customs))

    assert {q.service for q in quotes} >= {"PriorityMailInternational", "INTERNATIONAL_PRIORITY"}
    items = sandbox.shipments[quotes[0].provider_shipment_id]["customs_info"]["customs_items"]
    assert (items[0]["hs_tariff_number"], items[0]["origin_country"], items[0]["value"]) == ("610910", "US", "30")


# Buying once ---------------------------------------------------------------------------------


def test_a_buy_whose_answer_was_lost_is_recovered_not_bought_again(easypost, sandbox):
    ask = request()
    chosen = quote(easypost.rates(ask), "USPS", "Priority")
    sandbox.timeout_next["buy"] = 1

    with pytest.raises(CarrierUnavailable) as lost:
        easypost.buy(ask, chosen, idempotency_key="SH-000042-1")
    assert lost.value.timed_out

    recovered = easypost.recover_label(ask, chosen, idempotency_key="SH-000042-1")
    retried = easypost.buy(ask, chosen, idempotency_key="SH-000042-1")

    assert recovered is not None and recovered.label.startswith(b"%PDF")
    assert retried.tracking_number == recovered.tracking_number
    assert sandbox.purchases == [chosen.provider_shipment_id]
    assert sandbox.count_calls("buy") == 2  # the retry was answered SHIPMENT.POSTAGE.EXISTS


def test_nothing_to_recover_when_the_buy_never_happened(easypost, sandbox):
    ask = request()
    chosen = easypost.rates(ask)[0]

    assert easypost.recover_label(ask, chosen, idempotency_key="k") is None
    assert sandbox.purchases == []


def test_a_lost_label_download_is_recovered_from_the_bought_shipment(easypost, sandbox):
    ask = request()
    chosen = easypost.rates(ask)[0]
    sandbox.timeout_next["files"] = 1

    with pytest.raises(CarrierUnavailable) as lost:
        easypost.buy(ask, chosen, idempotency_key="k")
    assert lost.value.timed_out

    recovered = easypost.recover_label(ask, chosen, idempotency_key="k")
    assert recovered is not None and recovered.label.startswith(b"%PDF")
    assert len(sandbox.purchases) == 1


def test_a_rate_that_is_not_easyposts_is_refused_before_any_call(easypost, sandbox):
    foreign = RateQuote("USPS", "Priority", Decimal("9"), "USD", rate_id="r1")

    with pytest.raises(CarrierError) as refused:
        easypost.buy(request(), foreign, idempotency_key="k")

    assert refused.value.code == "rate_expired"
    assert sandbox.count_calls() == 0


def test_an_expired_rate_is_refused_with_easyposts_words(easypost, sandbox):
    ask = request()
    chosen = easypost.rates(ask)[0]
    sandbox.rate_ttl = timedelta(hours=1)
    sandbox.advance(timedelta(hours=2))

    with pytest.raises(CarrierError) as refused:
        easypost.buy(ask, chosen, idempotency_key="k")

    assert "has expired" in refused.value.message
    assert sandbox.purchases == []
