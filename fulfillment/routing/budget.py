"""How much search one plan may do, counted in work rather than time.

A plan must not depend on how busy the machine is: the same order on the same stock gets the
same plan at 3 a.m. and during a flash sale. So the search is bounded by counted work (sets of
locations solved exactly, MILP branch-and-bound nodes), which is the same on every run; the
wall clock stays only as a safety cap far above a normal plan's time, for pathological inputs.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field

# Sets solved exactly (`split.evaluate_set`) per plan, over all tiers. Proving the best plan of
# 200 locations and 20 lines takes a few hundred at most; beyond that the MILP is the better tool.
SET_EVALUATIONS = 2_000
# Branch-and-bound nodes the MILP may explore per solve (HiGHS `mip_max_nodes`, deterministic).
MILP_NODES = 2_000


@dataclass(slots=True)
class Budget:
    """Work left for one plan; `deadline` (`time.perf_counter()` seconds) is only the safety cap."""

    sets: int = SET_EVALUATIONS
    milp_nodes: int = MILP_NODES
    deadline: float = math.inf
    spent: int = field(default=0)

    @classmethod
    def capped(cls, safety_ms: float) -> Budget:
        """The default work budget, with a wall-clock safety cap `safety_ms` from now."""
        return cls(deadline=time.perf_counter() + safety_ms / 1000.0)

    def take(self) -> bool:
        """Spend one set evaluation; False when the budget (or the safety cap) is exhausted."""
        if self.spent >= self.sets or time.perf_counter() > self.deadline:
            return False
        self.spent += 1
        return True

    def seconds_left(self) -> float:
        """Wall-clock time left before the safety cap (for solvers that only take a time limit)."""
        return self.deadline - time.perf_counter()
