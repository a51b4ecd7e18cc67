"""The demo's shoppers: orders placed on the sandbox marketplaces on a schedule (beat task).

For each enabled marketplace channel whose base URL is a sandbox, a random customer buys one
or two listed SKUs there; the sandbox then delivers its webhooks (Shopify, WooCommerce) to the
channel's webhook endpoint, sometimes twice and out of order, as marketplaces do. Amazon and
eBay orders arrive through polling.
"""

from __future__ import annotations

import random
from typing import Any

from django.conf import settings
from django.urls import reverse

from channels.models import Channel
from core.http import http_client
from fulfillment.demo.channel_orders import CUSTOMERS, customer_input
from marketplaces.models import CONNECTOR_KINDS, Listing
from marketplaces.sandbox import sandbox_for
from marketplaces.services.orders import webhook_receive


def demo_orders_generate(*, per_channel: int = 1, rng: random.Random | None = None) -> int:
    """Place orders on each sandbox channel and deliver their webhooks; returns how many orders."""
    if not settings.MARKETPLACE_SANDBOX:
        return 0
    rng = rng or random.Random()
    placed = 0
    for channel in Channel.objects.filter(is_active=True, kind__in=CONNECTOR_KINDS, sync__isnull=False).select_related(
        "sync"
    ):
        base = channel.sync.base_url
        listed = dict(Listing.objects.filter(channel=channel).values_list("external_sku", "sku__price")[:200])
        codes = list(listed)
        if not codes or not (base.startswith("sandbox://") or "/channels/sandbox/" in base):
            continue
        orders: list[dict[str, Any]] = []
        for _ in range(per_channel):
            picked = rng.sample(codes, k=min(len(codes), rng.choice([1, 1, 2])))
            orders.append(_shopper_order(rng, picked, listed))
        duplicate, shuffle = rng.random() < 0.3, True
        if base.startswith("sandbox://"):
            sandbox = sandbox_for(base.removeprefix("sandbox://"))
            for order in orders:
                extra = {key: value for key, value in order.items() if key != "lines"}
                sandbox.create_order([(line["sku"], line["quantity"]) for line in order["lines"]], **extra)
            hooks = [
                {"headers": h.headers, "body": h.body.decode()}
                for h in sandbox.take_webhooks(duplicate=duplicate, shuffle=shuffle)
            ]
        else:
            with http_client(base_url=base, timeout=10) as client:
                for order in orders:
                    client.post("/_sandbox/orders", json=order).raise_for_status()
                hooks = client.post("/_sandbox/webhooks", json={"duplicate": duplicate, "shuffle": shuffle}).json()[
                    "webhooks"
                ]
        placed += len(orders)
        _deliver(channel, hooks)
    return placed


def _shopper_order(rng: random.Random, picked: list[str], listed: dict[str, Any]) -> dict[str, Any]:
    """One shopper's order: a demo customer (their city and state are their ZIP code's) paying the catalog's prices."""
    address = customer_input(rng.choice(CUSTOMERS))
    first, last = address["customer_name"].split(" ", 1)
    return {
        "lines": [{"sku": code, "quantity": rng.choice([1, 1, 1, 2])} for code in picked],
        "zip": address["postal_code"],
        "name": address["customer_name"],
        "shopper": {
            "first_name": first,
            "last_name": last,
            "line1": address["line1"],
            "city": address["city"],
            "state": address["region"],
            "zip": address["postal_code"],
        },
        "prices": {code: str(listed[code]) for code in picked if listed.get(code) is not None},
    }


def _deliver(channel: Channel, hooks: list[dict[str, Any]]) -> None:
    """Deliver webhooks as the marketplace would: POSTed to the endpoint when its address is known
    (CHANNELS_WEBHOOK_BASE_URL), else handed to the same service the endpoint calls."""
    base = getattr(settings, "CHANNELS_WEBHOOK_BASE_URL", "")
    if base:
        url = base.rstrip("/") + reverse("channels:webhook", args=[channel.code])
        with http_client(timeout=10) as client:
            for hook in hooks:
                client.post(url, content=hook["body"].encode(), headers=hook["headers"])
        return

    for hook in hooks:
        webhook_receive(channel=channel, headers=hook["headers"], body=hook["body"].encode())
