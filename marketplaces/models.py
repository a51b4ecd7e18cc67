"""The marketplace sync engine's records: connections, listings, the stock outbox, the sync log,
webhook deliveries, orders as the channel sent them, and confirmations owed to the channel.

These tables were created by the `channels` app and keep their names (`channels_*`): the models
moved, the data did not.
"""

from __future__ import annotations

from django.db import models

from channels.models import Channel

CONNECTOR_KINDS = ("shopify", "amazon", "ebay", "woocommerce")


class CredentialStatus(models.TextChoices):
    UNCHECKED = "unchecked", "Not checked yet"
    OK = "ok", "Working"
    EXPIRED = "expired", "Expired or revoked"


class ChannelSync(models.Model):
    """A channel's connection, stock policy and sync health (one row per channel, created on demand).

    Kept apart from `Channel` so the hot columns (watermarks, health timestamps) are written
    without touching the row that orders and API keys join to.
    """

    channel = models.OneToOneField(Channel, on_delete=models.CASCADE, related_name="sync")
    base_url = models.CharField(
        max_length=300,
        blank=True,
        help_text="The marketplace API root, e.g. https://my-shop.myshopify.com. "
        "sandbox://shopify uses the in-product sandbox.",
    )
    credentials_encrypted = models.TextField(blank=True, help_text="Fernet token of the JSON credentials.")
    credential_status = models.CharField(
        max_length=12, choices=CredentialStatus.choices, default=CredentialStatus.UNCHECKED
    )
    credential_error = models.CharField(max_length=300, blank=True)
    sync_stock = models.BooleanField(default=True, help_text="Push available-to-sell to the channel.")
    # Stock policy
    feeding_locations = models.ManyToManyField(
        "inventory.Location",
        blank=True,
        related_name="+",
        help_text="Locations whose stock this channel may sell. None chosen: every location that ships orders.",
    )
    buffer = models.PositiveIntegerField(default=0, help_text="Units held back from this channel per SKU.")
    percentage = models.PositiveSmallIntegerField(
        default=100, help_text="Share of the available units offered here (0 to 100), rounded down."
    )
    maximum = models.PositiveIntegerField(null=True, blank=True, help_text="Never show more than this per SKU.")
    split_below = models.PositiveIntegerField(
        default=10,
        help_text="With this many units or fewer left, the channels selling them split them by recent sales "
        "instead of each showing all (0: never split).",
    )
    # Health
    last_push_ok_at = models.DateTimeField(null=True, blank=True)
    last_pull_ok_at = models.DateTimeField(null=True, blank=True)
    last_reconcile_at = models.DateTimeField(null=True, blank=True)
    drift_found = models.PositiveIntegerField(default=0, help_text="SKUs that differed at the last reconciliation.")
    throttled_until = models.DateTimeField(null=True, blank=True)
    throttle_count = models.PositiveIntegerField(default=0)
    orders_watermark = models.DateTimeField(null=True, blank=True)
    last_notices_ok_at = models.DateTimeField(
        null=True, blank=True, help_text="Start of the last read that emptied the channel's order notice queue."
    )
    # The marketplace's subscription that sends order notices to the queue (Amazon: ORDER_CHANGE).
    notices_subscription_id = models.CharField(max_length=100, blank=True)
    notices_destination_id = models.CharField(max_length=100, blank=True)
    notices_subscribed_at = models.DateTimeField(null=True, blank=True)
    notices_checked_at = models.DateTimeField(
        null=True, blank=True, help_text="Last attempt to set up or check the order notice subscription."
    )
    notices_error = models.CharField(max_length=500, blank=True, help_text="Why the last attempt failed.")
    notices_setup_requested_at = models.DateTimeField(
        null=True, blank=True, help_text="When staff asked for a setup that has not run yet (shown as in progress)."
    )
    resync_total = models.PositiveIntegerField(default=0, help_text="Size of the last re-sync, for its progress bar.")
    resync_started_at = models.DateTimeField(null=True, blank=True)
    push_max_wait = models.FloatField(
        null=True,
        blank=True,
        help_text="Seconds a stock change may wait to fill a batch before it is pushed (blank: the default).",
    )

    class Meta:
        db_table = "channels_channelsync"
        permissions = [("manage_sync", "Can connect channels, set stock policies, list SKUs and re-sync")]

    def __str__(self) -> str:
        return f"sync of {self.channel_id}"


class StockOverride(models.Model):
    """A per-SKU exception to a channel's stock policy."""

    channel = models.ForeignKey(Channel, on_delete=models.CASCADE, related_name="stock_overrides")
    sku = models.ForeignKey("inventory.SKU", on_delete=models.CASCADE, related_name="channel_overrides")
    buffer = models.PositiveIntegerField(null=True, blank=True, help_text="Replaces the channel's buffer.")
    maximum = models.PositiveIntegerField(null=True, blank=True, help_text="Replaces the channel's maximum.")
    blocked = models.BooleanField(default=False, help_text="Offer none of this SKU here.")

    class Meta:
        db_table = "channels_stockoverride"
        constraints = [models.UniqueConstraint(fields=["channel", "sku"], name="stockoverride_unique")]

    def __str__(self) -> str:
        return f"{self.channel_id}/{self.sku_id}"


class Listing(models.Model):
    """Our SKU as the channel knows it: the seller SKU orders carry and the channel's own ids."""

    channel = models.ForeignKey(Channel, on_delete=models.CASCADE, related_name="listings")
    sku = models.ForeignKey("inventory.SKU", on_delete=models.PROTECT, related_name="listings")
    external_sku = models.CharField(max_length=100, help_text="The seller SKU on the channel.")
    external_id = models.CharField(
        max_length=100,
        help_text="The channel's id: Shopify variant, WooCommerce product, eBay/Amazon seller SKU.",
    )
    inventory_ref = models.CharField(
        max_length=100, blank=True, help_text="Where its stock is set, when not the id: Shopify inventory item."
    )
    last_pushed_quantity = models.IntegerField(null=True, blank=True)
    last_pushed_at = models.DateTimeField(null=True, blank=True)
    last_seen_quantity = models.IntegerField(null=True, blank=True)
    last_seen_at = models.DateTimeField(null=True, blank=True)
    error = models.CharField(max_length=300, blank=True)
    removing = models.BooleanField(
        default=False, help_text="Being removed: 0 is pushed to the channel, then the listing is forgotten."
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "channels_listing"
        ordering = ["channel", "external_sku"]
        constraints = [
            models.UniqueConstraint(fields=["channel", "sku"], name="listing_unique_sku"),
            models.UniqueConstraint(fields=["channel", "external_sku"], name="listing_unique_external_sku"),
            models.UniqueConstraint(fields=["channel", "external_id"], name="listing_unique_external_id"),
        ]

    def __str__(self) -> str:
        return f"{self.channel_id}:{self.external_sku}"


class PushState(models.TextChoices):
    PENDING = "pending", "Pending"
    IN_FLIGHT = "in_flight", "Pushing"
    APPLIED = "applied", "Applied"
    FAILED = "failed", "Failed"


class StockOutbox(models.Model):
    """The pending stock push of one SKU to one channel (the outbox).

    Written in the same transaction as every ledger change of the SKU (see
    `marketplaces.outbox`), so a crash loses nothing. One row per (channel, SKU): a change bumps
    `generation` and sets it pending; a worker pushes the absolute quantity computed when it
    claims the row and marks it applied only if no change arrived meanwhile.
    """

    channel = models.ForeignKey(Channel, on_delete=models.CASCADE, related_name="outbox")
    sku = models.ForeignKey("inventory.SKU", on_delete=models.CASCADE, related_name="+")
    generation = models.BigIntegerField(default=1)
    state = models.CharField(max_length=10, choices=PushState.choices, default=PushState.PENDING)
    changed_at = models.DateTimeField(help_text="First change not yet shown on the channel.")
    claimed_at = models.DateTimeField(null=True, blank=True)
    claimed_generation = models.BigIntegerField(default=0)
    claim_token = models.CharField(
        max_length=32, blank=True, help_text="The claim of the pusher that owns the row in flight; marks must match it."
    )
    next_attempt_at = models.DateTimeField()
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.CharField(max_length=500, blank=True)
    quantity = models.IntegerField(null=True, blank=True, help_text="The quantity last pushed.")
    applied_at = models.DateTimeField(null=True, blank=True)
    force = models.BooleanField(default=False, help_text="Push even if the channel should already show it (re-sync).")

    class Meta:
        db_table = "channels_stockoutbox"
        constraints = [models.UniqueConstraint(fields=["channel", "sku"], name="stockoutbox_unique")]
        indexes = [models.Index(fields=["channel", "state", "next_attempt_at"], name="stockoutbox_due")]

    def __str__(self) -> str:
        return f"{self.channel_id}/{self.sku_id} {self.state}"


class SyncLevel(models.TextChoices):
    INFO = "info", "Info"
    WARNING = "warning", "Warning"
    ERROR = "error", "Error"


class SyncKind(models.TextChoices):
    PUSH = "push", "Stock push"
    PULL = "pull", "Order pull"
    RECONCILE = "reconcile", "Reconciliation"
    WEBHOOK = "webhook", "Webhook"
    ORDER = "order", "Order"
    CONFIRM = "confirm", "Confirmation"
    CREDENTIALS = "credentials", "Credentials"
    NOTICES = "notices", "Order notices"


class SyncEvent(models.Model):
    """One line of a channel's sync log: what happened, and for errors what to do about it."""

    channel = models.ForeignKey(Channel, on_delete=models.CASCADE, related_name="sync_events")
    kind = models.CharField(max_length=12, choices=SyncKind.choices)
    level = models.CharField(max_length=8, choices=SyncLevel.choices, default=SyncLevel.INFO)
    message = models.CharField(max_length=500)
    action = models.CharField(max_length=300, blank=True, help_text="What a person can do about it.")
    calls = models.PositiveIntegerField(default=0)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "channels_syncevent"
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["channel", "-created_at"], name="syncevent_recent")]

    def __str__(self) -> str:
        return f"{self.channel_id} {self.kind}: {self.message}"


class DeliveryStatus(models.TextChoices):
    RECEIVED = "received", "Received"
    PROCESSED = "processed", "Processed"
    FAILED = "failed", "Failed"
    IGNORED = "ignored", "Ignored"


class WebhookDelivery(models.Model):
    """A webhook the channel delivered (verified), unique per (channel, event id)."""

    channel = models.ForeignKey(Channel, on_delete=models.CASCADE, related_name="webhook_deliveries")
    event_id = models.CharField(max_length=120)
    topic = models.CharField(max_length=60)
    resource_id = models.CharField(max_length=100, blank=True)
    status = models.CharField(max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.RECEIVED)
    duplicates = models.PositiveIntegerField(default=0, help_text="Repeat deliveries of the same event.")
    error = models.CharField(max_length=500, blank=True)
    payload = models.JSONField(default=dict, blank=True)
    received_at = models.DateTimeField(auto_now_add=True)
    processed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "channels_webhookdelivery"
        ordering = ["-received_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["channel", "event_id"], name="webhookdelivery_unique_event")]

    def __str__(self) -> str:
        return f"{self.channel_id} {self.topic} {self.event_id}"


class ChannelOrderStatus(models.TextChoices):
    IMPORTED = "imported", "Imported"
    HELD = "held", "Held"
    CANCELLED = "cancelled", "Cancelled on the channel"


class ChannelOrder(models.Model):
    """An order as the channel sent it, with its line ids (for confirmations) and our order.

    A held order (a SKU the channel sent is not listed, or a line we cannot read) is kept
    here with the reason, never dropped; importing it again after the listing is fixed
    creates the order.
    """

    channel = models.ForeignKey(Channel, on_delete=models.CASCADE, related_name="channel_orders")
    external_id = models.CharField(max_length=100)
    order = models.OneToOneField(
        "orders.Order", null=True, blank=True, on_delete=models.SET_NULL, related_name="channel_order"
    )
    status = models.CharField(max_length=10, choices=ChannelOrderStatus.choices)
    hold_reason = models.CharField(max_length=500, blank=True)
    remote_updated_at = models.DateTimeField(null=True, blank=True)
    data = models.JSONField(default=dict, help_text="The order as read from the channel, normalised.")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "channels_channelorder"
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["channel", "external_id"], name="channelorder_unique")]

    def __str__(self) -> str:
        return f"{self.channel_id}:{self.external_id}"


class ConfirmationKind(models.TextChoices):
    SHIP = "ship", "Shipment"
    CANCEL = "cancel", "Cancellation"
    REFUND = "refund", "Refund"


class ChannelConfirmation(models.Model):
    """A shipment, cancellation or refund owed to the channel (an outbox row, written with the change)."""

    channel = models.ForeignKey(Channel, on_delete=models.CASCADE, related_name="confirmations")
    order = models.ForeignKey("orders.Order", on_delete=models.CASCADE, related_name="channel_confirmations")
    kind = models.CharField(max_length=8, choices=ConfirmationKind.choices)
    dedupe_key = models.CharField(max_length=120, unique=True)
    payload = models.JSONField(default=dict)
    state = models.CharField(max_length=10, choices=PushState.choices, default=PushState.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField()
    last_error = models.CharField(max_length=500, blank=True)
    remote_id = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    applied_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "channels_channelconfirmation"
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["state", "next_attempt_at"], name="confirmation_due")]

    def __str__(self) -> str:
        return f"{self.kind} {self.order_id} {self.state}"


class OrderNotice(models.Model):
    """Units of an order the channel announced (Amazon's ORDER_CHANGE) that its poll has not imported yet.

    They are sold: the stock sync holds them back from every channel until the order is in. One
    row per (channel, order, SKU); a notice of a cancellation deletes the order's rows, the order's
    import makes them irrelevant (they are read only while no ChannelOrder has the id), and a
    notice a day old is forgotten.
    """

    channel = models.ForeignKey(Channel, on_delete=models.CASCADE, related_name="order_notices")
    external_id = models.CharField(max_length=100)
    sku = models.ForeignKey("inventory.SKU", on_delete=models.CASCADE, related_name="+")
    quantity = models.PositiveIntegerField()
    placed_at = models.DateTimeField()
    noticed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "channels_ordernotice"
        constraints = [
            models.UniqueConstraint(fields=["channel", "external_id", "sku"], name="ordernotice_unique_line")
        ]
        indexes = [models.Index(fields=["sku", "channel"], name="ordernotice_sku_channel")]

    def __str__(self) -> str:
        return f"{self.channel_id}:{self.external_id}:{self.sku_id}x{self.quantity}"
