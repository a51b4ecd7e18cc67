"""The product's carrier vocabulary: service names as people read them."""

from __future__ import annotations

from decimal import Decimal

import pytest

from carriers.connectors.base import Parcel, service_title


@pytest.mark.parametrize(
    ("carrier", "service", "title"),
    [
        ("FedEx", "FEDEX_GROUND", "FedEx Ground"),
        ("USPS", "GroundAdvantage", "USPS Ground Advantage"),
        ("UPS", "3DaySelect", "UPS 3 Day Select"),
        ("UPS", "2ndDayAir", "UPS 2nd Day Air"),
        ("UPS", "NextDayAirEarlyAM", "UPS Next Day Air Early AM"),
        ("USPS", "Priority Mail Express", "USPS Priority Mail Express"),
    ],
)
def test_provider_service_codes_read_as_names(carrier, service, title):
    assert service_title(carrier, service) == title


def test_a_light_bulky_box_is_billed_by_its_dimensional_weight():
    box = Parcel(weight_grams=500, length_cm=Decimal(50), width_cm=Decimal(40), height_cm=Decimal(30))
    assert box.weight_lb == Decimal("1.2")
    assert box.billable_weight_lb == box.dimensional_weight_lb > Decimal(20)
