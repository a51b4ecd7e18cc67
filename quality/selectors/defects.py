"""Defect rates: the share of inspected units that failed, per location (and SKU), over recent days.

A unit counts against the location the goods came from (a transfer's source) or, without one,
the location that received and inspected it: a partner's rate is the rate of its locations.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import F, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from inventory.models import SKU, Location
from quality.models import Inspection, InspectionStatus


@dataclass(frozen=True)
class DefectRate:
    """Inspected and failed units of one location (and one SKU, or every SKU when `sku_id` is None)."""

    location_id: int
    location_code: str
    sku_id: int | None
    sku_code: str
    inspected: int
    failed: int

    @property
    def rate_percent(self) -> Decimal:
        """Failed units per hundred inspected (0 when nothing was inspected), to two places."""
        if not self.inspected:
            return Decimal("0.00")
        return (Decimal(self.failed) * 100 / Decimal(self.inspected)).quantize(Decimal("0.01"), ROUND_HALF_UP)


def _since(days: int, now: datetime | None) -> datetime:
    return (now or timezone.now()) - timedelta(days=days)


def defect_rates(
    *, location_ids: Iterable[int] | None = None, days: int = 30, by_sku: bool = True, now: datetime | None = None
) -> list[DefectRate]:
    """Defect rates over the last `days`, per location and SKU (or per location), worst first."""
    qs = (
        Inspection.objects.exclude(status=InspectionStatus.OPEN)
        .filter(inspected_at__gte=_since(days, now))
        .annotate(responsible=Coalesce("origin_id", "location_id"))
    )
    if location_ids is not None:
        qs = qs.filter(responsible__in=list(location_ids))
    keys = ["responsible", "sku_id"] if by_sku else ["responsible"]
    rows = list(
        qs.values(*keys).annotate(inspected=Sum(F("passed_units") + F("failed_units")), failed=Sum("failed_units"))
    )
    codes = dict(Location.objects.filter(pk__in={row["responsible"] for row in rows}).values_list("pk", "code"))
    sku_codes = dict(SKU.objects.filter(pk__in={row.get("sku_id") for row in rows}).values_list("pk", "code"))
    rates = [
        DefectRate(
            location_id=row["responsible"],
            location_code=codes.get(row["responsible"], ""),
            sku_id=row.get("sku_id"),
            sku_code=sku_codes.get(row["sku_id"], "") if by_sku else "",
            inspected=row["inspected"] or 0,
            failed=row["failed"] or 0,
        )
        for row in rows
    ]
    return sorted(rates, key=lambda rate: (-rate.rate_percent, -rate.failed, rate.location_code, rate.sku_code))


def defect_rate_for_locations(
    *, location_ids: Iterable[int], days: int = 30, now: datetime | None = None
) -> DefectRate:
    """One figure for a group of locations (a partner's), every SKU together."""
    ids = list(location_ids)
    rates = defect_rates(location_ids=ids, days=days, by_sku=False, now=now)
    return DefectRate(
        location_id=ids[0] if len(ids) == 1 else 0,
        location_code=", ".join(sorted(rate.location_code for rate in rates)),
        sku_id=None,
        sku_code="",
        inspected=sum(rate.inspected for rate in rates),
        failed=sum(rate.failed for rate in rates),
    )
