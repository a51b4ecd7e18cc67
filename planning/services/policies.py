"""Replenishment settings: the stocking policy of each class of location and a supplier's lead time.

Staff set a class's service level and review period on the proposals page (`stocking_policies_set`,
stored as `StockingPolicy`); a class without one uses `DEFAULT_POLICIES`. A supplier's lead time is
the days staff set for its stock purchase orders (`SupplierLeadTime`, admin "Supplier lead times"),
else its hours to ship plus `SUPPLIER_TRANSIT_DAYS` on the road.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from django.db import transaction

from core.errors import ValidationFailed
from partners.models import Partner
from planning.models import StockingClass, StockingPolicy, SupplierLeadTime


@dataclass(frozen=True)
class ClassPolicy:
    """How a class of location is replenished, and whether staff set it or it is the default."""

    label: str
    service_level: float
    review_days: int
    is_default: bool

    @property
    def service_percent(self) -> str:
        """The service level as people write it: 95%, 97.5%."""
        return f"{self.service_level * 100:.1f}".removesuffix(".0") + "%"


#: Used for a class staff have not set: warehouses and 3PLs serve every channel, so a stockout there
#: costs more than in one store; everything is reviewed weekly.
DEFAULT_POLICIES: dict[str, tuple[float, int]] = {
    StockingClass.WAREHOUSE: (0.95, 7),
    StockingClass.THIRD_PARTY: (0.95, 7),
    StockingClass.STORE: (0.90, 7),
}
SUPPLIER_TRANSIT_DAYS = 4
#: Lead time assumed when no supplier lists the SKU (a purchase then needs a supplier first).
UNKNOWN_SUPPLIER_LEAD_DAYS = SUPPLIER_TRANSIT_DAYS + 3


def stocking_policies() -> dict[str, ClassPolicy]:
    """The policy of every stocking class, staff's where set, else the default (one query)."""
    saved = {row.location_class: row for row in StockingPolicy.objects.all()}
    out: dict[str, ClassPolicy] = {}
    for value, label in StockingClass.choices:
        row = saved.get(value)
        if row is not None:
            out[value] = ClassPolicy(str(label), row.service_level, row.review_days, is_default=False)
        else:
            level, review = DEFAULT_POLICIES[value]
            out[value] = ClassPolicy(str(label), level, review, is_default=True)
    return out


def supplier_lead_times() -> dict[int, int]:
    """The lead time in days staff set per supplier (partner id), one query."""
    return dict(SupplierLeadTime.objects.values_list("partner_id", "days"))


def supplier_lead_days(partner: Partner | None, quoted: dict[int, int]) -> tuple[int, str]:
    """Days from ordering to receiving stock from `partner`, and where the figure comes from.

    `quoted` is `supplier_lead_times()`, read once per computation.
    """
    if partner is None:
        return UNKNOWN_SUPPLIER_LEAD_DAYS, f"no supplier lists this SKU; assumed {UNKNOWN_SUPPLIER_LEAD_DAYS} days"
    if partner.pk in quoted:
        return quoted[partner.pk], f"{quoted[partner.pk]} days quoted by {partner.name}"
    days = math.ceil(partner.ship_sla_hours / 24) + SUPPLIER_TRANSIT_DAYS
    return days, f"{partner.ship_sla_hours} h to ship + {SUPPLIER_TRANSIT_DAYS} days transit"


def stocking_policies_set(*, policies: dict[str, tuple[float, int]]) -> None:
    """Save the service level (0.5-0.999) and review days (1-90) of each class given.

    The next `proposals_compute` uses them; proposals already computed keep the figures they show.
    """
    with transaction.atomic():
        for location_class, (service_level, review_days) in sorted(policies.items()):
            if location_class not in StockingClass.values:
                raise ValidationFailed(
                    f"{location_class!r} is not a class of stocking location.", field="location_class"
                )
            if not 0.5 <= service_level <= 0.999:
                raise ValidationFailed("Enter a service level from 50% to 99.9%.", field=f"{location_class}-level")
            if not 1 <= review_days <= 90:
                raise ValidationFailed("Enter a review period from 1 to 90 days.", field=f"{location_class}-review")
            StockingPolicy.objects.update_or_create(
                location_class=location_class,
                defaults={"service_level": service_level, "review_days": review_days},
            )
