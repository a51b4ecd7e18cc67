"""Each location's ship orders per local day: the counter routing's daily caps read.

Written only from the shipment services, in the transaction that creates or cancels the
shipments, so a rolled-back order leaves the count as it was.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import date

from django.db import connection

from fulfillment.models import LOAD_SLOTS, LocationDayLoad, Shipment
from fulfillment.store_hours import local
from orders.models import DeliveryMethod, Order


def day_load_rows(*, order: Order, shipments: Sequence[Shipment], delta: int) -> list[tuple[int, date, int, int]]:
    """(location, local day, slot, change) per location and day, in that order: how `delta` ship orders
    per shipment count (none for a pickup). Each shipment's `location` must be loaded."""
    if order.delivery_method == DeliveryMethod.PICKUP:
        return []
    counts: dict[tuple[int, date], int] = defaultdict(int)
    for shipment in shipments:
        counts[(shipment.location_id, local(shipment.created_at, shipment.location.timezone).date())] += delta
    slot = (order.pk or 0) % LOAD_SLOTS
    return [(location_id, day, slot, n) for (location_id, day), n in sorted(counts.items()) if n]


def location_day_load_add(*, order: Order, shipments: Sequence[Shipment], delta: int) -> None:
    """Add `delta` ship orders per shipment to its location's count for the local day it was created.

    +1 when a shipment is created, -1 when it is rejected or cancelled (on the day it was
    created, whatever day it is now). Pickups never count (a store's pickup capacity moves their
    ready-by time instead). One upsert statement whatever the number of shipments; the rows are
    written in (location, day) order so two orders shipping from the same locations cannot
    deadlock on them. Each shipment's `location` must be loaded (its time zone decides the day).
    """
    rows = day_load_rows(order=order, shipments=shipments, delta=delta)
    if not rows:
        return
    table = connection.ops.quote_name(LocationDayLoad._meta.db_table)
    values = ", ".join(["(%s, %s, %s, %s)"] * len(rows))
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (location_id, day, slot, ship_orders) VALUES {values} "  # noqa: S608
            "ON CONFLICT (location_id, day, slot) "
            f"DO UPDATE SET ship_orders = {table}.ship_orders + EXCLUDED.ship_orders",
            [value for row in rows for value in row],
        )
