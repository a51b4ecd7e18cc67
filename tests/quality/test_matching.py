"""Which rule applies, and how many units it inspects (pure, no database)."""

from __future__ import annotations

from decimal import Decimal

from quality.matching import BEFORE_SHIP, EVERY_UNIT, INBOUND, PERCENT, UNITS, RuleFacts, best_rule, sample_quantity


def facts(rule_id: int, **overrides: object) -> RuleFacts:
    values: dict[str, object] = {
        "rule_id": rule_id,
        "sku_id": None,
        "location_ids": frozenset(),
        "min_unit_price": None,
        "on_inbound": True,
        "before_ship": False,
        "sample_mode": EVERY_UNIT,
        "sample_size": 1,
    }
    values.update(overrides)
    return RuleFacts(**values)  # type: ignore[arg-type]


def choose(
    rules: list[RuleFacts],
    *,
    location: int = 1,
    sku: int = 10,
    price: str = "20",
    trigger: str = INBOUND,
    quantity: int = 10,
) -> int | None:
    found = best_rule(
        rules, location_id=location, sku_id=sku, unit_price=Decimal(price), trigger=trigger, quantity=quantity
    )
    return found.rule_id if found else None


def test_the_sample_is_every_unit_a_number_of_units_or_a_share_rounded_up() -> None:
    assert sample_quantity(EVERY_UNIT, 1, 40) == 40
    assert sample_quantity(UNITS, 5, 40) == 5
    assert sample_quantity(UNITS, 5, 3) == 3  # never more than came in
    assert sample_quantity(PERCENT, 10, 41) == 5  # 4.1 rounds up
    assert sample_quantity(PERCENT, 1, 7) == 1  # at least one unit
    assert sample_quantity(PERCENT, 100, 7) == 7
    assert sample_quantity(UNITS, 5, 0) == 0


def test_a_rule_for_the_sku_at_the_location_beats_broader_ones() -> None:
    rules = [
        facts(1),
        facts(2, location_ids=frozenset({1})),
        facts(3, sku_id=10),
        facts(4, sku_id=10, location_ids=frozenset({1})),
    ]
    assert choose(rules) == 4
    assert choose(rules[:3]) == 3
    assert choose(rules[:2]) == 2
    assert choose(rules[:1]) == 1
    assert choose(rules, location=2) == 3  # the location rules do not cover location 2
    assert choose(rules, sku=11, location=2) == 1


def test_among_equally_specific_rules_the_one_inspecting_more_wins() -> None:
    rules = [facts(1, sample_mode=UNITS, sample_size=2), facts(2, sample_mode=PERCENT, sample_size=50)]
    assert choose(rules, quantity=10) == 2  # 5 units beat 2
    assert choose(rules, quantity=2) == 1  # 2 units beat 50% of 2


def test_inbound_and_before_ship_rules_only_apply_to_their_moment() -> None:
    inbound = facts(1)
    before_ship = facts(2, on_inbound=False, before_ship=True)
    assert choose([inbound, before_ship], trigger=INBOUND) == 1
    assert choose([inbound, before_ship], trigger=BEFORE_SHIP) == 2
    assert choose([inbound], trigger=BEFORE_SHIP) is None


def test_a_high_value_rule_covers_skus_priced_at_or_above_its_threshold() -> None:
    rules = [facts(1, min_unit_price=Decimal("500"), before_ship=True)]
    assert choose(rules, price="499.99") is None
    assert choose(rules, price="500.00") == 1
    assert choose(rules, price="1200", trigger=BEFORE_SHIP) == 1
