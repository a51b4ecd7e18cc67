"""The EasyPost connector reads EasyPost's published payloads as the product's dataclasses.

Every fixture here is a published EasyPost file from carriers/sandbox/samples/, read as is
(webhook Events: test_easypost_webhooks.py; the sandbox: test_easypost_sandbox.py and the
failures, tracking and address modules next to it).
"""

from __future__ import annotations

import copy
import json
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest

from carriers.connectors.base import (
    DELIVERED,
    EXCEPTION,
    IN_TRANSIT,
    OUT_FOR_DELIVERY,
    PRE_TRANSIT,
    RETURN_TO_SENDER,
    UNKNOWN,
    CarrierError,
    Customs,
    CustomsItem,
    Parcel,
    PostalAddress,
    ShipmentRequest,
)
from carriers.connectors.easypost import EasyPostConnector
from carriers.connectors.easypost.parsing import (
    label_url,
    parse_address_verdict,
    parse_error,
    parse_label,
    parse_rates,
    parse_refund,
    parse_tracker,
    tracking_status,
)
from carriers.connectors.easypost.payloads import shipment_payload

SAMPLES = Path(__file__).resolve().parents[2] / "carriers" / "sandbox" / "samples"
PUBLISHED_SECRET = "sécret"
PUBLISHED_SIGNATURE = "hmac-sha256-hex=38f3f53c103713df81616a0a186d77141957323ec21d5fe9363db93840f527db"


def sample(name: str) -> Any:
    return json.loads((SAMPLES / name).read_text())


def webhook_body() -> bytes:
    return (SAMPLES / "easypost_tracker_updated_webhook_event.json").read_bytes()


def connector(secret: str = PUBLISHED_SECRET) -> EasyPostConnector:
    # Parsing webhooks makes no call: a client that would fail loudly if one were made.
    def refuse(request: httpx.Request) -> httpx.Response:
        raise AssertionError(f"unexpected call {request.url}")

    http = httpx.Client(base_url="https://api.easypost.com", transport=httpx.MockTransport(refuse))
    return EasyPostConnector("ep", {"api_key": "EZTKx", "webhook_secret": secret}, http)


def steve_brule_request(**extra: Any) -> ShipmentRequest:
    """The published create request's shipment, in the product's terms (grams and centimetres)."""
    return ShipmentRequest(
        reference="SH-000042-1",
        ship_from=PostalAddress(
            name="EasyPost",
            street1="417 Montgomery Street",
            street2="5th Floor",
            city="San Francisco",
            state="CA",
            postal_code="94104",
            phone="4153334445",
            email="support@easypost.com",
        ),
        ship_to=PostalAddress(
            name="Dr. Steve Brule",
            street1="179 N Harbor Dr",
            city="Redondo Beach",
            state="CA",
            postal_code="90277",
            phone="8573875756",
            email="dr_steve_brule@gmail.com",
        ),
        parcel=Parcel(
            weight_grams=1868, length_cm=Decimal("51.3"), width_cm=Decimal("27.68"), height_cm=Decimal("12.7")
        ),
        **extra,
    )


# Requests -----------------------------------------------------------------------------------


def test_shipment_body_has_the_published_request_shape_in_ounces_and_inches():
    published = sample("easypost_shipment_create_request.json")["shipment"]
    body = shipment_payload(steve_brule_request())["shipment"]

    assert body["to_address"] == published["to_address"] | {"country": "US"}
    assert body["from_address"] == published["from_address"]
    # Strings, as in the published example; 1868 g is 65.9 oz, 51.3 cm is 20.2 in.
    assert body["parcel"] == {"weight": "65.9", "length": "20.2", "width": "10.9", "height": "5.0"}
    assert body["options"] == {"label_format": "PDF"}
    assert body["reference"] == "SH-000042-1"


def test_a_parcel_without_dimensions_is_sent_by_weight_alone():
    request = steve_brule_request()
    request = ShipmentRequest(request.reference, request.ship_from, request.ship_to, Parcel(weight_grams=500))

    assert shipment_payload(request)["shipment"]["parcel"] == {"weight": "17.7"}


def test_a_return_keeps_the_outbound_addresses_for_easypost_to_swap():
    outbound = steve_brule_request()
    # The product names the physical direction: the customer ships to the warehouse.
    request = ShipmentRequest(
        "RMA-000007", outbound.ship_to, outbound.ship_from, outbound.parcel, is_return=True, label_format="zpl"
    )
    body = shipment_payload(request)["shipment"]

    assert body["is_return"] is True
    assert body["to_address"]["name"] == "Dr. Steve Brule"
    assert body["from_address"]["name"] == "EasyPost"
    assert body["options"] == {"label_format": "ZPL"}


def test_customs_items_carry_hs_code_origin_value_and_weight_in_ounces():
    customs = Customs(
        contents_type="merchandise",
        signer="Steve Brule",
        items=(CustomsItem("T-shirt", 2, Decimal("20.00"), 300, "610910", "US", sku="TEE-1"),),
    )
    body = shipment_payload(steve_brule_request(customs=customs))["shipment"]["customs_info"]

    assert body["contents_type"] == "merchandise"
    assert body["customs_signer"] == "Steve Brule"
    assert body["customs_items"] == [
        {
            "description": "T-shirt",
            "quantity": 2,
            "value": "20.00",
            "currency": "USD",
            "weight": "10.6",
            "hs_tariff_number": "610910",
            "origin_country": "US",
            "code": "TEE-1",
        }
    ]


# Rates, labels, refunds ---------------------------------------------------------------------


def test_published_rates_become_quotes_with_decimal_amounts_and_the_shipment_id():
    quotes = parse_rates(sample("easypost_shipment_create_response.json"))

    assert [(q.carrier, q.service, q.amount, q.delivery_days) for q in quotes] == [
        ("USPS", "Express", Decimal("51.20"), 2),
        ("USPS", "Priority", Decimal("11.01"), 2),
        ("USPS", "GroundAdvantage", Decimal("8.20"), 3),
    ]
    assert {q.provider_shipment_id for q in quotes} == {"shp_a9b97f431c00435cb16ec2d6a14ed109"}
    assert quotes[2].rate_id == "rate_76e0cae29e294e6db279c76bbe2f27e9"
    assert all(q.currency == "USD" and q.delivery_date is None for q in quotes)


def test_a_carrier_failure_is_not_fatal_while_another_carrier_rates():
    shipment = sample("easypost_shipment_create_response.json")
    shipment["messages"] = [{"carrier": "FedEx", "type": "rate_error", "message": "Shipment cannot weigh less"}]
    shipment["rates"][0]["delivery_date"] = "2025-05-12T00:00:00Z"

    quotes = parse_rates(shipment)

    assert len(quotes) == 3
    assert quotes[0].delivery_date == date(2025, 5, 12)


def test_no_rates_at_all_is_refused_with_every_carriers_message():
    shipment = sample("easypost_shipment_create_response.json")
    shipment["rates"] = []
    shipment["messages"] = [
        {"carrier": "USPS", "type": "rate_error", "message": "Invalid destination ZIP"},
        {"carrier": "UPS", "type": "rate_error", "message": "Address not serviced"},
    ]

    with pytest.raises(CarrierError) as refused:
        parse_rates(shipment)

    assert refused.value.code == "no_rates"
    assert "USPS: Invalid destination ZIP" in refused.value.message
    assert "UPS: Address not serviced" in refused.value.message


def test_the_published_buy_answer_has_only_a_png_so_a_pdf_must_be_asked_for():
    bought = sample("easypost_shipment_buy_response.json")

    assert label_url(bought, "pdf") is None
    assert label_url(bought, "zpl") is None
    bought["postage_label"]["label_pdf_url"] = "https://easypost-files.example/label.pdf"
    assert label_url(bought, "pdf") == "https://easypost-files.example/label.pdf"


def test_the_published_buy_answer_is_a_label_with_tracking_rate_and_tracker_link():
    label = parse_label(sample("easypost_shipment_buy_response.json"), "pdf", b"%PDF-1.4")

    assert label.tracking_number == "9434600208303109842228"
    assert (label.carrier, label.service, label.amount, label.currency) == (
        "USPS",
        "GroundAdvantage",
        Decimal("8.20"),
        "USD",
    )
    assert label.provider_shipment_id == "shp_40b6f049f00348b18de3804a26f7fd62"
    assert label.provider_label_id == "pl_ee9667b7f7cf4ec480f0c4cf3c53f39c"
    assert label.tracking_url.startswith("https://track.easypost.com/")
    assert label.label == b"%PDF-1.4"


def test_a_shipment_not_bought_is_no_label():
    with pytest.raises(CarrierError) as refused:
        parse_label(sample("easypost_shipment_create_response.json"), "pdf", b"")

    assert refused.value.code == "not_bought"


def test_the_published_refund_is_submitted_and_later_statuses_are_read():
    refund = sample("easypost_shipment_refund_response.json")

    assert parse_refund(refund).status == "submitted"
    assert parse_refund(refund | {"refund_status": "refunded"}).status == "refunded"
    rejected = parse_refund(refund | {"refund_status": "rejected"})
    assert rejected.status == "rejected"
    assert "USPS" in rejected.message


# Tracking -----------------------------------------------------------------------------------


def test_the_published_tracker_is_read_oldest_event_first():
    report = parse_tracker(sample("easypost_tracker_create_response.json"))

    assert report.tracking_number == "EZ1000000001"
    assert report.status == PRE_TRANSIT
    assert [event.description for event in report.events] == [
        "Pre-Shipment Info Sent to USPS",
        "Shipping Label Created",
    ]
    assert report.events[1].location == "HOUSTON, TX 77063"
    assert report.events[0].location == ""
    assert report.est_delivery == datetime(2025, 5, 9, 20, 40, 17, tzinfo=UTC)
    assert report.delivered_at is None


def test_tracker_details_out_of_order_are_sorted():
    tracker = sample("easypost_tracker_create_response.json")
    tracker["tracking_details"].reverse()

    report = parse_tracker(tracker)

    assert report.events[0].description == "Pre-Shipment Info Sent to USPS"


def test_a_delivered_tracker_has_its_delivery_time():
    tracker = sample("easypost_tracker_create_response.json")
    delivered = copy.deepcopy(tracker["tracking_details"][-1])
    delivered.update(status="delivered", message="Delivered", datetime="2025-04-12T15:03:00Z")
    tracker["tracking_details"].append(delivered)
    tracker["status"] = "delivered"

    report = parse_tracker(tracker)

    assert report.status == DELIVERED
    assert report.delivered_at == datetime(2025, 4, 12, 15, 3, tzinfo=UTC)


@pytest.mark.parametrize(
    ("easypost", "product"),
    [
        ("pre_transit", PRE_TRANSIT),
        ("in_transit", IN_TRANSIT),
        ("out_for_delivery", OUT_FOR_DELIVERY),
        ("available_for_pickup", OUT_FOR_DELIVERY),
        ("delivered", DELIVERED),
        ("return_to_sender", RETURN_TO_SENDER),
        ("failure", EXCEPTION),
        ("error", EXCEPTION),
        ("cancelled", EXCEPTION),
        ("unknown", UNKNOWN),
        ("something_new", UNKNOWN),
    ],
)
def test_easypost_statuses_map_to_the_products(easypost, product):
    assert tracking_status(easypost) == product


# Addresses and errors -----------------------------------------------------------------------


def test_the_published_verified_address_is_suggested_with_its_zip4():
    original = PostalAddress(
        name="Ada",
        company="EasyPost",
        street1="417 Montgomery Street",
        street2="5th Floor",
        city="San Francisco",
        state="CA",
        postal_code="94104",
        phone="4151234567",
    )

    verdict = parse_address_verdict(original, sample("easypost_address_verify_response.json"))

    assert verdict.deliverable
    assert verdict.suggestion is not None
    assert (verdict.suggestion.street1, verdict.suggestion.street2) == ("417 MONTGOMERY ST FL 5", "")
    assert verdict.suggestion.postal_code == "94104-1129"
    assert verdict.suggestion.name == "Ada"  # the person is not a correction
    assert verdict.suggestion.residential is False


def test_an_address_already_as_verified_has_no_suggestion():
    verified = PostalAddress("Ada", "417 montgomery st fl 5", "San Francisco", "CA", "94104-1129")

    verdict = parse_address_verdict(verified, sample("easypost_address_verify_response.json"))

    assert verdict.deliverable
    assert verdict.suggestion is None


def test_the_published_verify_error_is_an_undeliverable_address_with_the_reason():
    body = sample("easypost_address_create_and_verify_error_response.json")

    verdict = parse_address_verdict(PostalAddress("X", "000 unknown street", "Not A City", "ZZ", "00001"), body)

    assert not verdict.deliverable
    assert verdict.messages == ("Address not found",)


def test_a_failed_delivery_verification_is_undeliverable():
    body = sample("easypost_address_verify_response.json")
    body["address"]["verifications"]["delivery"] = {
        "success": False,
        "errors": [{"field": "street1", "message": "House number is missing", "suggestion": None}],
        "details": None,
    }

    verdict = parse_address_verdict(PostalAddress("X", "Montgomery", "SF", "CA", "94104"), body)

    assert not verdict.deliverable
    assert verdict.messages == ("street1: House number is missing",)


def test_the_published_error_keeps_easyposts_code_and_words():
    error = parse_error(422, sample("easypost_address_create_and_verify_error_response.json"))

    assert error.code == "address"
    assert error.provider_code == "ADDRESS.VERIFY.FAILURE"
    assert error.message == "Unable to verify address: Address not found."
    assert error.field == "address"


def test_errors_given_as_plain_strings_are_read_too():
    error = parse_error(422, {"error": {"code": "X.Y", "message": "Bad input.", "errors": ["weight", "height"]}})

    assert error.message == "Bad input: weight; height."
    assert error.code == "refused"


@pytest.mark.parametrize(
    ("status", "code"), [(401, "auth"), (403, "auth"), (402, "billing"), (404, "not_found"), (400, "refused")]
)
def test_http_statuses_map_to_product_codes(status, code):
    assert parse_error(status, {"error": {"code": "SOMETHING", "message": "No.", "errors": []}}).code == code


def test_an_error_without_a_body_still_says_what_happened():
    error = parse_error(422, None)

    assert error.message == "EasyPost refused the request (HTTP 422)."
