"""Ready-made cost models: three plausible US carriers, and Jasin & Sinha's linear model.

The carrier figures are invented but shaped like 2020s list prices (per started pound, by
zone); the product reads the real ones from the database. Tests and benchmarks use these.
"""

from __future__ import annotations

from decimal import Decimal

from .types import CostModel, RateCard

ZONES = range(1, 9)


def _by_zone(*values: str) -> dict[int, Decimal]:
    return {zone: Decimal(value) for zone, value in zip(ZONES, values, strict=True)}


def _days(*values: int) -> dict[int, int]:
    return dict(zip(ZONES, values, strict=False))


def demo_rate_cards() -> tuple[RateCard, ...]:
    """Ground, 2-day and overnight of ParcelCo; Ground Advantage and Priority of PostCo; MetroCourier same day."""
    return (
        RateCard.per_pound(
            carrier="parcelco",
            service="ground",
            level="standard",
            transit_days=_days(1, 1, 2, 3, 3, 4, 5, 5),
            first_pound=_by_zone("9.05", "9.25", "9.60", "10.10", "10.75", "11.50", "12.20", "13.00"),
            extra_pound=_by_zone("0.45", "0.55", "0.70", "0.90", "1.10", "1.30", "1.50", "1.70"),
            max_pounds=150,
        ),
        RateCard.per_pound(
            carrier="parcelco",
            service="2day",
            level="express",
            transit_days=_days(1, 2, 2, 2, 2, 2, 2, 2),
            first_pound=_by_zone("18.50", "19.20", "20.40", "21.90", "23.50", "25.10", "26.60", "28.00"),
            extra_pound=_by_zone("1.50", "1.70", "2.00", "2.35", "2.70", "3.00", "3.25", "3.50"),
            max_pounds=150,
        ),
        RateCard.per_pound(
            carrier="parcelco",
            service="next_day_air",
            level="next_day",
            transit_days=_days(1, 1, 1, 1, 1, 1, 1, 1),
            first_pound=_by_zone("32.00", "35.50", "39.00", "43.00", "47.00", "51.00", "54.50", "58.00"),
            extra_pound=_by_zone("3.00", "3.40", "3.90", "4.40", "4.90", "5.30", "5.70", "6.00"),
            max_pounds=150,
        ),
        RateCard.per_pound(
            carrier="postco",
            service="ground_advantage",
            level="standard",
            transit_days=_days(2, 2, 3, 3, 4, 4, 5, 5),
            first_pound=_by_zone("7.90", "8.10", "8.40", "8.80", "9.50", "10.20", "10.90", "11.80"),
            extra_pound=_by_zone("0.85", "1.00", "1.20", "1.45", "1.75", "2.05", "2.40", "2.75"),
            max_pounds=70,
        ),
        RateCard.per_pound(
            carrier="postco",
            service="priority",
            level="express",
            transit_days=_days(1, 2, 2, 2, 3, 3, 3, 3),
            first_pound=_by_zone("9.40", "9.80", "10.40", "11.30", "12.20", "13.10", "13.90", "14.50"),
            extra_pound=_by_zone("1.00", "1.20", "1.50", "1.85", "2.20", "2.50", "2.80", "3.00"),
            max_pounds=70,
        ),
        RateCard.per_pound(
            carrier="metrocourier",
            service="same_day",
            level="same_day",
            transit_days={1: 0, 2: 0},
            first_pound={1: Decimal("14.00"), 2: Decimal("22.00")},
            extra_pound={1: Decimal("0.25"), 2: Decimal("0.40")},
            max_pounds=50,
        ),
    )


def demo_cost_model() -> CostModel:
    """The demo carriers with the product's default cost settings (handling by kind, package, penalties)."""
    return CostModel(
        rate_cards=demo_rate_cards(),
        handling_by_kind={
            "warehouse": Decimal("1.50"),
            "store": Decimal("3.50"),
            "3pl": Decimal("2.25"),
            "dropship_supplier": Decimal("4.00"),
        },
        package_cost=Decimal("0.85"),
        late_penalty_per_day=Decimal("5.00"),
        backorder_penalty_per_unit=Decimal("25.00"),
    )


def jasin_sinha_cost_model(backorder_per_unit: Decimal) -> CostModel:
    """Jasin & Sinha (2015): $8.759 per package plus ($0.423 + $0.000541 x miles) per unit; no carrier table."""
    return CostModel(
        package_cost=Decimal("8.759"),
        per_unit_base=Decimal("0.423"),
        per_unit_per_mile=Decimal("0.000541"),
        backorder_penalty_per_unit=backorder_per_unit,
    )
