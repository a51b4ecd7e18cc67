"""Creating orders: the input shape every channel fills, validation, and the insert.

Routing and reserving are not here: `fulfillment.services.intake.order_import` creates the
order with `order_create` and routes it in the same transaction.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import cast

from django.db import connection
from django.utils import timezone

from channels.models import Channel
from core.errors import NotFound, ValidationFailed
from core.geo import geocode_postal_code
from core.rows import Columns, model_columns
from core.types import AnyUser
from inventory.models import SKU, Location
from orders.models import DeliveryMethod, Order, OrderEvent, OrderEventKind, OrderLine, ServiceLevel
from orders.services.events import order_event_add, order_event_new
from orders.services.rows import order_rows_write

MAX_LINES = 200
MAX_LINE_QUANTITY = 10_000


@dataclass(frozen=True)
class LineInput:
    sku: str
    quantity: int
    unit_price: Decimal = Decimal("0.00")


@dataclass(frozen=True)
class OrderInput:
    """Everything a channel sends for a new order, already shape-checked by a serializer or form."""

    external_id: str
    customer_name: str
    lines: tuple[LineInput, ...]
    postal_code: str
    country: str = "US"
    line1: str = ""
    line2: str = ""
    city: str = ""
    region: str = ""
    customer_email: str = ""
    customer_phone: str = ""
    delivery_method: str = DeliveryMethod.SHIP
    service_level: str = ServiceLevel.STANDARD
    pickup_location: str = ""
    promised_delivery_date: date | None = None
    placed_at: datetime | None = None
    currency: str = "USD"
    shipping_total: Decimal = Decimal("0.00")
    tax_total: Decimal = Decimal("0.00")


@functools.cache
def _skus_statement(count: int) -> tuple[str, Columns]:
    columns, selected = model_columns(SKU, "s")
    quote = connection.ops.quote_name
    placeholders = ", ".join(["%s"] * count)  # the codes are parameters; the text holds only our own names
    table = quote(SKU._meta.db_table)
    return f"SELECT {', '.join(selected)} FROM {table} s WHERE s.code IN ({placeholders})", columns  # noqa: S608


def skus_by_code(codes: set[str]) -> dict[str, SKU]:
    """The SKUs with these codes, by code (unknown codes are absent): one statement, written out once
    per number of codes, as every order reads them (compiling the queryset cost twice the answer)."""
    sql, columns = _skus_statement(len(codes))
    with connection.cursor() as cursor:
        cursor.execute(sql, sorted(codes))
        rows = cursor.fetchall()
    skus = [cast(SKU, columns.instance(row)) for row in rows]
    return {sku.code: sku for sku in skus}


def _validate_lines(lines: tuple[LineInput, ...]) -> dict[str, SKU]:
    if not lines:
        raise ValidationFailed("An order needs at least one line.", field="lines")
    if len(lines) > MAX_LINES:
        raise ValidationFailed(f"At most {MAX_LINES} lines per order.", field="lines")
    skus = skus_by_code({line.sku for line in lines})
    for index, line in enumerate(lines):
        sku = skus.get(line.sku)
        if sku is None:
            raise NotFound(f"Line {index + 1}: unknown SKU {line.sku!r}.", field=f"lines[{index}].sku")
        if not sku.is_active:
            raise ValidationFailed(
                f"Line {index + 1}: SKU {line.sku} is not sold any more.", field=f"lines[{index}].sku"
            )
        if isinstance(line.quantity, bool) or not isinstance(line.quantity, int) or line.quantity < 1:
            raise ValidationFailed(f"Line {index + 1}: quantity must be at least 1.", field=f"lines[{index}].quantity")
        if line.quantity > MAX_LINE_QUANTITY:
            raise ValidationFailed(
                f"Line {index + 1}: at most {MAX_LINE_QUANTITY:,} units per line.", field=f"lines[{index}].quantity"
            )
        if line.unit_price < 0:
            raise ValidationFailed(f"Line {index + 1}: price cannot be negative.", field=f"lines[{index}].unit_price")
    return skus


def _pickup_location(data: OrderInput) -> Location | None:
    if data.delivery_method != DeliveryMethod.PICKUP:
        return None
    if not data.pickup_location:
        raise ValidationFailed("Choose the store for the pickup.", field="delivery.pickup_location")
    location = Location.objects.filter(code=data.pickup_location, is_active=True, offers_pickup=True).first()
    if location is None:
        raise NotFound(f"{data.pickup_location!r} is not a store that offers pickup.", field="delivery.pickup_location")
    return location


def _build_order(*, channel: Channel, data: OrderInput, pickup: Location | None) -> Order:
    place = geocode_postal_code(data.postal_code, data.country)
    if place is None and (data.country or "US").upper() == "US":
        raise ValidationFailed(
            f"{data.postal_code!r} is not a known US ZIP code.", field="shipping_address.postal_code"
        )
    if data.delivery_method not in DeliveryMethod.values:
        raise ValidationFailed("Delivery method is ship or pickup.", field="delivery.method")
    if data.service_level not in ServiceLevel.values:
        raise ValidationFailed(f"Service is one of {', '.join(ServiceLevel.values)}.", field="delivery.service")
    return Order(
        channel=channel,
        external_id=data.external_id,
        placed_at=data.placed_at or timezone.now(),
        customer_name=data.customer_name,
        customer_email=data.customer_email,
        customer_phone=data.customer_phone,
        ship_line1=data.line1,
        ship_line2=data.line2,
        ship_city=data.city or (place.city if place else ""),
        ship_region=data.region or (place.region if place else ""),
        ship_postal_code=data.postal_code.strip(),
        ship_country=(data.country or "US").upper(),
        ship_latitude=place.latitude if place else None,
        ship_longitude=place.longitude if place else None,
        delivery_method=data.delivery_method,
        service_level=data.service_level,
        pickup_location=pickup,
        promised_delivery_date=data.promised_delivery_date,
        currency=data.currency.upper(),
        shipping_total=data.shipping_total,
        tax_total=data.tax_total,
    )


@dataclass
class CreatedOrder:
    """An order and its lines as `order_create` inserted them, and its "created" timeline entry,
    not saved yet so the caller writes it with its own entries in one INSERT."""

    order: Order
    lines: list[OrderLine]
    created_event: OrderEvent


def order_input_check(*, channel: Channel, data: OrderInput) -> None:
    """Refuse an order whose channel is disabled or that lacks its id or the customer's name."""
    if not channel.is_active:
        raise ValidationFailed(f"Channel {channel.code} is disabled.", field="channel")
    if not data.external_id.strip():
        raise ValidationFailed("Give the channel's order id.", field="external_id")
    if not data.customer_name.strip():
        raise ValidationFailed("Give the customer's name.", field="customer.name")


def order_find(*, channel: Channel, external_id: str) -> Order | None:
    """The order a channel already sent under this id, if any."""
    return Order.objects.filter(channel=channel, external_id=external_id).first()


def order_create(
    *, channel: Channel, data: OrderInput, actor: AnyUser | None = None, actor_label: str = ""
) -> CreatedOrder:
    """Validate an order's lines and pickup store, then insert the order and its lines.

    Refuses with a DomainError naming the field (unknown SKU, bad quantity, unknown ZIP,
    unknown pickup store) before writing anything. Precondition: called inside
    `transaction.atomic` after `order_input_check`; a twin delivery that committed first
    makes the insert raise IntegrityError (unique channel and external id), which the caller
    answers with the existing order.
    """
    skus = _validate_lines(data.lines)
    pickup = _pickup_location(data)
    order = _build_order(channel=channel, data=data, pickup=pickup)
    order.subtotal = sum((line.unit_price * line.quantity for line in data.lines), Decimal("0.00"))
    order.grand_total = order.subtotal + order.shipping_total + order.tax_total
    created_event = order_event_new(
        order=order,
        kind=OrderEventKind.CREATED,
        message=f"Order {data.external_id} received from {channel.name}.",
        actor=actor,
        actor_label=actor_label,
    )
    lines = [
        OrderLine(line_number=index + 1, sku=skus[line.sku], quantity=line.quantity, unit_price=line.unit_price)
        for index, line in enumerate(data.lines)
    ]
    order_rows_write(order, lines)
    return CreatedOrder(order=order, lines=lines, created_event=created_event)


def order_duplicate_note(*, order: Order, actor: AnyUser | None = None, actor_label: str = "") -> None:
    """Note on the timeline that the channel sent an existing order again (nothing else changes)."""
    order_event_add(
        order=order,
        kind=OrderEventKind.DUPLICATE,
        message="The channel sent this order again; nothing changed.",
        actor=actor,
        actor_label=actor_label,
    )
