"""What the 3PL tests share: a fresh ShipBob sandbox, a 3PL location and its connected partner."""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from core.crypto import credentials_encrypt
from core.sandbox import Webhook
from inventory.models import Location, LocationKind
from partners.models import Exchange, FulfillmentOrderOutbox, Partner, PartnerKind
from partners.threepl.sandbox import threepl_sandboxes
from partners.threepl.services import WebhookAnswer, threepl_webhook_receive
from tests.factories import LocationFactory

_names = itertools.count(1)


def shipbob_sandbox() -> Any:
    """A ShipBob sandbox of its own for one test."""
    return threepl_sandboxes.reset(f"shipbob.t{next(_names)}-{id(object())}")


def threepl_location(code: str = "sb-cmh", **extra: Any) -> Location:
    """A 3PL warehouse routing prefers when it has the stock (priority 10)."""
    defaults: dict[str, Any] = {
        "name": "ShipBob Columbus",
        "kind": LocationKind.THIRD_PARTY,
        "postal_code": "43215",
        "city": "Columbus",
        "region": "OH",
        "latitude": Decimal("39.961200"),
        "longitude": Decimal("-82.998800"),
        "timezone": "America/New_York",
        "priority": 10,
    }
    defaults.update(extra)
    location: Any = LocationFactory(code=code, **defaults)  # factories are typed loosely
    return location


def threepl_partner(sandbox: Any, location: Location, *, code: str = "shipbob") -> Partner:
    """A 3PL partner behind `location`, connected to `sandbox` with its token, channel and webhook secret."""
    partner = Partner.objects.create(
        code=code,
        name="ShipBob",
        kind=PartnerKind.THIRD_PARTY,
        exchange=Exchange.CONNECTOR,
        connector="shipbob",
        base_url=f"sandbox://{sandbox.name}",
        credentials=credentials_encrypt(
            {
                "token": next(iter(sandbox.tokens)),
                "channel_id": str(sandbox.channel_id),
                "webhook_secret": sandbox.webhook_secret,
            }
        ),
    )
    partner.locations.add(location)
    return partner


def deliver(partner: Partner, hooks: Iterable[Webhook]) -> list[WebhookAnswer]:
    """Post each owed webhook to the product, as ShipBob would."""
    return [threepl_webhook_receive(partner=partner, headers=hook.headers, body=hook.body) for hook in hooks]


def outbox_of(shipment: Any) -> FulfillmentOrderOutbox:
    return FulfillmentOrderOutbox.objects.get(shipment=shipment)
