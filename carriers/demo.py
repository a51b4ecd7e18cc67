"""Demo carrier accounts on the in-product sandboxes, a box catalog, and customs data for the demo SKUs.

The warehouses ship with EasyPost and UPS, the stores with Shippo. Each account's base URL is
the sandbox served by the demo's web process over HTTP (`carriers.sandbox.views`), so the web
process, the worker and beat all see the same labels and parcels. Credentials are the sandboxes'
own (public) ones, stored encrypted like any account's.

Idempotent: accounts are found by code, boxes by name, and only SKUs without an HS code get
customs data; nothing staff edited is overwritten.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction

from carriers.models import BoxType, CarrierAccount, Provider
from carriers.sandbox.easypost import EasyPostSandbox
from carriers.sandbox.shippo import ShippoSandbox
from carriers.sandbox.ups import ACCOUNT_NUMBER, CLIENT_ID, CLIENT_SECRET
from carriers.services import BoxSpec, box_type_create, carrier_account_create, carrier_account_update
from inventory.models import SKU, Location, LocationKind

#: The secret the demo's Shippo account registers for its webhooks (the sandbox learns it when asked).
SHIPPO_WEBHOOK_SECRET = "shippo-demo-webhook-secret"  # noqa: S105 (a demo value, public)


@dataclass(frozen=True)
class DemoAccount:
    """A demo carrier account: who it is with and which kind of location ships with it."""

    code: str
    name: str
    provider: str
    location_kind: str


DEMO_ACCOUNTS: tuple[DemoAccount, ...] = (
    DemoAccount("demo-easypost", "EasyPost (warehouses)", Provider.EASYPOST, LocationKind.WAREHOUSE),
    DemoAccount("demo-ups", "UPS (warehouses)", Provider.UPS, LocationKind.WAREHOUSE),
    DemoAccount("demo-shippo", "Shippo (stores)", Provider.SHIPPO, LocationKind.STORE),
)

#: The box catalog every location packs into: name, inner size (cm), its own weight and the most it holds (g).
DEMO_BOXES: tuple[tuple[str, tuple[str, str, str], int, int], ...] = (
    ("Mailer", ("35", "25", "3"), 80, 2_000),
    ("Small", ("20", "15", "10"), 120, 5_000),
    ("Medium", ("30", "20", "15"), 220, 10_000),
    ("Large", ("40", "30", "25"), 400, 20_000),
)

#: Customs data by product line (the second part of a demo SKU code, e.g. APP-TEE-BLK-M):
#: six-digit HS heading (HS 2022), country of origin, and what the declaration says the goods are.
DEMO_CUSTOMS: dict[str, tuple[str, str, str]] = {
    "TEE": ("610910", "BD", "Cotton knit T-shirt"),
    "HOOD": ("611020", "PK", "Cotton knit hooded sweatshirt"),
    "CHINO": ("620342", "VN", "Men's cotton trousers"),
    "OXF": ("620520", "IN", "Men's woven cotton shirt"),
    "RAIN": ("620140", "VN", "Rain jacket of man-made fibres"),
    "SOCK": ("611594", "US", "Merino wool socks"),
    "TRAIL": ("640411", "VN", "Running shoes, textile uppers"),
    "CNVS": ("640419", "CN", "Canvas sneakers, rubber soles"),
    "CHLS": ("640391", "PT", "Leather ankle boots"),
    "SNDL": ("640399", "DE", "Sandals, leather straps, cork footbed"),
    "DUVET": ("630239", "PT", "Linen duvet cover"),
    "SHEET": ("630231", "IN", "Cotton bed sheet set"),
    "MUG": ("691200", "PT", "Stoneware mugs"),
    "SKLT": ("732391", "US", "Cast iron skillet"),
    "FPAN": ("761510", "CN", "Aluminium frying pan"),
    "TOWEL": ("630260", "TR", "Cotton terry towels"),
    "THROW": ("630140", "CN", "Knitted throw of synthetic fibres"),
    "CNDL": ("340600", "US", "Soy wax candle"),
    "PLNTR": ("691390", "CN", "Ceramic planter"),
    "ROBE": ("620791", "TR", "Cotton bathrobe"),
    "LAMP": ("940529", "CN", "Ceramic table lamp"),
    "KNIFE": ("821192", "DE", "Kitchen knife, fixed blade"),
    "BOARD": ("441990", "US", "Wooden cutting board"),
    "GLASS": ("701349", "CN", "Glass food storage containers"),
    "USBC": ("854442", "CN", "USB-C cable with connectors"),
    "CHRG": ("850440", "CN", "USB wall charger"),
    "PBNK": ("850760", "CN", "Lithium-ion power bank"),
    "BUDS": ("851830", "CN", "Wireless earphones"),
    "CASE": ("392690", "CN", "Plastic phone case"),
    "GLSS": ("700719", "CN", "Tempered glass screen protector"),
    "SLEEVE": ("420212", "CN", "Laptop sleeve, textile"),
    "STAND": ("761699", "CN", "Aluminium laptop stand"),
    "MOUSE": ("847160", "CN", "Wireless computer mouse"),
    "HUB": ("847180", "CN", "USB-C hub"),
    "SPKR": ("851822", "CN", "Bluetooth speaker"),
    "HDMI": ("854442", "CN", "HDMI cable with connectors"),
    "PLUG": ("853650", "CN", "Smart plug"),
    "MOUNT": ("392690", "CN", "Magnetic car phone mount"),
}


@dataclass
class CarrierAccountSeedResult:
    """What `seed_carrier_accounts` added (nothing on a second run)."""

    accounts: list[str] = field(default_factory=list)
    moved: list[str] = field(default_factory=list)
    boxes: int = 0
    customs: int = 0


def demo_web_address() -> str:
    """Where the demo's web process answers (`bin/demo.py` honours DEMO_HOST and DEMO_PORT)."""
    host = os.environ.get("DEMO_HOST", "127.0.0.1")
    port = os.environ.get("DEMO_PORT", "8000")
    return f"http://{host}:{port}"


def moved_sandbox(current: str, target: str, marker: str) -> bool:
    """Whether a stored address is one of the demo's sandboxes on another host or port than `target`."""
    return marker in current and current.startswith("http") and current.rstrip("/") != target.rstrip("/")


def demo_credentials(provider: str) -> dict[str, str]:
    """The credentials each sandbox accepts (its own, public ones)."""
    if provider == Provider.EASYPOST:
        easypost = EasyPostSandbox("easypost")
        return {"api_key": next(iter(easypost.api_keys)), "webhook_secret": easypost.webhook_secret}
    if provider == Provider.SHIPPO:
        return {"api_token": ShippoSandbox("shippo").api_token, "webhook_secret": SHIPPO_WEBHOOK_SECRET}
    return {"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET, "account_number": ACCOUNT_NUMBER}


def seed_carrier_accounts(base_url: str) -> CarrierAccountSeedResult:
    """Add the demo's carrier accounts (on the sandboxes served at `base_url`), boxes and customs data.

    `base_url` is the demo web process's address, e.g. "http://127.0.0.1:8000": the accounts
    point at `<base_url>/carriers/sandbox/<provider>`.
    """
    result = CarrierAccountSeedResult()
    base_url = base_url.rstrip("/")
    with transaction.atomic():
        for spec in DEMO_ACCOUNTS:
            target = f"{base_url}/carriers/sandbox/{spec.provider}"
            account = CarrierAccount.objects.filter(code=spec.code).first()
            if account is not None:
                if moved_sandbox(account.base_url, target, "/carriers/sandbox/"):
                    # DEMO_PORT (or DEMO_HOST) changed since the first seed: follow the web process.
                    carrier_account_update(
                        account=account, name=account.name, base_url=target, credentials={},
                        location_ids=account.locations.values_list("pk", flat=True),
                        label_format=account.label_format, is_active=account.is_active,
                    )  # fmt: skip
                    result.moved.append(spec.code)
                continue
            locations = Location.objects.filter(kind=spec.location_kind, is_active=True, ships_orders=True)
            carrier_account_create(
                code=spec.code,
                name=spec.name,
                provider=spec.provider,
                base_url=target,
                credentials=demo_credentials(spec.provider),
                location_ids=locations.values_list("pk", flat=True),
            )
            result.accounts.append(spec.code)
        existing = set(BoxType.objects.filter(location__isnull=True).values_list("name", flat=True))
        for name, (length, width, height), tare, most in DEMO_BOXES:
            if name in existing:
                continue
            box_type_create(
                spec=BoxSpec(name, Decimal(length), Decimal(width), Decimal(height), tare, most, location=None)
            )
            result.boxes += 1
        result.customs = _customs_fill()
    return result


def _customs_fill() -> int:
    """Give demo SKUs without an HS code their product line's customs data; the value declared is
    the price the customer pays (a sale's transaction value). Returns how many SKUs got it."""
    filled = 0
    for sku in SKU.objects.filter(hs_code="").order_by("pk"):
        parts = sku.code.split("-")
        found = DEMO_CUSTOMS.get(parts[1]) if len(parts) > 1 else None
        if found is None:
            continue
        sku.hs_code, sku.origin_country, sku.customs_description = found
        sku.customs_value = sku.price
        sku.full_clean(validate_unique=False, validate_constraints=False)
        # inventory's SKU service does not take customs fields (only the catalog ones), so the
        # demo writes them on the row itself, checked by the model's own validators above.
        sku.save(update_fields=["hs_code", "origin_country", "customs_description", "customs_value", "updated_at"])
        filled += 1
    return filled
