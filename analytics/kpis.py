"""The KPIs as ratios of summed daily facts (pure: sums in, figures out; no ORM).

Rates are summed counts divided, never averages of daily rates, so a quiet day weighs what its
orders weigh. Each KPI names its drill-down (`kpi` of the orders list: the orders behind the
"bad" side of the figure) and whether higher is better, for the colour of its trend.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True)
class KpiDef:
    key: str
    label: str
    numerator: str
    denominator: str
    drill: str
    higher_is_better: bool
    explain: str
    complement: bool = False  # the figure is 1 - numerator/denominator (on time = 1 - late)


RATE_KPIS: tuple[KpiDef, ...] = (
    KpiDef(
        "fill_rate",
        "Fill rate",
        "filled_first",
        "routed",
        "not_filled",
        True,
        "Orders routing planned complete the first time and never routed again.",
    ),
    KpiDef("split_rate", "Split rate", "split", "routed", "split", False, "Orders sent in more than one shipment."),
    KpiDef(
        "on_time_ship",
        "On-time ship",
        "shipped_late",
        "shipped",
        "late_ship",
        True,
        "Shipments that left by their ship-by day.",
        complement=True,
    ),
    KpiDef(
        "on_time_delivery",
        "On-time delivery",
        "delivered_late",
        "delivered",
        "late_delivery",
        True,
        "Shipments delivered by the day promised (the order's promise, else the routed estimate).",
        complement=True,
    ),
    KpiDef(
        "no_show_rate",
        "Pickup no-shows",
        "pickups_no_show",
        "pickups_closed",
        "no_show",
        False,
        "Pickups whose hold ran out, of pickups collected or expired.",
    ),
    KpiDef(
        "store_reject_rate",
        "Ship-from-store rejects",
        "store_rejected",
        "store_requests",
        "store_rejected",
        False,
        "Ship-from-store requests a store turned down or let run past its deadline.",
    ),
)
COST_PARTS = ("shipping", "handling", "packages")


@dataclass(frozen=True)
class RateFigure:
    """One KPI over a set of facts: the percentage (None without a denominator) and its counts."""

    kpi: KpiDef
    percent: float | None
    bad: int
    total: int

    @property
    def display(self) -> str:
        return "—" if self.percent is None else f"{self.percent:.1f}%"


def rate(kpi: KpiDef, sums: Mapping[str, object]) -> RateFigure:
    """The KPI from summed facts (missing sums count as 0)."""
    numerator = int(sums.get(kpi.numerator) or 0)  # type: ignore[call-overload]
    total = int(sums.get(kpi.denominator) or 0)  # type: ignore[call-overload]
    if not total:
        return RateFigure(kpi, None, 0, 0)
    share = numerator / total
    percent = 100 * (1 - share if kpi.complement else share)
    bad = numerator if (kpi.complement or not kpi.higher_is_better) else total - numerator
    return RateFigure(kpi, round(percent, 1), bad, total)


def rates(sums: Mapping[str, object]) -> dict[str, RateFigure]:
    """Every rate KPI of one set of summed facts, by key."""
    return {kpi.key: rate(kpi, sums) for kpi in RATE_KPIS}


@dataclass(frozen=True)
class CostFigure:
    """Planned and actual cost per order shipped in full, per part (shipping, handling, packages)."""

    orders: int
    planned: dict[str, Decimal]
    actual: dict[str, Decimal]

    @property
    def planned_total(self) -> Decimal:
        return sum(self.planned.values(), Decimal("0.00"))

    @property
    def actual_total(self) -> Decimal:
        return sum(self.actual.values(), Decimal("0.00"))

    @property
    def difference(self) -> Decimal:
        return self.actual_total - self.planned_total

    def rows(self) -> list[tuple[str, Decimal, Decimal, Decimal]]:
        """(part, planned, actual, actual - planned) per cost part."""
        return [
            (part, self.planned[part], self.actual[part], self.actual[part] - self.planned[part]) for part in COST_PARTS
        ]


def cost_per_order(sums: Mapping[str, object]) -> CostFigure:
    """Average planned and actual cost per costed order, to the cent."""
    orders = int(sums.get("costed_orders") or 0)  # type: ignore[call-overload]

    def per_order(prefix: str) -> dict[str, Decimal]:
        return {
            part: (Decimal(str(sums.get(f"{prefix}_{part}") or 0)) / orders).quantize(Decimal("0.01"))
            if orders
            else Decimal("0.00")
            for part in COST_PARTS
        }

    return CostFigure(orders, per_order("planned"), per_order("actual"))
