"""Shadow prices from the orders' baskets, on toy networks whose answer can be worked out by hand."""

from __future__ import annotations

import math

import pytest

from planning.lookahead import Basket, BasketNetwork, basket_shadow_prices

INF = math.inf


def network(**changes: object) -> BasketNetwork:
    """Reno and Dallas serve the West: a unit costs $1 from Reno, $3 from Dallas; a parcel $8 from
    either; a unit nobody serves $30. Dallas holds plenty of everything."""
    base: dict[str, object] = {
        "locations": ["rno-dc", "dal-dc"],
        "regions": ["West"],
        "stock": [{"mug": 3}, {"mug": 100, "lid": 100}],
        "baskets": [Basket(region=0, units={"mug": 1}, orders=10)],
        "unit_cost": [[1.0], [3.0]],
        "parcel_cost": [[8.0], [8.0]],
        "lost_sale": [30.0],
    }
    base.update(changes)
    return BasketNetwork(**base)  # type: ignore[arg-type]


def test_the_scarce_location_gets_the_price_and_the_plentiful_one_none() -> None:
    found = basket_shadow_prices(network())

    # Reno's 3 mugs all go West (10 wanted); each one less there ships from Dallas: $11 - $9.
    assert found.prices == {"rno-dc": {"mug": pytest.approx(2.0)}, "dal-dc": {}}
    assert found.serves == {"rno-dc": {"mug": "West"}, "dal-dc": {}}
    assert found.expected_cost == pytest.approx(3 * 9 + 7 * 11)
    assert found.error == ""


def test_a_unit_that_keeps_a_basket_in_one_parcel_is_worth_the_parcel_it_saves() -> None:
    # 4 West orders of a mug and a lid; Reno has 4 mugs but 3 lids. The 4th order ships whole from
    # Dallas ($8 + 2 x $3 = $14, not $20 split). One more lid in Reno ships it from Reno ($10):
    # the lid is worth $4 there, twice what its own shipping saves; Reno's spare mug nothing.
    found = basket_shadow_prices(
        network(
            stock=[{"mug": 4, "lid": 3}, {"mug": 100, "lid": 100}],
            baskets=[Basket(region=0, units={"mug": 1, "lid": 1}, orders=4)],
        )
    )

    assert found.prices["rno-dc"] == {"lid": pytest.approx(4.0)}
    assert found.prices["dal-dc"] == {}
    assert found.expected_cost == pytest.approx(3 * 10 + 14)


def test_when_the_whole_network_is_short_a_unit_is_worth_the_lost_sale_less_its_shipping() -> None:
    found = basket_shadow_prices(network(stock=[{"mug": 3}, {"mug": 2}]))

    # 10 wanted, 5 held: a unit in Reno saves $30 for $9, one in Dallas $30 for $11
    assert found.prices == {"rno-dc": {"mug": pytest.approx(21.0)}, "dal-dc": {"mug": pytest.approx(19.0)}}


def test_units_per_order_count_against_the_stock() -> None:
    # 5 orders of 2 mugs = 10 mugs, as in the first test: the same price per unit
    found = basket_shadow_prices(network(baskets=[Basket(region=0, units={"mug": 2}, orders=5)]))

    assert found.prices["rno-dc"] == {"mug": pytest.approx(2.0)}


def test_plentiful_stock_and_no_orders_mean_no_prices() -> None:
    assert basket_shadow_prices(network(stock=[{"mug": 10}, {"mug": 10}])).prices == {"rno-dc": {}, "dal-dc": {}}
    assert basket_shadow_prices(network(baskets=[])).prices == {"rno-dc": {}, "dal-dc": {}}


def test_a_location_that_cannot_reach_the_region_is_left_out() -> None:
    found = basket_shadow_prices(network(unit_cost=[[1.0], [INF]]))

    # only Reno serves the West: its 3 mugs save lost sales ($30 - $9)
    assert found.prices == {"rno-dc": {"mug": pytest.approx(21.0)}, "dal-dc": {}}


def test_bad_input_gives_no_prices_and_says_why() -> None:
    assert "lost-sale" in basket_shadow_prices(network(lost_sale=[INF])).error
    negative = basket_shadow_prices(network(stock=[{"mug": -1}, {"mug": 5}]))
    assert "negative" in negative.error
    assert negative.prices == {}
