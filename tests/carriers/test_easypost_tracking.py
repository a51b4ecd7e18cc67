"""EasyPost tracking and address checks through the sandbox: parcels that travel, signed tracker
Events the connector verifies, and addresses found, corrected or undeliverable."""

from __future__ import annotations

import json
from datetime import timedelta

import httpx
import pytest

from carriers.connectors.base import (
    DELIVERED,
    EXCEPTION,
    IN_TRANSIT,
    OUT_FOR_DELIVERY,
    PRE_TRANSIT,
    RETURN_TO_SENDER,
    PostalAddress,
    SignatureInvalid,
)
from carriers.connectors.easypost.webhooks import SIGNATURE_HEADER
from carriers.sandbox import carrier_sandboxes
from tests.carriers.test_easypost import sample
from tests.carriers.test_easypost_failures import bought
from tests.carriers.test_easypost_sandbox import (  # noqa: F401 (the fixtures are used by name)
    API_KEY,
    easypost_fixture,
    name_fixture,
    sandbox_fixture,
)

# Tracking -----------------------------------------------------------------------------------


def test_a_parcel_travels_with_the_clock_until_delivered(easypost, sandbox):
    label = bought(easypost, "USPS", "GroundAdvantage")
    days = sandbox.trackers[label.tracking_number].days
    assert days is not None

    sandbox.advance(timedelta(hours=10))
    assert easypost.track(label.tracking_number, "USPS").status == IN_TRANSIT
    sandbox.advance(timedelta(days=days) - timedelta(hours=10) - timedelta(hours=3))
    assert easypost.track(label.tracking_number, "USPS").status == OUT_FOR_DELIVERY
    sandbox.advance(timedelta(hours=4))
    report = easypost.track(label.tracking_number, "USPS")

    assert report.status == DELIVERED
    assert report.delivered_at == report.events[-1].occurred_at
    assert report.events[-1].location == "REDONDO BEACH, CA 90277"
    statuses = [event.status for event in report.events]
    assert statuses[0] == PRE_TRANSIT and statuses.count(DELIVERED) == 1
    assert [e.occurred_at for e in report.events] == sorted(e.occurred_at for e in report.events)


def test_tracking_the_same_code_twice_gives_the_same_tracker(easypost, sandbox):
    label = bought(easypost)

    easypost.track(label.tracking_number, "USPS")
    easypost.track(label.tracking_number, "USPS")

    assert len(sandbox.trackers) == 1


@pytest.mark.parametrize(
    ("code", "status"),
    [
        ("EZ1000000001", PRE_TRANSIT),
        ("EZ2000000002", IN_TRANSIT),
        ("EZ3000000003", OUT_FOR_DELIVERY),
        ("EZ4000000004", DELIVERED),
        ("EZ5000000005", RETURN_TO_SENDER),
        ("EZ6000000006", EXCEPTION),
        ("EZ7000000007", "unknown"),
    ],
)
def test_easyposts_test_tracking_codes_show_their_status(easypost, code, status):
    report = easypost.track(code, "USPS")

    assert report.status == status
    if status == DELIVERED:
        assert report.delivered_at is not None


def test_the_sandboxs_tracker_has_the_published_shape(easypost, sandbox):
    report = easypost.track("EZ1000000001", "USPS")
    tracker = sandbox.tracker_object(sandbox.trackers[report.tracking_number])

    assert set(tracker) == set(sample("easypost_tracker_create_response.json"))
    assert set(tracker["tracking_details"][0]) == set(
        sample("easypost_tracker_create_response.json")["tracking_details"][0]
    )


# Webhooks -----------------------------------------------------------------------------------


def test_a_forced_exception_is_delivered_as_a_signed_event_the_connector_reads(easypost, sandbox):
    label = bought(easypost)
    sandbox.take_webhooks()  # the tracker.created of the purchase

    sandbox.tracker_set(label.tracking_number, "failure", message="Addressee unknown")
    [hook] = sandbox.take_webhooks()
    report = easypost.parse_webhook(hook.headers, hook.body)

    assert report is not None
    assert report.status == EXCEPTION
    assert report.tracking_number == label.tracking_number
    assert report.event_id.startswith("evt_")
    assert report.events[-1].description == "Addressee unknown"
    event = json.loads(hook.body)
    assert event["description"] == "tracker.updated"
    assert event["previous_attributes"] == {"status": "pre_transit"}
    assert set(event) == set(json.loads(sample_event_bytes()))


def sample_event_bytes() -> bytes:
    return json.dumps(sample("easypost_tracker_updated_webhook_event.json")).encode()


def test_a_tampered_event_is_refused(easypost, sandbox):
    label = bought(easypost)
    sandbox.tracker_set(label.tracking_number, "delivered")
    hook = sandbox.take_webhooks()[-1]

    with pytest.raises(SignatureInvalid):
        easypost.parse_webhook(hook.headers, hook.body.replace(b"delivered", b"in_transit"))
    with pytest.raises(SignatureInvalid):
        easypost.parse_webhook({"Content-Type": "application/json"}, hook.body)


def test_duplicated_and_shuffled_deliveries_carry_their_event_ids(easypost, sandbox):
    label = bought(easypost)
    sandbox.tracker_set(label.tracking_number, "in_transit")
    sandbox.tracker_set(label.tracking_number, "delivered")

    hooks = sandbox.take_webhooks(duplicate=True, shuffle=True)
    reports = [easypost.parse_webhook(hook.headers, hook.body) for hook in hooks]

    assert len(hooks) == 6  # created, in transit, delivered: each twice
    assert len({report.event_id for report in reports if report}) == 3
    delivered = [report for report in reports if report and report.status == DELIVERED]
    assert len(delivered) == 2 and delivered[0].delivered_at is not None


def test_parcels_that_moved_with_time_owe_an_event_each(easypost, sandbox):
    labels = [bought(easypost), bought(easypost)]
    sandbox.take_webhooks()

    sandbox.advance(timedelta(hours=5))
    assert sandbox.emit_tracker_updates() == 2
    assert sandbox.emit_tracker_updates() == 0

    hooks = sandbox.take_webhooks()
    reports = [easypost.parse_webhook(hook.headers, hook.body) for hook in hooks]
    assert {report.tracking_number for report in reports if report} == {label.tracking_number for label in labels}
    assert all(SIGNATURE_HEADER in hook.headers for hook in hooks)


def test_forcing_an_unknown_status_or_code_is_a_mistake_in_the_test(sandbox):
    with pytest.raises(LookupError):
        sandbox.tracker_set("9400000000", "delivered")
    with pytest.raises(ValueError):
        sandbox.tracker_set("9400000000", "lost_in_space")


# Addresses ----------------------------------------------------------------------------------


def test_a_sloppy_address_gets_the_usps_form_with_zip4(easypost):
    sloppy = PostalAddress("Ada", "417 montgomery street", "san francisco", "ca", "94104", street2="5th Floor")

    verdict = easypost.verify_address(sloppy)

    assert verdict.deliverable
    assert verdict.suggestion is not None
    assert verdict.suggestion.street1 == "417 MONTGOMERY ST FL 5"
    assert verdict.suggestion.street2 == ""
    assert (verdict.suggestion.city, verdict.suggestion.state) == ("SAN FRANCISCO", "CA")
    assert verdict.suggestion.postal_code.startswith("94104-") and len(verdict.suggestion.postal_code) == 10
    assert verdict.suggestion.name == "Ada"


def test_an_address_as_usps_writes_it_is_good_with_no_suggestion(easypost):
    first = easypost.verify_address(PostalAddress("Ada", "1900 Main Street", "Dallas", "TX", "75201"))
    assert first.suggestion is not None

    verdict = easypost.verify_address(first.suggestion)

    assert verdict.deliverable
    assert verdict.suggestion is None
    assert verdict.messages == ()


def test_a_wrong_state_is_corrected_from_the_zip_code(easypost):
    verdict = easypost.verify_address(PostalAddress("Ada", "1900 Main St", "Dallas", "OK", "75201"))

    assert verdict.suggestion is not None and verdict.suggestion.state == "TX"


@pytest.mark.parametrize(
    ("address", "reason"),
    [
        (PostalAddress("X", "1 UNDELIVERABLE Rd", "Dallas", "TX", "75201"), "Address not found"),
        (PostalAddress("X", "000 unknown street", "Not A City", "ZZ", "00001"), "Address not found"),
        (PostalAddress("X", "Main Street", "Dallas", "TX", "75201"), "street1: House number is missing"),
    ],
)
def test_an_undeliverable_address_says_why(easypost, address, reason):
    verdict = easypost.verify_address(address)

    assert not verdict.deliverable
    assert verdict.suggestion is None
    assert verdict.messages == (reason,)


def test_create_and_verify_refuses_in_the_published_error_shape(name, sandbox):
    bad = {"street1": "000 unknown street", "city": "Not A City", "state": "ZZ", "zip": "00001", "country": "US"}
    with httpx.Client(base_url=f"sandbox://{name}", transport=_transport()) as client:
        response = client.post("/v2/addresses/create_and_verify", json={"address": bad}, auth=(API_KEY, ""))

    assert response.status_code == 422
    assert response.json() == sample("easypost_address_create_and_verify_error_response.json")


def test_verify_strict_refuses_and_a_good_address_verifies_wrapped(name, sandbox):
    good = {
        "street1": "417 Montgomery Street",
        "street2": "5th Floor",
        "city": "San Francisco",
        "state": "CA",
        "zip": "94104",
    }
    with httpx.Client(base_url=f"sandbox://{name}", transport=_transport()) as client:
        strict = client.post(
            "/v2/addresses", json={"address": {**good, "zip": "00001"}, "verify_strict": True}, auth=(API_KEY, "")
        )
        wrapped = client.post("/v2/addresses/create_and_verify", json={"address": good}, auth=(API_KEY, ""))

    assert strict.status_code == 422
    assert strict.json()["error"]["code"] == "ADDRESS.VERIFY.FAILURE"
    assert set(wrapped.json()["address"]) == set(sample("easypost_address_verify_response.json")["address"])
    assert wrapped.json()["address"]["verifications"]["delivery"]["details"]["time_zone"] == "America/Los_Angeles"


def _transport() -> httpx.BaseTransport:
    return carrier_sandboxes.transport()
