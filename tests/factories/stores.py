"""Stores as fulfillment nodes: stores with opening hours and settings, pickup orders, ship-from-store requests.

Everything goes through the services (`store_settings_update`, `order_import`), so the
ledger, the order timeline and the pickups are exactly what production would write.
"""

from __future__ import annotations

from datetime import date, time
from typing import Any, cast

from fulfillment.models import Pickup
from fulfillment.services import StoreSettings, store_settings_update
from inventory.models import Location, LocationKind
from tests.factories.inventory import LocationFactory
from tests.factories.orders import place_order

#: Monday to Saturday 09:00-21:00, Sunday 11:00-18:00.
WEEK_HOURS: dict[int, tuple[time, time] | None] = {
    **{day: (time(9, 0), time(21, 0)) for day in range(6)},
    6: (time(11, 0), time(18, 0)),
}

STORE_PLACES = {
    "nyc": {"postal_code": "10001", "latitude": "40.750600", "longitude": "-73.997200", "timezone": "America/New_York"},
    "chi": {"postal_code": "60601", "latitude": "41.886000", "longitude": "-87.618000", "timezone": "America/Chicago"},
    "la": {
        "postal_code": "90012",
        "latitude": "34.061000",
        "longitude": "-118.238000",
        "timezone": "America/Los_Angeles",
    },
    "jc": {"postal_code": "07302", "latitude": "40.718000", "longitude": "-74.047000", "timezone": "America/New_York"},
}


def make_store(code: str, *, place: str = "nyc", **extra: Any) -> Location:
    """A store that offers pickup and ships from store (no hours until `set_store_settings`)."""
    defaults: dict[str, Any] = {
        "name": f"Store {code}",
        "kind": LocationKind.STORE,
        "offers_pickup": True,
        "ship_from_store": True,
        "ships_orders": True,
        "priority": 50,
        **STORE_PLACES[place],
    }
    defaults.update(extra)
    return cast(Location, LocationFactory(code=code, **defaults))


def set_store_settings(
    store: Location,
    *,
    hours: dict[int, tuple[time, time] | None] | None = None,
    closures: list[tuple[date, str]] | None = None,
    lead: int = 60,
    cutoff: time | None = None,
    hold_days: int = 5,
    reminder_hours: int = 24,
    pickup_capacity: int | None = None,
    ship_capacity: int | None = None,
    sla_minutes: int = 30,
) -> Location:
    """Save a store's hours and settings through the service; returns the refreshed location."""
    store_settings_update(
        location=store,
        settings=StoreSettings(
            pickup_lead_minutes=lead,
            pickup_cutoff_time=cutoff,
            hold_days=hold_days,
            reminder_hours=reminder_hours,
            daily_pickup_capacity=pickup_capacity,
            accept_sla_minutes=sla_minutes,
            ship_capacity=ship_capacity,
            hours=WEEK_HOURS if hours is None else hours,
            closures=closures or [],
        ),
        actor=None,
    )
    store.refresh_from_db()
    return store


def place_pickup(channel: Any, store: Location, lines: list[tuple[str, int]], **extra: Any) -> Pickup:
    """Place a pickup order at a store through `order_import`; returns its pickup."""
    extra.setdefault("customer_email", "ada@example.com")
    extra.setdefault("postal_code", store.postal_code)
    result = place_order(channel, lines, delivery_method="pickup", pickup_location=store.code, **extra)
    return Pickup.objects.select_related("order", "location").get(order=result.order)
