"""The router against brute force on small random instances (hypothesis).

Each example draws 2-5 locations, 1-4 SKUs, random stock, weights, coordinates, time zones,
cut-offs, rate cards (or a Jasin & Sinha linear model), penalties and rules, and checks that
`plan` (and the MILP reference `solve_exact`) costs what the cheapest of all assignments
costs, never ships more than a location holds, breaks no rule, and is deterministic.
Costs are compared as the brute force prices them, not as the router reports them.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from fulfillment.routing import (
    Candidate,
    CostModel,
    Line,
    RateCard,
    RouteRequest,
    Rules,
    plan,
    solve_exact,
)

from .brute import eligible, optimum_cents, plan_cents

TIMEZONES = ("America/New_York", "America/Chicago", "America/Denver", "America/Los_Angeles", "UTC")
KINDS = ("warehouse", "store", "3pl", "dropship_supplier")
SLOW = 10_000.0  # ms: a generous budget, so a loaded test machine cannot turn a proof into a guess

small_money = st.integers(min_value=0, max_value=400).map(lambda c: Decimal(c) / 100)
levels = st.sampled_from(("standard", "standard", "standard", "express", "next_day", "same_day"))


@st.composite
def rate_cards(draw: st.DrawFn) -> RateCard:
    everywhere = draw(st.sampled_from((True, True, True, False)))
    zones = set(range(1, 9)) if everywhere else draw(st.sets(st.integers(1, 8), min_size=1, max_size=8))
    limits = sorted(draw(st.sets(st.integers(100, 6000), min_size=1, max_size=6)))
    if draw(st.sampled_from((True, True, False))):
        limits.append(20_000)  # a heavy bracket, so most parcels fit
    rates = {}
    for zone in zones:
        price = draw(st.integers(300, 1500))
        rows = []
        for limit in limits:
            rows.append((limit, Decimal(price) / 100))
            price += draw(st.integers(0, 400))
        rates[zone] = tuple(rows)
    return RateCard(
        carrier=draw(st.sampled_from(("parcelco", "postco"))),
        service=draw(st.sampled_from(("ground", "air", "courier"))),
        level=draw(st.sampled_from(("same_day", "standard", "express", "next_day"))),
        transit_days={zone: draw(st.integers(0, 6)) for zone in zones},
        rates=rates,
    )


@st.composite
def cost_models(draw: st.DrawFn) -> CostModel:
    linear = draw(st.sampled_from((False, False, False, True)))
    return CostModel(
        rate_cards=()
        if linear and draw(st.booleans())
        else tuple(draw(st.lists(rate_cards(), min_size=1, max_size=3))),
        # (the first card of each list serves every zone at every level often enough: see rate_cards)
        handling_by_kind={kind: draw(small_money) for kind in KINDS if draw(st.booleans())},
        package_cost=draw(small_money),
        per_unit_base=draw(small_money) if linear else Decimal(0),
        per_unit_per_mile=Decimal(draw(st.integers(0, 100))) / 100_000 if linear else Decimal(0),
        late_penalty_per_day=draw(small_money),
        backorder_penalty_per_unit=Decimal(draw(st.sampled_from((25000, 9000, 4000, 1500, 300)))) / 100,
        allow_upgrade=draw(st.sampled_from((True, True, True, False))),
    )


@st.composite
def instances(draw: st.DrawFn) -> tuple[RouteRequest, list[Candidate], CostModel, Rules]:
    skus = [f"S{n}" for n in range(draw(st.integers(1, 4)))]
    lines = [Line(sku, draw(st.integers(1, 3)), draw(st.integers(0, 3000))) for sku in skus]
    count = draw(st.integers(2, 5))
    candidates = []
    for n in range(count):
        candidates.append(
            Candidate(
                code=f"L{n}",
                kind=draw(st.sampled_from(("warehouse", "warehouse", *KINDS))),
                lat=draw(st.floats(25.0, 48.0)),
                lon=draw(st.floats(-124.0, -68.0)),
                available={
                    sku: draw(st.sampled_from((1, 2, 3, 0)))
                    for sku in skus
                    if draw(st.sampled_from((True, True, False)))
                },
                capacity_left=draw(st.sampled_from((None, None, None, 5, 1, 0))),
                priority=draw(st.integers(1, 3)),
                cutoff_local=draw(st.sampled_from((None, time(12), time(15, 30)))),
                timezone=draw(st.sampled_from(TIMEZONES)),
                ships_orders=draw(st.sampled_from((True, True, True, True, True, False))),
                ship_from_store=draw(st.sampled_from((True, True, False))),
            )
        )
    placed = datetime(2025, 11, 20, tzinfo=UTC) + timedelta(minutes=draw(st.integers(0, 60 * 24 * 7)))
    request = RouteRequest(
        lines=lines,
        destination_lat=draw(st.floats(25.0, 48.0)),
        destination_lon=draw(st.floats(-124.0, -68.0)),
        placed_at=placed,
        service=draw(levels),
        promised_by=draw(st.one_of(st.none(), st.integers(0, 6).map(lambda d: placed.date() + timedelta(days=d)))),
    )
    codes = [c.code for c in candidates]
    groups = draw(st.lists(st.sets(st.sampled_from(skus), min_size=2), max_size=2)) if len(skus) > 1 else []
    rules = Rules(
        excluded_locations=frozenset(
            draw(st.sets(st.sampled_from(codes), max_size=1)) if draw(st.integers(0, 2)) == 2 else ()
        ),
        excluded_kinds=frozenset(
            draw(st.sets(st.sampled_from(KINDS), max_size=1)) if draw(st.integers(0, 2)) == 2 else ()
        ),
        max_packages=draw(st.sampled_from((None, None, 3, 2, 1))),
        keep_together=tuple(frozenset(g) for g in groups),
        ship_from_store_radius_miles=draw(st.sampled_from((None, None, 1500.0, 300.0))),
    )
    return request, candidates, draw(cost_models()), rules


@st.composite
def split_instances(draw: st.DrawFn) -> tuple[RouteRequest, list[Candidate], CostModel, Rules]:
    """Instances where splits pay: every location ships, each holds part of the order, parcels cross brackets."""
    skus = [f"S{n}" for n in range(draw(st.integers(2, 4)))]
    lines = [Line(sku, draw(st.integers(1, 3)), draw(st.integers(200, 2500))) for sku in skus]
    candidates = [
        Candidate(
            code=f"L{n}",
            kind=draw(st.sampled_from(("warehouse", "3pl", "dropship_supplier"))),
            lat=draw(st.floats(25.0, 48.0)),
            lon=draw(st.floats(-124.0, -68.0)),
            available={sku: draw(st.integers(0, 3)) for sku in skus},
            priority=draw(st.integers(1, 2)),
            timezone=draw(st.sampled_from(TIMEZONES)),
        )
        for n in range(draw(st.integers(3, 5)))
    ]
    steps = draw(st.sampled_from((500, 1000, 2000)))
    cards = []
    for carrier in ("parcelco", "postco")[: draw(st.integers(1, 2))]:
        first = draw(st.integers(400, 1200))
        extra = draw(st.integers(20, 300))
        cards.append(
            RateCard(
                carrier=carrier,
                service="ground",
                level="standard",
                transit_days=dict.fromkeys(range(1, 9), draw(st.integers(1, 5))),
                rates={
                    zone: tuple(
                        ((k + 1) * steps, Decimal(first + 60 * zone + extra * k) / 100) for k in range(30_000 // steps)
                    )
                    for zone in range(1, 9)
                },
            )
        )
    model = CostModel(
        rate_cards=tuple(cards),
        handling_by_kind={"warehouse": Decimal("1.50"), "3pl": Decimal("2.25")},
        package_cost=draw(small_money),
        backorder_penalty_per_unit=Decimal(draw(st.sampled_from((5000, 1500, 800)))) / 100,
        late_penalty_per_day=Decimal("5"),
    )
    placed = datetime(2025, 11, 20, tzinfo=UTC) + timedelta(minutes=draw(st.integers(0, 60 * 24 * 7)))
    request = RouteRequest(
        lines=lines,
        destination_lat=draw(st.floats(25.0, 48.0)),
        destination_lon=draw(st.floats(-124.0, -68.0)),
        placed_at=placed,
        promised_by=placed.date() + timedelta(days=draw(st.integers(1, 6))),
    )
    groups = draw(st.lists(st.sets(st.sampled_from(skus), min_size=2, max_size=2), max_size=1))
    rules = Rules(max_packages=draw(st.sampled_from((None, None, 3, 2))), keep_together=tuple(map(frozenset, groups)))
    return request, candidates, model, rules


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(split_instances())
def test_plan_is_optimal_when_splits_pay(instance) -> None:
    request, candidates, model, rules = instance
    result = plan(request, candidates, model, rules, time_budget_ms=SLOW)
    event(f"method={result.method} packages={len(result.shipments)} backorders={bool(result.backorders)}")
    assert_valid(request, candidates, model, rules, result)
    best = optimum_cents(request, candidates, model, rules)
    assert plan_cents(request, candidates, model, result) == pytest.approx(best, rel=1e-9, abs=1e-6), result.method


def assert_valid(request: RouteRequest, candidates: list[Candidate], model: CostModel, rules: Rules, result) -> None:
    """No oversell, every unit accounted for, every rule kept."""
    wanted: dict[str, int] = {}
    for line in request.lines:
        wanted[line.sku] = wanted.get(line.sku, 0) + line.quantity
    allowed = {p.candidate.code for p in eligible(request, candidates, model, rules)}
    by_code = {c.code: c for c in candidates}
    shipped = dict.fromkeys(wanted, 0)
    locations = [s.location for s in result.shipments]
    assert len(locations) == len(set(locations)), "one shipment per location"
    for shipment in result.shipments:
        assert shipment.location in allowed, f"{shipment.location} may not ship this order"
        for sku, count in shipment.lines.items():
            assert 0 < count <= by_code[shipment.location].available.get(sku, 0), "more than available"
            shipped[sku] += count
        assert shipment.cost == sum(shipment.cost_breakdown.values())
    for sku, count in wanted.items():
        assert shipped[sku] + result.backorders.get(sku, 0) == count
    if rules.max_packages is not None:
        assert len(result.shipments) <= rules.max_packages
    for group in rules.keep_together:
        sources = {s.location for s in result.shipments if any(sku in group for sku in s.lines)}
        assert len(sources) <= 1, f"keep-together {sorted(group)} split across {sources}"
    assert result.total_cost == sum(result.cost_breakdown.values())


@settings(max_examples=1000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(instances())
def test_plan_is_optimal_valid_and_deterministic(instance) -> None:
    request, candidates, model, rules = instance
    result = plan(request, candidates, model, rules, time_budget_ms=SLOW)
    event(f"method={result.method} packages={len(result.shipments)} backorders={bool(result.backorders)}")
    assert_valid(request, candidates, model, rules, result)
    best = optimum_cents(request, candidates, model, rules)
    cost = plan_cents(request, candidates, model, result)
    assert cost == pytest.approx(best, rel=1e-9, abs=1e-6), f"{result.method}: {cost} vs optimum {best}"
    assert float(result.total_cost) == pytest.approx(cost / 100, abs=0.005 * (4 * len(result.shipments) + 1))
    assert plan(request, candidates, model, rules, time_budget_ms=SLOW) == result


@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(instances())
def test_milp_reference_is_optimal(instance) -> None:
    request, candidates, model, rules = instance
    result = solve_exact(request, candidates, model, rules)
    assert_valid(request, candidates, model, rules, result)
    best = optimum_cents(request, candidates, model, rules)
    assert plan_cents(request, candidates, model, result) == pytest.approx(best, rel=1e-9, abs=1e-6)


@settings(max_examples=60, deadline=None)
@given(instances())
def test_a_tight_budget_still_gives_a_valid_plan(instance) -> None:
    request, candidates, model, rules = instance
    result = plan(request, candidates, model, rules, time_budget_ms=0.01)
    assert_valid(request, candidates, model, rules, result)
    assert plan_cents(request, candidates, model, result) >= optimum_cents(request, candidates, model, rules) - 1e-6


def test_the_reference_itself_on_a_hand_checked_case() -> None:
    """Two units, one location each: shipping both costs 2 packages, the penalty decides."""
    model = CostModel(package_cost=Decimal("5"), backorder_penalty_per_unit=Decimal("4"))
    request = RouteRequest(
        lines=[Line("A", 1, 100), Line("B", 1, 100)],
        destination_lat=40.0,
        destination_lon=-75.0,
        placed_at=datetime(2025, 11, 24, 12, tzinfo=UTC),
        promised_by=date(2025, 12, 1),
    )
    candidates = [
        Candidate("X", "warehouse", 40.1, -75.1, {"A": 1}),
        Candidate("Y", "warehouse", 40.2, -75.2, {"B": 1}),
    ]
    assert optimum_cents(request, candidates, model, Rules()) == pytest.approx(800.0)  # backorder both: 2 x $4
    result = plan(request, candidates, model, Rules())
    assert result.shipments == () and result.total_cost == Decimal("8.00")
