"""Reading and checking an order CSV file (staff): rows to order inputs, every problem on its row.

Creating the orders is intake's job (`fulfillment.services.intake.orders_import_csv`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from channels.models import Channel
from core.csv_upload import csv_upload_rows
from core.geo import geocode_postal_code
from inventory.models import SKU
from orders.models import Order, OrderStatus, ServiceLevel
from orders.services.create import MAX_LINE_QUANTITY, MAX_LINES, LineInput, OrderInput

ORDER_CSV_COLUMNS = (
    "channel",
    "external_id",
    "customer_name",
    "email",
    "postal_code",
    "service",
    "sku",
    "quantity",
    "unit_price",
)
ORDER_CSV_REQUIRED = ("channel", "external_id", "customer_name", "postal_code", "sku", "quantity")
MAX_ORDER_CSV_ROWS = 5_000


@dataclass(frozen=True)
class OrderCsvError:
    """A problem with one row of an order file. `row` counts the header as line 1."""

    row: int
    column: str
    message: str


@dataclass
class OrderCsvReport:
    """What an order import did (`created`, `duplicates`), or why it wrote nothing (`errors`)."""

    rows: int = 0
    created: list[Order] = field(default_factory=list)
    duplicates: list[Order] = field(default_factory=list)
    errors: list[OrderCsvError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def backordered(self) -> int:
        """New orders left entirely waiting for stock."""
        return sum(1 for order in self.created if order.status == OrderStatus.BACKORDERED)


@dataclass
class CsvOrder:
    """The rows of one (channel, external_id): one order."""

    channel: Channel
    external_id: str
    first_line: int
    fields: dict[str, str]
    lines: list[LineInput] = field(default_factory=list)
    line_numbers: list[int] = field(default_factory=list)


def order_csv_rows(stream: object) -> list[dict[str, str]]:
    """Read the file into rows of lower-cased, stripped columns; refuse what is not a usable CSV."""
    return csv_upload_rows(
        stream,  # type: ignore[arg-type]
        required=ORDER_CSV_REQUIRED,
        header=",".join(ORDER_CSV_COLUMNS),
        max_rows=MAX_ORDER_CSV_ROWS,
    )


def _order_csv_quantity(value: str, line: int, errors: list[OrderCsvError]) -> int | None:
    try:
        quantity = int(value)
    except ValueError:
        errors.append(OrderCsvError(line, "quantity", f"{value!r} is not a whole number." if value else "is empty."))
        return None
    if quantity < 1:
        errors.append(OrderCsvError(line, "quantity", "must be at least 1."))
        return None
    if quantity > MAX_LINE_QUANTITY:
        errors.append(OrderCsvError(line, "quantity", f"at most {MAX_LINE_QUANTITY:,} units per line."))
        return None
    return quantity


def _order_csv_price(value: str, line: int, errors: list[OrderCsvError]) -> Decimal | None:
    if not value:
        return Decimal("0.00")
    try:
        price = Decimal(value.replace("$", "").replace(",", ""))
    except InvalidOperation:
        errors.append(OrderCsvError(line, "unit_price", f"{value!r} is not a price."))
        return None
    if not price.is_finite() or price < 0 or price != price.quantize(Decimal("0.01")) or price >= 10**10:
        errors.append(OrderCsvError(line, "unit_price", f"{value!r} is not a price of 0 or more, in cents."))
        return None
    return price


_ORDER_LEVEL_COLUMNS = ("customer_name", "email", "postal_code", "service")


def order_csv_check(rows: list[dict[str, str]]) -> tuple[list[CsvOrder], list[OrderCsvError]]:
    """Check every row and group them into orders; every problem is reported, none is written."""
    errors: list[OrderCsvError] = []
    channels = {c.code: c for c in Channel.objects.filter(code__in={row.get("channel", "") for row in rows})}
    skus = {s.code: s for s in SKU.objects.filter(code__in={row.get("sku", "") for row in rows})}
    known_zip: dict[str, bool] = {}
    orders: dict[tuple[str, str], CsvOrder] = {}
    for index, row in enumerate(rows):
        line = index + 2
        before = len(errors)
        channel = channels.get(row.get("channel", ""))
        if channel is None:
            what = f"unknown channel {row.get('channel', '')!r}." if row.get("channel") else "is empty."
            errors.append(OrderCsvError(line, "channel", what))
        elif not channel.is_active:
            errors.append(OrderCsvError(line, "channel", f"channel {channel.code} is disabled."))
        external_id = row.get("external_id", "")
        if not external_id:
            errors.append(OrderCsvError(line, "external_id", "is empty: give the channel's order id."))
        elif len(external_id) > 100:
            errors.append(OrderCsvError(line, "external_id", "is longer than 100 characters."))
        if not row.get("customer_name"):
            errors.append(OrderCsvError(line, "customer_name", "is empty."))
        elif len(row["customer_name"]) > 200:
            errors.append(OrderCsvError(line, "customer_name", "is longer than 200 characters."))
        if row.get("email"):
            try:
                validate_email(row["email"])
            except ValidationError:
                errors.append(OrderCsvError(line, "email", f"{row['email']!r} is not an email address."))
        postal_code = row.get("postal_code", "")
        if postal_code not in known_zip:
            known_zip[postal_code] = bool(postal_code) and geocode_postal_code(postal_code) is not None
        if not known_zip[postal_code]:
            what = f"{postal_code!r} is not a known US ZIP code." if postal_code else "is empty."
            errors.append(OrderCsvError(line, "postal_code", what))
        service = row.get("service", "") or ServiceLevel.STANDARD
        if service not in ServiceLevel.values:
            errors.append(
                OrderCsvError(line, "service", f"{service!r} is not one of {', '.join(ServiceLevel.values)}.")
            )
        sku = skus.get(row.get("sku", ""))
        if sku is None:
            errors.append(
                OrderCsvError(line, "sku", f"unknown SKU {row.get('sku', '')!r}." if row.get("sku") else "is empty.")
            )
        elif not sku.is_active:
            errors.append(OrderCsvError(line, "sku", f"SKU {sku.code} is not sold any more."))
        quantity = _order_csv_quantity(row.get("quantity", ""), line, errors)
        price = _order_csv_price(row.get("unit_price", ""), line, errors)
        if channel is None or not external_id:
            continue
        key = (channel.code, external_id)
        fields = {column: row.get(column, "") for column in _ORDER_LEVEL_COLUMNS} | {"service": service}
        group = orders.setdefault(
            key, CsvOrder(channel=channel, external_id=external_id, first_line=line, fields=fields)
        )
        for column in _ORDER_LEVEL_COLUMNS:
            if group.fields[column] != fields[column]:
                errors.append(
                    OrderCsvError(
                        line, column, f"differs from line {group.first_line}, the first row of order {external_id}."
                    )
                )
        if len(group.lines) >= MAX_LINES:
            errors.append(OrderCsvError(line, "sku", f"order {external_id} has more than {MAX_LINES} lines."))
        if len(errors) == before and sku is not None and quantity is not None and price is not None:
            group.lines.append(LineInput(sku=sku.code, quantity=quantity, unit_price=price))
            group.line_numbers.append(line)
    return list(orders.values()), errors


def order_csv_error(group: CsvOrder, exc: Exception) -> OrderCsvError:
    """Put a refusal of `order_import` on the row and column it is about."""
    field_name = getattr(exc, "field", None) or ""
    message = getattr(exc, "message", str(exc))
    match = re.fullmatch(r"lines\[(\d+)\]\.(\w+)", field_name)
    if match and int(match.group(1)) < len(group.line_numbers):
        return OrderCsvError(group.line_numbers[int(match.group(1))], match.group(2), message)
    column = {
        "channel": "channel",
        "external_id": "external_id",
        "customer.name": "customer_name",
        "shipping_address.postal_code": "postal_code",
        "delivery.service": "service",
    }.get(field_name, "")
    return OrderCsvError(group.first_line, column, message)


def order_csv_input(group: CsvOrder) -> OrderInput:
    """The order input of one checked group of rows."""
    return OrderInput(
        external_id=group.external_id,
        customer_name=group.fields["customer_name"],
        customer_email=group.fields["email"],
        postal_code=group.fields["postal_code"],
        service_level=group.fields["service"],
        lines=tuple(group.lines),
    )
