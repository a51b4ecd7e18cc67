"""Reads for the purchase order pages and APIs, and each partner's health.

Every list is scoped: staff with `partners.manage_partners` see every partner's POs, a
partner (its portal users, its API key) only its own, anyone else none; a PO outside the
scope is a 404 by any URL. Querysets come with what their pages and serializers read
(`select_related` / `prefetch_related`), so templates and serializers never query.

SLA status, computed in the database (so lists filter on it): `ack_late` (lines still
unanswered after the acknowledgment deadline), `ship_late` (open after the ship deadline),
`on_time` (open, within both), `done` (shipped, invoiced, closed, rejected or cancelled).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db.models import Case, CharField, Count, Max, Prefetch, Q, QuerySet, Value, When
from django.http import Http404
from django.utils import timezone

from core.types import AnyUser, user_has_perm
from partners.models import (
    AdvanceShipNotice,
    Invoice,
    InvoiceLine,
    Partner,
    PartnerDocument,
    PurchaseOrder,
    PurchaseOrderLine,
    PurchaseOrderStatus,
)

S = PurchaseOrderStatus
OPEN_STATUSES = (S.SENT, S.ACKNOWLEDGED, S.PARTIALLY_SHIPPED)
SLA_ACK_LATE, SLA_SHIP_LATE, SLA_ON_TIME, SLA_DONE = "ack_late", "ship_late", "on_time", "done"
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
    if sla:
        queryset = queryset.filter(Q(sla_status=sla))
    search = search.strip().upper()
    if search:
        digits = search.removeprefix("PO-").lstrip("0")
        queryset = queryset.filter(pk=int(digits)) if digits.isdigit() else queryset.none()
    return (
        queryset.select_related("partner", "shipment__location", "shipment__order")
        .prefetch_related(_lines())
        .order_by("-created_at", "-id")
    )


def purchase_orders_for_partner(*, partner: Partner, status: str = "") -> QuerySet[PurchaseOrder]:
    """A partner's POs oldest first (the API's cursor walks them in this order), lines prefetched."""
    queryset = PurchaseOrder.objects.filter(partner=partner)
    if status:
        queryset = queryset.filter(status=status)
    return queryset.prefetch_related(_lines()).order_by("id")


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
        .select_related("partner", "shipment__location", "shipment__order")
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


@dataclass(frozen=True)
class PartnerHealth:
    """A partner's health panel: open POs, late acknowledgments and shipments, defects, last contact."""

    partner: Partner
    open_pos: int
    late_acks: int
    late_shipments: int
    defect_rate: Decimal  # share of inspected units that failed QC; 0 until quality inspection reports it
    last_contact_at: datetime | None


def partners_health(*, partners: QuerySet[Partner] | None = None, now: datetime | None = None) -> list[PartnerHealth]:
    """Health of each partner (every partner, by name, when none are given), in one query."""
    now = now or timezone.now()
    queryset = (partners if partners is not None else Partner.objects.all()).annotate(
        # distinct: the documents join repeats each PO row once per document
        open_pos=Count("purchase_orders", distinct=True, filter=Q(purchase_orders__status__in=OPEN_STATUSES)),
        late_acks=Count(
            "purchase_orders",
            distinct=True,
            filter=Q(
                purchase_orders__status__in=OPEN_STATUSES,
                purchase_orders__acknowledged_at__isnull=True,
                purchase_orders__ack_due_at__lt=now,
            ),
        ),
        late_shipments=Count(
            "purchase_orders",
            distinct=True,
            filter=Q(purchase_orders__status__in=OPEN_STATUSES, purchase_orders__ship_due_at__lt=now),
        ),
        last_document_at=Max("documents__created_at", filter=Q(documents__direction="in")),
    )
    return [
        PartnerHealth(
            partner=partner,
            open_pos=partner.open_pos,
            late_acks=partner.late_acks,
            late_shipments=partner.late_shipments,
            defect_rate=Decimal("0"),
            last_contact_at=partner.last_contact_at or partner.last_document_at,
        )
        for partner in queryset.order_by("name")
    ]


def partner_health(*, partner: Partner, now: datetime | None = None) -> PartnerHealth:
    """One partner's health panel."""
    return partners_health(partners=Partner.objects.filter(pk=partner.pk), now=now)[0]
