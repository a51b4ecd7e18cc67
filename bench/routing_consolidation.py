"""The routing benchmark's consolidation part (see bench/routing.py's docstring, part 3)."""

from __future__ import annotations

import argparse
import random
import statistics
import time
from decimal import Decimal

from bench.routing_networks import (
    CARRY_FRAGMENTED,
    consolidation_network,
    make_catalog,
    random_network,
    random_order,
    us_places,
)
from fulfillment.routing import Rules, plan
from fulfillment.routing.presets import demo_cost_model


def consolidation(args: argparse.Namespace) -> None:
    """Print packages per order and total cost with and without consolidation, on the same orders."""
    places = us_places()
    cost_model = demo_cost_model()
    rules = Rules(ship_from_store_radius_miles=250)
    rng = random.Random(f"{args.seed}-consolidation")
    catalog = make_catalog(rng)
    network = random_network(rng, 50, places, catalog, carry=CARRY_FRAGMENTED)
    options = consolidation_network(network)
    orders = [random_order(rng, places, catalog, rng.choice((2, 3, 4, 5))) for _ in range(args.consolidation_orders)]
    for order in orders[:3]:  # warm caches (cost model compilation, lane index, time zones)
        plan(order, network, cost_model, rules, consolidation=options)
    packages = {"split": 0, "consolidated": 0}
    cost = {"split": Decimal("0"), "consolidated": Decimal("0")}
    timings: dict[str, list[float]] = {"split": [], "consolidated": []}
    split_orders = became_one = 0
    for order in orders:
        for name, extra in (("split", None), ("consolidated", options)):
            started = time.perf_counter()
            found = plan(order, network, cost_model, rules, consolidation=extra)
            timings[name].append((time.perf_counter() - started) * 1000)
            packages[name] += found.packages
            cost[name] += found.total_cost
            if name == "split" and found.packages > 1:
                split_orders += 1
            if name == "consolidated" and found.legs:
                became_one += 1
    count = len(orders)
    print(
        f"# consolidation: random US network, locations=50 hubs={len(options.hubs)} lanes={len(options.lanes)} "
        f"orders={count} seed={args.seed}"
    )
    print(f"packages_per_order_split={packages['split'] / count:.3f}")
    print(f"packages_per_order_consolidated={packages['consolidated'] / count:.3f}")
    print(f"cost_split={cost['split']:.2f} cost_consolidated={cost['consolidated']:.2f}")
    print(f"cost_ratio={cost['consolidated'] / cost['split']:.4f}")
    print(f"consolidated_share={became_one / split_orders if split_orders else 0:.3f} split_orders={split_orders}")
    print(
        f"p50_ms_split={statistics.median(timings['split']):.2f} "
        f"p50_ms_consolidated={statistics.median(timings['consolidated']):.2f}"
    )
