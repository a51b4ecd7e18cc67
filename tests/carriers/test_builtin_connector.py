"""The built-in carrier behind the connector protocol: rates, labels, tracking, voids and address checks, no network."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from carriers.builtin import tracking_number_valid
from carriers.connectors.base import (
    DELIVERED,
    PRE_TRANSIT,
    CarrierError,
    Parcel,
    PostalAddress,
    RateQuote,
    ShipmentRequest,
    SignatureInvalid,
)
from carriers.connectors.builtin import BuiltinConnector

DALLAS = PostalAddress(
    name="Dock", company="Acme Goods", street1="1500 Marilla St", city="Dallas", state="TX", postal_code="75201"
)
AUSTIN = PostalAddress(name="Ann Lee", street1="500 Congress Ave", city="Austin", state="TX", postal_code="78701")
NEW_YORK = PostalAddress(name="Jane Doe", street1="350 5th Ave", city="New York", state="NY", postal_code="10001")
SMALL_BOX = Parcel(900, Decimal(20), Decimal(15), Decimal(10))
LABEL_TIME = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)  # a Monday


class Clock:
    def __init__(self, moment: datetime) -> None:
        self.moment = moment

    def __call__(self) -> datetime:
        return self.moment


def shipment(reference: str = "SH-000042-1", **changes) -> ShipmentRequest:
    fields = {"ship_from": DALLAS, "ship_to": NEW_YORK, "parcel": SMALL_BOX, "label_format": "pdf", **changes}
    return ShipmentRequest(reference=reference, **fields)


@pytest.fixture
def clock() -> Clock:
    return Clock(LABEL_TIME)


@pytest.fixture
def builtin(clock) -> BuiltinConnector:
    return BuiltinConnector(account_code="builtin", credentials={}, http=None, clock=clock)


def quote_for(connector: BuiltinConnector, carrier: str, service: str, request: ShipmentRequest) -> RateQuote:
    return next(q for q in connector.rates(request) if (q.carrier, q.service) == (carrier, service))


def test_rates_cover_three_carriers_and_three_services_cheapest_first(builtin):
    quotes = builtin.rates(shipment())
    assert {(q.carrier, q.service) for q in quotes} == {
        (carrier, service)
        for carrier in ("parcelway", "swiftship", "postline")
        for service in ("ground", "2nd-day-air", "next-day-air")
    }
    assert [q.amount for q in quotes] == sorted(q.amount for q in quotes)
    ground = quote_for(builtin, "parcelway", "ground", shipment())
    overnight = quote_for(builtin, "parcelway", "next-day-air", shipment())
    assert overnight.amount > ground.amount and overnight.delivery_days == 1
    assert ground.rate_id == "parcelway:ground" and ground.currency == "USD"


def test_ground_takes_longer_across_the_country_than_next_door(builtin):
    near = quote_for(builtin, "postline", "ground", shipment(ship_to=AUSTIN))
    far = quote_for(builtin, "postline", "ground", shipment())
    assert near.delivery_days is not None and far.delivery_days is not None
    assert far.delivery_days > near.delivery_days


def test_a_light_bulky_box_is_priced_by_dimensional_weight(builtin):
    bulky = shipment(parcel=Parcel(900, Decimal(60), Decimal(50), Decimal(40)))
    assert (
        quote_for(builtin, "parcelway", "ground", bulky).amount
        > quote_for(builtin, "parcelway", "ground", shipment()).amount
    )


def test_buy_makes_a_pdf_or_zpl_label_in_the_carriers_format_and_never_two(builtin):
    quote = quote_for(builtin, "parcelway", "ground", shipment())
    pdf = builtin.buy(shipment(), quote, idempotency_key="k1")
    assert pdf.label_format == "pdf" and pdf.label.startswith(b"%PDF")
    assert tracking_number_valid("parcelway", pdf.tracking_number)
    assert pdf.amount == quote.amount

    zpl = builtin.buy(shipment(label_format="zpl"), quote, idempotency_key="k1")
    assert zpl.label.startswith(b"^XA") and zpl.tracking_number == pdf.tracking_number
    recovered = builtin.recover_label(shipment(), quote, idempotency_key="k1")
    assert recovered is not None and recovered.tracking_number == pdf.tracking_number

    other = builtin.buy(shipment("SH-000042-2"), quote, idempotency_key="k2")
    assert other.tracking_number != pdf.tracking_number


def test_a_rate_of_another_provider_is_refused(builtin):
    foreign = RateQuote(carrier="UPS", service="Ground", amount=Decimal(9), currency="USD", rate_id="03")
    with pytest.raises(CarrierError) as refused:
        builtin.buy(shipment(), foreign, idempotency_key="k")
    assert refused.value.code == "rate_unknown"


def test_tracking_advances_from_the_label_time(builtin, clock):
    label = builtin.buy(shipment(), quote_for(builtin, "swiftship", "2nd-day-air", shipment()), idempotency_key="t")
    assert builtin.track(label.tracking_number, "swiftship").status == PRE_TRANSIT
    clock.moment = LABEL_TIME + timedelta(days=5)
    report = builtin.track(label.tracking_number, "swiftship")
    assert report.status == DELIVERED and report.delivered_at is not None
    assert report.delivered_at.date() == datetime(2026, 3, 4).date()  # two business days after Monday


def test_an_unknown_tracking_number_only_says_label_created(builtin):
    report = builtin.track("1ZF7W4K2039999999", "parcelway")
    assert report.status == PRE_TRANSIT and len(report.events) == 1


def test_void_is_refunded(builtin):
    label = builtin.buy(shipment(), builtin.rates(shipment())[0], idempotency_key="v")
    assert builtin.void(label).status == "refunded"


def test_verify_address_by_zip_code(builtin):
    assert builtin.verify_address(NEW_YORK).deliverable

    wrong_state = builtin.verify_address(
        PostalAddress(name="J", street1="1 Main St", city="Dallas", state="OK", postal_code="75201")
    )
    assert wrong_state.deliverable and wrong_state.suggestion is not None and wrong_state.suggestion.state == "TX"
    assert "Dallas, TX" in wrong_state.messages[0]

    unknown = builtin.verify_address(
        PostalAddress(name="J", street1="1 Main St", city="X", state="TX", postal_code="00000")
    )
    assert not unknown.deliverable and "00000 is not a postal code the built-in carrier knows" in unknown.messages[0]

    abroad = builtin.verify_address(
        PostalAddress(name="S", street1="10 Downing St", city="London", state="", postal_code="SW1A 2AA", country="GB")
    )
    assert abroad.deliverable and "street not checked" in abroad.messages[0]
    nowhere = builtin.verify_address(
        PostalAddress(name="S", street1="1 Rue X", city="Nowhere", state="", postal_code="1", country="QQ")
    )
    assert not nowhere.deliverable


def test_no_webhooks_no_manifest_no_credentials(builtin):
    assert "no credentials" in builtin.check()
    assert builtin.manifest([]).document == b""
    with pytest.raises(SignatureInvalid):
        builtin.parse_webhook({}, b"{}")
