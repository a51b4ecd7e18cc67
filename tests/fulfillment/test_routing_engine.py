"""The routing engine against an independent brute force, and its rules. No database."""

from __future__ import annotations

import itertools
import pickle
from datetime import UTC, datetime
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from fulfillment.routing import Candidate, CostModel, Line, RouteRequest, Rules, greedy_plan, plan
from fulfillment.routing.costs import haversine_miles

PLACED = datetime(2026, 11, 24, 15, 0, tzinfo=UTC)
DEST = (40.75, -73.99)  # New York
SITES = [
    ("nj", 40.73, -74.06),
    ("pa", 39.95, -75.19),
    ("oh", 39.96, -83.00),
    ("tx", 32.79, -96.80),
]
SKUS = ["A", "B", "C"]
# A linear model the brute force can price on its own: package + per unit (base + per mile).
MODEL = CostModel(
    handling_by_kind={"warehouse": Decimal("1.00")},
    package_cost=Decimal("8.76"),
    per_unit_base=Decimal("0.42"),
    per_unit_per_mile=Decimal("0.00054"),
    backorder_penalty_per_unit=Decimal("60.00"),
)


def candidate(code: str, lat: float, lon: float, stock: dict[str, int], **extra) -> Candidate:
    return Candidate(code=code, kind="warehouse", lat=lat, lon=lon, available=stock, **extra)


def request(lines: dict[str, int]) -> RouteRequest:
    return RouteRequest(
        lines=tuple(Line(sku, qty, 400) for sku, qty in lines.items()),
        destination_lat=DEST[0],
        destination_lon=DEST[1],
        placed_at=PLACED,
    )


def brute_force(lines: dict[str, int], candidates: list[Candidate], rules: Rules | None = None) -> Decimal:
    """Cheapest cost over every way to split every SKU's units between the locations."""
    rules = rules or Rules()
    usable = [c for c in candidates if c.code not in rules.excluded_locations]
    miles = {c.code: haversine_miles(c.lat, c.lon, *DEST) for c in usable}
    per_sku_options = []
    for sku, qty in lines.items():
        ranges = [range(min(c.available.get(sku, 0), qty) + 1) for c in usable]
        per_sku_options.append([combo for combo in itertools.product(*ranges) if sum(combo) <= qty])
    best = None
    for choice in itertools.product(*per_sku_options):
        used = {usable[i].code for combo in choice for i, n in enumerate(combo) if n}
        if rules.max_packages is not None and len(used) > rules.max_packages:
            continue
        cost = (MODEL.handling_by_kind["warehouse"] + MODEL.package_cost) * len(used)
        for (_sku, qty), combo in zip(lines.items(), choice, strict=True):
            for i, n in enumerate(combo):
                unit = MODEL.per_unit_base + MODEL.per_unit_per_mile * Decimal(str(miles[usable[i].code]))
                cost += unit * n
            cost += MODEL.backorder_penalty_per_unit * (qty - sum(combo))
        best = cost if best is None or cost < best else best
    assert best is not None
    return best


instances = st.fixed_dictionaries(
    {
        "lines": st.dictionaries(st.sampled_from(SKUS), st.integers(1, 3), min_size=1, max_size=3),
        "stock": st.lists(
            st.dictionaries(st.sampled_from(SKUS), st.integers(0, 3), max_size=3), min_size=2, max_size=4
        ),
    }
)


@settings(max_examples=60, deadline=None)
@given(instances)
def test_plan_costs_what_brute_force_finds_cheapest(instance):
    candidates = [
        candidate(code, lat, lon, stock) for (code, lat, lon), stock in zip(SITES, instance["stock"], strict=False)
    ]

    chosen = plan(request(instance["lines"]), candidates, MODEL, Rules())

    optimum = brute_force(instance["lines"], candidates)
    assert abs(chosen.total_cost - optimum) <= Decimal("0.02") * max(1, len(chosen.shipments) + 1), (chosen, optimum)
    for shipment in chosen.shipments:
        stock = next(c.available for c in candidates if c.code == shipment.location)
        assert all(qty <= stock.get(sku, 0) for sku, qty in shipment.lines.items()), "planned more than available"
    shipped = {sku: sum(s.lines.get(sku, 0) for s in chosen.shipments) for sku in instance["lines"]}
    assert all(shipped[sku] + chosen.backorders.get(sku, 0) == qty for sku, qty in instance["lines"].items())


@settings(max_examples=30, deadline=None)
@given(instances, st.integers(1, 2))
def test_plan_respects_max_packages_and_exclusions(instance, max_packages):
    candidates = [
        candidate(code, lat, lon, stock) for (code, lat, lon), stock in zip(SITES, instance["stock"], strict=False)
    ]
    rules = Rules(excluded_locations=frozenset({"nj"}), max_packages=max_packages)

    chosen = plan(request(instance["lines"]), candidates, MODEL, rules)

    assert len(chosen.shipments) <= max_packages
    assert "nj" not in {s.location for s in chosen.shipments}
    assert abs(chosen.total_cost - brute_force(instance["lines"], candidates, rules)) <= Decimal("0.06")


def test_one_package_from_farther_beats_greedys_two_nearest_packages():
    candidates = [
        candidate("nj", *SITES[0][1:], {"A": 1}),
        candidate("pa", *SITES[1][1:], {"B": 1}),
        candidate("oh", *SITES[2][1:], {"A": 1, "B": 1}),
    ]
    lines = {"A": 1, "B": 1}

    greedy = greedy_plan(request(lines), candidates, MODEL, Rules())
    chosen = plan(request(lines), candidates, MODEL, Rules())

    assert sorted(s.location for s in greedy.shipments) == ["nj", "pa"]
    assert [s.location for s in chosen.shipments] == ["oh"]
    assert chosen.total_cost < greedy.total_cost
    assert "oh" in chosen.reason


def test_the_same_input_gives_the_same_plan():
    candidates = [candidate(code, lat, lon, {"A": 2, "B": 2}) for code, lat, lon in SITES]
    first = plan(request({"A": 2, "B": 1}), candidates, MODEL, Rules())
    again = plan(request({"A": 2, "B": 1}), list(reversed(candidates)), MODEL, Rules())
    assert first.shipments == again.shipments
    assert first.total_cost == again.total_cost


def test_units_nobody_holds_are_backordered_and_said_so():
    candidates = [candidate("nj", *SITES[0][1:], {"A": 1})]
    chosen = plan(request({"A": 3}), candidates, MODEL, Rules())
    assert dict(chosen.backorders) == {"A": 2}
    assert [dict(s.lines) for s in chosen.shipments] == [{"A": 1}]
    assert "backordered" in chosen.reason


def test_a_pickup_is_served_only_by_its_store():
    near = candidate("nj", *SITES[0][1:], {"A": 5})
    store = Candidate(code="nyc-store", kind="store", lat=40.75, lon=-73.99, available={"A": 1})
    pickup = RouteRequest(
        lines=(Line("A", 2, 400),), destination_lat=DEST[0], destination_lon=DEST[1], placed_at=PLACED,
        pickup_location="nyc-store",
    )  # fmt: skip

    chosen = plan(pickup, [near, store], MODEL, Rules())

    assert [(s.location, dict(s.lines)) for s in chosen.shipments] == [("nyc-store", {"A": 1})]
    assert dict(chosen.backorders) == {"A": 1}


def test_keep_together_skus_ship_from_one_location():
    candidates = [
        candidate("nj", *SITES[0][1:], {"A": 1}),
        candidate("pa", *SITES[1][1:], {"B": 1}),
        candidate("tx", *SITES[3][1:], {"A": 1, "B": 1}),
    ]
    rules = Rules(keep_together=(frozenset({"A", "B"}),))

    chosen = plan(request({"A": 1, "B": 1}), candidates, MODEL, rules)

    assert [s.location for s in chosen.shipments] == ["tx"]


def test_a_store_ships_only_within_its_radius():
    store = Candidate(code="oh-store", kind="store", lat=39.96, lon=-83.0, available={"A": 1}, ship_from_store=True)
    rules = Rules(ship_from_store_radius_miles=100)
    chosen = plan(request({"A": 1}), [store], MODEL, rules)
    assert chosen.shipments == ()
    assert dict(chosen.backorders) == {"A": 1}


def test_runner_ups_read_like_a_tuple_and_are_stored_as_one():
    """Runner-ups are described only when read; they compare, index and pickle as the tuple they stand for."""
    candidates = [candidate(code, lat, lon, {"A": 2, "B": 2}) for code, lat, lon in SITES]

    chosen = plan(request({"A": 2, "B": 1}), candidates, MODEL, Rules())

    runner_ups = tuple(chosen.alternatives)
    assert [a.locations for a in runner_ups] == [("pa",), ("oh",), ("tx",)]  # nearest next, by cost
    assert chosen.alternatives[0].summary.startswith("pa: 1 package, $")
    assert chosen.alternatives == runner_ups and len(chosen.alternatives) == 3
    stored = pickle.loads(pickle.dumps(chosen))  # noqa: S301 (our own object)
    assert stored.alternatives == runner_ups and isinstance(stored.alternatives, tuple)
    assert chosen.as_dict()["alternatives"][0]["locations"] == ["pa"]
