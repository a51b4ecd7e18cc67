"""What the EasyPost connector makes of a carrier that throttles, fails, refuses or cannot be reached."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import httpx
import pytest

from carriers.connectors.base import BoughtLabel, CarrierError, CarrierUnavailable, ShipmentRequest
from carriers.connectors.easypost import EasyPostConnector
from tests.carriers.test_easypost_sandbox import (  # noqa: F401 (the fixtures are used by name)
    API_KEY,
    connect,
    easypost_fixture,
    name_fixture,
    quote,
    request,
    sandbox_fixture,
)


def bought(easypost: EasyPostConnector, carrier: str = "USPS", service: str = "Priority") -> BoughtLabel:
    ask: ShipmentRequest = request()
    return easypost.buy(ask, quote(easypost.rates(ask), carrier, service), idempotency_key="k")


# Throttling and outages ----------------------------------------------------------------------


def test_past_the_rate_limit_the_carrier_says_when_to_come_back(easypost, sandbox):
    sandbox.set_rate(0.5, 1)
    easypost.check()

    with pytest.raises(CarrierUnavailable) as throttled:
        easypost.check()

    assert throttled.value.retry_after == 2.0
    assert not throttled.value.timed_out
    assert "Retry after 2 s" in throttled.value.message


def test_the_default_limit_lets_a_burst_of_ten_through_then_throttles(easypost, sandbox):
    answers = []
    for _ in range(12):
        try:
            easypost.check()
            answers.append("ok")
        except CarrierUnavailable:
            answers.append("429")

    assert answers[:10] == ["ok"] * 10
    assert "429" in answers[10:]


def test_a_server_error_is_unavailable_and_the_next_call_goes_through(easypost, sandbox):
    sandbox.fail_next["rates"] = [503]

    with pytest.raises(CarrierUnavailable) as down:
        easypost.rates(request())

    assert "HTTP 503" in down.value.message
    assert not down.value.timed_out
    assert easypost.rates(request())


def test_a_server_error_on_buy_buys_nothing_and_the_retry_buys_once(easypost, sandbox):
    ask = request()
    chosen = easypost.rates(ask)[0]
    sandbox.fail_next["buy"] = [500]

    with pytest.raises(CarrierUnavailable):
        easypost.buy(ask, chosen, idempotency_key="k")
    assert sandbox.purchases == []

    easypost.buy(ask, chosen, idempotency_key="k")
    assert sandbox.purchases == [chosen.provider_shipment_id]


def test_a_timeout_is_unavailable_and_marked_as_timed_out(easypost, sandbox):
    sandbox.timeout_next["rates"] = 1

    with pytest.raises(CarrierUnavailable) as slow:
        easypost.rates(request())

    assert slow.value.timed_out


def test_a_carrier_that_cannot_be_reached_is_unavailable():
    def unreachable(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    http = httpx.Client(base_url="https://api.easypost.com", transport=httpx.MockTransport(unreachable))
    connector = EasyPostConnector("ep", {"api_key": API_KEY}, http)

    with pytest.raises(CarrierUnavailable) as down:
        connector.check()

    assert not down.value.timed_out
    assert "connection refused" in down.value.message


def test_a_base_url_that_already_ends_in_v2_is_not_doubled():
    seen = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request.url.path)
        return httpx.Response(200, json={"addresses": [], "has_more": False})

    http = httpx.Client(base_url="https://api.easypost.com/v2", transport=httpx.MockTransport(answer))

    assert EasyPostConnector("ep", {"api_key": API_KEY}, http).check() == "Connected (test mode)"
    assert seen == ["/v2/addresses"]


# Refusals -----------------------------------------------------------------------------------


def test_a_wrong_api_key_is_refused_as_auth_with_easyposts_words(name, sandbox):
    with pytest.raises(CarrierError) as refused:
        connect(name, api_key="EZTKwrong").check()

    assert refused.value.code == "auth"
    assert "api key is no longer active" in refused.value.message
    with pytest.raises(CarrierError) as missing:
        connect(name, api_key="").check()
    assert missing.value.code == "auth"


def test_a_revoked_key_stops_every_call(easypost, sandbox):
    sandbox.revoked = True

    with pytest.raises(CarrierError) as refused:
        easypost.rates(request())

    assert refused.value.code == "auth"
    assert not isinstance(refused.value, CarrierUnavailable)


def test_an_account_without_funds_is_a_billing_refusal(easypost, sandbox):
    ask = request()
    chosen = easypost.rates(ask)[0]
    sandbox.fail_next["buy"] = [402]

    with pytest.raises(CarrierError) as refused:
        easypost.buy(ask, chosen, idempotency_key="k")

    assert refused.value.code == "billing"
    assert sandbox.purchases == []


def test_a_parcel_without_weight_is_refused_with_the_reason(easypost):
    weightless = request(grams=0)

    with pytest.raises(CarrierError) as refused:
        easypost.rates(weightless)

    assert refused.value.code == "refused"
    assert "weight must be greater than 0" in refused.value.message


# Voids --------------------------------------------------------------------------------------


def test_a_usps_label_cannot_be_voided_after_thirty_days(easypost, sandbox):
    label = bought(easypost)
    sandbox.advance(timedelta(days=31))

    with pytest.raises(CarrierError) as refused:
        easypost.void(label)

    assert refused.value.code == "void_window"
    assert refused.value.message.startswith("Unable to request refund. USPS labels can be refunded within 30 days")
    assert sandbox.shipments[label.provider_shipment_id]["refund_status"] is None


def test_the_window_is_the_sandboxs_setting_and_per_carrier(easypost, sandbox):
    sandbox.refund_windows["UPS"] = timedelta(hours=1)
    label = bought(easypost, "UPS", "NextDayAir")
    sandbox.advance(timedelta(hours=2))

    with pytest.raises(CarrierError) as refused:
        easypost.void(label)

    assert refused.value.code == "void_window"
    assert "UPS labels" in refused.value.message


def test_a_parcel_already_scanned_cannot_be_voided(easypost, sandbox):
    label = bought(easypost)
    sandbox.advance(timedelta(hours=5))  # accepted at the origin facility

    with pytest.raises(CarrierError) as refused:
        easypost.void(label)

    assert refused.value.code == "void_window"
    assert "has been shipped" in refused.value.message


def test_a_void_is_submitted_then_refunded_and_asking_again_changes_nothing(easypost, sandbox):
    label = bought(easypost)

    assert easypost.void(label).status == "submitted"
    sandbox.advance(sandbox.refund_processing)
    assert easypost.void(label).status == "refunded"
    assert sandbox.shipment_view(label.provider_shipment_id)["fees"][0]["refunded"] is True


def test_voiding_a_shipment_easypost_does_not_know_is_not_found(easypost):
    ghost = BoughtLabel("9400", "USPS", "Priority", Decimal("9"), "USD", "pdf", b"", provider_shipment_id="shp_0")

    with pytest.raises(CarrierError) as refused:
        easypost.void(ghost)

    assert refused.value.code == "not_found"


# Scan forms ---------------------------------------------------------------------------------


def test_the_days_labels_go_on_one_scan_form_with_a_pdf(easypost, sandbox):
    labels = [bought(easypost), bought(easypost, "USPS", "GroundAdvantage")]

    form = easypost.manifest(labels)

    assert form.provider_id.startswith("sf_")
    assert form.document.startswith(b"%PDF")
    assert sandbox.scan_forms[form.provider_id]["tracking_codes"] == [label.tracking_number for label in labels]
    with pytest.raises(CarrierError) as again:
        easypost.manifest(labels[:1])
    assert "already on scan form" in again.value.message


def test_a_scan_form_covers_one_carrier(easypost, sandbox):
    labels = [bought(easypost), bought(easypost, "UPS", "Ground")]

    with pytest.raises(CarrierError) as refused:
        easypost.manifest(labels)

    assert refused.value.code == "manifest_carriers"
    assert sandbox.count_calls("scan_forms") == 0


def test_a_refunded_label_cannot_go_on_a_scan_form(easypost, sandbox):
    label = bought(easypost)
    easypost.void(label)

    with pytest.raises(CarrierError) as refused:
        easypost.manifest([label])

    assert "refunded" in refused.value.message
    assert sandbox.scan_forms == {}
