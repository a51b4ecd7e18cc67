"""The two-site search's shortcuts: the bound on a pair's split, and skipping pairs that cannot matter.

A plan's runners-up (the alternatives its explanation lists) are the cheapest two-site plans
the search evaluated; pairs that cannot beat the best plan nor those runners-up are bounded
instead of split. These tests check the bound against every split and the search against the
same search made to split every pair.
"""

from __future__ import annotations

import math
from typing import Any, cast

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fulfillment.routing import search
from fulfillment.routing.problem import Problem, Site

EVALUATE_SET = search.evaluate_set  # the search's own, before a test wraps it


def _problem(rng: np.random.Generator, *, sites: int, skus: int, breaks: list[float]) -> Problem:
    """A random problem: stock, unit weights, rising carrier prices per site (cents), no groups. The
    sites' lightest parcels cost about the same, as with one carrier's nearby zones: many pairs then
    come close to the best plan, which is where the search has to choose what to split."""
    width = len(breaks)
    steps = rng.integers(0, 400, size=(sites, width)).astype(float)
    steps[:, 0] += rng.integers(300, 500, size=sites)
    qty = rng.integers(1, 4, size=skus)
    return Problem(
        skus=[f"SKU-{n}" for n in range(skus)],
        qty=qty,
        weight=rng.integers(50, 2500, size=skus).astype(float),
        sites=cast(list[Site], [None] * sites),  # the search only counts them
        avail=np.minimum(rng.integers(0, 4, size=(sites, skus)), qty),
        fixed=rng.integers(100, 600, size=sites).astype(float),
        unit=rng.integers(0, 80, size=sites).astype(float),
        extra=np.zeros((sites, skus)),
        price=np.cumsum(steps, axis=1),
        breaks=np.array(breaks),
        backorder=6000.0,
        groups=[],
        max_packages=None,
    )


@settings(max_examples=300, deadline=None)
@given(
    limits=st.lists(st.integers(100, 9000), min_size=1, max_size=6, unique=True).map(sorted),
    heavy=st.booleans(),
    seed=st.integers(0, 2**32 - 1),
    own_i=st.integers(0, 4000),
    own_j=st.integers(0, 4000),
    shared=st.integers(0, 6000),
)
def test_a_pairs_price_floor_is_the_cheapest_way_to_split_the_weight(limits, heavy, seed, own_i, own_j, shared):
    breaks = [float(limit) for limit in limits] + ([math.inf] if heavy else [])
    problem = _problem(np.random.default_rng(seed), sites=2, skus=1, breaks=breaks)

    every_split = min(
        problem.price_at(0, own_i + taken) + problem.price_at(1, own_j + shared - taken) for taken in range(shared + 1)
    )

    assert problem.split_price_floor(0, 1, own_i, own_j, shared) == every_split


def _search(problem: Problem, split_every_pair: bool, monkeypatch: pytest.MonkeyPatch) -> tuple[Any, list[Any], int]:
    """The two-site search from the best one-site plan; how many pairs it split (evaluated to a plan)."""
    split = [0]

    def counted(p: Problem, sites: tuple[int, ...], cutoff: float = math.inf) -> Any:
        found, solved = EVALUATE_SET(p, sites, math.inf if split_every_pair else cutoff)
        split[0] += found is not None
        return found, solved

    monkeypatch.setattr(search, "evaluate_set", counted)
    singles = search.Singles(problem)
    incumbent = min([*singles.best(problem, 4), problem.empty()], key=lambda s: s.key())
    best, runners_up, _ = search.best_pairs(problem, singles, incumbent)
    return best, runners_up, split[0]


def test_the_runners_up_are_the_cheapest_pairs_though_fewer_pairs_are_split(monkeypatch):
    skipped = 0
    for seed in range(40):
        problem = _problem(np.random.default_rng(seed), sites=30, skus=6, breaks=[500, 1000, 2000, 5000, 10000, 30000])

        best, runners_up, split = _search(problem, False, monkeypatch)
        every_best, every_runner_up, every_split = _search(problem, True, monkeypatch)

        assert best.key() == every_best.key()
        assert [plan.key() for plan in runners_up] == [plan.key() for plan in every_runner_up]
        skipped += every_split - split
    assert skipped > 0  # the bound did spare some splits
