"""UPS: the connector reads UPS's published payloads, and works end to end against the in-product sandbox."""

from __future__ import annotations

import base64
import io
import json
import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import httpx
import pytest
from PIL import Image

from carriers.builtin import ups_check_digit
from carriers.connectors import http_client
from carriers.connectors.base import (
    DELIVERED,
    EXCEPTION,
    PRE_TRANSIT,
    RETURN_TO_SENDER,
    CarrierError,
    CarrierUnavailable,
    Customs,
    CustomsItem,
    Parcel,
    PostalAddress,
    ShipmentRequest,
    SignatureInvalid,
)
from carriers.connectors.ups import UpsConnector, as_list
from carriers.connectors.ups.labels import gif_label_pdf
from carriers.connectors.ups.parsing import error_of, rates_of, report_of, shipped_of, token_of
from carriers.sandbox import carrier_sandboxes
from carriers.sandbox.ups import ACCOUNT_NUMBER, CLIENT_ID, CLIENT_SECRET, UpsSandbox

SAMPLES = Path(__file__).resolve().parents[2] / "carriers" / "sandbox" / "samples"
DALLAS = PostalAddress(
    name="Shipping Dock",
    company="Acme Goods Inc",
    street1="1500 Marilla St",
    city="Dallas",
    state="TX",
    postal_code="75201",
)
NEW_YORK = PostalAddress(name="Jane Doe", street1="350 5th Ave", city="New York", state="NY", postal_code="10001")
LONDON = PostalAddress(
    name="Sam Smith", street1="10 Downing St", city="London", state="", postal_code="SW1A 2AA", country="GB"
)
SMALL_BOX = Parcel(1800, Decimal(20), Decimal(15), Decimal(10))


def sample(name: str) -> dict:
    return json.loads((SAMPLES / name).read_text())


def shipment(reference: str = "SH-000042-1", *, label_format: str = "zpl", **changes) -> ShipmentRequest:
    fields = {"ship_from": DALLAS, "ship_to": NEW_YORK, "parcel": SMALL_BOX, **changes}
    return ShipmentRequest(reference=reference, label_format=label_format, **fields)


class Clock:
    """A monotonic clock the test moves."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def sandbox() -> UpsSandbox:
    sandbox = carrier_sandboxes.reset(f"ups.{uuid.uuid4().hex[:10]}")
    assert isinstance(sandbox, UpsSandbox)
    return sandbox


def connect(sandbox: UpsSandbox, clock: Clock | None = None, **credentials: str) -> UpsConnector:
    given = {"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET, "account_number": ACCOUNT_NUMBER, **credentials}
    return UpsConnector(
        account_code="ups-main",
        credentials=given,
        http=http_client(f"sandbox://{sandbox.name}"),
        clock=clock or Clock(),
    )


@pytest.fixture
def ups(sandbox: UpsSandbox) -> UpsConnector:
    return connect(sandbox)


def statuses(sandbox: UpsSandbox, op: str) -> list[int]:
    return [call.status for call in sandbox.calls if call.op == op]


# --- The published samples -------------------------------------------------------------------


def test_token_sample_gives_the_token_and_its_lifetime_in_seconds():
    assert token_of(sample("ups_oauth_token_response.json")) == ("<generated token>", 14399)


def test_rate_sample_gives_one_ground_quote_at_the_published_total():
    (quote,) = rates_of(sample("ups_rate_response.json"))
    assert (quote.carrier, quote.service, quote.rate_id) == ("UPS", "Ground", "03")
    assert (quote.amount, quote.currency) == (Decimal("12.49"), "USD")
    assert quote.delivery_days is None  # the sample carries no GuaranteedDelivery


def test_rate_error_sample_gives_the_code_and_message():
    response = httpx.Response(400, json=sample("ups_rate_error_response.json"))
    assert error_of(response) == ("111600", "BillShipper payment method is not valid for this shipment.")


def test_ship_sample_gives_tracking_negotiated_charge_and_a_label_that_decodes():
    shipped = shipped_of(sample("ups_ship_response.json"))
    assert shipped.tracking_number == shipped.shipment_id == "1ZWA82900123277535"
    assert shipped.amount == Decimal("198.42")  # negotiated, not the published 193.64
    assert shipped.image_format == "GIF"
    assert Image.open(io.BytesIO(shipped.image)).size == (1400, 800)
    pdf = gif_label_pdf(shipped.image)
    assert pdf.startswith(b"%PDF") and b"/MediaBox [ 0 0 288 432 ]" in pdf


def test_ship_sample_with_several_packages_reads_the_array_form():
    body = sample("ups_ship_response.json")
    results = body["ShipmentResponse"]["ShipmentResults"]
    results["PackageResults"] = [results["PackageResults"], dict(results["PackageResults"], TrackingNumber="1ZOTHER")]
    assert shipped_of(body).tracking_number == "1ZWA82900123277535"
    assert as_list(None) == [] and as_list({"a": 1}) == [{"a": 1}] and as_list([1, 2]) == [1, 2]


def test_track_sample_turns_newest_first_activity_around():
    report = report_of(sample("ups_track_response.json"), "1Z")
    assert [event.status for event in report.events] == [PRE_TRANSIT, DELIVERED]
    assert report.events[0].occurred_at == datetime(2022, 1, 26, 15, 16, 41, tzinfo=UTC)
    assert report.events[1].description == "DELIVERED"
    assert report.events[1].location == "PARAMUS, NJ, US"
    assert report.status == DELIVERED
    assert report.delivered_at == datetime(2022, 1, 26, 16, 30, tzinfo=UTC)


# --- Against the sandbox ---------------------------------------------------------------------


def test_shop_buy_track_and_void_against_the_sandbox(sandbox, ups):
    assert "W4R8X2" in ups.check()
    quotes = ups.rates(shipment())
    by_service = {quote.service: quote for quote in quotes}
    assert {"Ground", "2nd Day Air", "Next Day Air"} <= set(by_service)
    assert [quote.amount for quote in quotes] == sorted(quote.amount for quote in quotes)
    assert by_service["Next Day Air"].amount > by_service["2nd Day Air"].amount > by_service["Ground"].amount
    assert by_service["Next Day Air"].delivery_days == 1 and by_service["Ground"].delivery_days > 1

    zpl = ups.buy(shipment(), by_service["Ground"], idempotency_key="buy-zpl")
    assert zpl.label_format == "zpl" and zpl.label.startswith(b"^XA") and zpl.tracking_number.encode() in zpl.label
    number = zpl.tracking_number
    assert number.startswith("1ZW4R8X203") and len(number) == 18
    assert ups_check_digit(number[2:17]) == int(number[17])
    assert zpl.amount == by_service["Ground"].amount  # the account's negotiated price, as quoted

    pdf = ups.buy(shipment("SH-000042-2", label_format="pdf"), by_service["Next Day Air"], idempotency_key="buy-pdf")
    assert pdf.label_format == "pdf" and pdf.label.startswith(b"%PDF")
    assert pdf.tracking_number != number
    assert ups.void(pdf).status == "refunded"
    with pytest.raises(CarrierError):
        ups.void(pdf)  # already voided

    assert ups.track(number, "UPS").status == PRE_TRANSIT
    sandbox.travel(timedelta(days=10))
    report = ups.track(number, "UPS")
    assert report.status == DELIVERED and report.delivered_at is not None
    assert [event.occurred_at for event in report.events] == sorted(event.occurred_at for event in report.events)
    assert report.events[-1].location == "NEW YORK, NY, US"


def test_dimensional_weight_makes_a_light_bulky_box_cost_more(ups):
    bulky = Parcel(1800, Decimal(60), Decimal(50), Decimal(40))
    small = {quote.service: quote.amount for quote in ups.rates(shipment())}
    large = {quote.service: quote.amount for quote in ups.rates(shipment(parcel=bulky))}
    assert large["Ground"] > small["Ground"]


def test_a_wrong_shipper_number_gets_ups_published_refusal(sandbox):
    with pytest.raises(CarrierError) as refused:
        connect(sandbox, account_number="ZZZ999").rates(shipment())
    assert refused.value.code == "111600"
    assert "BillShipper payment method is not valid" in refused.value.message


def test_token_is_reused_until_shortly_before_expiry(sandbox):
    clock = Clock()
    ups = connect(sandbox, clock)
    ups.rates(shipment())
    ups.rates(shipment())
    assert statuses(sandbox, "token") == [200]
    clock.now += 14399 - 30  # within the last minute: fetched again before UPS would refuse it
    ups.rates(shipment())
    assert statuses(sandbox, "token") == [200, 200]
    assert 401 not in statuses(sandbox, "rate")


def test_a_token_expired_early_is_replaced_once_and_the_call_retried(sandbox, ups):
    ups.rates(shipment())
    sandbox.expire_tokens()
    assert ups.rates(shipment())
    assert statuses(sandbox, "token") == [200, 200]
    assert statuses(sandbox, "rate") == [200, 401, 200]


def test_access_revoked_mid_session_is_an_auth_error_after_one_new_token(sandbox, ups):
    ups.rates(shipment())
    sandbox.revoked = True
    with pytest.raises(CarrierError) as refused:
        ups.rates(shipment())
    assert refused.value.code == "auth"
    assert statuses(sandbox, "rate") == [200, 401]
    assert statuses(sandbox, "token") == [200, 401]


def test_refused_credentials_are_an_auth_error(sandbox):
    with pytest.raises(CarrierError) as refused:
        connect(sandbox, client_secret="wrong").rates(shipment())
    assert refused.value.code == "auth" and "ClientId is Invalid" in refused.value.message
    with pytest.raises(CarrierError) as missing:
        connect(sandbox, account_number="").rates(shipment())
    assert missing.value.field == "account_number"


def test_throttling_is_unavailable_with_retry_after(sandbox, ups):
    sandbox.set_rate(0.01, 1)
    ups.rates(shipment())
    with pytest.raises(CarrierUnavailable) as throttled:
        ups.rates(shipment())
    assert throttled.value.retry_after is not None and throttled.value.retry_after >= 1
    assert "Rate Limit Exceeded" in throttled.value.message


def test_a_server_error_is_unavailable_and_the_next_call_works(sandbox, ups):
    sandbox.fail_next["rate"] = [503]
    with pytest.raises(CarrierUnavailable) as failed:
        ups.rates(shipment())
    assert not failed.value.timed_out and "503" in failed.value.message
    assert ups.rates(shipment())


def test_a_buy_whose_answer_was_lost_is_recovered_not_bought_twice(sandbox, ups):
    quote = next(quote for quote in ups.rates(shipment()) if quote.service == "Ground")
    sandbox.timeout_next["ship"] = 1
    with pytest.raises(CarrierUnavailable) as lost:
        ups.buy(shipment(), quote, idempotency_key="pack-42-box-1")
    assert lost.value.timed_out
    assert sandbox.shipment_count() == 1  # UPS made it; the answer was lost

    again = ups.buy(shipment(), quote, idempotency_key="pack-42-box-1")
    assert sandbox.shipment_count() == 1
    assert again.label.startswith(b"^XA") and again.amount == quote.amount
    assert [trans for op, trans in sandbox.trans_ids if op == "ship"] == ["pack-42-box-1-1"]

    elsewhere = connect(sandbox)  # another worker retrying after a crash asks first
    recovered = elsewhere.recover_label(shipment(), quote, idempotency_key="pack-42-box-1")
    assert recovered is not None and recovered.tracking_number == again.tracking_number
    assert elsewhere.recover_label(shipment(), quote, idempotency_key="never-bought") is None


def test_a_voided_label_is_not_recovered(sandbox, ups):
    quote = ups.rates(shipment())[0]
    label = ups.buy(shipment(), quote, idempotency_key="void-me")
    ups.void(label)
    assert connect(sandbox).recover_label(shipment(), quote, idempotency_key="void-me") is None


def test_void_after_the_day_of_shipment_is_refused_with_the_reason(sandbox, ups):
    label = ups.buy(shipment(), ups.rates(shipment())[0], idempotency_key="late-void")
    sandbox.travel(timedelta(days=1))
    with pytest.raises(CarrierError) as refused:
        ups.void(label)
    assert refused.value.code == "void_window"
    assert "void period ended" in refused.value.message


def test_a_longer_void_window_allows_the_next_day(sandbox, ups):
    sandbox.void_window_days = 2
    label = ups.buy(shipment(), ups.rates(shipment())[0], idempotency_key="next-day-void")
    sandbox.travel(timedelta(days=1))
    assert ups.void(label).status == "refunded"


def test_forced_exception_and_return_to_shipper_are_reported(sandbox, ups):
    label = ups.buy(shipment(), ups.rates(shipment())[0], idempotency_key="trouble")
    sandbox.travel(timedelta(hours=10))
    sandbox.track_set(label.tracking_number, "X")
    assert ups.track(label.tracking_number, "UPS").status == EXCEPTION
    sandbox.track_set(label.tracking_number, "RS")
    report = ups.track(label.tracking_number, "UPS")
    assert report.status == RETURN_TO_SENDER and report.delivered_at is None


def test_unknown_tracking_number_is_refused(ups):
    with pytest.raises(CarrierError) as unknown:
        ups.track("1Z0000000000000000", "UPS")
    assert unknown.value.code == "TW0001"


def test_international_label_needs_customs_and_says_what_is_missing(sandbox, ups):
    abroad = shipment(ship_to=LONDON)
    quote = next(quote for quote in ups.rates(abroad) if quote.service == "Worldwide Saver")
    with pytest.raises(CarrierError) as refused:
        ups.buy(abroad, quote, idempotency_key="gb-1")
    assert refused.value.code == "customs_missing" and refused.value.field == "customs"
    incomplete = Customs("merchandise", (CustomsItem("Mug", 2, Decimal(20), 800, "", "US", sku="MUG-1"),), "A. Packer")
    with pytest.raises(CarrierError) as partial:
        ups.buy(shipment(ship_to=LONDON, customs=incomplete), quote, idempotency_key="gb-2")
    assert "MUG-1: HS code" in partial.value.message
    assert sandbox.count_calls("ship") == 0

    complete = Customs(
        "merchandise", (CustomsItem("Mug", 2, Decimal(20), 800, "6912.00", "US", sku="MUG-1"),), "A. Packer"
    )
    label = ups.buy(shipment(ship_to=LONDON, customs=complete), quote, idempotency_key="gb-3")
    assert label.tracking_number.startswith("1ZW4R8X265")


def test_address_validation_valid_corrected_and_unknown(ups):
    valid = ups.verify_address(NEW_YORK)
    assert valid.deliverable and valid.suggestion is None

    misspelt = ups.verify_address(
        PostalAddress(name="J", street1="12 Elm St", city="Dalas", state="TX", postal_code="75201")
    )
    assert misspelt.deliverable and misspelt.suggestion is not None
    assert misspelt.suggestion.city == "DALLAS" and misspelt.suggestion.postal_code.startswith("75201-")
    assert misspelt.suggestion.residential is True

    nowhere = ups.verify_address(
        PostalAddress(name="J", street1="12 Elm St", city="X", state="TX", postal_code="00000")
    )
    assert not nowhere.deliverable and "no deliverable address" in nowhere.messages[0]

    abroad = ups.verify_address(LONDON)
    assert abroad.deliverable and "US and Puerto Rico addresses only" in abroad.messages[0]


def test_no_webhooks_and_no_carrier_manifest(ups):
    with pytest.raises(SignatureInvalid):
        ups.parse_webhook({}, b"{}")
    manifest = ups.manifest([])
    assert manifest.provider_id == "" and manifest.document == b""


def test_the_sandbox_gif_label_is_landscape_like_ups(sandbox, ups):
    label = ups.buy(shipment(label_format="pdf"), ups.rates(shipment())[0], idempotency_key="gif")
    assert label.label.startswith(b"%PDF")
    client = http_client(f"sandbox://{sandbox.name}")
    token = client.post(
        "/security/v1/oauth/token", data={"grant_type": "client_credentials"}, auth=(CLIENT_ID, CLIENT_SECRET)
    ).json()["access_token"]
    body = client.post(
        "/api/labels/v1/recovery",
        json={"LabelRecoveryRequest": {"TrackingNumber": label.tracking_number}},
        headers={"Authorization": f"Bearer {token}", "transId": "label-check-1", "transactionSrc": "tests"},
    ).json()
    image = body["LabelRecoveryResponse"]["LabelResults"]["LabelImage"]
    gif = base64.b64decode(image["GraphicImage"])
    assert gif.startswith(b"GIF8") and Image.open(io.BytesIO(gif)).size == (1400, 800)
