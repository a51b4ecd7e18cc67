"""Partners (dropship suppliers and 3PLs), their people and keys, and the documents we exchange.

A partner is a company behind one or more locations of kind `dropship_supplier` or `3pl`.
Purchase orders, ship notices and invoices are in `partners.models.orders`; every message in
or out (portal, REST API, EDI file, 3PL connector) is kept raw and parsed as a
`PartnerDocument`, so a purchase order's page shows its whole trail.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models

from core.models import TimeStampedModel
from inventory.models import SKU, Location


class PartnerKind(models.TextChoices):
    DROPSHIP = "dropship_supplier", "Dropship supplier"
    THIRD_PARTY = "3pl", "3PL warehouse"


class Exchange(models.TextChoices):
    """How documents travel between us and the partner."""

    PORTAL = "portal", "Supplier portal"
    API = "api", "REST API"
    EDI = "edi", "EDI X12 files"
    CONNECTOR = "connector", "3PL connector"


class Partner(TimeStampedModel):
    """A dropship supplier or 3PL: how we talk to it, what it promises, what it costs."""

    code = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=120)
    kind = models.CharField(max_length=20, choices=PartnerKind.choices)
    exchange = models.CharField(max_length=12, choices=Exchange.choices, default=Exchange.PORTAL)
    locations = models.ManyToManyField(Location, blank=True, related_name="partners")
    ack_sla_hours = models.PositiveIntegerField("hours to acknowledge", default=24)
    ship_sla_hours = models.PositiveIntegerField("hours to ship", default=48)
    per_order_fee = models.DecimalField(max_digits=10, decimal_places=2, default=Decimal("0.00"))
    handling_per_unit = models.DecimalField(
        max_digits=10, decimal_places=2, default=Decimal("0.00"), help_text="3PL pick and pack fee per unit."
    )
    # EDI identities (ISA06/ISA08 qualifiers and ids, GS02/GS03 application codes).
    edi_our_id = models.CharField(max_length=15, blank=True)
    edi_their_id = models.CharField(max_length=15, blank=True)
    edi_qualifier = models.CharField(max_length=2, blank=True, default="ZZ")
    # A 3PL connector: which provider, where, with which credentials (encrypted, core.crypto).
    connector = models.CharField(max_length=20, blank=True, help_text='e.g. "shipbob"')
    base_url = models.CharField(max_length=300, blank=True)
    credentials = models.TextField(blank=True)
    is_active = models.BooleanField("active", default=True)
    last_contact_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["name"]
        permissions = [("manage_partners", "Can manage partners and their purchase orders")]

    def __str__(self) -> str:
        return self.name


class PartnerContact(models.Model):
    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="contacts")
    name = models.CharField(max_length=120)
    role = models.CharField(max_length=80, blank=True, help_text="e.g. Orders, Accounts, Escalation")
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=40, blank=True)

    class Meta:
        ordering = ["partner", "name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.partner})"


class PartnerSkuCost(models.Model):
    """What a dropship supplier charges us per unit of a SKU (routing adds it to the plan's cost)."""

    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="sku_costs")
    sku = models.ForeignKey(SKU, on_delete=models.CASCADE, related_name="partner_costs")
    unit_cost = models.DecimalField(max_digits=12, decimal_places=2, validators=[MinValueValidator(Decimal("0"))])
    supplier_sku = models.CharField(max_length=64, blank=True, help_text="The supplier's own code (EDI VN).")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["partner", "sku"], name="partnerskucost_unique")]

    def __str__(self) -> str:
        return f"{self.partner_id}:{self.sku_id} {self.unit_cost}"


class PartnerUser(models.Model):
    """A supplier's person in the portal: sees only this partner's purchase orders."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="partner_membership")
    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="users")

    def __str__(self) -> str:
        return f"{self.user_id}@{self.partner_id}"


class PartnerApiKey(models.Model):
    """A partner's key for the supplier REST API (stored hashed, shown once)."""

    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="api_keys")
    name = models.CharField(max_length=80)
    prefix = models.CharField(max_length=12, unique=True)
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.partner_id}:{self.prefix}"


class DocumentKind(models.TextChoices):
    PURCHASE_ORDER = "po", "Purchase order (850)"
    ACKNOWLEDGMENT = "ack", "PO acknowledgment (855)"
    SHIP_NOTICE = "asn", "Advance ship notice (856)"
    INVOICE = "invoice", "Invoice (810)"
    INVENTORY = "inventory", "Inventory advice (846)"
    FUNCTIONAL_ACK = "997", "Functional acknowledgment (997)"
    FULFILLMENT_ORDER = "fulfillment_order", "3PL fulfillment order"
    THREEPL_EVENT = "3pl_event", "3PL event"
    RECEIVING_ORDER = "receiving_order", "3PL receiving order"


class DocumentStatus(models.TextChoices):
    RECEIVED = "received", "Received"
    APPLIED = "applied", "Applied"
    DUPLICATE = "duplicate", "Duplicate (no change)"
    REJECTED = "rejected", "Rejected"
    SENT = "sent", "Sent"
    PENDING = "pending", "Waiting to send"
    FAILED = "failed", "Sending failed"


class PartnerDocument(models.Model):
    """One message in or out, raw and parsed, with what became of it (the document trail)."""

    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="documents")
    purchase_order = models.ForeignKey(
        "partners.PurchaseOrder", null=True, blank=True, on_delete=models.SET_NULL, related_name="documents"
    )
    direction = models.CharField(max_length=3, choices=[("in", "In"), ("out", "Out")])
    via = models.CharField(max_length=12, choices=Exchange.choices)
    kind = models.CharField(max_length=20, choices=DocumentKind.choices)
    status = models.CharField(max_length=12, choices=DocumentStatus.choices, default=DocumentStatus.RECEIVED)
    raw = models.TextField(blank=True)
    parsed = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True, help_text="What is wrong, e.g. segment and element, or field.")
    control_number = models.CharField(max_length=20, blank=True)
    idempotency_key = models.CharField(max_length=120, blank=True)
    # What the document says, hashed: the same content for the same PO again is a duplicate.
    content_hash = models.CharField(max_length=64, blank=True, db_index=True)
    file = models.FileField(upload_to="partners/documents/%Y/%m/", blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["partner", "direction", "idempotency_key"],
                condition=~models.Q(idempotency_key=""),
                name="partnerdocument_unique_idempotency",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.direction} #{self.pk}"


from partners.models.orders import (  # noqa: E402  (they refer to the models above)
    AdvanceShipNotice,
    AsnLine,
    Invoice,
    InvoiceLine,
    PurchaseOrder,
    PurchaseOrderKind,
    PurchaseOrderLine,
    PurchaseOrderStatus,
)

__all__ = [
    "AdvanceShipNotice",
    "AsnLine",
    "DocumentKind",
    "DocumentStatus",
    "Exchange",
    "Invoice",
    "InvoiceLine",
    "Partner",
    "PartnerApiKey",
    "PartnerContact",
    "PartnerDocument",
    "PartnerKind",
    "PartnerSkuCost",
    "PartnerUser",
    "PurchaseOrder",
    "PurchaseOrderKind",
    "PurchaseOrderLine",
    "PurchaseOrderStatus",
]

from partners.models.edi import EdiControlNumber  # noqa: E402  (refers to Partner)

__all__ += ["EdiControlNumber"]

from partners.models.threepl import (  # noqa: E402  (3PL connector rows refer to Partner)
    DriftStatus,
    FulfillmentOrderOutbox,
    FulfillmentOrderStatus,
    InventoryDrift,
    InventorySnapshot,
    ReceivingOrder,
    ReceivingOrderStatus,
    SnapshotStatus,
    ThreePlEvent,
)

__all__ += [
    "DriftStatus",
    "FulfillmentOrderOutbox",
    "FulfillmentOrderStatus",
    "InventoryDrift",
    "InventorySnapshot",
    "ReceivingOrder",
    "ReceivingOrderStatus",
    "SnapshotStatus",
    "ThreePlEvent",
]
