"""Order history and stock ledgers in the past, for the planning app's forecasts."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any
from unittest import mock

from fulfillment.models import Shipment, ShipmentLine, ShipmentStatus
from inventory.services import stock_adjust, stock_receive
from orders.models import Order, OrderLine, OrderStatus


def noon(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(12), tzinfo=dt.UTC)


@contextmanager
def on_day(day: dt.date, hour: int = 12) -> Iterator[None]:
    """Write rows (ledger, timestamps) as if it were `hour`:00 UTC on `day`."""
    at = dt.datetime.combine(day, dt.time(hour), tzinfo=dt.UTC)
    with mock.patch("django.utils.timezone.now", return_value=at):
        yield


def order_history(
    *,
    channel: Any,
    sku: Any,
    location: Any,
    per_day: Sequence[int],
    last_day: dt.date,
    state: str = "TX",
    postal_code: str = "75201",
    prefix: str = "H",
) -> None:
    """One shipped order per day with units (`per_day`, oldest first, ending on `last_day`), shipped from `location`."""
    first = last_day - dt.timedelta(days=len(per_day) - 1)
    for offset, units in enumerate(per_day):
        if units <= 0:
            continue
        day = first + dt.timedelta(days=offset)
        order = Order.objects.create(
            channel=channel,
            external_id=f"{prefix}-{sku.pk}-{location.pk}-{offset}",
            status=OrderStatus.SHIPPED,
            placed_at=noon(day),
            customer_name="History",
            ship_region=state,
            ship_postal_code=postal_code,
        )
        line = OrderLine.objects.create(order=order, line_number=1, sku=sku, quantity=units, quantity_shipped=units)
        shipment = Shipment.objects.create(order=order, location=location, status=ShipmentStatus.SHIPPED)
        ShipmentLine.objects.create(shipment=shipment, order_line=line, sku=sku, quantity=units)


def stock_out_between(*, location: Any, sku: Any, units: int, empty_from: dt.date, refill_on: dt.date) -> None:
    """Stock `units` well before, empty the shelf on `empty_from`, refill on `refill_on` (through the ledger)."""
    with on_day(empty_from - dt.timedelta(days=400)):
        stock_receive(location=location, sku=sku, quantity=units, actor=None)
    with on_day(empty_from, hour=1):
        stock_adjust(location=location, sku=sku, delta=-units, reason_code="correction", actor=None)
    with on_day(refill_on, hour=1):
        stock_receive(location=location, sku=sku, quantity=units, actor=None)
