"""Factories for returns: a small network that takes returns, and orders shipped and delivered through the services."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import Any, cast

from django.utils import timezone

from channels.models import Channel
from fulfillment.demo import seed_carriers
from fulfillment.models import Shipment, ShipmentStatus
from fulfillment.services import (
    cost_model_forget,
    shipment_accept,
    shipment_deliver,
    shipment_label,
    shipment_pack,
)
from fulfillment.services.intake import order_import
from inventory.models import SKU, Location, LocationKind
from orders.models import Order
from orders.services import LineInput, OrderInput
from tests.factories.inventory import LocationFactory, SKUFactory, stocked
from tests.factories.orders import ChannelFactory


@dataclass
class ReturnNetwork:
    channel: Channel
    warehouse: Location
    store: Location
    far_warehouse: Location
    tee: SKU
    tee_large: SKU
    mug: SKU


def return_network(*, stock: int = 20) -> ReturnNetwork:
    """A web channel, carriers, a Dallas warehouse and a New York store that take returns, a Reno DC that does not."""
    seed_carriers()
    cost_model_forget()
    channel = cast(Channel, ChannelFactory(code="web", name="Web shop"))
    warehouse = cast(
        Location,
        LocationFactory(code="dal-dc", name="Dallas DC", kind=LocationKind.WAREHOUSE, accepts_returns=True),
    )
    store = cast(
        Location,
        LocationFactory(
            code="nyc-store",
            name="New York Store",
            kind=LocationKind.STORE,
            city="New York",
            region="NY",
            postal_code="10001",
            latitude=Decimal("40.750600"),
            longitude=Decimal("-73.997200"),
            timezone="America/New_York",
            offers_pickup=True,
            accepts_returns=True,
            ships_orders=False,
        ),
    )
    far = cast(
        Location,
        LocationFactory(
            code="rno-dc",
            name="Reno DC",
            kind=LocationKind.WAREHOUSE,
            city="Reno",
            region="NV",
            postal_code="89501",
            latitude=Decimal("39.525400"),
            longitude=Decimal("-119.812800"),
            timezone="America/Los_Angeles",
            accepts_returns=False,
            ships_orders=False,
        ),
    )
    tee = cast(SKU, SKUFactory(code="TEE-BLK-M", name="Black tee, M", barcode="4006381333931", weight_grams=300))
    tee_large = cast(SKU, SKUFactory(code="TEE-BLK-L", name="Black tee, L", barcode="4006381333948", weight_grams=320))
    mug = cast(SKU, SKUFactory(code="MUG-WHT", name="White mug", barcode="0012345678905", weight_grams=450))
    for sku in (tee, tee_large, mug):
        stocked(warehouse, sku, stock)
    stocked(store, tee, 2)
    return ReturnNetwork(channel, warehouse, store, far, tee, tee_large, mug)


def ship_order(order: Order, *, delivered_days_ago: int | None = 3) -> Order:
    """Accept, pack (scanning every unit), label and ship each shipment; deliver it `delivered_days_ago` days ago."""
    for shipment in Shipment.objects.filter(order=order, status=ShipmentStatus.REQUESTED).order_by("pk"):
        shipment_accept(shipment=shipment, actor=None)
        scans = [line.sku.barcode for line in shipment.lines.select_related("sku") for _ in range(line.quantity)]
        shipment_pack(shipment=shipment, scanned=scans, weight_grams=800, actor=None)
        shipment_label(shipment=shipment, actor=None)
        if delivered_days_ago is not None:
            shipment_deliver(shipment=shipment, delivered_at=timezone.now() - timedelta(days=delivered_days_ago))
    order.refresh_from_db()
    return order


def delivered_order(
    channel: Channel,
    lines: list[tuple[str, int, str]],
    *,
    external_id: str = "W-1001",
    delivered_days_ago: int | None = 3,
    email: str = "ada@example.com",
    **extra: Any,
) -> Order:
    """An order placed through `order_import` (lines: sku, quantity, unit price), shipped and delivered."""
    data = OrderInput(
        external_id=external_id,
        customer_name=extra.pop("customer_name", "Ada Lovelace"),
        customer_email=email,
        lines=tuple(LineInput(sku, qty, Decimal(price)) for sku, qty, price in lines),
        postal_code=extra.pop("postal_code", "10001"),
        line1=extra.pop("line1", "1 Main St"),
        **extra,
    )
    order = order_import(channel=channel, data=data).order
    return ship_order(order, delivered_days_ago=delivered_days_ago)
