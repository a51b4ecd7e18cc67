"""Demo stores as fulfillment nodes: opening hours, closures and settings for every store
(`seed_stores`, from `seed_demo`), then a few pickup orders at the demo associate's store in
each state and ship-from-store requests (`seed_store_orders`, from `make demo`).

Everything goes through the services (`store_settings_update`, `order_import`, the pickup
services), deterministically; stores that already have hours are left as they are, so a
second run changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, time
from decimal import Decimal

from django.db.models import F
from django.utils import timezone

from channels.models import Channel
from fulfillment.models import OpeningHours, Pickup
from fulfillment.services import StoreSettings, pickup_handover, pickup_mark_ready, pickup_start, store_settings_update
from fulfillment.services.intake import order_import
from inventory.models import SKU, Location, LocationKind, StockLevel
from orders.models import DeliveryMethod, Order
from orders.services import LineInput, OrderInput

STANDARD_HOURS: dict[int, tuple[time, time] | None] = {
    **{day: (time(9, 0), time(21, 0)) for day in range(6)},
    6: (time(11, 0), time(18, 0)),
}
#: Flagship stores open longer.
LONG_HOURS: dict[int, tuple[time, time] | None] = {day: (time(8, 0), time(22, 0)) for day in range(7)}
FLAGSHIPS = ("nyc-herald-sq", "chi-loop")
#: Customers of the demo pickups and ship-from-store orders (name, email, ZIP near the store).
PICKUP_CUSTOMERS = (
    ("Grace Hopper", "grace@example.com"),
    ("Alan Turing", "alan@example.com"),
    ("Katherine Johnson", "katherine@example.com"),
    ("Edsger Dijkstra", "edsger@example.com"),
)
#: ZIP codes far from every warehouse, near a store: routing asks the store to ship.
SHIP_FROM_STORE_ZIPS = (
    ("nyc-herald-sq", "11201"),
    ("sea-pike", "98109"),
    ("den-lodo", "80205"),
    ("mia-brickell", "33130"),
)
#: A street in each of those ZIP codes, for the ship-from-store customers' addresses.
SHIP_FROM_STORE_STREETS = {
    "11201": "75 Clinton St",
    "98109": "400 Dexter Ave N",
    "80205": "2800 Welton St",
    "33130": "1100 SW 8th St",
}


@dataclass
class StoreSeedResult:
    stores: int = 0
    pickups: dict[str, int] = field(default_factory=dict)
    store_requests: int = 0


def _closures(today: date) -> list[tuple[date, str]]:
    """The next Thanksgiving-style and Christmas closures after today."""
    year = today.year if today < date(today.year, 12, 25) else today.year + 1
    return [(date(year, 12, 25), "Christmas Day"), (date(year + 1, 1, 1), "New Year's Day")]


def _in_stock(store: Location, count: int, *, minimum: int = 3) -> list[str]:
    """SKU codes with at least `minimum` units available at the store, deterministic order."""
    rows = (
        StockLevel.objects.filter(location=store, on_hand__gte=F("reserved") + F("safety_stock") + minimum)
        .order_by("sku__code")
        .values_list("sku__code", flat=True)[:count]
    )
    return list(rows)


def _only_here(store: Location) -> list[str]:
    """A SKU the store has (2+ available) that no warehouse, 3PL or supplier stocks: only it can ship it."""
    elsewhere = StockLevel.objects.filter(on_hand__gt=0).exclude(location__kind=LocationKind.STORE)
    rows = (
        StockLevel.objects.filter(location=store, on_hand__gte=F("reserved") + F("safety_stock") + 2)
        .exclude(sku_id__in=elsewhere.values("sku_id"))
        .order_by("sku__code")
        .values_list("sku__code", flat=True)[:1]
    )
    return list(rows)


def seed_stores() -> StoreSeedResult:
    """Hours, closures and settings for every store that has no hours yet (stock is not touched)."""
    result = StoreSeedResult()
    stores = list(Location.objects.filter(kind=LocationKind.STORE, is_active=True).order_by("code"))
    today = timezone.localdate()
    fresh = [store for store in stores if not OpeningHours.objects.filter(location=store).exists()]
    for store in fresh:
        store_settings_update(
            location=store,
            settings=StoreSettings(
                pickup_lead_minutes=45 if store.code in FLAGSHIPS else 60,
                pickup_cutoff_time=None,
                hold_days=5,
                reminder_hours=24,
                daily_pickup_capacity=40 if store.code in FLAGSHIPS else 25,
                accept_sla_minutes=45,
                ship_capacity=store.daily_order_capacity,
                hours=LONG_HOURS if store.code in FLAGSHIPS else STANDARD_HOURS,
                closures=_closures(today),
            ),
            actor=None,
        )
        result.stores += 1
    return result


def seed_store_orders() -> StoreSeedResult:
    """Demo pickups at the associate's store in every state and ship-from-store requests (once).

    Kept apart from `seed_demo` (which leaves stock exactly as its plan says): `make demo` runs
    it afterwards through `manage.py seed_store_orders`. Does nothing if any pickup exists.
    """
    result = StoreSeedResult()
    web = Channel.objects.filter(code="web").first()
    if web is None or Pickup.objects.exists():
        return result
    stores = list(Location.objects.filter(kind=LocationKind.STORE, is_active=True).order_by("code"))
    _seed_pickups(web, stores, result)
    _seed_ship_from_store(web, result)
    return result


def _place(
    web: Channel, external_id: str, lines: list[tuple[str, int]], *, customer: tuple[str, str], **extra: str
) -> Order:
    # The catalog's prices, as the shop charged them (an order at $0.00 looks like broken data).
    prices = dict(SKU.objects.filter(code__in=[code for code, _ in lines]).values_list("code", "price"))
    data = OrderInput(
        external_id=external_id,
        customer_name=customer[0],
        customer_email=customer[1],
        lines=tuple(LineInput(sku, qty, prices.get(sku) or Decimal("0.00")) for sku, qty in lines),
        **extra,  # type: ignore[arg-type]
    )
    return order_import(channel=web, data=data, actor_label="demo").order


def _seed_pickups(web: Channel, stores: list[Location], result: StoreSeedResult) -> None:
    """Four pickups at the associate's store (new, picking, ready, picked up)."""
    store = next((s for s in stores if s.code == "nyc-herald-sq"), stores[0] if stores else None)
    if store is None:
        return
    skus = _in_stock(store, 8)
    if len(skus) < 4:
        return
    states = ("new", "picking", "ready", "picked_up")
    for index, (state, customer) in enumerate(zip(states, PICKUP_CUSTOMERS, strict=True)):
        lines = [(skus[2 * index], 1), (skus[2 * index + 1], 1)]
        order = _place(
            web,
            f"DEMO-PICKUP-{index + 1}",
            lines,
            customer=customer,
            postal_code=store.postal_code,
            delivery_method=DeliveryMethod.PICKUP,
            pickup_location=store.code,
        )
        pickup = Pickup.objects.get(order=order)
        if state in ("picking", "ready", "picked_up"):
            pickup_start(pickup=pickup, actor=None, actor_label="demo")
        if state in ("ready", "picked_up"):
            pickup_mark_ready(pickup=pickup, scanned=None, actor=None, actor_label="demo")
        if state == "picked_up":
            pickup_handover(pickup=pickup, actor=None, id_checked=True, code=pickup.code, actor_label="demo")
        result.pickups[state] = result.pickups.get(state, 0) + 1


def _seed_ship_from_store(web: Channel, result: StoreSeedResult) -> None:
    """Orders shipped to customers near stores far from any warehouse: the stores get requests."""
    for index, (code, zip_code) in enumerate(SHIP_FROM_STORE_ZIPS):
        store = Location.objects.filter(code=code).first()
        if store is None:
            continue
        skus = _only_here(store) or _in_stock(store, 1, minimum=2)
        if not skus:
            continue
        order = _place(
            web,
            f"DEMO-SFS-{index + 1}",
            [(skus[0], 1)],
            customer=PICKUP_CUSTOMERS[index % len(PICKUP_CUSTOMERS)],
            postal_code=zip_code,
            line1=SHIP_FROM_STORE_STREETS.get(zip_code, ""),
        )
        result.store_requests += order.shipments.filter(location__kind=LocationKind.STORE).count()
