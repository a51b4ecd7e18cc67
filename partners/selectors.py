"""Reads for the purchase order pages and APIs, and each partner's health.

Every list is scoped: staff with `partners.manage_partners` see every partner's POs, a
partner (its portal users, its API key) only its own, anyone else none; a PO outside the
scope is a 404 by any URL. Querysets come with what their pages and serializers read
(`select_related` / `prefetch_related`), so templates and serializers never query.

SLA status, computed in the database (so lists filter on it): `ack_late` (lines still
unanswered after the acknowledgment deadline), `ship_late` (open after the ship deadline),
`on_time` (open, within both), `done` (shipped, invoiced, closed, rejected or cancelled); the
lists also take `late` for either kind of late.

The supplier portal's reads (`portal_*`) take the partner, never a user: the portal view finds
the partner of the signed-in supplier once and every read is filtered on it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import (
    Case,
    CharField,
    Count,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils import timezone

from core.types import AnyUser, user_has_perm
from inventory.models import Location
from partners.models import (
    AdvanceShipNotice,
    DocumentKind,
    Invoice,
    InvoiceLine,
    Partner,
    PartnerApiKey,
    PartnerDocument,
    PartnerSkuCost,
    PartnerUser,
    PurchaseOrder,
    PurchaseOrderLine,
    PurchaseOrderStatus,
)
from quality.selectors import DefectRate, defect_rates

S = PurchaseOrderStatus
OPEN_STATUSES = (S.SENT, S.ACKNOWLEDGED, S.PARTIALLY_SHIPPED)
SLA_ACK_LATE, SLA_SHIP_LATE, SLA_ON_TIME, SLA_DONE = "ack_late", "ship_late", "on_time", "done"
SLA_LATE = "late"  # a filter only: either kind of late
SLA_CHOICES = [
    (SLA_ACK_LATE, "Acknowledgment late"),
    (SLA_SHIP_LATE, "Shipment late"),
    (SLA_ON_TIME, "On time"),
    (SLA_DONE, "Done"),
]
MANAGE = "partners.manage_partners"


def _late_ack(now: datetime) -> Q:
    return Q(status__in=OPEN_STATUSES, acknowledged_at__isnull=True, ack_due_at__lt=now)


def _late_ship(now: datetime) -> Q:
    return Q(status__in=OPEN_STATUSES, ship_due_at__lt=now)


def with_sla_status(queryset: QuerySet[PurchaseOrder], now: datetime | None = None) -> QuerySet[PurchaseOrder]:
    """Annotate `sla_status` on each PO (see the module docstring)."""
    now = now or timezone.now()
    return queryset.annotate(
        sla_status=Case(
            When(~Q(status__in=OPEN_STATUSES), then=Value(SLA_DONE)),
            When(_late_ack(now), then=Value(SLA_ACK_LATE)),
            When(_late_ship(now), then=Value(SLA_SHIP_LATE)),
            default=Value(SLA_ON_TIME),
            output_field=CharField(),
        )
    )


def partner_for_user(user: AnyUser | Any) -> Partner | None:
    """The partner a supplier's portal user (or API key) belongs to; None for our own staff."""
    partner = getattr(user, "partner", None)  # a PartnerPrincipal (API key)
    if isinstance(partner, Partner):
        return partner
    if not getattr(user, "is_authenticated", False):
        return None
    membership = getattr(user, "partner_membership", None)
    return membership.partner if membership is not None else None


def purchase_orders_visible(user: AnyUser | Any) -> QuerySet[PurchaseOrder]:
    """The POs this user may read: all for partner managers, its partner's for a supplier, else none."""
    partner = partner_for_user(user)
    if partner is not None:
        return PurchaseOrder.objects.filter(partner=partner)
    if user_has_perm(user, MANAGE):
        return PurchaseOrder.objects.all()
    return PurchaseOrder.objects.none()


def _lines() -> Prefetch[Any]:
    return Prefetch("lines", queryset=PurchaseOrderLine.objects.select_related("sku").order_by("line_number"))


def purchase_order_list(
    *,
    user: AnyUser | Any,
    partner: Partner | None = None,
    status: str = "",
    sla: str = "",
    search: str = "",
    now: datetime | None = None,
) -> QuerySet[PurchaseOrder]:
    """The user's POs, newest first, filtered by partner, status, SLA status or a number; lines prefetched."""
    queryset = with_sla_status(purchase_orders_visible(user), now)
    if partner is not None:
        queryset = queryset.filter(partner=partner)
    if status:
        queryset = queryset.filter(status=status)
    if sla == SLA_LATE:
        queryset = queryset.filter(Q(sla_status__in=(SLA_ACK_LATE, SLA_SHIP_LATE)))
    elif sla:
        queryset = queryset.filter(Q(sla_status=sla))
    search = search.strip().upper()
    if search:
        digits = search.removeprefix("PO-").lstrip("0")
        queryset = queryset.filter(pk=int(digits)) if digits.isdigit() else queryset.none()
    return (
        queryset.select_related("partner", "shipment__location", "shipment__order", "location")
        .prefetch_related(_lines())
        .order_by("-created_at", "-id")
    )


def purchase_orders_for_partner(*, partner: Partner, status: str = "") -> QuerySet[PurchaseOrder]:
    """A partner's POs oldest first (the API's cursor walks them in this order), lines prefetched."""
    queryset = PurchaseOrder.objects.filter(partner=partner)
    if status:
        queryset = queryset.filter(status=status)
    return queryset.prefetch_related(_lines()).order_by("id")


def purchase_orders_cancelled_for_partner(*, partner: Partner) -> QuerySet[PurchaseOrder]:
    """A partner's cancelled POs in the order we cancelled them (the cancellations cursor walks this)."""
    return (
        PurchaseOrder.objects.filter(partner=partner, status=PurchaseOrderStatus.CANCELLED, cancelled_at__isnull=False)
        .prefetch_related(_lines())
        .order_by("cancelled_at", "id")
    )


def purchase_order_of_partner(*, partner: Partner, pk: int) -> PurchaseOrder:
    """One of the partner's POs with its lines; 404 for any other PO (a partner never learns it exists)."""
    try:
        return PurchaseOrder.objects.prefetch_related(_lines()).get(pk=pk, partner=partner)
    except PurchaseOrder.DoesNotExist as exc:
        raise Http404("No such purchase order.") from exc


def purchase_order_detail(*, user: AnyUser | Any, pk: int, now: datetime | None = None) -> PurchaseOrder:
    """One PO the user may read, with its lines, ship notices, invoices and document trail; else 404."""
    queryset = (
        with_sla_status(purchase_orders_visible(user), now)
        .select_related("partner", "shipment__location", "shipment__order", "location")
        .prefetch_related(
            _lines(),
            Prefetch(
                "ship_notices",
                queryset=AdvanceShipNotice.objects.prefetch_related("lines__po_line").order_by("shipped_at", "id"),
            ),
            Prefetch(
                "invoices",
                queryset=Invoice.objects.select_related("approved_by")
                .prefetch_related(Prefetch("lines", queryset=InvoiceLine.objects.select_related("po_line")))
                .order_by("invoiced_at", "id"),
            ),
            Prefetch("documents", queryset=PartnerDocument.objects.order_by("created_at", "id")),
        )
    )
    try:
        return queryset.get(pk=pk)
    except PurchaseOrder.DoesNotExist as exc:
        raise Http404("No such purchase order.") from exc


#: Defect rates cover the inspections of the last this many days.
DEFECT_DAYS = 30


@dataclass(frozen=True)
class PartnerHealth:
    """A partner's health panel: open POs, late acknowledgments and shipments, defects, last contact."""

    partner: Partner
    open_pos: int
    late_acks: int
    late_shipments: int
    defect_rate: Decimal | None  # failed per hundred units inspected (quality); None when none were inspected
    units_inspected: int
    last_contact_at: datetime | None


def _po_count(condition: Q) -> Coalesce:
    """POs of the outer partner meeting `condition`, counted in a subquery (no join multiplies the rows)."""
    counted = (
        PurchaseOrder.objects.filter(condition, partner=OuterRef("pk"))
        .order_by()
        .values("partner")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


def partners_health(*, partners: QuerySet[Partner] | None = None, now: datetime | None = None) -> list[PartnerHealth]:
    """Health of each partner (every partner, by name, when none are given): three queries whatever their number.

    The partners come with their locations prefetched; the defect rate is quality's, over the
    partner's locations and the last `DEFECT_DAYS` days.
    """
    now = now or timezone.now()
    last_in = (
        PartnerDocument.objects.filter(partner=OuterRef("pk"), direction="in")
        .order_by("-created_at")
        .values("created_at")[:1]
    )
    queryset = (
        (partners if partners is not None else Partner.objects.all())
        .annotate(
            open_pos=_po_count(Q(status__in=OPEN_STATUSES)),
            late_acks=_po_count(_late_ack(now)),
            late_shipments=_po_count(_late_ship(now)),
            last_document_at=Subquery(last_in),
        )
        .prefetch_related(Prefetch("locations", queryset=Location.objects.order_by("code")))
        .order_by("name")
    )
    found = list(queryset)
    location_ids = {location.pk for partner in found for location in partner.locations.all()}
    rates: dict[int, DefectRate] = {}
    if location_ids:
        rates = {
            rate.location_id: rate
            for rate in defect_rates(location_ids=location_ids, days=DEFECT_DAYS, by_sku=False, now=now)
        }
    health = []
    for partner in found:
        mine = [rates[location.pk] for location in partner.locations.all() if location.pk in rates]
        inspected = sum(rate.inspected for rate in mine)
        failed = sum(rate.failed for rate in mine)
        contacts = [moment for moment in (partner.last_contact_at, partner.last_document_at) if moment is not None]
        health.append(
            PartnerHealth(
                partner=partner,
                open_pos=partner.open_pos,
                late_acks=partner.late_acks,
                late_shipments=partner.late_shipments,
                defect_rate=(Decimal(failed * 100) / inspected).quantize(Decimal("0.01"), ROUND_HALF_UP)
                if inspected
                else None,
                units_inspected=inspected,
                last_contact_at=max(contacts) if contacts else None,
            )
        )
    return health


def partner_health(*, partner: Partner, now: datetime | None = None) -> PartnerHealth:
    """One partner's health panel."""
    return partners_health(partners=Partner.objects.filter(pk=partner.pk), now=now)[0]


def partner_page(*, pk: int) -> Partner:
    """One partner with what its page shows: contacts, SKU costs, locations, portal users, API keys; else 404."""
    queryset = Partner.objects.prefetch_related(
        "contacts",
        Prefetch("sku_costs", queryset=PartnerSkuCost.objects.select_related("sku").order_by("sku__code")),
        Prefetch("locations", queryset=Location.objects.order_by("code")),
        Prefetch("users", queryset=PartnerUser.objects.select_related("user").order_by("user__username")),
        Prefetch("api_keys", queryset=PartnerApiKey.objects.order_by("revoked_at", "-created_at")),
    )
    try:
        return queryset.get(pk=pk)
    except Partner.DoesNotExist as exc:
        raise Http404("No such partner.") from exc


def partner_defect_rates(*, partner: Partner, now: datetime | None = None) -> list[DefectRate]:
    """Quality's defect rates per location and SKU of the partner's locations, worst first."""
    location_ids = [location.pk for location in partner.locations.all()]
    if not location_ids:
        return []
    return defect_rates(location_ids=location_ids, days=DEFECT_DAYS, by_sku=True, now=now)


# --- The supplier portal -------------------------------------------------------------------------

#: The portal's tabs: POs to answer, to ship, shipped, and those that ended without shipping.
PORTAL_TABS: dict[str, tuple[str, tuple[str, ...]]] = {
    "new": ("New", (S.SENT,)),
    "to_ship": ("To ship", (S.ACKNOWLEDGED, S.PARTIALLY_SHIPPED)),
    "shipped": ("Shipped", (S.SHIPPED, S.INVOICED, S.CLOSED)),
    "cancelled": ("Cancelled", (S.CANCELLED, S.REJECTED)),
}


def portal_partner(user: AnyUser | Any) -> Partner | None:
    """The partner whose portal this signed-in user may use (one query); None for anyone else."""
    if not getattr(user, "is_authenticated", False) or not user.pk:
        return None
    membership = PartnerUser.objects.select_related("partner").filter(user_id=user.pk).first()
    return membership.partner if membership is not None else None


def portal_tab_counts(*, partner: Partner) -> dict[str, int]:
    """How many of the partner's POs each portal tab holds (one query)."""
    counts = PurchaseOrder.objects.filter(partner=partner).aggregate(
        **{tab: Count("pk", filter=Q(status__in=statuses)) for tab, (_label, statuses) in PORTAL_TABS.items()}
    )
    return {tab: counts[tab] or 0 for tab in PORTAL_TABS}


def portal_purchase_orders(*, partner: Partner, tab: str) -> QuerySet[PurchaseOrder]:
    """The partner's POs of one portal tab, lines prefetched: new ones by deadline, the others newest first."""
    _label, statuses = PORTAL_TABS[tab]
    queryset = PurchaseOrder.objects.filter(partner=partner, status__in=statuses).prefetch_related(_lines())
    if tab == "new":
        return queryset.order_by("ack_due_at", "id")
    return queryset.order_by("-created_at", "-id")


def portal_purchase_order(*, partner: Partner, pk: int) -> PurchaseOrder:
    """One of the partner's POs with its lines, ship notices, invoices and the documents the partner sent;
    404 for any other PO, so a supplier never learns another's exists."""
    queryset = PurchaseOrder.objects.filter(partner=partner).prefetch_related(
        _lines(),
        Prefetch(
            "ship_notices",
            queryset=AdvanceShipNotice.objects.prefetch_related("lines__po_line").order_by("shipped_at", "id"),
        ),
        Prefetch("invoices", queryset=Invoice.objects.order_by("invoiced_at", "id")),
        Prefetch("documents", queryset=PartnerDocument.objects.filter(direction="in").order_by("-created_at", "-id")),
    )
    try:
        return queryset.get(pk=pk)
    except PurchaseOrder.DoesNotExist as exc:
        raise Http404("No such purchase order.") from exc


def portal_inventory_feeds(*, partner: Partner, limit: int = 10) -> list[PartnerDocument]:
    """The partner's latest inventory feeds, however they came, newest first."""
    return list(
        PartnerDocument.objects.filter(partner=partner, direction="in", kind=DocumentKind.INVENTORY).order_by(
            "-created_at", "-id"
        )[:limit]
    )
