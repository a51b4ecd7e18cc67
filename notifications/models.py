"""Customer notifications: per-channel settings, switches and templates, and the outbox of emails.

A `Notification` is the promise to tell a customer about one event of their order. Its
`dedupe_key` names the event (`shipped:<shipment id>`, `cancelled:<order id>`, ...) and is
unique, so however often the event is reported (a signal, then the beat sweep) the customer
hears about it once. A row is written even when nothing will be sent (the channel switched the
kind off, the order has no email address), as `skipped` with the reason: switching a kind on
later never sends the emails of events that happened while it was off.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from core.models import TimeStampedModel


class NotificationKind(models.TextChoices):
    ORDER_CONFIRMATION = "order_confirmation", "Order confirmation"
    SHIPPED = "shipped", "Shipped"
    DELAYED = "delayed", "Delayed"
    PARTIALLY_CANCELLED = "partially_cancelled", "Partially cancelled"
    CANCELLED = "cancelled", "Cancelled"
    PICKUP_EXPIRED = "pickup_expired", "Pickup expired"
    REFUND_ISSUED = "refund_issued", "Refund issued"


#: What each kind tells the customer (shown next to its switch).
KIND_DESCRIPTIONS: dict[str, str] = {
    NotificationKind.ORDER_CONFIRMATION: "When the order is received: its items, totals and where it goes.",
    NotificationKind.SHIPPED: "When a shipment leaves: one email per shipment, with every box's tracking link.",
    NotificationKind.DELAYED: "When a shipment will miss the promised date, or its carrier reports a problem.",
    NotificationKind.PARTIALLY_CANCELLED: "When the rest of an order that has partly shipped is cancelled.",
    NotificationKind.CANCELLED: "When the whole order is cancelled.",
    NotificationKind.PICKUP_EXPIRED: "When a pickup order was not collected in time and is cancelled.",
    NotificationKind.REFUND_ISSUED: "When the refund of a return is issued.",
}


class NotificationState(models.TextChoices):
    PENDING = "pending", "Waiting to be sent"
    SENDING = "sending", "Sending"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed, will retry"
    GAVE_UP = "gave_up", "Not sent"
    SKIPPED = "skipped", "Skipped"


class ChannelNotificationSettings(TimeStampedModel):
    """How a channel's customer emails look and who they come from (one row per channel, made on first save)."""

    channel = models.OneToOneField("channels.Channel", on_delete=models.CASCADE, related_name="notification_settings")
    brand_name = models.CharField(
        max_length=120,
        blank=True,
        help_text="The shop name customers know; empty: the merchant's name (MERCHANT_NAME).",
    )
    sender = models.CharField(
        "sender address",
        max_length=254,
        blank=True,
        help_text='The From address, e.g. "Acme Shop <orders@acme.example>"; empty: the server default.',
    )
    reply_to = models.EmailField("reply-to address", blank=True, help_text="Where customers' replies go; optional.")
    language = models.CharField(
        max_length=10,
        default="en",
        help_text="Language code of the emails, e.g. en, fr, es-mx. Without a template in it, the emails fall "
        "back to the base language (es for es-mx), then to English.",
    )

    class Meta:
        verbose_name_plural = "channel notification settings"

    def __str__(self) -> str:
        return f"Notification settings of {self.channel_id}"


class NotificationSwitch(models.Model):
    """One kind switched on or off for one channel; without a row the channel kind's default applies."""

    channel = models.ForeignKey("channels.Channel", on_delete=models.CASCADE, related_name="notification_switches")
    kind = models.CharField(max_length=24, choices=NotificationKind.choices)
    enabled = models.BooleanField()
    changed_at = models.DateTimeField(auto_now=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["channel", "kind"], name="notificationswitch_unique_channel_kind"),
        ]

    def __str__(self) -> str:
        return f"{self.channel_id} {self.kind}: {'on' if self.enabled else 'off'}"


class NotificationTemplate(TimeStampedModel):
    """A channel's own wording of one kind in one language (Django template syntax, rendered sandboxed).

    Without one, the default shipped as files under `templates/notifications/email/<language>/`
    is used (see `notifications.selectors.template_for`).
    """

    channel = models.ForeignKey("channels.Channel", on_delete=models.CASCADE, related_name="notification_templates")
    kind = models.CharField(max_length=24, choices=NotificationKind.choices)
    language = models.CharField(max_length=10)
    subject = models.CharField(max_length=300)
    body_text = models.TextField("text part")
    body_html = models.TextField("HTML part")
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["channel", "kind", "language"]
        constraints = [
            models.UniqueConstraint(
                fields=["channel", "kind", "language"], name="notificationtemplate_unique_channel_kind_language"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.channel_id} {self.kind} [{self.language}]"


class Notification(models.Model):
    """One email owed to a customer about one event of their order (the outbox row)."""

    order = models.ForeignKey("orders.Order", on_delete=models.CASCADE, related_name="notifications")
    channel = models.ForeignKey("channels.Channel", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=24, choices=NotificationKind.choices)
    dedupe_key = models.CharField(max_length=120, unique=True, help_text="The event, e.g. shipped:42 (once each).")
    state = models.CharField(
        max_length=10, choices=NotificationState.choices, default=NotificationState.PENDING, db_index=True
    )
    skip_reason = models.CharField(max_length=200, blank=True)
    shipment = models.ForeignKey(
        "fulfillment.Shipment", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    pickup = models.ForeignKey("fulfillment.Pickup", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    refund = models.ForeignKey("returns.Refund", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    data = models.JSONField(default=dict, blank=True, help_text="What the event said (a reason, a delay's cause).")
    to_email = models.EmailField(blank=True)
    language = models.CharField(max_length=10, blank=True)
    subject = models.CharField(max_length=300, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.CharField(max_length=300, blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    resend_of = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="resends")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                condition=Q(state__in=["pending", "failed"]),
                name="notification_due",
            ),
        ]
        permissions = [
            ("manage_notifications", "Can switch customer notifications and edit their templates"),
            ("resend_notification", "Can resend a customer notification"),
        ]

    def __str__(self) -> str:
        return f"{self.dedupe_key} ({self.state})"
