"""One return and what its page shows: lines, units, refund, timeline; and the returns of one order."""

from __future__ import annotations

from typing import Any

from django.db.models import OuterRef, Prefetch, Subquery, Sum
from django.db.models.functions import Coalesce
from django.http import Http404

from core.types import AnyUser
from inventory.models import Location
from orders.models import Order, OrderEvent
from returns.models import Refund, ReturnAuthorization, ReturnLine, ReturnUnit
from returns.selectors._common import returns_visible_to


def return_get(*, user: AnyUser, pk: int) -> ReturnAuthorization:
    """A return the user may read, or 404."""
    try:
        return returns_visible_to(user).select_related("order", "order__channel", "return_location").get(pk=pk)
    except ReturnAuthorization.DoesNotExist as exc:
        raise Http404("No such return.") from exc


def return_detail(*, user: AnyUser, pk: int) -> ReturnAuthorization:
    """A return with everything its page shows, in a constant number of queries."""
    qs = returns_visible_to(user).select_related(
        "order", "order__channel", "return_location", "policy", "exchange_order", "created_by", "received_by"
    )
    qs = qs.prefetch_related(
        Prefetch("lines", queryset=ReturnLine.objects.select_related("sku", "reason", "exchange_sku", "order_line")),
        Prefetch(
            "units",
            queryset=ReturnUnit.objects.select_related(
                "line__sku", "location", "transfer__destination", "vendor_return"
            ).order_by("line_id", "sequence"),
        ),
        "photos",
        "tracking_events",
    )
    try:
        rma = qs.get(pk=pk)
    except ReturnAuthorization.DoesNotExist as exc:
        raise Http404("No such return.") from exc
    return rma


def return_refund(rma: ReturnAuthorization) -> Any:
    """The return's refund, or None."""
    return Refund.objects.filter(rma=rma).select_related("channel", "executed_by").first()


def return_events(rma: ReturnAuthorization) -> list[OrderEvent]:
    """The steps of this return on its order's timeline, newest first."""
    return list(OrderEvent.objects.filter(order_id=rma.order_id, data__rma=rma.pk).select_related("actor"))


def order_returns(order: Order) -> list[ReturnAuthorization]:
    """The returns of one order (for the order page), newest first, with their units."""
    units = ReturnLine.objects.filter(rma=OuterRef("pk")).values("rma").annotate(n=Sum("quantity")).values("n")
    return list(
        ReturnAuthorization.objects.filter(order=order)
        .select_related("return_location", "refund")
        .annotate(unit_count=Coalesce(Subquery(units), 0))
        .order_by("-created_at", "-id")
    )


def transfer_destinations(user: AnyUser) -> list[Location]:
    """Active locations returned units may be transferred to (any: the destination receives them)."""
    return list(Location.objects.filter(is_active=True).order_by("code").only("code", "name", "kind"))
