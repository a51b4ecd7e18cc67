"""3PL warehouses connected through a connector (ShipBob): what we owe them and what they told us.

- `FulfillmentOrderOutbox`: one row per shipment routed to a connected 3PL location, written in
  the routing transaction; a worker claims it with a lease, sends it as the 3PL's order and
  records the 3PL's id. Nothing is lost (the row is committed with the shipment) and nothing is
  doubled (the order carries our shipment number as the 3PL's unique reference).
- `ReceivingOrder`: one row per inventory transfer dispatched to a connected 3PL location, sent
  as the 3PL's inbound receiving order (ShipBob: a WRO) and polled until it is received.
- `ThreePlEvent`: each signed webhook taken once (unique per partner and webhook id).
- `InventorySnapshot` and its `InventoryDrift` rows: what the 3PL says it holds against our
  ledger for its location; a correction is a recorded staff action through the ledger.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from core.models import TimeStampedModel
from inventory.models import SKU, Location, StockMovement
from partners.models import Partner


class LeasedWork(models.Model):
    """What a row of work sent to a 3PL needs to be claimed by one worker at a time.

    A worker claims due rows (`next_attempt_at` passed) by writing a fresh `claimed_by` token and
    `claimed_until` (the lease); a worker that dies leaves the lease to expire, and another takes
    the row over. Marks after the call count only while the token is still the row's.
    """

    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    claimed_by = models.CharField(max_length=40, blank=True)
    claimed_until = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)

    class Meta:
        abstract = True


class FulfillmentOrderStatus(models.TextChoices):
    """Where a fulfillment order is: owed, being sent, at the 3PL, shipped, or ended."""

    PENDING = "pending", "Waiting to send"
    CLAIMED = "claimed", "Being sent"
    SENT = "sent", "Sent to 3PL"
    ACCEPTED = "accepted", "Being fulfilled by the 3PL"
    SHIPPED = "shipped", "Shipped by the 3PL"
    CANCELLED = "cancelled", "Cancelled"
    FAILED = "failed", "Refused by the 3PL"


#: Rows a sender may claim (a claimed row only once its lease has run out).
SENDABLE_STATUSES = (FulfillmentOrderStatus.PENDING, FulfillmentOrderStatus.CLAIMED)
#: Rows the 3PL holds and that polling asks about until they ship.
AT_THREEPL_STATUSES = (FulfillmentOrderStatus.SENT, FulfillmentOrderStatus.ACCEPTED)


class FulfillmentOrderOutbox(TimeStampedModel, LeasedWork):
    """A shipment owed to (or held by) a 3PL as one of its orders."""

    shipment = models.OneToOneField("fulfillment.Shipment", on_delete=models.CASCADE, related_name="threepl_order")
    partner = models.ForeignKey(Partner, on_delete=models.PROTECT, related_name="fulfillment_orders")
    status = models.CharField(
        max_length=12, choices=FulfillmentOrderStatus.choices, default=FulfillmentOrderStatus.PENDING
    )
    reference = models.CharField(max_length=60, help_text="Our unique reference at the 3PL (the shipment number).")
    external_id = models.CharField(max_length=40, blank=True, help_text="The 3PL's order id.")
    external_status = models.CharField(max_length=40, blank=True)
    remote_state = models.JSONField(default=dict, blank=True, help_text="The 3PL's order as last seen.")
    sent_at = models.DateTimeField(null=True, blank=True)
    shipped_at = models.DateTimeField(null=True, blank=True)
    last_polled_at = models.DateTimeField(null=True, blank=True)
    exception = models.CharField(max_length=200, blank=True, help_text="The 3PL's exception, while it lasts.")

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="fo_outbox_due"),
            models.Index(fields=["partner", "external_id"], name="fo_outbox_external"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["partner", "reference"], name="fo_outbox_unique_reference"),
        ]

    def __str__(self) -> str:
        return f"{self.reference} -> {self.partner_id} ({self.status})"


class ReceivingOrderStatus(models.TextChoices):
    """Where a receiving order is: owed, being sent, expected, arrived, received, or ended."""

    PENDING = "pending", "Waiting to send"
    CLAIMED = "claimed", "Being sent"
    SENT = "sent", "Expected at the 3PL"
    ARRIVED = "arrived", "Arrived at the 3PL"
    COMPLETED = "completed", "Received"
    CANCELLED = "cancelled", "Cancelled"
    FAILED = "failed", "Refused by the 3PL"


class ReceivingOrder(TimeStampedModel, LeasedWork):
    """An inventory transfer to a 3PL location, announced as the 3PL's inbound receiving order."""

    transfer = models.OneToOneField("inventory.Transfer", on_delete=models.PROTECT, related_name="threepl_receiving")
    partner = models.ForeignKey(Partner, on_delete=models.PROTECT, related_name="receiving_orders")
    status = models.CharField(max_length=12, choices=ReceivingOrderStatus.choices, default=ReceivingOrderStatus.PENDING)
    reference = models.CharField(max_length=60, help_text="The purchase order number the 3PL shows (the transfer).")
    external_id = models.CharField(max_length=40, blank=True)
    external_status = models.CharField(max_length=40, blank=True)
    received = models.JSONField(default=dict, blank=True, help_text="SKU code -> units the 3PL received.")
    remote_state = models.JSONField(default=dict, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    last_polled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="receiving_due")]

    def __str__(self) -> str:
        return f"{self.reference} -> {self.partner_id} ({self.status})"


class ThreePlEvent(models.Model):
    """A webhook a 3PL sent, taken once: a repeat of the same webhook id changes nothing."""

    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="threepl_events")
    webhook_id = models.CharField(max_length=120)
    topic = models.CharField(max_length=60)
    external_order_id = models.CharField(max_length=40, blank=True)
    reference = models.CharField(max_length=60, blank=True)
    fulfillment_order = models.ForeignKey(
        FulfillmentOrderOutbox, null=True, blank=True, on_delete=models.SET_NULL, related_name="events"
    )
    payload = models.JSONField(default=dict)
    outcome = models.CharField(max_length=200, blank=True)
    received_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-received_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["partner", "webhook_id"], name="threeplevent_unique_webhook"),
        ]

    def __str__(self) -> str:
        return f"{self.topic} {self.webhook_id}"


class SnapshotStatus(models.TextChoices):
    """Whether a person has applied a snapshot's corrections."""

    RECORDED = "recorded", "Recorded"
    APPLIED = "applied", "Corrections applied"


class InventorySnapshot(models.Model):
    """What a 3PL said it holds, per SKU, at one moment, against our ledger for its location."""

    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="inventory_snapshots")
    location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="+")
    taken_at = models.DateTimeField(db_index=True)
    status = models.CharField(max_length=10, choices=SnapshotStatus.choices, default=SnapshotStatus.RECORDED)
    items = models.JSONField(default=list, help_text="The 3PL's inventory levels as read, every page.")
    skus_compared = models.PositiveIntegerField(default=0)
    skus_drifting = models.PositiveIntegerField(default=0)
    applied_at = models.DateTimeField(null=True, blank=True)
    applied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-taken_at", "-id"]

    def __str__(self) -> str:
        return f"3PL snapshot #{self.pk} of {self.location_id}"


class DriftStatus(models.TextChoices):
    """What became of one SKU's drift."""

    OPEN = "open", "To review"
    APPLIED = "applied", "Corrected through the ledger"
    SKIPPED = "skipped", "Not corrected"


class InventoryDrift(models.Model):
    """One SKU on which the 3PL and our ledger disagree (`drift` = 3PL on hand - ledger on hand)."""

    snapshot = models.ForeignKey(InventorySnapshot, on_delete=models.CASCADE, related_name="drifts")
    sku = models.ForeignKey(SKU, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    sku_code = models.CharField(max_length=64, help_text="As the 3PL names it.")
    inventory_id = models.CharField(max_length=40, blank=True)
    threepl_on_hand = models.IntegerField()
    threepl_fulfillable = models.IntegerField(default=0)
    threepl_committed = models.IntegerField(default=0)
    ledger_on_hand = models.IntegerField()
    ledger_reserved = models.IntegerField(default=0)
    drift = models.IntegerField()
    status = models.CharField(max_length=10, choices=DriftStatus.choices, default=DriftStatus.OPEN)
    note = models.CharField(max_length=255, blank=True)
    movement = models.ForeignKey(
        StockMovement, null=True, blank=True, on_delete=models.PROTECT, related_name="+", help_text="The correction."
    )

    class Meta:
        ordering = ["snapshot", "sku_code"]
        constraints = [
            models.UniqueConstraint(fields=["snapshot", "sku_code"], name="inventorydrift_unique_sku"),
            models.CheckConstraint(condition=~Q(drift=0), name="inventorydrift_nonzero"),
        ]

    def __str__(self) -> str:
        return f"{self.sku_code}: 3PL {self.threepl_on_hand}, ledger {self.ledger_on_hand}"
