"""The routing benchmark's load part: plans must not change when the machine is busy.

`CpuHog` keeps every core busy with spinning subprocesses (started and stopped by their own
pids); `Trace` records, for the orders of a quality run, what each plan shipped from where and
how long `plan` and `greedy_plan` took on the same input, so one run can print the router's
time as a multiple of the baseline's and compare the plans of a quiet run with a loaded one.
"""

from __future__ import annotations

import math
import os
import subprocess
import sys
from dataclasses import dataclass, field
from types import TracebackType

from fulfillment.routing import Plan

SPIN = "while True:\n    pass\n"


class CpuHog:
    """Spin one Python process per core while the `with` block runs."""

    def __init__(self, processes: int | None = None) -> None:
        self.count = processes or os.cpu_count() or 2
        self.started: list[subprocess.Popen[bytes]] = []

    def __enter__(self) -> CpuHog:
        self.started = [
            subprocess.Popen([sys.executable, "-c", SPIN])  # noqa: S603 (our own interpreter and code)
            for _ in range(self.count)
        ]
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        for process in self.started:
            process.kill()
        for process in self.started:
            process.wait()


def signature(found: Plan) -> tuple[tuple[str, tuple[tuple[str, int], ...]], ...]:
    """What a plan ships from where (locations and units), for comparing two runs."""
    return tuple((s.location, tuple(sorted(s.lines.items()))) for s in found.shipments)


@dataclass
class Trace:
    """Per order of a quality run: the plan's signature, and ms of `plan` and of `greedy_plan` on it."""

    plans: list[tuple[tuple[str, tuple[tuple[str, int], ...]], ...]] = field(default_factory=list)
    plan_ms: list[float] = field(default_factory=list)
    greedy_ms: list[float] = field(default_factory=list)


def percentile(values: list[float], share: float) -> float:
    """Nearest-rank percentile (0 < share <= 1)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(share * len(ordered)) - 1))]


def times_line(prefix: str, plan_ms: list[float], greedy_ms: list[float]) -> str:
    """p50/p95 of plan() and each as a multiple of greedy_plan's on the same orders."""
    p50, p95 = percentile(plan_ms, 0.5), percentile(plan_ms, 0.95)
    g50, g95 = percentile(greedy_ms, 0.5), percentile(greedy_ms, 0.95)
    return (
        f"{prefix}p50_ms={p50:.3f} {prefix}p95_ms={p95:.3f} {prefix}greedy_p50_ms={g50:.3f} "
        f"{prefix}p50_x_greedy={p50 / g50:.2f} {prefix}p95_x_greedy={p95 / g95:.2f}"
    )


def changed(quiet: Trace, loaded: Trace) -> int:
    """Orders whose plan differs between two runs of the same scenario."""
    return sum(a != b for a, b in zip(quiet.plans, loaded.plans, strict=True))
