"""Purchase orders (dropship, and stock for our own locations) and what comes back for them:
acknowledgments (per line), advance ship notices (several, partial) and invoices, matched three
ways (PO, ASN, invoice)."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q

from core.models import TimeStampedModel
from inventory.models import SKU
from partners.models import Partner


class PurchaseOrderStatus(models.TextChoices):
    SENT = "sent", "Sent"
    ACKNOWLEDGED = "acknowledged", "Acknowledged"
    PARTIALLY_SHIPPED = "partially_shipped", "Partly shipped"
    SHIPPED = "shipped", "Shipped"
    INVOICED = "invoiced", "Invoiced"
    CLOSED = "closed", "Closed"
    REJECTED = "rejected", "Rejected"
    CANCELLED = "cancelled", "Cancelled"


class PurchaseOrderKind(models.TextChoices):
    DROPSHIP = "dropship", "Dropship (to a customer)"
    STOCK = "stock", "Stock (to our location)"


class PurchaseOrder(TimeStampedModel):
    """What to ship, where, by when, at what cost.

    A dropship PO carries one shipment routed to the supplier (ship-to: the customer); a stock PO
    replenishes one of our locations (ship-to: the location; no customer, no shipment), and its
    ship notices are received there as stock.
    """

    partner = models.ForeignKey(Partner, on_delete=models.PROTECT, related_name="purchase_orders")
    kind = models.CharField(max_length=10, choices=PurchaseOrderKind.choices, default=PurchaseOrderKind.DROPSHIP)
    shipment = models.OneToOneField(
        "fulfillment.Shipment", null=True, blank=True, on_delete=models.PROTECT, related_name="purchase_order"
    )
    location = models.ForeignKey(
        "inventory.Location",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="stock_purchase_orders",
        help_text="Stock POs: our location the units are for.",
    )
    reference = models.CharField(max_length=60, blank=True, help_text="Stock POs: why we ordered, e.g. a proposal.")
    status = models.CharField(
        max_length=20, choices=PurchaseOrderStatus.choices, default=PurchaseOrderStatus.SENT, db_index=True
    )
    ship_to = models.JSONField(default=dict, help_text="Name and address, as sent (the partner sees only this).")
    service_level = models.CharField(max_length=20, blank=True)
    ship_by = models.DateField(null=True, blank=True)
    ack_due_at = models.DateTimeField(null=True, blank=True)
    ship_due_at = models.DateTimeField(null=True, blank=True)
    total_cost = models.DecimalField(max_digits=12, decimal_places=2, default=Decimal("0.00"))
    sent_at = models.DateTimeField(null=True, blank=True)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    shipped_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancel_reason = models.CharField(max_length=200, blank=True)
    match_status = models.CharField(
        max_length=12,
        blank=True,
        choices=[("matched", "Matched"), ("discrepancy", "Discrepancy")],
        help_text="Three-way match of PO, ship notices and invoices.",
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["partner", "status"], name="po_partner_status")]
        constraints = [
            models.CheckConstraint(
                condition=(Q(kind="dropship") & Q(shipment__isnull=False))
                | (Q(kind="stock") & Q(shipment__isnull=True) & Q(location__isnull=False)),
                name="po_kind_has_its_destination",
            )
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def number(self) -> str:
        return f"PO-{self.pk:06d}" if self.pk else "PO-new"

    @property
    def is_stock(self) -> bool:
        return self.kind == PurchaseOrderKind.STOCK


class PurchaseOrderLine(models.Model):
    purchase_order = models.ForeignKey(PurchaseOrder, on_delete=models.CASCADE, related_name="lines")
    line_number = models.PositiveSmallIntegerField()
    sku = models.ForeignKey(SKU, on_delete=models.PROTECT, related_name="+")
    # The order line whose units this PO line carries: a rejected unit is released from it.
    order_line = models.ForeignKey(
        "orders.OrderLine", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    supplier_sku = models.CharField(max_length=64, blank=True)
    quantity = models.PositiveIntegerField()
    unit_cost = models.DecimalField(max_digits=12, decimal_places=2, default=Decimal("0.00"))
    quantity_accepted = models.PositiveIntegerField(default=0)
    quantity_rejected = models.PositiveIntegerField(default=0)
    quantity_shipped = models.PositiveIntegerField(default=0)
    quantity_invoiced = models.PositiveIntegerField(default=0)
    reject_reason = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["purchase_order", "line_number"]
        constraints = [
            models.UniqueConstraint(fields=["purchase_order", "line_number"], name="poline_unique_number"),
            models.CheckConstraint(
                condition=Q(quantity_accepted__lte=models.F("quantity"))
                & Q(quantity_shipped__lte=models.F("quantity")),
                name="poline_quantities_within_ordered",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.purchase_order_id}/{self.line_number}"


class AdvanceShipNotice(models.Model):
    """A parcel (or several) the supplier shipped against a PO, with carrier and tracking."""

    purchase_order = models.ForeignKey(PurchaseOrder, on_delete=models.CASCADE, related_name="ship_notices")
    reference = models.CharField(max_length=60, help_text="The supplier's shipment id (856 BSN02).")
    carrier = models.CharField(max_length=60, blank=True)
    service = models.CharField(max_length=60, blank=True)
    tracking_numbers = models.JSONField(default=list)
    shipped_at = models.DateTimeField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["purchase_order", "shipped_at", "id"]
        constraints = [models.UniqueConstraint(fields=["purchase_order", "reference"], name="asn_unique_reference")]

    def __str__(self) -> str:
        return f"ASN {self.reference}"


class AsnLine(models.Model):
    ship_notice = models.ForeignKey(AdvanceShipNotice, on_delete=models.CASCADE, related_name="lines")
    po_line = models.ForeignKey(PurchaseOrderLine, on_delete=models.CASCADE, related_name="asn_lines")
    quantity = models.PositiveIntegerField()

    def __str__(self) -> str:
        return f"{self.ship_notice_id}:{self.po_line_id} x{self.quantity}"


class Invoice(models.Model):
    purchase_order = models.ForeignKey(PurchaseOrder, on_delete=models.CASCADE, related_name="invoices")
    number = models.CharField(max_length=60)
    invoiced_at = models.DateField()
    total = models.DecimalField(max_digits=12, decimal_places=2)
    match_status = models.CharField(max_length=12, blank=True)
    discrepancies = models.JSONField(default=list, blank=True, help_text="What differs from PO and ship notices.")
    approved_at = models.DateTimeField(null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    approval_note = models.CharField(max_length=300, blank=True, help_text="Why a discrepancy was approved.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["purchase_order", "invoiced_at", "id"]
        constraints = [models.UniqueConstraint(fields=["purchase_order", "number"], name="invoice_unique_number")]

    def __str__(self) -> str:
        return f"Invoice {self.number}"


class InvoiceLine(models.Model):
    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="lines")
    po_line = models.ForeignKey(PurchaseOrderLine, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    supplier_sku = models.CharField(max_length=64, blank=True)
    quantity = models.PositiveIntegerField()
    unit_price = models.DecimalField(max_digits=12, decimal_places=2)

    def __str__(self) -> str:
        return f"{self.invoice_id}: {self.supplier_sku} x{self.quantity} @ {self.unit_price}"
