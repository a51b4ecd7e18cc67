"""Carrier accounts on the in-product sandboxes, and boxes of the catalog."""

from __future__ import annotations

import itertools
from decimal import Decimal
from typing import Any

from carriers.models import BoxType, CarrierAccount
from carriers.sandbox import carrier_sandboxes
from carriers.sandbox.ups.app import ACCOUNT_NUMBER, CLIENT_ID, CLIENT_SECRET
from core.crypto import credentials_encrypt
from inventory.models import Location

_serial = itertools.count(1)

#: The credentials each sandbox accepts (its own, public).
SANDBOX_CREDENTIALS = {
    "easypost": {"api_key": "EZTKsandbox0123456789abcdef", "webhook_secret": "easypost-sandbox-webhook-secret"},
    "shippo": {"api_token": "shippo_test_sandbox0123456789abcdef", "webhook_secret": ""},
    "ups": {"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET, "account_number": ACCOUNT_NUMBER},
    "builtin": {},
}


def carrier_account(provider: str, *locations: Location, label_format: str = "pdf", **extra: Any) -> CarrierAccount:
    """An account on a fresh sandbox of that provider (its own name, so tests do not share state)."""
    serial = next(_serial)
    name = f"{provider}.t{serial}"
    base_url = ""
    if provider != "builtin":
        carrier_sandboxes.reset(name)
        base_url = f"sandbox://{name}"
    account = CarrierAccount.objects.create(
        code=f"{provider}-{serial}",
        name=extra.pop("name", f"{provider.title()} {serial}"),
        provider=provider,
        base_url=base_url,
        credentials=credentials_encrypt(extra.pop("credentials", SANDBOX_CREDENTIALS[provider])),
        label_format=label_format,
        **extra,
    )
    account.locations.set(locations)
    return account


def sandbox_of(account: CarrierAccount) -> Any:
    """The sandbox serving an account."""
    return carrier_sandboxes.get(account.base_url.removeprefix("sandbox://"))


def box_type(
    location: Location | None = None, name: str = "Medium", dims: tuple[str, str, str] = ("30", "20", "15")
) -> BoxType:
    length, width, height = (Decimal(d) for d in dims)
    return BoxType.objects.create(
        location=location, name=name, length_cm=length, width_cm=width, height_cm=height, tare_grams=150
    )
