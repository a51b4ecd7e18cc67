#!/usr/bin/env python
"""The routing engine: quality against the LP bound, and latency against the exact optimum.

Run with `make bench-routing` (or `.venv/bin/python bench/routing.py --help`). No database.

1. Quality, on the Jasin & Sinha (2015) warm-up network (bench/data/jasin-sinha-warmup/):
   10 cities (demand by population), 5 fulfilment centres, 20 items, 25 order types (5 of
   each size 1-5, one unit per item), each centre carries each item with probability 0.75,
   T orders per instance with the README's initial inventory, cost $8.759 per package +
   ($0.423 + $0.000541 x miles) per unit, an unfilled unit costs twice the farthest option
   (2 x (package + per-unit cost from the farthest centre)). Orders arrive one by one and
   deplete the inventory; each policy runs on its own copy:
   - greedy: `greedy_plan`, line by line from the nearest centre in stock;
   - router: `plan`, the product's router;
   - exact:  `solve_exact`, the per-order MILP optimum;
   - lookahead: `plan` with shadow prices (`planning.lookahead`, see bench/routing_lookahead.py):
     the duals of the fluid LP of the orders still to come on the stock left, re-solved every 2%
     of the orders (`lookahead_resolve_every` in the output), from the true arrival rates;
   - lookahead-learned: the same, routed without prices for the first 20% of the orders, then
     from the rates counted in every order seen so far;
   - lookahead-sku (on request): the per-SKU transportation LP's prices instead, for comparison.
   cost_over_lp = total cost / the deterministic (fluid) LP bound, solved with HiGHS through
   scipy; averaged over the instances. Published: greedy about 1.12, exact per-order about 1.07.
2. Latency, on random US networks (locations and destinations at random US ZIP codes;
   warehouses, stores, 3PLs and dropship suppliers with their own assortments, stock,
   cut-offs and time zones; the demo carriers), for 10, 50 and 200 locations and 1-20 lines:
   p50/p95 of `plan` in ms, and exact_share = share of orders whose plan costs what
   `solve_exact` (MILP, no time limit) costs, to the cent; `worst_gap` is the largest excess
   over the optimum among the others.
3. Consolidation, on one random US network of 50 locations with thin assortments (warehouses
   carry a SKU with probability 0.3, stores 0.15, 3PLs 0.25: orders often split) and orders of
   2-5 lines: each order
   is planned twice on the same stock, without and with consolidation (every warehouse may be
   the node, 4 of them are hubs; linehaul $0.35 per unit + $0.15 per kg from every warehouse and
   store, 1-4 days by distance; $0.45 handling per inbound unit, one day at the node).
   packages_per_order_split / _consolidated are the mean parcels per order; cost_ratio = total
   cost with consolidation / without (both include linehaul, handling, late and backorder
   penalties); consolidated_share = share of the split orders that became one box.
4. Speed and load (bench/routing_load.py): during the quality run each order of the policies
   that call `plan` is also given to `greedy_plan` on the same input; js_plan_p50_ms/p95 (and
   js_lookahead_... for priced orders) are printed with each as a multiple of greedy's (as are
   the latency cells), so a loaded machine shows as slower in both. Then the same orders are
   routed again with a spinning process on every core: plans_changed_under_load counts the
   orders whose plan differs (the search is bounded by counted work, so the target is 0).
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import numpy as np
from scipy import sparse
from scipy.optimize import linprog

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench import routing_lookahead as lookahead  # noqa: E402
from bench.routing_consolidation import consolidation  # noqa: E402
from bench.routing_latency import latency  # noqa: E402
from bench.routing_load import CpuHog, Trace, changed, signature, times_line  # noqa: E402
from bench.routing_networks import PLACED  # noqa: E402
from fulfillment.routing import (  # noqa: E402
    Candidate,
    CostModel,
    Line,
    Plan,
    RouteRequest,
    Rules,
    greedy_plan,
    haversine_miles,
    plan,
    solve_exact,
)
from fulfillment.routing.presets import jasin_sinha_cost_model  # noqa: E402

DATA = ROOT / "bench" / "data" / "jasin-sinha-warmup"
PACKAGE, PER_UNIT, PER_MILE = 8.759, 0.423, 0.000541
ITEMS, TYPES_PER_SIZE, SIZES = 20, 5, (1, 2, 3, 4, 5)


# --- Quality: Jasin & Sinha warm-up ------------------------------------------------------------


@dataclass
class Place:
    """A demand city or a fulfilment centre."""

    name: str
    lat: float
    lon: float
    weight: float = 0.0


@dataclass
class Instance:
    """One random instance of the warm-up setup."""

    cities: list[Place]
    centres: list[Place]
    miles: np.ndarray  # centres x cities
    carries: np.ndarray  # centres x items (bool)
    types: list[tuple[int, ...]]
    city_p: np.ndarray
    type_p: np.ndarray
    inventory: np.ndarray  # centres x items
    lost: np.ndarray  # per city, dollars per unfilled unit
    orders: int


def load_places() -> tuple[list[Place], list[Place]]:
    """The warm-up cities (with population) and centres."""
    with (DATA / "cities_warmup.csv").open() as f:
        cities = [
            Place(row["City"], float(row["Latitude"]), float(row["Longitude"]), float(row["Population"]))
            for row in csv.DictReader(f)
        ]
    with (DATA / "fcs_warmup.csv").open() as f:
        centres = [Place(row["Facility"], float(row["Latitude"]), float(row["Longitude"])) for row in csv.DictReader(f)]
    return cities, centres


def make_instance(rng: random.Random, cities: list[Place], centres: list[Place], orders: int) -> Instance:
    """Random assortment and order types; inventory by the README's rule."""
    miles = np.array([[haversine_miles(f.lat, f.lon, c.lat, c.lon) for c in cities] for f in centres])
    carries = np.array([[rng.random() < 0.75 for _ in range(ITEMS)] for _ in centres])
    for item in range(ITEMS):
        if not carries[:, item].any():
            carries[rng.randrange(len(centres)), item] = True
    types = [tuple(sorted(rng.sample(range(ITEMS), size))) for size in SIZES for _ in range(TYPES_PER_SIZE)]
    city_p = np.array([c.weight for c in cities])
    city_p /= city_p.sum()
    type_p = np.full(len(types), 1.0 / len(types))
    item_p = np.zeros(ITEMS)
    for t, members in enumerate(types):
        item_p[list(members)] += type_p[t]
    demand = np.zeros((len(centres), ITEMS))  # per order: units the nearest carrying centre would ship
    for c in range(len(cities)):
        for item in range(ITEMS):
            holders = np.flatnonzero(carries[:, item])
            nearest = holders[np.argmin(miles[holders, c])]
            demand[nearest, item] += city_p[c] * item_p[item]
    inventory = np.where(
        carries, np.round(orders * demand + 0.5 * np.sqrt(orders * demand * (1 - np.minimum(demand, 1)))), 0
    ).astype(int)
    lost = 2 * (PACKAGE + PER_UNIT + PER_MILE * miles.max(axis=0))
    return Instance(cities, centres, miles, carries, types, city_p, type_p, inventory, lost, orders)


def lp_bound(inst: Instance) -> float:
    """The deterministic LP: expected orders of each (city, type), fractional packages and units."""
    cost: list[float] = []
    eq_rows: list[int] = []
    eq_cols: list[int] = []
    ub_rows: list[int] = []
    ub_cols: list[int] = []
    ub_vals: list[float] = []
    n_eq = 0
    n_link = 0
    inventory_terms: list[tuple[int, int, int, float]] = []  # (centre, item, column, rate)
    link_rows: list[tuple[int, int]] = []  # (x column, y column)
    for c in range(len(inst.cities)):
        for t, members in enumerate(inst.types):
            rate = inst.orders * inst.city_p[c] * inst.type_p[t]
            y: list[int] = []
            for _centre in range(len(inst.centres)):
                y.append(len(cost))
                cost.append(rate * PACKAGE)
            for item in members:
                for f in np.flatnonzero(inst.carries[:, item]).tolist():
                    column = len(cost)
                    cost.append(rate * (PER_UNIT + PER_MILE * inst.miles[f, c]))
                    eq_rows.append(n_eq)
                    eq_cols.append(column)
                    link_rows.append((column, y[f]))
                    inventory_terms.append((f, item, column, rate))
                column = len(cost)
                cost.append(rate * inst.lost[c])
                eq_rows.append(n_eq)
                eq_cols.append(column)
                n_eq += 1
    for x_column, y_column in link_rows:
        ub_rows += [n_link, n_link]
        ub_cols += [x_column, y_column]
        ub_vals += [1.0, -1.0]
        n_link += 1
    inventory_row: dict[tuple[int, int], int] = {}
    for f, item, column, rate in inventory_terms:
        row = inventory_row.setdefault((f, item), n_link + len(inventory_row))
        ub_rows.append(row)
        ub_cols.append(column)
        ub_vals.append(rate)
    b_ub = [0.0] * n_link + [float(inst.inventory[f, item]) for (f, item) in inventory_row]
    a_eq = sparse.csr_matrix((np.ones(len(eq_rows)), (eq_rows, eq_cols)), shape=(n_eq, len(cost)))
    a_ub = sparse.csr_matrix((ub_vals, (ub_rows, ub_cols)), shape=(len(b_ub), len(cost)))
    result = linprog(np.array(cost), A_ub=a_ub, b_ub=b_ub, A_eq=a_eq, b_eq=np.ones(n_eq), bounds=(0, 1), method="highs")
    if result.status != 0:
        raise RuntimeError(f"LP failed: {result.message}")
    return float(result.fun)


def simulate(
    inst: Instance, orders: list[tuple[int, int]], policy: str, trace: Trace | None = None
) -> tuple[float, int]:
    """Serve the orders one by one with a policy; total cost (dollars) and packages.

    With `trace`, each plan's signature is recorded with its time and `greedy_plan`'s on the same input.
    """
    inventory = inst.inventory.copy()
    models: dict[int, CostModel] = {
        c: jasin_sinha_cost_model(Decimal(repr(float(inst.lost[c])))) for c in range(len(inst.cities))
    }
    solvers: dict[str, Callable[..., Plan]] = {"greedy": greedy_plan, "exact": solve_exact}
    solver = solvers.get(policy, plan)
    total = 0.0
    packages = 0
    future: list[dict[str, Decimal]] = [{} for _ in inst.centres]
    resolve = max(1, int(lookahead.RESOLVE_EVERY * len(orders)))
    learn = lookahead.first_priced(policy, len(orders))
    for number, (city, type_index) in enumerate(orders):
        if policy in lookahead.POLICIES and number >= learn and (number - learn) % resolve == 0:
            costs = (PACKAGE, PER_UNIT, PER_MILE)
            future = lookahead.prices(inst, inventory, policy, orders[:number], len(orders) - number, costs)
        items = inst.types[type_index]
        place = inst.cities[city]
        request = RouteRequest(
            lines=[Line(f"item-{i}", 1, 0) for i in items],
            destination_lat=place.lat,
            destination_lon=place.lon,
            placed_at=PLACED,
        )
        candidates = [
            Candidate(
                code=centre.name,
                kind="warehouse",
                lat=centre.lat,
                lon=centre.lon,
                available={f"item-{i}": int(inventory[f, i]) for i in items if inventory[f, i] > 0},
                future_costs=future[f],
            )
            for f, centre in enumerate(inst.centres)
        ]
        started = time.perf_counter()
        result: Plan = solver(request, candidates, models[city], Rules())
        if trace is not None:
            trace.plan_ms.append((time.perf_counter() - started) * 1000)
            started = time.perf_counter()
            greedy_plan(request, candidates, models[city], Rules())
            trace.greedy_ms.append((time.perf_counter() - started) * 1000)
            trace.plans.append(signature(result))
        index = {centre.name: f for f, centre in enumerate(inst.centres)}
        for shipment in result.shipments:
            f = index[shipment.location]
            units = sum(shipment.lines.values())
            total += PACKAGE + units * (PER_UNIT + PER_MILE * float(inst.miles[f, city]))
            for sku, count in shipment.lines.items():
                inventory[f, int(sku.split("-")[1])] -= count
        packages += len(result.shipments)
        total += result.backordered_units * float(inst.lost[city])
    if (inventory < 0).any():
        raise RuntimeError(f"{policy} planned more than the inventory")
    return total, packages


def quality(args: argparse.Namespace) -> None:
    """Print one line per policy: mean cost over the LP bound, mean packages per instance."""
    cities, centres = load_places()
    rng = random.Random(args.seed)
    results: dict[str, list[tuple[float, int]]] = {name: [] for name in args.policies.split(",")}
    traced = [name for name in results if name not in ("greedy", "exact")]  # the policies that call plan()
    quiet: dict[str, Trace] = {name: Trace() for name in traced}
    loaded: dict[str, Trace] = {name: Trace() for name in traced}
    started = time.perf_counter()
    for _ in range(args.instances):
        inst = make_instance(rng, cities, centres, args.orders)
        bound = lp_bound(inst)
        orders = [
            (int(rng.choices(range(len(cities)), weights=inst.city_p.tolist())[0]), rng.randrange(len(inst.types)))
            for _ in range(args.orders)
        ]
        for policy in results:
            cost, packages = simulate(inst, orders, policy, quiet.get(policy))
            results[policy].append((cost / bound, packages))
        if not args.skip_load:
            with CpuHog():  # the same orders again, every core busy: the plans must be the same
                for policy in traced:
                    simulate(inst, orders, policy, loaded[policy])
    print(
        f"# quality: Jasin & Sinha warm-up, instances={args.instances} orders={args.orders} seed={args.seed} "
        f"lookahead_resolve_every={lookahead.RESOLVE_EVERY:.0%} ({time.perf_counter() - started:.0f} s)"
    )
    for policy, rows in results.items():
        ratio = statistics.mean(r for r, _ in rows)
        mean_packages = statistics.mean(p for _, p in rows)
        print(f"policy={policy} cost_over_lp={ratio:.3f} packages={mean_packages:.0f}")
    for policy in traced:
        trace = quiet[policy]
        prefix = "js_plan_" if policy == "router" else f"js_{policy.replace('-', '_')}_"
        print(f"policy={policy} {times_line(prefix, trace.plan_ms, trace.greedy_ms)}")
    if not args.skip_load and traced:
        moved = sum(changed(quiet[policy], loaded[policy]) for policy in traced)
        planned = sum(len(quiet[policy].plans) for policy in traced)
        print(f"plans_changed_under_load={moved} plans_compared={planned} policies={','.join(traced)}")


# --- Latency: random US networks ---------------------------------------------------------------


def main() -> None:
    """Parse arguments and run the parts asked for."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--orders", type=int, default=10_000, help="orders per quality instance (T)")
    parser.add_argument("--instances", type=int, default=3, help="quality instances")
    parser.add_argument("--latency-orders", type=int, default=100, help="orders per latency cell")
    parser.add_argument("--consolidation-orders", type=int, default=1000, help="orders of the consolidation scenario")
    parser.add_argument("--seed", type=int, default=2015)
    parser.add_argument(
        "--policies",
        default="greedy,router,exact,lookahead,lookahead-learned",
        help="quality policies to run, comma-separated",
    )
    parser.add_argument(
        "--quick", action="store_true", help="about 30 s: T=1500, 1 instance, 25 orders per cell, 200 to consolidate"
    )
    parser.add_argument("--only", choices=("quality", "latency", "consolidation"))
    parser.add_argument(
        "--cells",
        type=lambda text: set(text.split(",")),
        default=None,
        help="latency cells to run, as LOCATIONSxLINES comma-separated (e.g. 50x20,200x20); default all",
    )
    parser.add_argument(
        "--skip-load",
        action="store_true",
        help="skip the quality re-run with every core busy (plans_changed_under_load)",
    )
    args = parser.parse_args()
    if args.quick:
        args.orders, args.instances, args.latency_orders, args.consolidation_orders = 1500, 1, 25, 200
    print(f"# cpus={os.cpu_count()} load={' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    if args.only in (None, "quality"):
        quality(args)
    if args.only in (None, "latency"):
        latency(args)
    if args.only in (None, "consolidation"):
        consolidation(args)


if __name__ == "__main__":
    main()
