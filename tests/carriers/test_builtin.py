"""The in-product carrier: real tracking number formats, deterministic labels, tracking that advances with time."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from carriers.builtin import (
    DELIVERED,
    IN_TRANSIT,
    LABEL_CREATED,
    OUT_FOR_DELIVERY,
    PICKED_UP,
    Address,
    CarrierError,
    CarrierSandbox,
    Label,
    LabelRequest,
    TrackRequest,
    carrier_client,
    tracking_number_for,
    tracking_number_valid,
    ups_check_digit,
)

LABEL_TIME = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)  # a Monday
ORDER = (LABEL_CREATED, PICKED_UP, IN_TRANSIT, OUT_FOR_DELIVERY, DELIVERED)


def clock_at(moment: datetime):
    return lambda: moment


def label_request(carrier="parcelway", service="ground", weight_grams=900, **extra) -> LabelRequest:
    return LabelRequest(
        carrier=carrier,
        service=service,
        reference=extra.pop("reference", "SH-000042"),
        weight_grams=weight_grams,
        ship_from=Address(name="Dallas DC", city="Dallas", region="TX", postal_code="75201"),
        ship_to=Address(name="Ada Lovelace", city="New York", region="NY", postal_code=extra.pop("to_postal", "10001")),
    )


def track_request(estimated: date | None = date(2026, 3, 5), tracking: str = "1ZF7W4K20300000425") -> TrackRequest:
    return TrackRequest(
        carrier="parcelway",
        tracking_number=tracking,
        label_created_at=LABEL_TIME,
        estimated_delivery=estimated,
        origin="Dallas, TX",
        destination="New York, NY",
    )


def test_ups_check_digit_matches_the_published_example():
    assert ups_check_digit("999AA1012345678") == 4  # 1Z999AA10123456784


@pytest.mark.parametrize(
    ("carrier", "service", "expected"),
    [
        ("parcelway", "ground", "1ZF7W4K20300000425"),
        ("parcelway", "next-day-air", "1ZF7W4K20100000429"),
        ("swiftship", "home-delivery", "770000000429"),
        ("postline", "ground-advantage", "9400111202555000000423"),
        ("metro-courier", "same-day", "MET000000000042"),
        ("", "", "SBX000000000042"),
    ],
)
def test_tracking_numbers_follow_each_carriers_format_and_never_change(carrier, service, expected):
    number = tracking_number_for(carrier=carrier, service=service, reference="SH-000042")

    assert number == expected
    assert tracking_number_valid(carrier, number)
    assert tracking_number_for(carrier=carrier, service=service, reference="SH-000042") == number
    assert tracking_number_for(carrier=carrier, service=service, reference="SH-000043") != number


@pytest.mark.parametrize(("carrier", "length"), [("parcelway", 18), ("swiftship", 12), ("postline", 22)])
def test_a_wrong_check_digit_is_not_a_valid_tracking_number(carrier, length):
    number = tracking_number_for(carrier=carrier, service="", reference="SH-123456")
    broken = number[:-1] + str((int(number[-1]) + 1) % 10)

    assert len(number) == length
    assert tracking_number_valid(carrier, number)
    assert not tracking_number_valid(carrier, broken)


def test_a_label_is_deterministic_zpl_with_a_rate_by_weight_and_speed():
    sandbox = CarrierSandbox(clock=clock_at(LABEL_TIME))

    label = sandbox.create_label(label_request())
    again = sandbox.create_label(label_request())

    assert isinstance(label, Label)
    assert (label.tracking_number, label.rate, label.created_at) == ("1ZF7W4K20300000425", Decimal("10.40"), LABEL_TIME)
    assert again == label
    assert label.label_format == "zpl"
    assert label.label_data.startswith("^XA") and label.label_data.endswith("^XZ")
    assert "^FD1ZF7W4K20300000425^FS" in label.label_data
    assert "Ada Lovelace" in label.label_data
    heavier = sandbox.create_label(label_request(weight_grams=4_000))
    faster = sandbox.create_label(label_request(service="next-day-air"))
    assert heavier.rate > label.rate
    assert faster.rate > label.rate


@pytest.mark.parametrize(
    ("weight", "to_postal", "message"),
    [(0, "10001", "more than 0"), (70_000, "10001", "freight"), (900, "", "postal code")],
)
def test_the_carrier_refuses_what_it_cannot_carry(weight, to_postal, message):
    with pytest.raises(CarrierError, match=message):
        CarrierSandbox().create_label(label_request(weight_grams=weight, to_postal=to_postal))


@pytest.mark.parametrize(
    ("moment", "statuses"),
    [
        (LABEL_TIME - timedelta(minutes=1), ()),
        (LABEL_TIME, ORDER[:1]),
        (LABEL_TIME + timedelta(hours=3), ORDER[:2]),
        (LABEL_TIME + timedelta(days=1), ORDER[:3]),
        (datetime(2026, 3, 5, 13, 30, tzinfo=UTC), ORDER[:4]),
        (datetime(2026, 3, 5, 20, 0, tzinfo=UTC), ORDER),
        (datetime(2026, 4, 1, tzinfo=UTC), ORDER),
    ],
)
def test_tracking_advances_from_the_label_to_the_estimated_delivery(moment, statuses):
    events = CarrierSandbox(clock=clock_at(moment)).track(track_request())

    assert tuple(event.status for event in events) == statuses


def test_every_scan_happens_in_order_even_when_delivery_is_due_the_day_the_label_is_made():
    for estimated in (date(2026, 3, 5), date(2026, 3, 2), date(2026, 2, 20), None):
        timeline = CarrierSandbox.timeline(track_request(estimated=estimated))

        assert tuple(event.status for event in timeline) == ORDER
        times = [event.occurred_at for event in timeline]
        assert times == sorted(times) and len(set(times)) == len(times)
        assert timeline[0].location == "Dallas, TX" and timeline[-1].location == "New York, NY"
    default = CarrierSandbox.timeline(track_request(estimated=None))
    assert default[-1].occurred_at.date() == date(2026, 3, 5)  # three days after the label


def test_the_client_comes_from_settings_so_a_real_carrier_replaces_the_sandbox(settings):
    assert isinstance(carrier_client(), CarrierSandbox)

    settings.CARRIER_CLIENT = "tests.carriers.test_builtin.FrozenSandbox"

    assert isinstance(carrier_client(), FrozenSandbox)


class FrozenSandbox(CarrierSandbox):
    def __init__(self):
        super().__init__(clock=clock_at(LABEL_TIME))
