"""The returns report: return rate by SKU and returns by reason."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from django.db.models import Q, Sum
from django.utils import timezone

from orders.models import OrderLine
from returns.models import ReturnLine, ReturnStatus


@dataclass(frozen=True)
class RateRow:
    key: str
    label: str
    sold: int
    returned: int

    @property
    def rate(self) -> Decimal:
        if not self.sold:
            return Decimal("0.0")
        return (Decimal(self.returned) * 100 / Decimal(self.sold)).quantize(Decimal("0.1"))


def return_report(*, since: date, limit: int = 20) -> dict[str, Any]:
    """Return rate by SKU (units returned / units shipped on orders placed since `since`) and returns by reason.

    Returned units are those of returns not rejected or cancelled. Three queries.
    """
    live = ~Q(rma__status__in=(ReturnStatus.REJECTED, ReturnStatus.CANCELLED))
    start = timezone.make_aware(datetime.combine(since, time.min))
    returned_by_sku = {
        row["sku_id"]: row["n"]
        for row in ReturnLine.objects.filter(live, order_line__order__placed_at__gte=start)
        .values("sku_id")
        .annotate(n=Sum("quantity"))
    }
    sold = (
        OrderLine.objects.filter(order__placed_at__gte=start, quantity_shipped__gt=0)
        .values("sku_id", "sku__code", "sku__name")
        .annotate(n=Sum("quantity_shipped"))
    )
    by_sku = [
        RateRow(
            key=row["sku__code"], label=row["sku__name"], sold=row["n"], returned=returned_by_sku.get(row["sku_id"], 0)
        )
        for row in sold
    ]
    by_sku.sort(key=lambda r: (-r.rate, -r.returned, r.key))
    by_reason_rows = (
        ReturnLine.objects.filter(live, order_line__order__placed_at__gte=start)
        .values("reason__code", "reason__label")
        .annotate(n=Sum("quantity"))
        .order_by("-n", "reason__code")
    )
    merged: dict[str, tuple[str, int]] = {}
    for row in by_reason_rows:
        label, count = merged.get(row["reason__code"], (row["reason__label"], 0))
        merged[row["reason__code"]] = (label, count + row["n"])
    total_returned = sum(count for _, count in merged.values())
    by_reason = sorted(
        (
            RateRow(key=code, label=label, sold=total_returned, returned=count)
            for code, (label, count) in merged.items()
        ),
        key=lambda r: (-r.returned, r.key),
    )
    total_sold = sum(row.sold for row in by_sku)
    return {
        "since": since,
        "by_sku": [row for row in by_sku if row.returned][:limit],
        "by_reason": by_reason,
        "total_sold": total_sold,
        "total_returned": total_returned,
        "overall_rate": RateRow("all", "All", total_sold, sum(r.returned for r in by_sku)).rate,
    }


def report_periods() -> list[tuple[int, str]]:
    return [(30, "Last 30 days"), (90, "Last 90 days"), (365, "Last 12 months")]


def report_since(days: int) -> date:
    return timezone.localdate() - timedelta(days=days)
