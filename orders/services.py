"""Order write services: import from any channel (exactly once), status changes, cancellation.

Every order, whether it comes from the REST API, a marketplace connector, the staff form
or a CSV file, goes through `order_import`, which validates everything first, then in one
transaction creates the order, routes it and reserves the plan. A second delivery of the
same (channel, external id) returns the first order and changes nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from channels.models import Channel
from core.errors import Conflict, NotFound, ValidationFailed
from core.geo import geocode_postal_code
from core.types import AnyUser
from inventory.models import SKU, Location
from orders.models import (
    ORDER_TRANSITIONS,
    DeliveryMethod,
    Order,
    OrderEvent,
    OrderEventKind,
    OrderLine,
    OrderStatus,
    ServiceLevel,
)

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


@dataclass
class ImportResult:
    """What `order_import` did. For a new order, `lines` and `shipments` are the rows it wrote, as
    they are in the database (shipments carry their lines in `shipment_lines`), so a caller can
    answer without reading them back."""

    order: Order
    created: bool
    notes: list[str] = field(default_factory=list)
    lines: list[OrderLine] = field(default_factory=list)
    shipments: list[Any] = field(default_factory=list)
    shipment_lines: dict[int, list[Any]] = field(default_factory=dict)


def _who(actor: AnyUser | None, actor_label: str) -> dict[str, object]:
    user_id = actor.pk if actor is not None and actor.is_authenticated and actor.pk else None
    return {"actor_id": user_id, "actor_label": actor_label[:120]}


def order_event_new(
    *,
    order: Order,
    kind: str,
    message: str,
    actor: AnyUser | None = None,
    actor_label: str = "",
    data: dict | None = None,
) -> OrderEvent:
    """A timeline entry not saved yet (for writing several in one INSERT with `bulk_create`)."""
    return OrderEvent(order=order, kind=kind, message=message[:500], data=data or {}, **_who(actor, actor_label))


def order_event_add(
    *,
    order: Order,
    kind: str,
    message: str,
    actor: AnyUser | None = None,
    actor_label: str = "",
    data: dict | None = None,
) -> OrderEvent:
    """Append an entry to an order's timeline."""
    event = order_event_new(order=order, kind=kind, message=message, actor=actor, actor_label=actor_label, data=data)
    event.save(force_insert=True)
    return event


def _validate_lines(lines: tuple[LineInput, ...]) -> dict[str, SKU]:
    if not lines:
        raise ValidationFailed("An order needs at least one line.", field="lines")
    if len(lines) > MAX_LINES:
        raise ValidationFailed(f"At most {MAX_LINES} lines per order.", field="lines")
    skus = {sku.code: sku for sku in SKU.objects.filter(code__in={line.sku for line in lines})}
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


def order_import(
    *, channel: Channel, data: OrderInput, actor: AnyUser | None = None, actor_label: str = ""
) -> ImportResult:
    """Create, route and reserve an order, exactly once per (channel, external id).

    The order, its lines and its routing are written in one transaction; the returned order
    (and `lines`, `shipments`) are as the database holds them, without a read-back.

    Validates everything before writing (unknown SKU, bad quantity, unknown ZIP, unknown
    pickup store: a DomainError naming the field, nothing written). A repeat delivery of an
    order that already exists returns it with `created=False` and writes only a timeline
    note. Concurrent deliveries of the same order are serialised by the unique index.
    """
    from fulfillment.services.routing import order_route_new  # fulfillment builds on orders, not the reverse

    if not channel.is_active:
        raise ValidationFailed(f"Channel {channel.code} is disabled.", field="channel")
    if not data.external_id.strip():
        raise ValidationFailed("Give the channel's order id.", field="external_id")
    if not data.customer_name.strip():
        raise ValidationFailed("Give the customer's name.", field="customer.name")
    existing = Order.objects.filter(channel=channel, external_id=data.external_id).first()
    if existing is not None:
        return _duplicate(existing, actor=actor, actor_label=actor_label)
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
    try:
        with transaction.atomic():
            order.save(force_insert=True)
            lines = OrderLine.objects.bulk_create(
                [
                    OrderLine(
                        order=order,
                        line_number=index + 1,
                        sku=skus[line.sku],
                        quantity=line.quantity,
                        unit_price=line.unit_price,
                    )
                    for index, line in enumerate(data.lines)
                ]
            )
            # The created event is written with the routing's events, in one INSERT and in this order.
            outcome = order_route_new(
                order=order, lines=lines, actor=actor, actor_label=actor_label, timeline=[created_event]
            )
    except IntegrityError:
        # Another delivery of the same order committed first: answer with that one.
        existing = Order.objects.filter(channel=channel, external_id=data.external_id).first()
        if existing is None:
            raise
        return _duplicate(existing, actor=actor, actor_label=actor_label)
    # `order_route_new` kept `order` and `lines` as they now are in the database: no re-read.
    return ImportResult(
        order=order,
        created=True,
        lines=lines,
        shipments=outcome.shipments,
        shipment_lines=outcome.shipment_lines,
    )


def _duplicate(order: Order, *, actor: AnyUser | None, actor_label: str) -> ImportResult:
    order_event_add(
        order=order,
        kind=OrderEventKind.DUPLICATE,
        message="The channel sent this order again; nothing changed.",
        actor=actor,
        actor_label=actor_label,
    )
    return ImportResult(order=order, created=False, notes=["duplicate"])


def order_transition(
    *, order: Order, to: str, actor: AnyUser | None = None, actor_label: str = "", reason: str = ""
) -> Order:
    """Move an order to another status if `ORDER_TRANSITIONS` allows it; refuse (409) otherwise.

    Precondition: the caller holds the order's row lock or is creating the order.
    """
    if to == order.status:
        return order
    order_transition_check(order=order, to=to)
    previous = order.status
    order.status = to
    order.save(update_fields=["status", "updated_at"])
    order_status_event(order=order, previous=previous, to=to, actor=actor, actor_label=actor_label, reason=reason).save(
        force_insert=True
    )
    return order


def order_transition_check(*, order: Order, to: str) -> None:
    """Refuse (409) a status change that `ORDER_TRANSITIONS` does not allow."""
    if to not in ORDER_TRANSITIONS.get(order.status, frozenset()):
        raise Conflict(
            f"Order {order.number} is {order.get_status_display().lower()}; it cannot become "
            f"{OrderStatus(to).label.lower()}."
        )


def order_status_event(
    *, order: Order, previous: str, to: str, actor: AnyUser | None = None, actor_label: str = "", reason: str = ""
) -> OrderEvent:
    """The timeline entry of a status change (not saved yet)."""
    return order_event_new(
        order=order,
        kind=OrderEventKind.STATUS,
        message=f"{OrderStatus(previous).label} → {OrderStatus(to).label}" + (f": {reason}" if reason else ""),
        actor=actor,
        actor_label=actor_label,
        data={"from": previous, "to": to},
    )


def order_lock(order: Order) -> Order:
    """Re-read an order under a row lock (inside a transaction)."""
    return Order.objects.select_for_update(of=("self",)).select_related("channel").get(pk=order.pk)


def _line_update(line_id: int, **deltas: int) -> None:
    """Apply deltas to a line's split with F(); the check constraint refuses an impossible split."""
    from django.db.models import F

    OrderLine.objects.filter(pk=line_id).update(**{name: F(name) + delta for name, delta in deltas.items()})


def order_line_allocate(*, line: OrderLine, quantity: int) -> None:
    """Mark units of a line as allocated to a shipment (they were backordered)."""
    _line_update(line.pk, quantity_allocated=quantity)


def order_lines_allocate(*, allocations: Sequence[tuple[OrderLine, int]]) -> None:
    """Mark units of several lines as allocated, in one UPDATE (F() plus each line's units).

    The database changes, not the OrderLine objects. Precondition, as for every line change:
    the caller holds the order's row lock (or created the order in this transaction).
    """
    from django.db.models import Case, F, IntegerField, Value, When

    per_line: dict[int, int] = {}
    for line, quantity in allocations:
        per_line[line.pk] = per_line.get(line.pk, 0) + quantity
    if len(per_line) <= 1:
        for line_id, quantity in per_line.items():
            _line_update(line_id, quantity_allocated=quantity)
        return
    delta = Case(*(When(pk=pk, then=Value(qty)) for pk, qty in per_line.items()), output_field=IntegerField())
    OrderLine.objects.filter(pk__in=list(per_line)).update(quantity_allocated=F("quantity_allocated") + delta)


def order_line_deallocate(*, line: OrderLine, quantity: int, cancel: bool = False) -> None:
    """Take units back from a shipment: backordered again, or cancelled when `cancel`."""
    if cancel:
        _line_update(line.pk, quantity_allocated=-quantity, quantity_cancelled=quantity)
    else:
        _line_update(line.pk, quantity_allocated=-quantity)


def order_line_ship(*, line: OrderLine, quantity: int) -> None:
    """Allocated units left the building."""
    _line_update(line.pk, quantity_allocated=-quantity, quantity_shipped=quantity)


def order_line_cancel_backorder(*, line: OrderLine, quantity: int) -> None:
    """Cancel units that were waiting for stock."""
    _line_update(line.pk, quantity_cancelled=quantity)


# --- CSV import of orders (staff) ------------------------------------------------------------
# Imports for this part stay inside its functions so it can be appended without touching the
# module's import block.

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
class _CsvOrder:
    """The rows of one (channel, external_id): one order."""

    channel: Channel
    external_id: str
    first_line: int
    fields: dict[str, str]
    lines: list[LineInput] = field(default_factory=list)
    line_numbers: list[int] = field(default_factory=list)


def _order_csv_rows(stream: object) -> list[dict[str, str]]:
    """Read the file into rows of lower-cased, stripped columns; refuse what is not a usable CSV."""
    import csv
    import io

    raw = stream if isinstance(stream, str | bytes) else stream.read()  # type: ignore[attr-defined]
    if isinstance(raw, bytes):
        try:
            raw = raw.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise ValidationFailed("The file is not UTF-8 text. Save it as CSV (UTF-8).", field="file") from exc
    text = str(raw).lstrip("\ufeff")
    if "\x00" in text:
        raise ValidationFailed("The file contains NUL bytes; save it as CSV (UTF-8) and try again.", field="file")
    if not text.strip():
        raise ValidationFailed("The file is empty.", field="file")
    try:
        reader = csv.DictReader(io.StringIO(text))
        headers = [(name or "").strip().lower() for name in (reader.fieldnames or [])]
        missing = [column for column in ORDER_CSV_REQUIRED if column not in headers]
        if missing:
            raise ValidationFailed(
                f"Missing column(s): {', '.join(missing)}. The header must be: {','.join(ORDER_CSV_COLUMNS)}.",
                field="file",
            )
        reader.fieldnames = headers
        rows = []
        for index, row in enumerate(reader):
            if index >= MAX_ORDER_CSV_ROWS:
                raise ValidationFailed(f"At most {MAX_ORDER_CSV_ROWS:,} rows per file; split it.", field="file")
            rows.append({key: (value or "").strip() for key, value in row.items() if key})
    except csv.Error as exc:
        raise ValidationFailed(f"The file is not valid CSV: {exc}.", field="file") from exc
    if not rows:
        raise ValidationFailed("The file has a header but no rows.", field="file")
    return rows


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
    from decimal import InvalidOperation

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


def _order_csv_check(rows: list[dict[str, str]]) -> tuple[list[_CsvOrder], list[OrderCsvError]]:
    """Check every row and group them into orders; every problem is reported, none is written."""
    from django.core.exceptions import ValidationError
    from django.core.validators import validate_email

    errors: list[OrderCsvError] = []
    channels = {c.code: c for c in Channel.objects.filter(code__in={row.get("channel", "") for row in rows})}
    skus = {s.code: s for s in SKU.objects.filter(code__in={row.get("sku", "") for row in rows})}
    known_zip: dict[str, bool] = {}
    orders: dict[tuple[str, str], _CsvOrder] = {}
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
            key, _CsvOrder(channel=channel, external_id=external_id, first_line=line, fields=fields)
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


def _order_csv_error(group: _CsvOrder, exc: Exception) -> OrderCsvError:
    """Put a refusal of `order_import` on the row and column it is about."""
    import re

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


def orders_import_csv(*, stream: object, actor: AnyUser | None, actor_label: str = "CSV import") -> OrderCsvReport:
    """Import orders from a CSV file, all or nothing; returns a report with row-level errors.

    One row per order line: channel, external_id, customer_name, email, postal_code,
    service, sku, quantity, unit_price; rows with the same (channel, external_id) make one
    order. Every row is checked first (unknown channel, SKU or ZIP code, bad quantity or
    price, order fields that differ between the rows of one order): if any is wrong, nothing
    is written and every problem is reported. Then each order goes through `order_import`
    (routed and reserved) in one transaction: a refusal of any order rolls back them all.
    An order the channel already has is not created again (`duplicates`).
    """
    from core.errors import DomainError

    report = OrderCsvReport()
    rows = _order_csv_rows(stream)
    report.rows = len(rows)
    groups, report.errors = _order_csv_check(rows)
    if report.errors:
        return report
    with transaction.atomic():
        for group in groups:
            data = OrderInput(
                external_id=group.external_id,
                customer_name=group.fields["customer_name"],
                customer_email=group.fields["email"],
                postal_code=group.fields["postal_code"],
                service_level=group.fields["service"],
                lines=tuple(group.lines),
            )
            try:
                result = order_import(channel=group.channel, data=data, actor=actor, actor_label=actor_label)
            except DomainError as exc:
                report.errors.append(_order_csv_error(group, exc))
                continue
            (report.created if result.created else report.duplicates).append(result.order)
        if report.errors:
            transaction.set_rollback(True)
            report.created, report.duplicates = [], []
    return report
