"""The returns queue: its filters, the counts per status tab, and the locations it can be filtered by."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce

from core.types import AnyUser
from inventory.models import Location
from inventory.selectors import visible_location_ids
from returns.models import ReturnAuthorization, ReturnLine, ReturnStatus
from returns.selectors._common import _ORDER, _RMA, returns_visible_to


@dataclass(frozen=True)
class ReturnFilters:
    query: str = ""
    status: str = ""
    location_id: int | None = None
    needs_approval: bool = False


def _search(query: str) -> Q:
    text = query.strip()
    condition = (
        Q(order__external_id__icontains=text)
        | Q(order__customer_name__icontains=text)
        | Q(order__customer_email__icontains=text)
        | Q(tracking_number=text)
    )
    rma = _RMA.fullmatch(text)
    if rma:
        condition |= Q(pk=int(rma.group(1)))
    order = _ORDER.fullmatch(text)
    if order and not rma:
        condition |= Q(order_id=int(order.group(1)))
    return condition


def _filtered(user: AnyUser, filters: ReturnFilters, *, with_status: bool) -> QuerySet[ReturnAuthorization]:
    qs = returns_visible_to(user)
    if filters.query.strip():
        qs = qs.filter(_search(filters.query))
    if filters.location_id:
        qs = qs.filter(return_location_id=filters.location_id)
    if with_status:
        if filters.needs_approval:
            qs = qs.filter(status=ReturnStatus.REQUESTED).exclude(hold_reason="")
        elif filters.status:
            qs = qs.filter(status=filters.status)
    return qs


def return_queue(*, user: AnyUser, filters: ReturnFilters) -> QuerySet[ReturnAuthorization]:
    """The returns queue, newest first, with order, channel, location, units and refund (one query per page)."""
    units = ReturnLine.objects.filter(rma=OuterRef("pk")).values("rma").annotate(n=Sum("quantity")).values("n")
    return (
        _filtered(user, filters, with_status=True)
        .select_related("order", "order__channel", "return_location", "refund")
        .annotate(unit_count=Coalesce(Subquery(units), 0))
        .order_by("-created_at", "-id")
    )


def return_status_counts(*, user: AnyUser, filters: ReturnFilters) -> dict[str, int]:
    """Returns per status under the other filters, "" for all and "approval" for held requests (one query)."""
    qs = _filtered(user, filters, with_status=False)
    counts = qs.aggregate(
        all=Count("pk"),
        approval=Count("pk", filter=Q(status=ReturnStatus.REQUESTED) & ~Q(hold_reason="")),
        **{value: Count("pk", filter=Q(status=value)) for value in ReturnStatus.values},
    )
    return {("" if key == "all" else key): value for key, value in counts.items()}


def queue_locations(user: AnyUser) -> list[Location]:
    """Locations the queue can be filtered by: those that take returns and the user may see."""
    qs = Location.objects.filter(accepts_returns=True).order_by("code").only("code", "name")
    ids = visible_location_ids(user)
    return list(qs if ids is None else qs.filter(pk__in=ids))
