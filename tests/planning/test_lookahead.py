"""Shadow prices on toy networks whose answer can be worked out by hand."""

from __future__ import annotations

import math

import pytest

from planning.lookahead import SkuNetwork, shadow_prices

INF = math.inf


def network(**changes: object) -> SkuNetwork:
    """Reno holds 3 units, Dallas 100; West wants 1 a day, South 1 a day, for 10 days.

    Serving West costs $2 from Reno, $5 from Dallas; South $6 from Reno, $2 from Dallas; a unit
    nobody serves costs $20.
    """
    base: dict[str, object] = {
        "locations": ["rno-dc", "dal-dc"],
        "regions": ["West", "South"],
        "stock": [3, 100],
        "replenish_in_days": [INF, INF],
        "demand_per_day": [1.0, 1.0],
        "unit_cost": [[2.0, 6.0], [5.0, 2.0]],
        "lost_sale": [20.0, 20.0],
        "horizon_days": 10.0,
    }
    base.update(changes)
    return SkuNetwork(**base)  # type: ignore[arg-type]


def test_a_scarce_unit_is_worth_what_the_next_best_source_costs_more() -> None:
    found = shadow_prices(network())

    # Reno's 3 units all go West (10 wanted); each one less there is served from Dallas: $5 - $2.
    assert found.prices == {"rno-dc": pytest.approx(3.0), "dal-dc": pytest.approx(0.0)}
    assert found.serves == {"rno-dc": "West", "dal-dc": "South"}
    assert found.expected_cost == pytest.approx(3 * 2 + 7 * 5 + 10 * 2)
    assert found.error == ""


def test_when_the_whole_network_is_short_a_unit_is_worth_the_lost_sale_it_avoids() -> None:
    found = shadow_prices(network(stock=[3, 5]))

    # 20 units wanted, 8 held: every unit saves a $20 lost sale, less its own shipping ($2 both).
    assert found.prices["rno-dc"] == pytest.approx(18.0)
    assert found.prices["dal-dc"] == pytest.approx(18.0)


def test_stock_replenished_before_demand_runs_out_is_not_scarce() -> None:
    # Reno is topped up on day 2: its 3 units only need to last 2 days of West demand.
    found = shadow_prices(network(replenish_in_days=[2.0, INF]))

    assert found.prices["rno-dc"] == pytest.approx(0.0)


def test_replenishment_after_the_stock_runs_out_leaves_it_scarce() -> None:
    # Reno is topped up on day 5: 5 West units before then, 3 in stock.
    found = shadow_prices(network(replenish_in_days=[5.0, INF]))

    assert found.prices["rno-dc"] == pytest.approx(3.0)


def test_no_demand_means_no_price() -> None:
    found = shadow_prices(network(demand_per_day=[0.0, 0.0]))

    assert found.prices == {"rno-dc": 0.0, "dal-dc": 0.0}


def test_an_unsolvable_problem_gives_zero_prices_and_says_why() -> None:
    found = shadow_prices(network(lost_sale=[20.0, INF]))

    assert found.prices == {"rno-dc": 0.0, "dal-dc": 0.0}
    assert "lost-sale" in found.error


def test_a_location_that_cannot_reach_a_region_is_left_out_of_it() -> None:
    found = shadow_prices(network(unit_cost=[[2.0, INF], [INF, 2.0]], stock=[3, 3]))

    # each region has its own source only: Reno's units save West's lost sales
    assert found.prices["rno-dc"] == pytest.approx(18.0)
    assert found.serves["rno-dc"] == "West"


def test_a_weight_scales_prices_but_never_past_the_lost_sale_a_unit_can_save() -> None:
    doubled = shadow_prices(network(), weight=2.0)
    short = shadow_prices(network(stock=[3, 5]), weight=2.0)

    assert doubled.prices["rno-dc"] == pytest.approx(6.0)
    # Reno's unit saves at most $20 - $2 (a West sale); the LP already prices it there
    assert short.prices["rno-dc"] == pytest.approx(18.0)
    assert short.prices["dal-dc"] == pytest.approx(18.0)
