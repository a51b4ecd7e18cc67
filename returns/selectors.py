"""Reads for returns, scoped to who asks.

Staff who see every location see every return; a warehouse operator or store associate sees
only returns coming back to (or received at) their locations: anything else is a 404. A
customer reaches an order only with its number and the email it was placed with.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from django.db.models import Count, F, OuterRef, Prefetch, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils import timezone

from core.types import AnyUser, user_has_perm
from inventory.models import Location, LocationKind
from inventory.selectors import visible_location_ids
from orders.models import Order, OrderEvent, OrderLine
from returns.models import (
    Disposition,
    ReturnAuthorization,
    ReturnLine,
    ReturnReason,
    ReturnStatus,
    ReturnUnit,
    VendorReturn,
)

_RMA = re.compile(r"(?:RMA-?)0*(\d{1,9})", re.IGNORECASE)
_ORDER = re.compile(r"(?:SO-?)?0*(\d{1,9})", re.IGNORECASE)
_TOKEN = re.compile(r"[A-Za-z0-9_-]{16,40}")


def _scoped(qs: QuerySet[ReturnAuthorization], user: AnyUser) -> QuerySet[ReturnAuthorization]:
    ids = visible_location_ids(user)
    return qs if ids is None else qs.filter(return_location_id__in=ids)


def returns_visible_to(user: AnyUser) -> QuerySet[ReturnAuthorization]:
    """Returns the user may read: all with every location, else those of their locations."""
    if not (user_has_perm(user, "returns.view_returnauthorization") or user_has_perm(user, "returns.receive_return")):
        return ReturnAuthorization.objects.none()
    return _scoped(ReturnAuthorization.objects.all(), user)


# --- The queue ---------------------------------------------------------------------------------


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


# --- One return ----------------------------------------------------------------------------------


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
    from returns.models import Refund

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


# --- Receiving -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ScanResult:
    """What a scanned code found: a return, an order's open returns, or nothing."""

    rma: ReturnAuthorization | None = None
    order: Order | None = None
    candidates: tuple[ReturnAuthorization, ...] = ()
    #: Set when the scan matched several returns' tracking numbers: nothing is opened, the staff are told why.
    ambiguous: str = ""


def return_find_by_scan(*, user: AnyUser, code: str) -> ScanResult:
    """Find a return by its RMA barcode or tracking number, or an order's returns by its number or channel id.

    A return outside the user's locations is reported as not found.
    """
    text = code.strip()
    if not text:
        return ScanResult()
    visible = returns_visible_to(user).select_related("order", "return_location")
    rma = _RMA.fullmatch(text)
    if rma:
        found = visible.filter(pk=int(rma.group(1))).first()
        return ScanResult(rma=found, order=found.order if found else None)
    by_tracking = list(visible.filter(tracking_number=text).order_by("pk")[:2])
    if len(by_tracking) > 1:
        numbers = " and ".join(rma.number for rma in by_tracking)
        return ScanResult(
            ambiguous=f"Tracking number {text} is on more than one return ({numbers}); "
            "scan the RMA barcode on the label instead."
        )
    if by_tracking:
        return ScanResult(rma=by_tracking[0], order=by_tracking[0].order)
    number = _ORDER.fullmatch(text)
    order = Order.objects.filter(pk=int(number.group(1))).first() if number else None
    if order is None:
        order = Order.objects.filter(external_id=text).order_by("pk").first()
    if order is None:
        return ScanResult()
    candidates = tuple(visible.filter(order=order, status__in=(ReturnStatus.AUTHORIZED, ReturnStatus.IN_TRANSIT)))
    return ScanResult(rma=candidates[0] if len(candidates) == 1 else None, order=order, candidates=candidates)


def receiving_locations(user: AnyUser) -> list[Location]:
    """Locations the user may receive returns at."""
    qs = Location.objects.filter(is_active=True, accepts_returns=True).order_by("code")
    ids = visible_location_ids(user)
    return list(qs if ids is None else qs.filter(pk__in=ids))


# --- The store counter -----------------------------------------------------------------------------


def counter_stores(user: AnyUser) -> list[Location]:
    """Stores whose counter the user may work (a store associate: their one store)."""
    qs = Location.objects.filter(is_active=True, accepts_returns=True, kind=LocationKind.STORE).order_by("code")
    ids = visible_location_ids(user)
    return list(qs if ids is None else qs.filter(pk__in=ids))


def _postal(value: str) -> str:
    return "".join(ch for ch in value.upper() if ch.isalnum())


def _proof_matches(order: Order, proof: str) -> bool:
    """The customer's email, postal code (spaces and dashes ignored; a US ZIP's first five digits do) or last name."""
    text = proof.strip()
    if not text:
        return False
    if "@" in text:
        return bool(order.customer_email) and order.customer_email.strip().lower() == text.lower()
    given, on_order = _postal(text), _postal(order.ship_postal_code or "")
    if given and on_order and (given == on_order or (given.isdigit() and len(given) == 5 and on_order[:5] == given)):
        return True
    names = (order.customer_name or "").split()
    return bool(names) and names[-1].casefold() == text.casefold()


def counter_order(code: str, proof: str) -> Order | None:
    """The order a customer brings to the counter: its number (SO-000042) or the channel's order id, AND a proof.

    The proof is the email, the postal code or the customer's last name on the order; an
    unknown number and a wrong proof both give None, so the counter cannot be used to browse
    orders by sequential number.
    """
    text = code.strip()
    if not text or len(text) > 100:
        return None
    candidates = Q(external_id=text)
    number = _ORDER.fullmatch(text)
    if number:
        candidates |= Q(pk=int(number.group(1)))
    for order in Order.objects.select_related("channel").filter(candidates).order_by("pk")[:5]:
        if _proof_matches(order, proof):
            return order
    return None


def counter_open_returns(order: Order) -> list[ReturnAuthorization]:
    """The order's returns still expected (authorised or in transit), which the customer may hand in at a counter."""
    return list(
        ReturnAuthorization.objects.filter(order=order, status__in=(ReturnStatus.AUTHORIZED, ReturnStatus.IN_TRANSIT))
        .select_related("return_location")
        .prefetch_related(Prefetch("lines", queryset=ReturnLine.objects.select_related("sku")))
        .order_by("pk")
    )


def counter_recent(*, store: Location, limit: int = 15) -> list[ReturnAuthorization]:
    """The store's latest returns, those still to inspect first."""
    units = ReturnLine.objects.filter(rma=OuterRef("pk")).values("rma").annotate(n=Sum("quantity_received")).values("n")
    return list(
        ReturnAuthorization.objects.filter(return_location=store)
        .select_related("order")
        .annotate(unit_count=Coalesce(Subquery(units), 0))
        .order_by(
            # Received (still to inspect) first, then newest.
            F("inspected_at").asc(nulls_first=True),
            "-created_at",
        )[:limit]
    )


# --- Customer self-service ----------------------------------------------------------------------------


def customer_order(*, number: str, email: str) -> Order | None:
    """The order with this number (SO-000042 or the shop's own order id) placed with this email, else None.

    Both must match: a wrong email and an unknown number look the same to the caller.
    """
    text, address = number.strip(), email.strip()
    if not text or not address or len(text) > 100 or len(address) > 254:
        return None
    candidates = Q(external_id=text)
    match = _ORDER.fullmatch(text)
    if match:
        candidates |= Q(pk=int(match.group(1)))
    return (
        Order.objects.select_related("channel")
        .filter(candidates, customer_email__iexact=address)
        .exclude(customer_email="")
        .order_by("pk")
        .first()
    )


def customer_return(token: str) -> ReturnAuthorization | None:
    """A return by its private link token (the customer's status page), or None."""
    if not _TOKEN.fullmatch(token or ""):
        return None
    return (
        ReturnAuthorization.objects.select_related("order", "return_location", "refund", "exchange_order")
        .prefetch_related(
            Prefetch("lines", queryset=ReturnLine.objects.select_related("sku", "reason", "exchange_sku"))
        )
        .prefetch_related("tracking_events")
        .filter(public_token=token)
        .first()
    )


def customer_returns(order: Order) -> list[ReturnAuthorization]:
    return list(ReturnAuthorization.objects.filter(order=order).order_by("-created_at", "-id"))


def policy_reasons(order: Order) -> list[ReturnReason]:
    from returns.services.policy import return_policy_for

    return list(return_policy_for(order.channel).reasons.filter(is_active=True).order_by("position", "code"))


# --- After inspection --------------------------------------------------------------------------------


def refurbish_bucket(*, user: AnyUser) -> QuerySet[ReturnUnit]:
    """Units waiting in the refurbish bucket at the user's locations, oldest first."""
    qs = ReturnUnit.objects.filter(disposition=Disposition.REFURBISH, restocked_at__isnull=True).select_related(
        "rma", "line__sku", "location"
    )
    ids = visible_location_ids(user)
    return (qs if ids is None else qs.filter(location_id__in=ids)).order_by("inspected_at", "pk")


def vendor_returns_open(*, user: AnyUser) -> QuerySet[VendorReturn]:
    qs = VendorReturn.objects.select_related("location").annotate(unit_count=Count("units"))
    ids = visible_location_ids(user)
    qs = qs if ids is None else qs.filter(location_id__in=ids)
    return qs.order_by(F("shipped_at").desc(nulls_first=True), "-pk")[:50]


def vendor_return_get(*, user: AnyUser, pk: int) -> VendorReturn:
    qs = VendorReturn.objects.all()
    ids = visible_location_ids(user)
    qs = qs if ids is None else qs.filter(location_id__in=ids)
    try:
        return qs.get(pk=pk)
    except VendorReturn.DoesNotExist as exc:
        raise Http404("No such vendor return.") from exc


def refurbish_unit_get(*, user: AnyUser, pk: int) -> ReturnUnit:
    try:
        return refurbish_bucket(user=user).get(pk=pk)
    except ReturnUnit.DoesNotExist as exc:
        raise Http404("No such unit in the refurbish bucket.") from exc


# --- Report ---------------------------------------------------------------------------------------------


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


# --- Policies (staff) ------------------------------------------------------------------------------


@dataclass(frozen=True)
class PolicyRow:
    """A channel (None: the default) and the policy that applies to it (its own, else the default)."""

    key: str
    name: str
    policy: Any
    own: bool


def policy_rows() -> list[PolicyRow]:
    """The default policy and every channel with the policy that applies to it (three queries)."""
    from channels.models import Channel
    from returns.models import ReturnPolicy
    from returns.services.policy import return_policy_default_ensure

    default = return_policy_default_ensure()
    own = {
        p.channel_id: p
        for p in ReturnPolicy.objects.filter(channel__isnull=False).annotate(reason_count=Count("reasons"))
    }
    rows = [PolicyRow(key="default", name="Default (every channel without its own)", policy=default, own=True)]
    for channel in Channel.objects.order_by("code").only("code", "name"):
        policy = own.get(channel.pk)
        rows.append(PolicyRow(key=channel.code, name=channel.name, policy=policy or default, own=policy is not None))
    return rows


def policy_for_key(key: str) -> tuple[Any, Any]:
    """(channel or None, its own policy or None) for a policy page key: "default" or a channel code; 404 otherwise."""
    from channels.models import Channel
    from returns.models import ReturnPolicy
    from returns.services.policy import return_policy_default_ensure

    if key == "default":
        return None, return_policy_default_ensure()
    channel = Channel.objects.filter(code=key).first()
    if channel is None:
        raise Http404("No such channel.")
    return channel, ReturnPolicy.objects.filter(channel=channel).prefetch_related("non_returnable_skus").first()


def policy_reasons_all(policy: Any) -> list[ReturnReason]:
    """Every reason of a policy, offered or not, in the order customers see them."""
    return list(policy.reasons.order_by("position", "code")) if policy is not None else []
