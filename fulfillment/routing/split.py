"""The cheapest way to ship everything a given set of sites can (exact).

For a set of sites, each site ships what only it holds; units several sites hold ("flexible")
are split between them. The cost of a split is each site's carrier price for its parcel's
weight bracket (a non-decreasing step function) plus per-unit costs. How it is solved:
- flat prices over the weights in play: give each unit to the holder with the lowest per-unit cost;
- two sites: subset-sum over the flexible units' weights with big-int bitsets (`split_pair`);
- three sites with equal per-unit costs: enumerate each site's weight bracket in order of
  total price and take the first combination the units can be packed into (a small
  depth-first search decides packability): it is optimal because paying for a bracket at
  least as heavy as the parcel never costs less;
- otherwise, the MILP restricted to the set.
Keep-together groups: every assignment of each group to one of its holders is tried.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence

import numpy as np

from .knapsack import pair_split_premium, split_pair_by_sku
from .milp import solve_milp
from .problem import EPS, Problem, Solution

MAX_SPLIT_UNITS = 400  # beyond this many shared units a pair's split is not searched exactly
MAX_GROUP_ASSIGNMENTS = 64
MAX_COMBINATIONS = 250_000
MAX_TRIED_COMBINATIONS = 2_000
MAX_PACK_STEPS = 20_000  # depth-first steps over all bracket combinations of one split

Flex = tuple[int, int, list[tuple[int, int]]]  # (sku, units to place, [(site, at most)])


class _Abort(Exception):
    pass


def price_at(problem: Problem, site: int, weight: float) -> float:
    """Carrier price (cents) of a parcel of this weight from the site; inf if too heavy."""
    return problem.price_at(site, weight)


def evaluate_set(problem: Problem, sites: tuple[int, ...], cutoff: float = math.inf) -> tuple[Solution | None, bool]:
    """Cheapest plan shipping from every site of `sites` all they can; False if not proven exact.

    None if no such plan uses every site (one of them would ship nothing), or if none costs
    less than `cutoff` (then the search may skip the expensive part).
    """
    p = problem
    grouped = {sku for group in p.groups for sku in group}
    # plain lists: this runs for every set the search tries, where numpy scalar indexing dominates
    held_rows = p.avail[list(sites)].tolist()
    avail = dict(zip(sites, held_rows, strict=True))
    wanted = p.qty.tolist()
    options: list[tuple[int, ...]] = []
    for group in p.groups:
        holders = tuple(site for site in sites if any(avail[site][sku] for sku in group))
        options.append(holders or (sites[0],))
    exact = math.prod(len(o) for o in options) <= MAX_GROUP_ASSIGNMENTS
    rates = p.rates[list(sites)]
    # three or more sites whose per-unit rates differ for some SKU: the bracket search assumes equal rates
    mixed = len(sites) > 2 and float((rates.max(axis=0) - rates.min(axis=0)).max(initial=0.0)) > 1e-12
    # what every site ships of the SKUs outside groups, and the units left to split, do not
    # depend on where the groups go: worked out once for all the group assignments
    start = {site: [0] * len(p.skus) for site in sites}
    flex: list[Flex] = []
    for sku in range(len(p.skus)):
        if sku in grouped:
            continue
        flex_holders = [site for site in sites if avail[site][sku] > 0]
        if not flex_holders:
            continue
        held = [avail[site][sku] for site in flex_holders]
        total_held = sum(held)
        filled = min(wanted[sku], total_held)
        placed = 0
        for site, amount in zip(flex_holders, held, strict=True):
            low = max(0, filled - (total_held - amount))
            start[site][sku] = low
            placed += low
        if filled > placed:
            flex.append(
                (
                    sku,
                    filled - placed,
                    [
                        (site, min(amount, filled) - start[site][sku])
                        for site, amount in zip(flex_holders, held, strict=True)
                    ],
                )
            )
    best: Solution | None = None
    for assignment in itertools.islice(itertools.product(*options), MAX_GROUP_ASSIGNMENTS):
        x = {site: list(row) for site, row in start.items()}
        for group, site in zip(p.groups, assignment, strict=True):
            for sku in group:
                x[site][sku] = avail[site][sku]
        if mixed and not _flat(p, sites, x, flex):
            result = solve_milp(p, list(sites))
            if result.solution is None or len(result.solution.sites) != len(sites):
                return None, result.optimal
            return result.solution, result.optimal
        # an assignment that cannot beat this set's best so far (nor, for a pair, the cutoff) is not worth splitting
        limit = min(best.cost if best is not None else math.inf, cutoff if len(sites) == 2 else math.inf)
        if limit < math.inf and p.assignment_floor(x, flex) + pair_split_premium(p, sites, x, flex) >= limit:
            continue
        solved = _distribute(p, sites, x, flex, cutoff if best is None else min(cutoff, best.cost))
        if solved is None:
            continue  # nothing under the cutoff with this assignment
        exact = exact and solved
        found = p.solution(x)
        if len(found.sites) == len(sites) and math.isfinite(found.cost) and (best is None or found.key() < best.key()):
            best = found
    return best, exact


def _weight(problem: Problem, quantities: Sequence[int]) -> int:
    return problem.parcel_weight(quantities)


def _flat(problem: Problem, sites: Sequence[int], x: dict[int, list[int]], flex: list[Flex]) -> bool:
    """True if no site's price can change whatever it takes of the flexible units."""
    extra = dict.fromkeys(sites, 0)
    for sku, _, holders in flex:
        for site, most in holders:
            extra[site] += most * int(problem.weight[sku])
    for site in sites:
        base = _weight(problem, x[site])
        if price_at(problem, site, base) != price_at(problem, site, base + extra[site]):
            return False
    return True


def _distribute(
    problem: Problem, sites: tuple[int, ...], x: dict[int, list[int]], flex: list[Flex], cutoff: float = math.inf
) -> bool | None:
    """Place the flexible units (in place, into `x`) at least cost; False if not proven exact.

    None if the search could tell that no placement costs less than `cutoff`.
    """
    p = problem
    if not flex:
        return True
    if _flat(p, sites, x, flex):
        rates = p.rates
        for sku, count, holders in flex:
            for site, most in sorted(holders, key=lambda h: (float(rates[h[0], sku]), h[0])):
                take = min(most, count)
                x[site][sku] += take
                count -= take
        return True
    if len(sites) == 2:
        i, j = sites
        return split_pair(p, i, j, x[i], x[j], [(sku, count) for sku, count, _ in flex])
    return _split_by_brackets(p, sites, x, flex, cutoff)


def _split_by_brackets(
    problem: Problem, sites: tuple[int, ...], x: dict[int, list[int]], flex: list[Flex], cutoff: float
) -> bool | None:
    """Equal per-unit costs, three or more sites: cheapest packable combination of weight brackets."""
    p = problem
    width = p.price.shape[1]
    base = [_weight(p, x[site]) for site in sites]
    flex_units = sum(count for _, count, _ in flex)
    shipped = sum(sum(x[site]) for site in sites) + flex_units
    # everything but the carrier prices is fixed for this set: fixed costs, per-unit costs (equal at
    # every site of the set, SKU by SKU), backorders
    rate = p.rates[sites[0]]
    counts = np.sum([x[site] for site in sites], axis=0).astype(float)
    for sku, count, _ in flex:
        counts[sku] += count
    constant = sum(float(p.fixed[site]) for site in sites) + float(counts @ rate)
    constant += p.backorder * (p.total_units - shipped)
    allowance = cutoff - constant - EPS
    extra = [0] * len(sites)
    position = {site: n for n, site in enumerate(sites)}
    for sku, _, holders in flex:
        for site, most in holders:
            extra[position[site]] += most * int(p.weight[sku])
    total = sum(base) + sum(int(p.weight[sku]) * count for sku, count, _ in flex)
    lows = [p.bracket(weight) for weight in base]
    if any(low >= width for low in lows):
        return False
    cheapest = [float(p.price[site, low]) for site, low in zip(sites, lows, strict=True)]
    if sum(cheapest) >= allowance:
        return None
    ranges = []
    for n, site in enumerate(sites):
        high = min(p.bracket(base[n] + extra[n]), width - 1)
        room = allowance - (sum(cheapest) - cheapest[n])  # the most this site's price may be
        while high > lows[n] and not float(p.price[site, high]) < room:
            high -= 1
        ranges.append(np.arange(lows[n], high + 1))
    size = math.prod(len(r) for r in ranges)
    if size > MAX_COMBINATIONS:
        _pack_greedy(p, sites, x, flex)
        return False
    grids = np.meshgrid(*ranges, indexing="ij")
    cost = sum(p.price[site, grid] for site, grid in zip(sites, grids, strict=True))
    limits = np.minimum(p.breaks, 1e12)
    capacity = sum(np.floor(limits[grid]) for grid in grids)
    cost = np.asarray(cost).ravel()
    capacity = np.asarray(capacity).ravel()
    candidates = np.flatnonzero((capacity >= total) & (cost < allowance))
    if not len(candidates):
        return None
    order = candidates[np.lexsort((-capacity[candidates], cost[candidates]))]
    items = sorted(flex, key=lambda item: -int(p.weight[item[0]]))
    budget = [MAX_PACK_STEPS]
    for flat_index in order[:MAX_TRIED_COMBINATIONS].tolist():
        chosen = np.unravel_index(flat_index, tuple(len(r) for r in ranges))
        spare = [int(np.floor(limits[int(ranges[n][k])])) - base[n] for n, k in enumerate(chosen)]
        try:
            placement = _pack(p, items, spare, position, budget)
        except _Abort:
            break
        if placement is not None:
            for (sku, _, holders), counts in zip(items, placement, strict=True):
                for (site, _), count in zip(holders, counts, strict=True):
                    x[site][sku] += count
            return True
    if len(order) <= MAX_TRIED_COMBINATIONS and budget[0] >= 0:
        return None  # proven: no combination under the cutoff can be packed
    _pack_greedy(p, sites, x, flex)
    return False


def _pack(
    problem: Problem, items: list[Flex], room: list[int], position: dict[int, int], budget: list[int]
) -> list[list[int]] | None:
    """Place every flexible unit within each site's room (grams); None if impossible.

    Depth-first over the items (heaviest first), pruned by "what is left must fit in the room
    of the sites that can take it". Raises `_Abort` once `budget[0]` steps are spent.
    """
    weights = [int(problem.weight[sku]) for sku, _, _ in items]
    slots = len(room)
    # holdable[n][slot]: grams items n.. could put in that slot if room were unlimited
    holdable = [[0] * slots for _ in range(len(items) + 1)]
    for n in range(len(items) - 1, -1, -1):
        holdable[n] = list(holdable[n + 1])
        for site, most in items[n][2]:
            holdable[n][position[site]] += most * weights[n]
    suffix = [0] * (len(items) + 1)
    for n in range(len(items) - 1, -1, -1):
        suffix[n] = suffix[n + 1] + weights[n] * items[n][1]
    failed: set[tuple[int, tuple[int, ...]]] = set()
    placement: list[list[int]] = [[0] * len(item[2]) for item in items]

    def place(n: int) -> bool:
        budget[0] -= 1
        if budget[0] < 0:
            raise _Abort
        if n == len(items):
            return True
        if suffix[n] > sum(min(r, h) for r, h in zip(room, holdable[n], strict=True)):
            return False
        key = (n, tuple(room))
        if key in failed:
            return False
        _, count, holders = items[n]
        weight = weights[n]
        order = sorted(range(len(holders)), key=lambda h: -room[position[holders[h][0]]])

        def spread(h: int, left: int) -> bool:
            if h == len(order):
                return left == 0 and place(n + 1)
            holder = order[h]
            slot = position[holders[holder][0]]
            most = min(holders[holder][1], left, room[slot] // weight if weight else left)
            for take in range(most, -1, -1):
                room[slot] -= take * weight
                placement[n][holder] = take
                if spread(h + 1, left - take):
                    return True
                room[slot] += take * weight
            placement[n][holder] = 0
            return False

        if spread(0, count):
            return True
        failed.add(key)
        return False

    return placement if place(0) else None


def _pack_greedy(problem: Problem, sites: Sequence[int], x: dict[int, list[int]], flex: list[Flex]) -> None:
    """Fallback: each flexible unit to the holder whose parcel it makes cheapest now."""
    p = problem
    for sku, count, holders in flex:
        limits = dict(holders)
        for _ in range(count):
            options = [site for site, _ in holders if limits[site] > 0]
            site = min(
                options,
                key=lambda s: (
                    p.shipment_cost(s, [q + (1 if n == sku else 0) for n, q in enumerate(x[s])])
                    - p.shipment_cost(s, x[s]),
                    s,
                ),
            )
            x[site][sku] += 1
            limits[site] -= 1


def split_pair(problem: Problem, i: int, j: int, x_i: list[int], x_j: list[int], shared: list[tuple[int, int]]) -> bool:
    """Give the shared units to `i` or `j` (in place) at least cost; False if not searched exactly."""
    if not shared:
        return True
    p = problem
    w = p.weight
    base_i = _weight(p, x_i)
    base_j = _weight(p, x_j)
    shared_weight = sum(int(w[s]) * count for s, count in shared)
    units = sum(count for _, count in shared)
    rates = p.rates
    rate_i = sum(float(rates[i, sku]) * count for sku, count in shared)
    rate_j = sum(float(rates[j, sku]) * count for sku, count in shared)

    def give_all(to_i: bool) -> None:
        for sku, count in shared:
            (x_i if to_i else x_j)[sku] += count

    if units > MAX_SPLIT_UNITS:
        cost_i = price_at(p, i, base_i + shared_weight) + price_at(p, j, base_j) + rate_i
        cost_j = price_at(p, i, base_i) + price_at(p, j, base_j + shared_weight) + rate_j
        give_all(cost_i <= cost_j)
        return False
    deltas = {float(rates[i, sku] - rates[j, sku]) for sku, _ in shared}
    if max(deltas) - min(deltas) > 1e-9:
        # the rates differ SKU by SKU (own terms, future costs): a cheapest-cost-per-weight knapsack
        return split_pair_by_sku(p, i, j, x_i, x_j, shared)
    # binary-split each SKU's shared units into chunks (1, 2, 4, ..., rest): each chunk goes whole to i or j
    chunks: list[tuple[int, int, int]] = []  # (sku, units, weight)
    for sku, count in shared:
        size = 1
        while count > 0:
            take = min(size, count)
            chunks.append((sku, take, take * int(w[sku])))
            count -= take
            size *= 2
    delta_unit = deltas.pop()
    same_rate = abs(delta_unit) <= 1e-12
    width = p.price.shape[1]
    first = p.bracket(base_i)
    last = min(p.bracket(base_i + shared_weight), width - 1)
    caps = {shared_weight}
    for k in range(first, last + 1):
        limit = float(p.breaks[k])
        if math.isfinite(limit):
            caps.add(min(shared_weight, math.floor(limit) - base_i))
    cap_list = sorted(cap for cap in caps if cap >= 0) or [0]
    # layers[n] = bitset of weights reachable for i with n units (one layer if the per-unit rates are equal)
    history: list[list[int]] = []
    layers = [1]
    for _, chunk_units, chunk_weight in chunks:
        history.append(layers)
        if same_rate:
            layers = [layers[0] | (layers[0] << chunk_weight)]
        else:
            grown = layers + [0] * chunk_units
            for n in range(len(layers) - 1, -1, -1):
                if layers[n]:
                    grown[n + chunk_units] |= layers[n] << chunk_weight
            layers = grown
    best: tuple[float, int, int] | None = None  # (cost, weight to i, units layer)
    for n, bits in enumerate(layers):
        if not bits:
            continue
        for cap in cap_list:
            reach = bits & ((1 << (cap + 1)) - 1)
            if not reach:
                continue
            given = reach.bit_length() - 1
            cost = price_at(p, i, base_i + given) + price_at(p, j, base_j + shared_weight - given)
            if not same_rate:
                cost += delta_unit * n
            if best is None or cost < best[0] - EPS:
                best = (cost, given, n)
    if best is None:
        give_all(rate_i <= rate_j)
        return True
    _, given, n = best
    for (sku, chunk_units, chunk_weight), before in zip(reversed(chunks), reversed(history), strict=True):
        layer = 0 if same_rate else n
        if layer < len(before) and (before[layer] >> given) & 1:
            x_j[sku] += chunk_units
            continue
        x_i[sku] += chunk_units
        given -= chunk_weight
        if not same_rate:
            n -= chunk_units
    return True
