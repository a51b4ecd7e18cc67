"""Reads for the 3PL pages: connected partners, their fulfillment orders, inventory drift."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet

from partners.models import (
    FulfillmentOrderOutbox,
    FulfillmentOrderStatus,
    InventoryDrift,
    InventorySnapshot,
    Partner,
    PartnerKind,
    ReceivingOrder,
)


def threepl_partners() -> QuerySet[Partner]:
    """Active 3PL partners with a connector, by name."""
    return Partner.objects.filter(kind=PartnerKind.THIRD_PARTY, is_active=True).exclude(connector="").order_by("name")


def fulfillment_orders(*, partner: Partner, status: str | None = None) -> QuerySet[FulfillmentOrderOutbox]:
    """A partner's fulfillment orders, newest first, with their shipment and order loaded."""
    qs = FulfillmentOrderOutbox.objects.filter(partner=partner).select_related("shipment__order", "shipment__location")
    return qs.filter(status=status) if status else qs


def fulfillment_orders_needing_attention(*, partner: Partner) -> QuerySet[FulfillmentOrderOutbox]:
    """Orders the 3PL refused, or holds in exception, or that keep failing to send."""
    refused = FulfillmentOrderOutbox.objects.filter(partner=partner, status=FulfillmentOrderStatus.FAILED)
    stuck = FulfillmentOrderOutbox.objects.filter(partner=partner, attempts__gte=5).exclude(last_error="")
    exceptions = FulfillmentOrderOutbox.objects.filter(partner=partner).exclude(exception="")
    return (refused | stuck | exceptions).select_related("shipment__order").distinct()


def inventory_snapshot_latest(*, partner: Partner) -> InventorySnapshot | None:
    """The partner's newest inventory snapshot with its drift rows (and their SKUs) loaded."""
    snapshot: InventorySnapshot | None = (
        InventorySnapshot.objects.filter(partner=partner)
        .select_related("location", "applied_by")
        .prefetch_related(Prefetch("drifts", queryset=inventory_drift_rows()))
        .first()
    )
    return snapshot


def inventory_drift_rows(*, snapshot: InventorySnapshot | None = None) -> QuerySet[InventoryDrift]:
    """Drift rows (of one snapshot), the 3PL's largest surplus first and shortfalls last, SKU and correction loaded."""
    qs = InventoryDrift.objects.select_related("sku", "movement").order_by("snapshot", "-drift", "sku_code")
    return qs.filter(snapshot=snapshot) if snapshot is not None else qs


def receiving_orders(*, partner: Partner) -> QuerySet[ReceivingOrder]:
    """A partner's receiving orders, newest first, with the transfer loaded."""
    return ReceivingOrder.objects.filter(partner=partner).select_related("transfer__source", "transfer__destination")
