"""Demo sales channels and the web shop's API key, through `channels.services`; only what is missing."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import transaction

from channels.models import Channel, ChannelKind
from channels.services import api_key_issue, channel_create

DEMO_CHANNELS: tuple[tuple[str, str, str], ...] = (
    ("web", "Own web shop", ChannelKind.WEB),
    ("shopify", "Shopify store", ChannelKind.SHOPIFY),
    ("amazon", "Amazon US", ChannelKind.AMAZON),
    ("ebay", "eBay US", ChannelKind.EBAY),
    ("woocommerce", "WooCommerce shop", ChannelKind.WOOCOMMERCE),
    ("pos", "Stores POS", ChannelKind.POS),
)
WEB_KEY_NAME = "Web shop checkout (demo)"


@dataclass
class ChannelSeedResult:
    """What `seed_channels` created; `web_key` is the web shop's new API key, shown only now."""

    channels: list[str] = field(default_factory=list)
    web_key: str | None = None


def seed_channels() -> ChannelSeedResult:
    """Create the demo channels and one API key for the web shop, if they are missing.

    The key's secret exists only in the returned result (it is stored hashed): a second run
    creates no new key and returns none.
    """
    result = ChannelSeedResult()
    with transaction.atomic():
        for code, name, kind in DEMO_CHANNELS:
            if not Channel.objects.filter(code=code).exists():
                channel_create(code=code, name=name, kind=kind)
                result.channels.append(code)
        web = Channel.objects.get(code="web")
        if not web.api_keys.exists():
            result.web_key = api_key_issue(channel=web, name=WEB_KEY_NAME, actor=None).secret
    return result
