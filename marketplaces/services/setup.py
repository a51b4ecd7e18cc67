"""Connecting a channel to its marketplace: URL and credentials, stock policy, overrides, listings."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import IntegrityError, transaction

from channels.models import Channel
from core.crypto import credentials_decrypt, credentials_encrypt
from core.errors import Conflict, ValidationFailed
from inventory.models import SKU, Location
from marketplaces.connectors.amazon.session import LWA_URL
from marketplaces.connectors.amazon.sqs_url import sqs_queue
from marketplaces.models import CONNECTOR_KINDS, ChannelSync, CredentialStatus, Listing, StockOutbox, StockOverride
from marketplaces.services.notices_setup import order_notices_forget
from marketplaces.services.stock_sync import channel_resync

#: The credential fields each marketplace needs (all secrets are stored encrypted).
CREDENTIAL_FIELDS: dict[str, tuple[str, ...]] = {
    "shopify": ("access_token", "webhook_secret", "location_id"),
    "amazon": (
        "seller_id",
        "marketplace_id",
        "refresh_token",
        "client_id",
        "client_secret",
        "lwa_url",
        "sqs_queue_url",
        "aws_access_key_id",
        "aws_secret_access_key",
    ),
    # eBay: the app's keys and the seller's refresh token; access tokens are minted from them.
    "ebay": ("client_id", "client_secret", "refresh_token", "scopes"),
    "woocommerce": ("consumer_key", "consumer_secret", "webhook_secret"),
}
#: May be left empty (Login with Amazon defaults to https://api.amazon.com/auth/o2/token; eBay's
#: scopes default to what the connector calls).
OPTIONAL_FIELDS = {"lwa_url", "scopes", "sqs_queue_url", "aws_access_key_id", "aws_secret_access_key"}
#: Labels of credential fields whose name says little (every other field: its name, capitalised).
FIELD_LABELS = {
    "lwa_url": "Login with Amazon token URL",
    "sqs_queue_url": "ORDER_CHANGE queue URL (Amazon SQS)",
    "aws_access_key_id": "AWS access key ID of the queue",
    "aws_secret_access_key": "AWS secret access key of the queue",
}
#: What an optional field left blank means.
OPTIONAL_DEFAULTS = {
    "lwa_url": f"Optional: blank uses {LWA_URL}.",
    "scopes": "Optional: blank asks for the scopes the connector uses.",
    "sqs_queue_url": "Optional: the SQS queue Amazon sends ORDER_CHANGE notifications to, e.g. "
    "https://sqs.us-east-1.amazonaws.com/123456789012/orders. Saving subscribes the seller to ORDER_CHANGE "
    "there; units sold are then held back from your other channels within seconds. Blank: Amazon orders "
    "are only polled.",
    "aws_access_key_id": "Optional: a key allowed sqs:ReceiveMessage, sqs:DeleteMessage and "
    "sqs:GetQueueAttributes on that queue (and sqs:AddPermission, to let Amazon send to it for you).",
    "aws_secret_access_key": "Optional: the secret of that key.",
}
#: The fields of the order notice queue: a change means its subscription is set up again.
QUEUE_FIELDS = {"sqs_queue_url", "aws_access_key_id", "aws_secret_access_key"}
#: Credential fields that are web addresses: checked before they are stored.
URL_FIELDS = {"lwa_url", "sqs_queue_url"}
SECRET_FIELDS = {
    "access_token",
    "webhook_secret",
    "refresh_token",
    "client_secret",
    "consumer_secret",
    "consumer_key",
    "aws_secret_access_key",
}


def channel_sync_get(*, channel: Channel) -> ChannelSync:
    """The channel's sync settings, created with defaults the first time."""
    sync, _ = ChannelSync.objects.get_or_create(channel=channel)
    return sync


def channel_connection_update(
    *, channel: Channel, base_url: str, credentials: dict[str, str], sync_stock: bool = True
) -> ChannelSync:
    """Set where the channel's API is and the credentials to call it with.

    A blank credential keeps the stored one (forms never show secrets back). New credentials
    clear an "expired" mark, so sync resumes with them.
    """
    if channel.kind not in CONNECTOR_KINDS:
        raise ValidationFailed(f"{channel.get_kind_display()} channels have no marketplace connection.", field="kind")
    base_url = (base_url or "").strip().rstrip("/")
    if not base_url.startswith(("https://", "http://", "sandbox://")):
        raise ValidationFailed("Enter the API's address, starting with https://.", field="base_url")
    with transaction.atomic():
        sync = ChannelSync.objects.select_for_update().get(pk=channel_sync_get(channel=channel).pk)
        stored = credentials_decrypt(sync.credentials_encrypted)
        changed = queue_changed = False
        for name in CREDENTIAL_FIELDS[channel.kind]:
            value = (credentials.get(name) or "").strip()
            schemes = (
                ("https://", "http://", "sandbox://") if base_url.startswith("sandbox://") else ("https://", "http://")
            )
            if value and name in URL_FIELDS and not value.startswith(schemes):
                label = FIELD_LABELS.get(name, name.replace("_", " "))
                raise ValidationFailed(
                    f"Enter the {label} starting with https://, or leave it blank. {OPTIONAL_DEFAULTS.get(name, '')}",
                    field=name,
                )
            if value and name == "sqs_queue_url":
                try:
                    sqs_queue(value)
                except ValueError as exc:
                    raise ValidationFailed(str(exc), field=name) from exc
            if value and value != stored.get(name):
                stored[name] = value
                changed = True
                queue_changed = queue_changed or name in QUEUE_FIELDS
        missing = [
            name for name in CREDENTIAL_FIELDS[channel.kind] if not stored.get(name) and name not in OPTIONAL_FIELDS
        ]
        if stored.get("sqs_queue_url") and not (
            stored.get("aws_access_key_id") and stored.get("aws_secret_access_key")
        ):
            raise ValidationFailed(
                "Enter the AWS access key ID and secret access key that may read the ORDER_CHANGE queue, "
                "or leave the queue URL blank.",
                field="aws_access_key_id",
            )
        if missing:
            raise ValidationFailed(f"Enter the {missing[0].replace('_', ' ')}.", field=missing[0])
        if changed and "access_token" not in CREDENTIAL_FIELDS[channel.kind]:
            # A token minted from the old keys or grant: the connector mints one from the new.
            stored.pop("access_token", None)
            stored.pop("access_token_expires_at", None)
        sync.base_url = base_url
        sync.credentials_encrypted = credentials_encrypt(stored)
        resume_stock = sync_stock and not sync.sync_stock
        sync.sync_stock = sync_stock
        if changed or sync.credential_status == CredentialStatus.EXPIRED:
            sync.credential_status = CredentialStatus.UNCHECKED
            sync.credential_error = ""
            sync.throttled_until = None
        sync.save()
        if queue_changed:  # the subscription recorded may point at the old queue: set it up again
            order_notices_forget(sync=sync)
        if resume_stock:  # changes made while sync was off were not logged: push every listing again
            channel_resync(channel=channel)
    return sync


def channel_policy_update(
    *,
    channel: Channel,
    feeding_locations: Iterable[Location],
    buffer: int,
    percentage: int,
    maximum: int | None,
    split_below: int | None = None,
) -> ChannelSync:
    """Change which locations feed the channel and how much of their stock it may show; re-pushes every SKU.

    `split_below` None keeps the channel's current last-unit threshold.
    """
    if not 0 <= percentage <= 100:
        raise ValidationFailed("The percentage is between 0 and 100.", field="percentage")
    if buffer < 0:
        raise ValidationFailed("The buffer cannot be negative.", field="buffer")
    if maximum is not None and maximum < 0:
        raise ValidationFailed("The maximum cannot be negative.", field="maximum")
    if split_below is not None and split_below < 0:
        raise ValidationFailed("The last-unit threshold cannot be negative.", field="split_below")

    with transaction.atomic():
        sync = ChannelSync.objects.select_for_update().get(pk=channel_sync_get(channel=channel).pk)
        sync.buffer, sync.percentage, sync.maximum = buffer, percentage, maximum
        if split_below is not None:
            sync.split_below = split_below
        sync.save(update_fields=["buffer", "percentage", "maximum", "split_below"])
        sync.feeding_locations.set(list(feeding_locations))
        channel_resync(channel=channel)
    return sync


def stock_override_set(
    *, channel: Channel, sku: SKU, buffer: int | None, maximum: int | None, blocked: bool
) -> StockOverride | None:
    """Set (or, with nothing set, remove) a SKU's exception to the channel's policy; re-pushes the SKU."""

    with transaction.atomic():
        if buffer is None and maximum is None and not blocked:
            StockOverride.objects.filter(channel=channel, sku=sku).delete()
            override = None
        else:
            override, _ = StockOverride.objects.update_or_create(
                channel=channel, sku=sku, defaults={"buffer": buffer, "maximum": maximum, "blocked": blocked}
            )
        channel_resync(channel=channel, sku_ids=[sku.pk])
    return override


def listing_create(
    *, channel: Channel, sku: SKU, external_sku: str = "", external_id: str = "", inventory_ref: str = ""
) -> Listing:
    """List one of our SKUs on a channel (the seller SKU defaults to ours) and push its stock."""

    external_sku = (external_sku or sku.code).strip()
    external_id = (external_id or external_sku).strip()
    channel_sync_get(channel=channel)
    try:
        with transaction.atomic():
            # Listing a SKU again while its removal is still pushing 0: keep it instead.
            Listing.objects.filter(channel=channel, sku=sku, removing=True).delete()
            listing = Listing.objects.create(
                channel=channel,
                sku=sku,
                external_sku=external_sku,
                external_id=external_id,
                inventory_ref=inventory_ref.strip(),
            )
            channel_resync(channel=channel, sku_ids=[sku.pk])
    except IntegrityError as exc:
        raise Conflict(
            f"{sku.code} is already listed on {channel.name}, or {external_sku} / {external_id} is taken there."
        ) from exc
    return listing


def listing_delete(*, listing: Listing) -> None:
    """Stop selling a SKU on the channel: push 0 there first, then forget the listing.

    The listing is marked `removing` and a push of 0 is queued through the outbox (so it
    survives a crash and waits out throttles); the pusher deletes the listing once the channel
    shows 0. A channel we cannot push to (stock sync off, disabled, no connector) forgets it at
    once: nothing there follows our stock.
    """

    channel = Channel.objects.select_related("sync").get(pk=listing.channel_id)
    sync = getattr(channel, "sync", None)
    pushes = channel.is_active and channel.kind in CONNECTOR_KINDS and sync is not None and sync.sync_stock
    with transaction.atomic():
        if not pushes:
            StockOutbox.objects.filter(channel_id=listing.channel_id, sku_id=listing.sku_id).delete()
            listing.delete()
            return
        Listing.objects.filter(pk=listing.pk).update(removing=True)
        listing.removing = True
        channel_resync(channel=channel, sku_ids=[listing.sku_id])
