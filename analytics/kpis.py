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
    bad_word: str = ""  # what the drill-down's orders are, e.g. "late"


RATE_KPIS: tuple[KpiDef, ...] = (
    KpiDef(
        key="fill_rate", label="Fill rate", numerator="filled_first", denominator="routed", drill="not_filled",
        higher_is_better=True, bad_word="not filled",
        explain="Orders routing planned complete the first time and never routed again.",
    ),
    KpiDef(
        key="split_rate", label="Split rate", numerator="split", denominator="routed", drill="split",
        higher_is_better=False, bad_word="split", explain="Orders sent in more than one shipment.",
    ),
    KpiDef(
        key="on_time_ship", label="On-time ship", numerator="shipped_late", denominator="shipped", drill="late_ship",
        higher_is_better=True, complement=True, bad_word="late", explain="Shipments that left by their ship-by day.",
    ),
    KpiDef(
        key="on_time_delivery", label="On-time delivery", numerator="delivered_late", denominator="delivered",
        drill="late_delivery", higher_is_better=True, complement=True, bad_word="late",
        explain="Shipments delivered by the day promised (the order's promise, else the routed estimate).",
    ),
    KpiDef(
        key="no_show_rate", label="Pickup no-shows", numerator="pickups_no_show", denominator="pickups_closed",
        drill="no_show", higher_is_better=False, bad_word="expired",
        explain="Pickups whose hold ran out, of pickups collected or expired.",
    ),
    KpiDef(
        key="store_reject_rate", label="Ship-from-store rejects", numerator="store_rejected",
        denominator="store_requests", drill="store_rejected", higher_is_better=False, bad_word="rejected",
        explain="Ship-from-store requests a store turned down or let run past its deadline.",
    ),
)  # fmt: skip
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
