"""Marketplace connectors: one interface (`base.Connector`), one implementation per marketplace."""

from __future__ import annotations

from collections.abc import Mapping
from functools import partial
from typing import TYPE_CHECKING

import httpx
from django.conf import settings

from core.crypto import credentials_decrypt
from marketplaces.connectors.amazon import AmazonConnector
from marketplaces.connectors.base import (
    AuthExpired,
    Connector,
    ConnectorError,
    PushResult,
    RemoteLine,
    RemoteOrder,
    RequestRejected,
    ShipmentLine,
    StockItem,
    Throttled,
    TransientError,
    WebhookEvent,
    WebhookRejected,
)
from marketplaces.connectors.ebay import EbayConnector
from marketplaces.connectors.shopify import ShopifyConnector
from marketplaces.connectors.woocommerce import WooCommerceConnector
from marketplaces.sandbox import SandboxTransport
from marketplaces.services.credentials import channel_token_store

if TYPE_CHECKING:
    from channels.models import Channel

CONNECTORS: dict[str, type[Connector]] = {
    "shopify": ShopifyConnector,
    "amazon": AmazonConnector,
    "ebay": EbayConnector,
    "woocommerce": WooCommerceConnector,
}


def transport_for(base_url: str) -> httpx.BaseTransport | None:
    """The in-process sandbox transport for `sandbox://` URLs, else httpx's default (the network)."""
    if base_url.startswith("sandbox://"):
        if not getattr(settings, "MARKETPLACE_SANDBOX", False):
            raise ConnectorError("This channel points at the sandbox, which is switched off (MARKETPLACE_SANDBOX).")

        return SandboxTransport()
    return None


def connector_for(channel: Channel, *, max_wait: float = 60.0) -> Connector:
    """A connector for a channel, with its decrypted credentials and its shared rate-limit buckets."""

    kind_class = CONNECTORS.get(channel.kind)
    sync = channel.sync
    if kind_class is None:
        raise ConnectorError(f"{channel.get_kind_display()} channels have no marketplace connector.")
    if not sync.base_url:
        raise ConnectorError(f"{channel.name} has no API base URL: set it on the channel's connection form.")
    bucket_key = f"{channel.pk}-{int(channel.created_at.timestamp() * 1000)}"
    connector = kind_class(
        base_url=sync.base_url,
        credentials=credentials_decrypt(sync.credentials_encrypted),
        bucket_key=bucket_key,
        transport=transport_for(sync.base_url),
        max_wait=max_wait,
    )
    if isinstance(connector, EbayConnector):  # its access tokens outlive one connector: keep them
        connector.token_store = partial(_token_store, channel.pk)
    return connector


def _token_store(channel_id: int, token: Mapping[str, str]) -> None:
    channel_token_store(channel_id=channel_id, token=token)


__all__ = [
    "CONNECTORS",
    "AuthExpired",
    "Connector",
    "ConnectorError",
    "PushResult",
    "RemoteLine",
    "RemoteOrder",
    "RequestRejected",
    "ShipmentLine",
    "StockItem",
    "Throttled",
    "TransientError",
    "WebhookEvent",
    "WebhookRejected",
    "connector_for",
    "transport_for",
]
