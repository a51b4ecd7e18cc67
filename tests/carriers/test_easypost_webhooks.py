"""EasyPost tracker Events: the published fixture and its HMAC vector, verified byte for byte."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from carriers.connectors.base import IN_TRANSIT, PRE_TRANSIT, CarrierError, SignatureInvalid
from carriers.connectors.easypost import webhook_signature
from tests.carriers.test_easypost import PUBLISHED_SECRET, PUBLISHED_SIGNATURE, connector, webhook_body


def test_the_published_signature_vector_verifies_byte_for_byte():
    assert webhook_signature(PUBLISHED_SECRET, webhook_body()) == PUBLISHED_SIGNATURE


def test_the_published_tracker_updated_event_is_a_tracking_report():
    report = connector().parse_webhook({"X-Hmac-Signature": PUBLISHED_SIGNATURE}, webhook_body())

    assert report is not None
    assert report.event_id == "evt_1"
    assert report.tracking_number == "1"
    assert report.status == IN_TRANSIT
    assert len(report.events) == 7
    assert report.events[0].status == PRE_TRANSIT
    assert report.events[0].location == "32837, US"  # no city or state for the first scan
    assert report.events[-1].description == "Arrived at FedEx location"
    assert report.events[-1].location == "EDISON, NJ 08817"
    assert report.est_delivery == datetime(2024, 8, 5, tzinfo=UTC)


def test_the_signature_header_name_is_case_insensitive():
    report = connector().parse_webhook({"x-hmac-signature": PUBLISHED_SIGNATURE}, webhook_body())

    assert report is not None and report.event_id == "evt_1"


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"X-Hmac-Signature": ""},
        {"X-Hmac-Signature": PUBLISHED_SIGNATURE.replace("38f3", "38f4")},
        {"X-Hmac-Signature": PUBLISHED_SIGNATURE.removeprefix("hmac-sha256-hex=")},
        {"X-Hmac-Signature": "hmac-sha256-hex=é"},
    ],
)
def test_a_missing_or_wrong_signature_is_refused(headers):
    with pytest.raises(SignatureInvalid):
        connector().parse_webhook(headers, webhook_body())


def test_a_changed_body_or_another_secret_does_not_verify():
    with pytest.raises(SignatureInvalid):
        connector().parse_webhook({"X-Hmac-Signature": PUBLISHED_SIGNATURE}, webhook_body() + b"\n")
    with pytest.raises(SignatureInvalid):
        connector("secret").parse_webhook({"X-Hmac-Signature": PUBLISHED_SIGNATURE}, webhook_body())
    with pytest.raises(SignatureInvalid):
        connector("").parse_webhook({"X-Hmac-Signature": PUBLISHED_SIGNATURE}, webhook_body())


def test_the_secret_is_normalised_so_a_decomposed_accent_verifies_too():
    decomposed = "se\u0301cret"  # e + combining acute: what another keyboard may send

    report = connector(decomposed).parse_webhook({"X-Hmac-Signature": PUBLISHED_SIGNATURE}, webhook_body())

    assert report is not None


def test_an_event_that_is_not_about_a_tracker_is_ignored():
    event = json.loads(webhook_body())
    event.update(description="batch.updated", result={"object": "Batch", "id": "batch_1"})
    body = json.dumps(event).encode()

    assert connector().parse_webhook({"X-Hmac-Signature": webhook_signature(PUBLISHED_SECRET, body)}, body) is None


def test_a_signed_body_that_is_not_an_event_is_refused_as_malformed():
    body = b'{"object": "Tracker"}'

    with pytest.raises(CarrierError) as refused:
        connector().parse_webhook({"X-Hmac-Signature": webhook_signature(PUBLISHED_SECRET, body)}, body)

    assert refused.value.code == "malformed"
