"""Why an order ships from where it does: the stored routing decision in words a person reads."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from carriers.connectors.base import service_title
from fulfillment.models import (
    CarrierService,
    RoutingDecision,
)


def carrier_service_names() -> dict[tuple[str, str], str]:
    """How a person names a shipment's service: ("postline", "priority-mail") -> "Postline Priority Mail"."""
    rows = CarrierService.objects.values_list("carrier__code", "code", "carrier__name", "name")
    return {(carrier, code): f"{carrier_name} {name}" for carrier, code, carrier_name, name in rows}


def service_label(names: dict[tuple[str, str], str], carrier: str, service: str) -> str:
    """The service's name, or its codes when the carrier no longer has it."""
    return names.get((carrier, service)) or service_title(carrier, service)


COST_LABELS = {
    "shipping": "Shipping",
    "handling": "Handling",
    "packages": "Packages",
    "late_penalty": "Late-delivery penalty",
    "backorder_penalty": "Backorder penalty",
}


METHOD_LABELS = {
    "single": "one location, proven cheapest",
    "exact": "split, proven cheapest by enumeration",
    "milp": "proven cheapest by the MILP solver",
    "heuristic": "best plan found within the time budget",
    "greedy": "line-by-line greedy",
}


def _money(value: object) -> Decimal:
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        return Decimal("0.00")


def _iso_date(value: object) -> date | None:
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        return None


@dataclass(frozen=True)
class RoutingExplanation:
    """A routing decision as a person reads it: why, how, what it costs, and what else was possible."""

    decision: RoutingDecision
    method_label: str
    costs: list[tuple[str, Decimal]]
    shipments: list[dict[str, Any]]
    backorders: list[tuple[str, int]]
    alternatives: list[dict[str, Any]]


def routing_explanation(
    decision: RoutingDecision, service_names: dict[tuple[str, str], str] | None = None
) -> RoutingExplanation:
    """Read a stored decision's plan and runners-up (no query; names from `carrier_service_names`)."""
    plan = decision.plan if isinstance(decision.plan, dict) else {}
    breakdown = plan.get("cost_breakdown") or {}
    costs = [
        (COST_LABELS.get(key, key.replace("_", " ").capitalize()), _money(value)) for key, value in breakdown.items()
    ]
    shipments = [
        {
            "location": row.get("location", ""),
            "lines": sorted((row.get("lines") or {}).items()),
            "service_label": service_label(service_names or {}, row.get("carrier", ""), row.get("service", "")),
            "cost": _money(row.get("cost")),
            "zone": row.get("zone"),
            "miles": row.get("distance_miles"),
            "weight_grams": row.get("weight_grams"),
            "estimated_delivery": _iso_date(row.get("estimated_delivery")),
        }
        for row in plan.get("shipments") or []
    ]
    alternatives = []
    for row in decision.alternatives or []:
        total = _money(row.get("total_cost"))
        alternatives.append(
            {
                "locations": row.get("locations") or [],
                "total_cost": total,
                "extra": total - decision.total_cost,
                "packages": row.get("packages"),
                "backordered_units": row.get("backordered_units") or 0,
                "summary": row.get("summary", ""),
            }
        )
    return RoutingExplanation(
        decision=decision,
        method_label=METHOD_LABELS.get(decision.method, decision.method),
        costs=costs,
        shipments=shipments,
        backorders=sorted((plan.get("backorders") or {}).items()),
        alternatives=alternatives,
    )
