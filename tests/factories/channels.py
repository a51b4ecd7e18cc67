"""Marketplace channels wired to a fresh in-process sandbox, with listings (all through the services)."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import Any

from channels.models import Channel, ChannelKind
from inventory.models import SKU
from marketplaces.models import ChannelSync, Listing
from marketplaces.sandbox import sandbox_reset
from marketplaces.sandbox.base import SandboxApp
from marketplaces.services.notices_setup import order_notices_subscribe
from marketplaces.services.setup import channel_connection_update, listing_create

_names = itertools.count(1)

KIND_NAMES = {"shopify": "Shopify US", "amazon": "Amazon US", "ebay": "eBay US", "woocommerce": "Woo shop"}


def sandbox_credentials(kind: str, sandbox: SandboxApp, *, queue: bool = False) -> dict[str, str]:
    """Credentials the sandbox accepts; `queue`: with the Amazon seller's ORDER_CHANGE queue and its keys."""
    s: Any = sandbox
    if kind == "shopify":
        return {"access_token": s.access_token, "webhook_secret": s.webhook_secret, "location_id": s.location_id}
    if kind == "amazon":
        return {
            "seller_id": s.seller_id,
            "marketplace_id": s.marketplace_id,
            "refresh_token": s.refresh_token,
            "client_id": s.client_id,
            "client_secret": s.client_secret,
            **(
                {
                    "sqs_queue_url": s.queue_url,
                    "aws_access_key_id": s.aws_access_key_id,
                    "aws_secret_access_key": s.aws_secret_access_key,
                }
                if queue
                else {}
            ),
        }
    if kind == "ebay":
        return {"client_id": s.client_id, "client_secret": s.client_secret, "refresh_token": s.refresh_token}
    return {"consumer_key": s.consumer_key, "consumer_secret": s.consumer_secret, "webhook_secret": s.webhook_secret}


def sandbox_channel(
    kind: str, *, skus: Sequence[SKU] = (), code: str = "", stock: int = 0, notices: bool = False, **sync: Any
) -> tuple[Channel, Any]:
    """A channel of `kind` connected to its own new sandbox, listing `skus` (sandbox stock `stock`);
    `notices`: an Amazon seller subscribed to ORDER_CHANGE, its queue in the credentials."""
    from channels.services.keys import channel_create

    name = f"{kind}.t{next(_names)}-{id(object())}"
    sandbox = sandbox_reset(name)
    channel = channel_create(code=code or f"{kind[:4]}-{next(_names)}", name=KIND_NAMES[kind], kind=ChannelKind(kind))
    channel_connection_update(
        channel=channel, base_url=f"sandbox://{name}", credentials=sandbox_credentials(kind, sandbox, queue=notices)
    )
    if notices:  # subscribed as staff would: the product sets up the queue's policy and the subscription
        channel.refresh_from_db()
        outcome = order_notices_subscribe(channel=channel)
        assert outcome.ok, outcome.message
    if sync:
        ChannelSync.objects.filter(channel=channel).update(**sync)
    for sku in skus:
        sandbox_list(channel, sandbox, sku, stock=stock)
    channel.refresh_from_db()
    return channel, sandbox


def sandbox_list(channel: Channel, sandbox: Any, sku: SKU, *, stock: int = 0) -> Listing:
    """Create the product on the sandbox and the listing that maps our SKU to it."""
    ids = sandbox.add_product(sku.code, stock)
    if channel.kind == "shopify":
        return listing_create(
            channel=channel,
            sku=sku,
            external_sku=sku.code,
            external_id=ids["variant_id"],
            inventory_ref=ids["inventory_item_id"],
        )
    if channel.kind == "woocommerce":
        return listing_create(channel=channel, sku=sku, external_sku=sku.code, external_id=ids["product_id"])
    return listing_create(channel=channel, sku=sku, external_sku=sku.code, external_id=sku.code)
