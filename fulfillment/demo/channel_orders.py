"""Demo orders from every sales channel (own shop, Shopify, Amazon, eBay, WooCommerce, store POS).

`seed_channel_orders(seed=42)` (run by `manage.py seed_demo_orders`, right after `seed_demo`)
places a few orders per channel through `order_import`, the one intake service, so each is
routed, reserved and explained like a real one. Prices are the SKUs' own, shipping and sales
tax are charged as a shop would, and every customer's city and state are the ones their ZIP
code belongs to (`core.geo`, from the `zipcodes` data). Deterministic for a seed; a second run
finds the tour order and adds nothing.

The first order placed is the tour's (`TOUR_CHANNEL`, `TOUR_EXTERNAL_ID`): two items to
Portland, Oregon, whose "Why it ships from there" card weighs Reno against the other sites.
A few shipments at the demo operator's warehouses are accepted and put on a pick list so the
"To pack" queue has work for the scan-to-pack screen.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import F
from django.utils import timezone

from channels.models import Channel
from core.geo import geocode_postal_code
from fulfillment.models import Shipment, ShipmentStatus
from fulfillment.services import shipment_accept
from fulfillment.services.intake import order_import
from fulfillment.services.work import picklist_create
from inventory.models import SKU, Location, LocationKind, StockLevel
from orders.models import Order, ServiceLevel
from orders.services import LineInput, OrderInput

TOUR_CHANNEL = "shopify"
TOUR_EXTERNAL_ID = "#1001"
#: The operator's warehouses (the demo operator works at the first two): where the pack queue is filled.
PACK_WAREHOUSES = ("dal-dc", "rno-dc")
ORDERS_PER_CHANNEL = 5

#: Customers: name, street address, ZIP. City and state always come from the ZIP.
CUSTOMERS: tuple[tuple[str, str, str], ...] = (
    ("Maya Patel", "1120 SW 5th Ave", "97204"),
    ("Jordan Reyes", "2200 Westlake Ave", "98121"),
    ("Olivia Chen", "455 Market St", "94105"),
    ("Marcus Johnson", "233 S Wacker Dr", "60606"),
    ("Sofia Martinez", "1600 Glenarm Pl", "80202"),
    ("Ethan Walker", "100 Congress Ave", "78701"),
    ("Ava Thompson", "201 N Tryon St", "28202"),
    ("Liam O'Connor", "75 State St", "02109"),
    ("Isabella Rossi", "30 Rockefeller Plaza", "10112"),
    ("Noah Kim", "1 Ferry Building", "94111"),
    ("Emma Davis", "400 N Ashley Dr", "33602"),
    ("Lucas Brown", "111 Monument Cir", "46204"),
    ("Mia Wilson", "600 Grant St", "15219"),
    ("Benjamin Lee", "2 N Central Ave", "85004"),
    ("Charlotte Nguyen", "1001 Fannin St", "77002"),
    ("Henry Garcia", "50 S 6th St", "55402"),
    ("Amelia Clark", "191 Peachtree St NE", "30303"),
    ("James Wright", "1 Nationwide Plaza", "43215"),
    ("Harper Scott", "500 Woodward Ave", "48226"),
    ("Daniel Adams", "150 W Main St", "23510"),
    ("Evelyn Baker", "222 S Main St", "84101"),
    ("Michael Turner", "1000 Walnut St", "64106"),
    ("Abigail Hill", "701 Pike St", "98101"),
    ("Samuel Green", "300 Convent St", "78205"),
)
#: Approximate combined state and local sales tax, as a shop charges it (states without one charge none).
SALES_TAX: dict[str, Decimal] = {
    "AZ": Decimal("0.084"), "CA": Decimal("0.0875"), "CO": Decimal("0.0881"), "FL": Decimal("0.07"),
    "GA": Decimal("0.089"), "IL": Decimal("0.1025"), "IN": Decimal("0.07"), "MA": Decimal("0.0625"),
    "MI": Decimal("0.06"), "MN": Decimal("0.0903"), "MO": Decimal("0.0886"), "NC": Decimal("0.0725"),
    "NY": Decimal("0.08875"), "OH": Decimal("0.08"), "PA": Decimal("0.07"), "TX": Decimal("0.0825"),
    "UT": Decimal("0.0775"), "VA": Decimal("0.06"), "WA": Decimal("0.1035"),
}  # fmt: skip
FREE_SHIPPING_OVER = Decimal("75.00")
SHIPPING: dict[str, Decimal] = {ServiceLevel.STANDARD: Decimal("6.95"), ServiceLevel.EXPRESS: Decimal("14.95")}
CENT = Decimal("0.01")


@dataclass
class ChannelOrderSeedResult:
    """What `seed_channel_orders` placed: orders per channel code, the tour order and the pack queue."""

    orders: dict[str, int] = field(default_factory=dict)
    tour_order: str = ""
    to_pack: int = 0


def external_id(kind: str, code: str, n: int) -> str:
    """An order id in the channel's own format (Shopify #1001, Amazon 113-..., eBay 27-...-..., ...)."""
    if kind == "shopify":
        return f"#{1001 + n}"
    if kind == "amazon":
        return f"113-{4082713 + n * 7919:07d}-{(5312047 + n * 104729) % 10_000_000:07d}"
    if kind == "ebay":
        return f"27-{10451 + n * 37:05d}-{(66302 + n * 911) % 100_000:05d}"
    if kind == "woocommerce":
        return str(4817 + n)
    if kind == "pos":
        return f"POS-{code.upper()}-{20310 + n}"
    return f"W-{100231 + n}"


def customer_input(customer: tuple[str, str, str]) -> dict[str, str]:
    """The customer's part of an order: name, email, street, and the city and state their ZIP belongs to."""
    name, street, zip_code = customer
    place = geocode_postal_code(zip_code)
    first, last = name.split(" ", 1)
    return {
        "customer_name": name,
        "customer_email": f"{first.lower()}.{last.lower().replace(chr(39), '')}@example.com",
        "line1": street,
        "city": place.city if place else "",
        "region": place.region if place else "",
        "postal_code": zip_code,
    }


def charges(lines: list[tuple[SKU, int]], region: str, service: str) -> tuple[Decimal, Decimal]:
    """Shipping (free over FREE_SHIPPING_OVER for standard) and sales tax on the goods, rounded to the cent."""
    subtotal = sum(((sku.price or Decimal("0")) * quantity for sku, quantity in lines), Decimal("0"))
    shipping = SHIPPING.get(service, SHIPPING[ServiceLevel.EXPRESS])
    if service == ServiceLevel.STANDARD and subtotal >= FREE_SHIPPING_OVER:
        shipping = Decimal("0.00")
    tax = (subtotal * SALES_TAX.get(region, Decimal("0"))).quantize(CENT, rounding=ROUND_HALF_UP)
    return shipping, tax


def _sellable_skus() -> list[SKU]:
    """Priced SKUs that a warehouse or 3PL has plenty of (deterministic order): orders route without backorders."""
    ids = (
        StockLevel.objects.filter(
            location__kind__in=(LocationKind.WAREHOUSE, LocationKind.THIRD_PARTY),
            on_hand__gte=F("reserved") + F("safety_stock") + 8,
        )
        .filter(sku__is_active=True, sku__price__gt=0, sku__weight_grams__gt=0)
        .order_by("sku__code")
        .values_list("sku_id", flat=True)
    )
    chosen = list(dict.fromkeys(ids))
    return list(SKU.objects.filter(pk__in=chosen).order_by("code"))


def _place(
    channel: Channel, number: str, lines: list[tuple[SKU, int]], customer: tuple[str, str, str], **extra: object
) -> Order:
    address = customer_input(customer)
    service = str(extra.pop("service_level", ServiceLevel.STANDARD))
    shipping, tax = charges(lines, address["region"], service)
    data = OrderInput(
        external_id=number,
        lines=tuple(LineInput(sku.code, quantity, sku.price) for sku, quantity in lines),
        service_level=service,
        shipping_total=shipping,
        tax_total=tax,
        **address,  # type: ignore[arg-type]
        **extra,  # type: ignore[arg-type]
    )
    return order_import(channel=channel, data=data, actor_label="demo").order


@dataclass(frozen=True)
class OrderSpec:
    """One demo order before it is placed: pure data, so a seed's orders can be compared without a database."""

    channel: str
    external_id: str
    customer: tuple[str, str, str]
    lines: tuple[tuple[str, int], ...]
    service: str
    minutes_ago: int


def plan_channel_orders(
    *, seed: int, sku_codes: list[str], channels: list[tuple[str, str]], per_channel: int = ORDERS_PER_CHANNEL
) -> list[OrderSpec]:
    """The demo's orders for a seed: the tour order first, then `per_channel` for each (code, kind). Pure."""
    rng = random.Random(seed)
    apparel = [code for code in sku_codes if code.startswith("APP-")] or sku_codes
    home = [code for code in sku_codes if code.startswith("HOM-")] or sku_codes
    # Apparel and a home item to Portland, OR: far from Dallas, near Reno and the Ontario 3PL, so the
    # "Why it ships from there" card has runners-up worth comparing.
    specs = [
        OrderSpec(
            TOUR_CHANNEL,
            TOUR_EXTERNAL_ID,
            CUSTOMERS[0],
            ((apparel[len(apparel) // 2], 1), (home[len(home) // 3], 1)),
            ServiceLevel.STANDARD,
            35,
        )
    ]
    for code, kind in channels:
        offset = 1 if code == TOUR_CHANNEL else 0
        for n in range(per_channel):
            picked = rng.sample(sku_codes, k=min(len(sku_codes), rng.choice((1, 1, 2, 3))))
            specs.append(
                OrderSpec(
                    code,
                    external_id(kind, code, n + offset),
                    rng.choice(CUSTOMERS[1:]),
                    tuple((sku, rng.choice((1, 1, 1, 2))) for sku in picked),
                    ServiceLevel.EXPRESS if rng.random() < 0.2 else ServiceLevel.STANDARD,
                    rng.randint(40, 5 * 60),
                )
            )
    return specs


def seed_channel_orders(*, seed: int = 42, per_channel: int = ORDERS_PER_CHANNEL) -> ChannelOrderSeedResult:
    """Place the tour order and `per_channel` orders on each demo channel, then fill the pack queue (once)."""
    result = ChannelOrderSeedResult()
    channels = {channel.code: channel for channel in Channel.objects.filter(is_active=True).order_by("pk")}
    tour_channel = channels.get(TOUR_CHANNEL)
    if tour_channel is None or Order.objects.filter(channel=tour_channel, external_id=TOUR_EXTERNAL_ID).exists():
        return result
    skus = {sku.code: sku for sku in _sellable_skus()}
    if len(skus) < 4:
        return result
    now = timezone.now()
    specs = plan_channel_orders(
        seed=seed,
        sku_codes=list(skus),
        channels=[(code, channel.kind) for code, channel in channels.items()],
        per_channel=per_channel,
    )
    for spec in specs:
        order = _place(
            channels[spec.channel],
            spec.external_id,
            [(skus[code], quantity) for code, quantity in spec.lines],
            spec.customer,
            service_level=spec.service,
            placed_at=now - timedelta(minutes=spec.minutes_ago),
        )
        if spec.external_id == TOUR_EXTERNAL_ID and spec.channel == TOUR_CHANNEL:
            result.tour_order = order.number
        result.orders[spec.channel] = result.orders.get(spec.channel, 0) + 1
    result.to_pack = _fill_pack_queue()
    return result


def _fill_pack_queue() -> int:
    """Accept the first requested shipments at each operator warehouse and put two of them on a pick list."""
    packed = 0
    for location in Location.objects.filter(code__in=PACK_WAREHOUSES).order_by("code"):
        waiting = list(Shipment.objects.filter(location=location, status=ShipmentStatus.REQUESTED).order_by("pk")[:3])
        accepted = [shipment_accept(shipment=shipment, actor=None, actor_label="demo") for shipment in waiting]
        if len(accepted) >= 2:
            picklist_create(location=location, shipments=accepted[:2], actor=None, actor_label="demo")
            packed += 2
    return packed
