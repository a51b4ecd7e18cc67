"""The router with each location's own costs: partner terms, expected future cost (shadow prices), the channel's pool.

Exactness is checked against a brute force over every assignment that prices those terms itself.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fulfillment.routing import Candidate, CostModel, Line, Plan, RouteRequest, Rules, plan
from fulfillment.routing.presets import jasin_sinha_cost_model

from .routing.brute import _lines, _splits, eligible, keep_together_groups, shipment_cents
from .routing.test_properties import SLOW, assert_valid, instances, split_instances

PLACED = datetime(2026, 3, 3, 15, tzinfo=UTC)  # a Tuesday afternoon
LAS_VEGAS = (36.17, -115.14)


def _terms_cents(candidate: Candidate, lines: dict[str, int]) -> float:
    extra = sum(
        (float(candidate.unit_costs.get(sku, 0)) + float(candidate.future_costs.get(sku, 0))) * 100 * count
        for sku, count in lines.items()
    )
    return float(candidate.fixed_cost) * 100 + extra


def optimum_with_terms(request: RouteRequest, candidates: Sequence[Candidate], model: CostModel, rules: Rules) -> float:
    """The cheapest plan over every assignment, each location's own terms included (cents)."""
    skus, qty, weight = _lines(request)
    pooled = [c for c in candidates if rules.location_pool is None or c.code in rules.location_pool]
    places = eligible(request, pooled, model, rules)
    groups = keep_together_groups(rules, skus)  # overlapping groups merged, as the router reads them
    group_of = {sku: n for n, group in enumerate(groups) for sku in group}
    states: set[tuple[tuple[tuple[int, int, tuple[int, ...]], ...], tuple[int, ...], int]] = {
        (tuple((0, 0, tuple(0 for _ in skus)) for _ in places), tuple(-1 for _ in groups), 0)
    }
    for s, (sku, want) in enumerate(zip(skus, qty, strict=True)):
        stock = [max(0, min(int(p.candidate.available.get(sku, 0)), want)) for p in places]
        grown = set()
        for loads, owners, backordered in states:
            for split in _splits(want, stock):
                owners_after = list(owners)
                if sku in group_of:
                    used = [n for n, q in enumerate(split) if q]
                    g = group_of[sku]
                    if len(used) > 1 or (used and owners[g] not in (-1, used[0])):
                        continue
                    if used:
                        owners_after[g] = used[0]
                new_loads = tuple(
                    (u + q, grams + q * weight[s], tuple(c + (q if k == s else 0) for k, c in enumerate(counts)))
                    for (u, grams, counts), q in zip(loads, split, strict=True)
                )
                grown.add((new_loads, tuple(owners_after), backordered + want - sum(split)))
        states = grown
    best = math.inf
    penalty = float(model.backorder_penalty_per_unit) * 100
    for loads, _, backordered in states:
        shipping = [(place, load) for place, load in zip(places, loads, strict=True) if load[0]]
        if rules.max_packages is not None and len(shipping) > rules.max_packages:
            continue
        cost = backordered * penalty
        for place, (units, grams, counts) in shipping:
            cost += shipment_cents(request, place, model, units, grams)
            cost += _terms_cents(place.candidate, dict(zip(skus, counts, strict=True)))
        best = min(best, cost)
    return best


def _with_terms(draw: st.DrawFn, candidates: list[Candidate], skus: list[str]) -> list[Candidate]:
    money = st.integers(min_value=0, max_value=600).map(lambda c: Decimal(c) / 100)
    priced = []
    for candidate in candidates:
        priced.append(
            replace(
                candidate,
                fixed_cost=draw(st.sampled_from((Decimal(0), Decimal(0), Decimal("2.50"), Decimal("7")))),
                unit_costs={sku: draw(money) for sku in skus if draw(st.booleans())},
                future_costs={sku: draw(money) for sku in skus if draw(st.booleans())},
            )
        )
    return priced


@st.composite
def priced_instances(draw: st.DrawFn, base: st.SearchStrategy | None = None) -> tuple:
    request, candidates, model, rules = draw(base if base is not None else instances())
    skus = sorted({line.sku for line in request.lines})
    priced = _with_terms(draw, candidates, skus)
    if draw(st.integers(0, 3)) == 3:
        rules = replace(rules, location_pool=frozenset(draw(st.sets(st.sampled_from([c.code for c in priced])))))
    return request, priced, model, rules


def _plan_cents(found: Plan) -> float:
    return float(found.total_cost) * 100


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(priced_instances())
def test_plan_is_optimal_with_own_terms_future_costs_and_pools(instance: tuple) -> None:
    request, candidates, model, rules = instance
    found = plan(request, candidates, model, rules, time_budget_ms=SLOW)
    pooled = [c for c in candidates if rules.location_pool is None or c.code in rules.location_pool]
    assert_valid(request, pooled, model, rules, found)
    best = optimum_with_terms(request, candidates, model, rules)
    # the plan's reported total is rounded per shipment and per key: a few cents at most
    assert _plan_cents(found) == pytest.approx(best, abs=0.5 * (6 * len(found.shipments) + 1)), found.method


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(priced_instances(split_instances()))
def test_plan_is_optimal_with_own_terms_when_splits_pay(instance: tuple) -> None:
    request, candidates, model, rules = instance
    found = plan(request, candidates, model, rules, time_budget_ms=SLOW)
    best = optimum_with_terms(request, candidates, model, rules)
    assert _plan_cents(found) == pytest.approx(best, abs=0.5 * (6 * len(found.shipments) + 1)), found.method


def _request(quantity: int = 2, sku: str = "TENT") -> RouteRequest:
    return RouteRequest(
        lines=[Line(sku, quantity, 1500)], destination_lat=LAS_VEGAS[0], destination_lon=LAS_VEGAS[1], placed_at=PLACED
    )


RENO = Candidate(code="rno-dc", kind="warehouse", lat=39.53, lon=-119.81, available={"TENT": 3})
DALLAS = Candidate(code="dal-dc", kind="warehouse", lat=32.78, lon=-96.80, available={"TENT": 80})
MODEL = jasin_sinha_cost_model(Decimal("100"))


def test_without_future_costs_the_nearest_warehouse_ships() -> None:
    found = plan(_request(), [RENO, DALLAS], MODEL)

    assert [s.location for s in found.shipments] == ["rno-dc"]
    assert "expected future cost" not in found.reason


def test_a_shadow_price_keeps_the_last_units_for_the_demand_they_serve_and_says_so() -> None:
    reno = replace(RENO, future_costs={"TENT": Decimal("1.20")}, future_regions={"TENT": "Pacific"})

    found = plan(_request(3), [reno, DALLAS], MODEL)

    assert [s.location for s in found.shipments] == ["dal-dc"]
    assert "keeps the last 3 units at rno-dc for Pacific demand" in found.reason
    assert "$3.60 expected future cost saved for $1.17 more now" in found.reason
    assert "future_cost" not in found.cost_breakdown  # nothing taken from a priced location


def test_a_small_shadow_price_is_paid_and_shown_in_the_cost() -> None:
    reno = replace(RENO, future_costs={"TENT": Decimal("0.10")}, future_regions={"TENT": "Pacific"})

    found = plan(_request(3), [reno, DALLAS], MODEL)

    assert [s.location for s in found.shipments] == ["rno-dc"]
    assert found.cost_breakdown["future_cost"] == Decimal("0.30")
    assert "keeps" not in found.reason


def test_partner_terms_move_the_order_to_the_cheaper_location_and_the_runner_up_says_why() -> None:
    supplier = Candidate(
        code="acme",
        kind="dropship_supplier",
        lat=36.20,
        lon=-115.20,
        available={"TENT": 10},
        fixed_cost=Decimal("2.00"),
        unit_costs={"TENT": Decimal("1.50")},
        cost_terms="Acme Supply terms",
    )
    without_terms = plan(_request(), [replace(supplier, fixed_cost=Decimal(0), unit_costs={}), DALLAS], MODEL)
    assert [s.location for s in without_terms.shipments] == ["acme"]

    found = plan(_request(), [supplier, DALLAS], MODEL)

    assert [s.location for s in found.shipments] == ["dal-dc"]
    assert "incl. Acme Supply terms $5.00" in found.alternatives[0].summary


def test_partner_terms_paid_are_in_the_cost_and_the_reason() -> None:
    supplier = Candidate(
        code="acme",
        kind="dropship_supplier",
        lat=36.20,
        lon=-115.20,
        available={"TENT": 10},
        fixed_cost=Decimal("0.50"),
        unit_costs={"TENT": Decimal("0.25")},
        cost_terms="Acme Supply terms",
    )

    found = plan(_request(), [supplier, DALLAS], MODEL)

    assert [s.location for s in found.shipments] == ["acme"]
    assert found.shipments[0].cost_breakdown["partner_terms"] == Decimal("1.00")
    assert found.cost_breakdown["partner_terms"] == Decimal("1.00")
    assert found.reason.endswith("incl. Acme Supply terms $1.00")


def test_an_order_of_a_pooled_channel_ships_only_from_the_pool() -> None:
    rules = Rules(location_pool=frozenset({"dal-dc"}), pool_name="Amazon")

    found = plan(_request(), [RENO, DALLAS], MODEL, rules)

    assert [s.location for s in found.shipments] == ["dal-dc"]
    assert found.reason.endswith("Amazon pool only (dal-dc)")


def test_when_no_pool_location_holds_the_item_the_order_waits_like_any_unfillable_order() -> None:
    rules = Rules(location_pool=frozenset({"dal-dc"}), pool_name="Amazon")

    found = plan(_request(), [RENO, replace(DALLAS, available={})], MODEL, rules)

    assert found.shipments == ()
    assert found.backorders == {"TENT": 2}
    assert found.reason == "Backordered: no eligible location has stock of TENT; Amazon pool only (dal-dc)"


def test_a_pickup_is_not_bound_by_the_pool() -> None:
    rules = Rules(location_pool=frozenset({"dal-dc"}), pool_name="Amazon")

    found = plan(replace(_request(), pickup_location="rno-dc"), [RENO, DALLAS], MODEL, rules)

    assert [s.location for s in found.shipments] == ["rno-dc"]


def test_negative_terms_are_refused() -> None:
    with pytest.raises(ValueError, match="must not be negative"):
        plan(_request(), [replace(RENO, unit_costs={"TENT": Decimal("-1")})], MODEL)
    with pytest.raises(ValueError, match="fixed_cost must not be negative"):
        plan(_request(), [replace(RENO, fixed_cost=Decimal("-1"))], MODEL)


def test_overlapping_keep_together_groups_ship_as_one_in_the_plan_and_the_oracle() -> None:
    # {S0, S1} and {S0, S2} share S0, so all three ship together; no location holds all three.
    request = RouteRequest(
        lines=[Line("S0", 1, 500), Line("S1", 1, 500), Line("S2", 1, 500)],
        destination_lat=LAS_VEGAS[0],
        destination_lon=LAS_VEGAS[1],
        placed_at=PLACED,
    )
    both_a = Candidate(code="l0", kind="warehouse", lat=39.53, lon=-119.81, available={"S0": 1, "S1": 1})
    both_b = Candidate(code="l1", kind="warehouse", lat=32.78, lon=-96.80, available={"S0": 1, "S2": 1})
    rules = Rules(keep_together=(frozenset({"S0", "S1"}), frozenset({"S0", "S2"})))

    found = plan(request, [both_a, both_b], MODEL, rules, time_budget_ms=SLOW)

    assert sum(sum(shipment.lines.values()) for shipment in found.shipments) == 2  # one is backordered
    best = optimum_with_terms(request, [both_a, both_b], MODEL, rules)
    assert _plan_cents(found) == pytest.approx(best, abs=0.5 * (6 * len(found.shipments) + 1))
