"""The carrier prices routing charges per (zone, ship date): computed once per process, never stale."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import numpy as np
import pytest

from fulfillment.routing.costs import carrier_costs, compile_cost_model
from fulfillment.routing.types import CostModel, RateCard

MONDAY = date(2026, 12, 7)


def _model(price: str, *, late_per_day: str = "0") -> CostModel:
    card = RateCard(
        carrier="parcelco",
        service="ground",
        level="standard",
        transit_days=dict.fromkeys(range(1, 9), 3),
        rates={zone: ((2000, Decimal(price)), (10_000, Decimal(price) + 4)) for zone in range(1, 9)},
    )
    return CostModel(rate_cards=(card,), late_penalty_per_day=Decimal(late_per_day))


def _price(model: CostModel, *, promised_by: date | None = None) -> np.ndarray:
    costs = carrier_costs(
        compile_cost_model(model), zone=5, shipped_on=MONDAY, service="standard", promised_by=promised_by, brackets=2
    )
    return costs.price


def test_a_repriced_rate_card_is_charged_on_the_next_plan():
    old, new = _model("8.00"), _model("9.50")

    assert _price(old).tolist() == [800.0, 1200.0]
    assert _price(new).tolist() == [950.0, 1350.0]
    assert _price(old).tolist() == [800.0, 1200.0]


def test_a_promise_the_card_misses_costs_its_late_days():
    model = _model("8.00", late_per_day="5.00")

    on_time = _price(model, promised_by=date(2026, 12, 10))  # Monday + 3 delivery days = Thursday
    two_days_late = _price(model, promised_by=date(2026, 12, 8))

    assert on_time.tolist() == [800.0, 1200.0]
    assert two_days_late.tolist() == [1800.0, 2200.0]


def test_the_shared_prices_cannot_be_changed_by_a_caller():
    model = _model("8.00")
    first = _price(model)

    with pytest.raises(ValueError, match="read-only"):
        first[0] = 0.0
    assert _price(model) is first
    assert first.tolist() == [800.0, 1200.0]
