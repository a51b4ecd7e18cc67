"""Routing latency on random US networks: p50/p95 of `plan` per (locations, lines), and exact_share.

Part 2 of `bench/routing.py` (see its docstring); run it alone with `--only latency`.
"""

from __future__ import annotations

import argparse
import random
import sys
import time

from bench.routing_load import times_line
from bench.routing_networks import make_catalog, random_network, random_order, us_places
from fulfillment.routing import Rules, greedy_plan, plan, solve_exact
from fulfillment.routing.presets import demo_cost_model


def latency(args: argparse.Namespace) -> None:
    """Print one line per (locations, lines): p50/p95 of plan() and the share that is exactly optimal."""
    places = us_places()
    cost_model = demo_cost_model()
    rules = Rules(
        ship_from_store_radius_miles=250,
        keep_together=(frozenset({"SKU-0003", "SKU-0004"}), frozenset({"SKU-0010", "SKU-0011", "SKU-0012"})),
    )
    print(f"# latency: random US networks, orders per cell={args.latency_orders} seed={args.seed}")
    for size in (10, 50, 200):
        for lines in (1, 5, 10, 20):
            if args.cells and f"{size}x{lines}" not in args.cells:
                continue
            rng = random.Random(f"{args.seed}-{size}-{lines}")
            catalog = make_catalog(rng)
            network = random_network(rng, size, places, catalog)
            orders = [random_order(rng, places, catalog, lines) for _ in range(args.latency_orders)]
            for order in orders[:3]:  # warm caches (cost model compilation, time zones)
                plan(order, network, cost_model, rules)
            timings = []
            greedy_timings = []
            equal = 0
            worst = 0.0
            methods: dict[str, int] = {}
            for order in orders:
                started = time.perf_counter()
                found = plan(order, network, cost_model, rules)
                timings.append((time.perf_counter() - started) * 1000)
                started = time.perf_counter()
                greedy_plan(order, network, cost_model, rules)
                greedy_timings.append((time.perf_counter() - started) * 1000)
                methods[found.method] = methods.get(found.method, 0) + 1
                best = solve_exact(order, network, cost_model, rules)
                gap = float(found.total_cost - best.total_cost)
                if gap <= 0.01:
                    equal += 1
                else:
                    worst = max(worst, gap / float(best.total_cost))
            mix = " ".join(f"{m}:{c}" for m, c in sorted(methods.items()))
            print(
                f"locations={size} lines={lines} {times_line('', timings, greedy_timings)} "
                f"exact_share={equal / len(orders):.3f} worst_gap={worst:.2%} methods={mix}"
            )
            sys.stdout.flush()
