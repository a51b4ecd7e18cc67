"""Helpers of the webhooks tests: deliveries owed without going through a whole order."""

from __future__ import annotations

import secrets
from typing import cast

from inventory.models import SKU, Location
from tests.factories import LocationFactory, SKUFactory
from webhooks.models import Delivery, Event, EventType, Subscription
from webhooks.services import events_publish


def owed_deliveries(endpoint: Subscription, count: int = 1) -> list[Delivery]:
    """`count` published `stock.changed` events (one SKU each), owed to the endpoint (and any other taking the type)."""
    location = cast(Location, LocationFactory(code="wh-hooks"))
    events = []
    for _ in range(count):
        sku = cast(SKU, SKUFactory())
        events.append(
            Event.objects.create(
                type=EventType.STOCK_CHANGED,
                key=f"test:{secrets.token_hex(6)}",
                subject={"location": location.pk, "sku": sku.pk},
            )
        )
    events_publish()
    return list(Delivery.objects.filter(event__in=events, subscription=endpoint).order_by("pk"))
