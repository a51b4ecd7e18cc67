"""Endpoints the merchant subscribed, the events the product published, and every attempt to deliver them.

- `Subscription`: one endpoint (URL, event types, its signing secret, encrypted with `core.crypto`).
- `Event`: something that happened, written in the transaction of the change (or, for stock, from
  the coalesced `PendingStockChange` rows). Unique per source change (`key`), so a change
  recorded twice makes one event. Its body is rendered once, at publication, and sent as is on
  every attempt and replay, so a signature always covers the same bytes.
- `Delivery`: one event to one endpoint, the outbox row a worker claims (with a lease) and sends.
- `DeliveryAttempt`: the delivery log, one row per POST: request and response, status, duration.
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from core.models import TimeStampedModel


class EventType(models.TextChoices):
    """The events an endpoint may subscribe to (see `webhooks.payloads.catalog` for what each says)."""

    ORDER_CREATED = "order.created", "Order created"
    ORDER_ROUTED = "order.routed", "Order routed"
    ORDER_SHIPPED = "order.shipped", "Order shipped (per shipment)"
    ORDER_CANCELLED = "order.cancelled", "Order cancelled"
    SHIPMENT_DELIVERED = "shipment.delivered", "Shipment delivered"
    STOCK_CHANGED = "stock.changed", "Stock changed"
    RETURN_RECEIVED = "return.received", "Return received"
    RETURN_REFUNDED = "return.refunded", "Return refunded"
    PURCHASE_ORDER_CREATED = "purchase_order.created", "Purchase order created"
    PURCHASE_ORDER_SENT = "purchase_order.sent", "Purchase order sent"
    PURCHASE_ORDER_ACKNOWLEDGED = "purchase_order.acknowledged", "Purchase order acknowledged"
    PURCHASE_ORDER_SHIPPED = "purchase_order.shipped", "Purchase order shipped (per ship notice)"
    PURCHASE_ORDER_INVOICED = "purchase_order.invoiced", "Purchase order invoiced (per invoice)"
    PURCHASE_ORDER_CANCELLED = "purchase_order.cancelled", "Purchase order cancelled"


#: Sent only by the "Send test ping" button, to the one endpoint it was pressed for.
PING = "webhook.ping"


def event_public_id() -> str:
    """The id consumers see (`id` in the body, the `Webhook-Id` header): opaque, unique, URL-safe."""
    return "evt_" + secrets.token_urlsafe(18)


class Subscription(TimeStampedModel):
    """An endpoint of the merchant's systems and the event types it receives.

    The signing secret is shown once, when it is made; the database holds it encrypted
    (`secret_encrypted`: the current secret and, for a day after a rotation, the previous one).
    """

    name = models.CharField(max_length=120)
    url = models.URLField("endpoint URL", max_length=500)
    event_types = models.JSONField(default=list, help_text="The EventType values this endpoint receives.")
    is_active = models.BooleanField("enabled", default=True)
    secret_encrypted = models.TextField(editable=False)
    secret_hint = models.CharField(max_length=8, blank=True, help_text="The secret's last characters, to recognise it.")
    secret_rotated_at = models.DateTimeField(null=True, blank=True)
    consecutive_failures = models.PositiveIntegerField(default=0)
    disabled_at = models.DateTimeField(null=True, blank=True)
    disabled_reason = models.CharField(max_length=300, blank=True)
    alert_sent_to = models.CharField(
        max_length=500, blank=True, help_text="Who was told by email when the endpoint was disabled automatically."
    )
    alert_error = models.CharField(max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )

    class Meta:
        ordering = ["name", "id"]
        permissions = [("manage_webhooks", "Can manage outbound webhooks: endpoints, secrets, replays")]

    def __str__(self) -> str:
        return self.name

    @property
    def event_type_labels(self) -> list[str]:
        """The subscribed types as the pages show them, in the catalog's order."""
        return [value for value in EventType.values if value in self.event_types]


class Event(models.Model):
    """Something the merchant's systems may want to hear about, published once to every subscribed endpoint."""

    public_id = models.CharField(max_length=40, unique=True, default=event_public_id, editable=False)
    type = models.CharField(max_length=40, db_index=True)
    key = models.CharField(max_length=120, unique=True, help_text="The source change: one event per change.")
    subject = models.JSONField(default=dict, help_text='What it is about, e.g. {"order": 12}.')
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    body = models.TextField(blank=True, help_text="The exact JSON sent, rendered once at publication.")
    published_at = models.DateTimeField(null=True, blank=True)
    target = models.ForeignKey(
        Subscription,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        help_text="Only this endpoint (a test ping); empty: every endpoint subscribed to the type.",
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["id"], condition=Q(published_at__isnull=True), name="webhooks_event_unpublished"),
        ]

    def __str__(self) -> str:
        return f"{self.type} {self.public_id}"


class PendingStockChange(models.Model):
    """A (location, SKU) whose stock changed since its last `stock.changed` event: one row however many changes."""

    location_id = models.BigIntegerField()
    sku_id = models.BigIntegerField()
    first_changed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["location_id", "sku_id"], name="webhooks_pendingstock_unique_pair")
        ]

    def __str__(self) -> str:
        return f"{self.location_id}/{self.sku_id}"


class DeliveryState(models.TextChoices):
    PENDING = "pending", "Pending"
    SENDING = "sending", "Sending"
    SUCCEEDED = "succeeded", "Delivered"
    FAILED = "failed", "Failed"


class Delivery(models.Model):
    """One event owed to one endpoint: claimed by a worker with a lease, sent, retried on the schedule.

    `attempts` counts the attempts of the current run (a manual replay starts a new run); the
    log keeps every attempt. `claim_token` is fresh per claim: only the claimant's result is
    recorded, so a worker whose lease ran out cannot overwrite its successor's.
    """

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="deliveries")
    subscription = models.ForeignKey(Subscription, on_delete=models.CASCADE, related_name="deliveries")
    state = models.CharField(max_length=10, choices=DeliveryState.choices, default=DeliveryState.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    queued_at = models.DateTimeField(null=True, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    claim_token = models.CharField(max_length=32, blank=True)
    last_status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=300, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    replayed_at = models.DateTimeField(null=True, blank=True)
    replayed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["event", "subscription"], name="webhooks_delivery_unique_event_endpoint")
        ]
        indexes = [
            models.Index(fields=["state", "next_attempt_at"], name="webhooks_delivery_due"),
            models.Index(fields=["subscription", "-created_at"], name="webhooks_delivery_endpoint"),
        ]
        verbose_name_plural = "deliveries"

    def __str__(self) -> str:
        return f"{self.event_id} -> {self.subscription_id} ({self.state})"


class AttemptTrigger(models.TextChoices):
    AUTOMATIC = "automatic", "Automatic"
    REPLAY = "replay", "Manual replay"
    PING = "ping", "Test ping"


class DeliveryAttempt(models.Model):
    """One POST of a delivery, as sent and as answered (bodies cut to their first 2 KB)."""

    delivery = models.ForeignKey(Delivery, on_delete=models.CASCADE, related_name="log")
    trigger = models.CharField(max_length=10, choices=AttemptTrigger.choices, default=AttemptTrigger.AUTOMATIC)
    started_at = models.DateTimeField(default=timezone.now)
    duration_ms = models.PositiveIntegerField(default=0)
    request_url = models.CharField(max_length=500)
    request_headers = models.JSONField(default=dict)
    request_body = models.TextField(blank=True)
    response_status = models.PositiveSmallIntegerField(null=True, blank=True)
    response_headers = models.JSONField(default=dict)
    response_body = models.TextField(blank=True)
    error = models.CharField(max_length=300, blank=True, help_text="Why no answer came (timeout, refused).")
    succeeded = models.BooleanField(default=False)

    class Meta:
        ordering = ["-started_at", "-id"]

    def __str__(self) -> str:
        return f"{self.delivery_id} at {self.started_at:%Y-%m-%d %H:%M:%S}: {self.response_status or self.error}"
