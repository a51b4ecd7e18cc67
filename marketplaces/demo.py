"""Demo marketplace channels connected to the in-product sandboxes (served by the demo's web
process at /channels/sandbox/<name>/), each listing SKUs: the seeded Shopify and Amazon channels,
and eBay / WooCommerce channels with those codes if someone added them.

Idempotent: only what is missing is created. The sandboxes learn the listed products when
they first answer (`marketplaces.sandbox.views`), and `marketplaces.tasks.sandbox_orders_generate`
(beat) places customer orders on them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from carriers.demo import demo_web_address, moved_sandbox
from channels.models import Channel, ChannelKind
from inventory.models import SKU
from marketplaces.models import Listing
from marketplaces.sandbox import sandbox_for
from marketplaces.sandbox.amazon.notifications import QUEUE_PATH
from marketplaces.sandbox.shopify import shopify_ids
from marketplaces.sandbox.woocommerce import woo_product_id
from marketplaces.services.notices_setup import order_notices_forget
from marketplaces.services.setup import channel_connection_update, channel_sync_get
from marketplaces.services.stock_sync import channel_resync

DEMO_MARKETPLACES = [
    ("shopify", "Shopify store", ChannelKind.SHOPIFY),
    ("amazon", "Amazon US", ChannelKind.AMAZON),
    ("ebay", "eBay US", ChannelKind.EBAY),
    ("woocommerce", "WooCommerce shop", ChannelKind.WOOCOMMERCE),
]
LISTED_SKUS = 40


@dataclass
class SyncSeedResult:
    channels: list[str] = field(default_factory=list)
    moved: list[str] = field(default_factory=list)
    listings: int = 0


def sandbox_base_url(name: str) -> str:
    """Where the demo's processes reach the sandbox: the web process, over HTTP."""
    return f"{demo_web_address()}/channels/sandbox/{name}"


def _credentials(kind: str) -> dict[str, str]:
    sandbox: Any = sandbox_for(kind)
    if kind == "shopify":
        return {
            "access_token": sandbox.access_token,
            "webhook_secret": sandbox.webhook_secret,
            "location_id": sandbox.location_id,
        }
    if kind == "amazon":
        return {
            "seller_id": sandbox.seller_id,
            "marketplace_id": sandbox.marketplace_id,
            "refresh_token": sandbox.refresh_token,
            "client_id": sandbox.client_id,
            "client_secret": sandbox.client_secret,
            "sqs_queue_url": f"{sandbox_base_url(kind)}{QUEUE_PATH}",  # its ORDER_CHANGE notifications
            "aws_access_key_id": sandbox.aws_access_key_id,
            "aws_secret_access_key": sandbox.aws_secret_access_key,
        }
    if kind == "ebay":
        return {
            "client_id": sandbox.client_id,
            "client_secret": sandbox.client_secret,
            "refresh_token": sandbox.refresh_token,
        }
    return {
        "consumer_key": sandbox.consumer_key,
        "consumer_secret": sandbox.consumer_secret,
        "webhook_secret": sandbox.webhook_secret,
    }


def seed_channel_sync() -> SyncSeedResult:
    """Connect the demo marketplace channels to their sandboxes and list the first SKUs on each."""

    result = SyncSeedResult()
    skus = list(SKU.objects.filter(is_active=True).order_by("code")[:LISTED_SKUS])
    for code, _name, kind in DEMO_MARKETPLACES:
        channel = Channel.objects.filter(code=code, kind=kind).first()
        if channel is None:  # the demo's channels are seeded by fulfillment.demo.seed_channels
            continue
        sync = channel_sync_get(channel=channel)
        if not sync.base_url:
            channel_connection_update(channel=channel, base_url=sandbox_base_url(kind), credentials=_credentials(kind))
            result.channels.append(code)
        elif moved_sandbox(sync.base_url, sandbox_base_url(kind), "/channels/sandbox/"):
            # DEMO_PORT (or DEMO_HOST) changed since the first seed: follow the web process.
            channel_connection_update(channel=channel, base_url=sandbox_base_url(kind), credentials={})
            result.moved.append(code)
        if kind == "amazon":
            # The web process about to start holds a new sandbox with no ORDER_CHANGE subscription: the
            # notice reader sets it up again within seconds of the demo starting.
            order_notices_forget(sync=sync)
        existing = set(Listing.objects.filter(channel=channel).values_list("sku_id", flat=True))
        new = []
        for sku in skus:
            if sku.pk in existing:
                continue
            if kind == "shopify":
                ids = shopify_ids(sku.code)
                new.append(
                    Listing(
                        channel=channel,
                        sku=sku,
                        external_sku=sku.code,
                        external_id=ids["variant_id"],
                        inventory_ref=ids["inventory_item_id"],
                    )
                )
            elif kind == "woocommerce":
                new.append(
                    Listing(channel=channel, sku=sku, external_sku=sku.code, external_id=woo_product_id(sku.code))
                )
            else:
                new.append(Listing(channel=channel, sku=sku, external_sku=sku.code, external_id=sku.code))
        Listing.objects.bulk_create(new)
        result.listings += len(new)
        if new:
            channel_resync(channel=channel)
    return result
