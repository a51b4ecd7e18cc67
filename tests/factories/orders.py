"""Factories for channels, their API keys and orders (orders always go through the service)."""

from __future__ import annotations

from typing import Any

import factory

from channels.models import Channel, ChannelKind
from channels.services import api_key_issue
from fulfillment.services.intake import order_import
from orders.services import LineInput, OrderInput


class ChannelFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Channel
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"shop-{n}")
    name = factory.LazyAttribute(lambda o: f"Shop {o.code}")
    kind = ChannelKind.WEB


def channel_key(channel: Channel) -> str:
    """Issue an API key for the channel and return the secret (the Authorization token)."""
    return api_key_issue(channel=channel, name="tests", actor=None).secret


def place_order(channel: Channel, lines: list[tuple[str, int]], *, external_id: str = "A-1", **extra: Any) -> Any:
    """Import an order through the service, as a channel would; returns the ImportResult."""
    data = OrderInput(
        external_id=external_id,
        customer_name=extra.pop("customer_name", "Ada Lovelace"),
        lines=tuple(LineInput(sku, qty) for sku, qty in lines),
        postal_code=extra.pop("postal_code", "10001"),
        **extra,
    )
    return order_import(channel=channel, data=data)
