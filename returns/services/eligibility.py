"""What of an order can still come back, and the checks a return request passes before anything is written.

`returnable_lines` counts, per order line, what shipped and what is already returned or on
its way back, and when its return window starts. `check_lines`, `window_verdict` and
`exchange_price_holds` are the refusals and holds `return_request` applies to a request.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db.models import Sum
from django.utils import timezone

from core.errors import NotFound, ValidationFailed
from fulfillment.models import ShipmentLine, ShipmentStatus
from inventory.models import SKU
from orders.models import DeliveryMethod, Order, OrderLine
from returns.models import ARRIVED_STATUSES, EXPECTED_STATUSES, OutOfWindow, ReturnLine, ReturnPolicy, ReturnReason

MAX_RETURN_LINES = 200
MAX_UNITS_PER_LINE = 10_000
#: Without a delivery scan, the window starts at the carrier's estimated delivery, else this long after shipping.
DELIVERY_ALLOWANCE_DAYS = 7


@dataclass(frozen=True)
class ReturnLineInput:
    """One line of a request: which order line (by id, or by SKU when the order has it once), how many, why."""

    quantity: int
    reason: str
    order_line_id: int | None = None
    sku: str = ""
    exchange_sku: str = ""
    note: str = ""


@dataclass(frozen=True)
class Returnable:
    """What can still come back of one order line, and since when it was delivered."""

    line: OrderLine
    shipped: int
    returned: int
    delivered_on: date | None
    #: The day the return window starts counting from: delivered, picked up, or assumed delivered (see `basis`).
    window_start: date | None = None
    basis: str = ""

    @property
    def available(self) -> int:
        return max(self.shipped - self.returned, 0)


def returnable_lines(order: Order) -> list[Returnable]:
    """Each line of the order with its shipped units, units already returned or on their way back, and delivery day.

    Units count against the line while a return expects them (requested, authorised, in
    transit) or once they arrived (what was received); a rejected or cancelled return frees
    them. Three queries.
    """
    lines = list(order.lines.select_related("sku").order_by("line_number"))
    expected = dict(
        ReturnLine.objects.filter(order_line__order=order, rma__status__in=EXPECTED_STATUSES)
        .values("order_line_id")
        .annotate(n=Sum("quantity"))
        .values_list("order_line_id", "n")
    )
    arrived = dict(
        ReturnLine.objects.filter(order_line__order=order, rma__status__in=ARRIVED_STATUSES)
        .values("order_line_id")
        .annotate(n=Sum("quantity_received"))
        .values_list("order_line_id", "n")
    )
    starts = _window_starts(order)
    return [
        Returnable(
            line=line,
            shipped=line.quantity_shipped,
            returned=(expected.get(line.pk) or 0) + (arrived.get(line.pk) or 0),
            delivered_on=starts[line.pk][0] if line.pk in starts and starts[line.pk][1] != "assumed" else None,
            window_start=starts[line.pk][0] if line.pk in starts else None,
            basis=starts[line.pk][1] if line.pk in starts else "",
        )
        for line in lines
    ]


def _window_starts(order: Order) -> dict[int, tuple[date, str]]:
    """Per order line, the day its return window starts and why, in the merchant's time zone (settings.TIME_ZONE).

    Delivered: the delivery day. A pickup handed over: that day (the picked-up time is its
    delivery). Shipped with no delivery scan yet (a carrier that never reports one): the
    carrier's estimated delivery, else `DELIVERY_ALLOWANCE_DAYS` after shipping ("assumed"),
    so a parcel that was never scanned at the door still has a window that ends. The
    earliest shipment of the line counts. One query.
    """
    pickup = order.delivery_method == DeliveryMethod.PICKUP
    rows = ShipmentLine.objects.filter(
        order_line__order=order, shipment__status__in=(ShipmentStatus.SHIPPED, ShipmentStatus.DELIVERED)
    ).values_list("order_line_id", "shipment__delivered_at", "shipment__shipped_at", "shipment__estimated_delivery")
    starts: dict[int, tuple[date, str]] = {}
    for line_id, delivered_at, shipped_at, estimated in rows:
        start: tuple[date, str] | None = None
        if delivered_at is not None:
            start = (_local_day(delivered_at), "delivered")
        elif shipped_at is not None and pickup:
            start = (_local_day(shipped_at), "picked up")
        elif shipped_at is not None:
            shipped_day = _local_day(shipped_at)
            assumed = estimated if estimated is not None and estimated >= shipped_day else None
            start = (assumed or shipped_day + timedelta(days=DELIVERY_ALLOWANCE_DAYS), "assumed")
        if start is not None and (line_id not in starts or start[0] < starts[line_id][0]):
            starts[line_id] = start
    return starts


def _local_day(moment: datetime) -> date:
    return timezone.localdate(moment)


@dataclass
class CheckedLine:
    returnable: Returnable
    quantity: int
    reason: ReturnReason
    exchange_sku: SKU | None
    note: str


def _whole(value: object, field: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValidationFailed("Enter a whole number of units.", field=field)
    if value < 1:
        raise ValidationFailed("Return at least 1 unit.", field=field)
    if value > MAX_UNITS_PER_LINE:
        raise ValidationFailed(f"At most {MAX_UNITS_PER_LINE:,} units per line.", field=field)
    return value


def _resolve_line(item: ReturnLineInput, index: int, by_id: dict[int, Returnable]) -> Returnable:
    if item.order_line_id is not None:
        found = by_id.get(item.order_line_id)
        if found is None:
            raise NotFound(f"Line {index + 1}: not a line of this order.", field=f"lines[{index}].order_line_id")
        return found
    if not item.sku:
        raise ValidationFailed(f"Line {index + 1}: say which line (order_line_id or sku).", field=f"lines[{index}].sku")
    matches = [r for r in by_id.values() if r.line.sku.code == item.sku]
    if not matches:
        raise NotFound(f"Line {index + 1}: SKU {item.sku} is not on this order.", field=f"lines[{index}].sku")
    if len(matches) > 1:
        raise ValidationFailed(
            f"Line {index + 1}: SKU {item.sku} is on several lines of this order; give order_line_id.",
            field=f"lines[{index}].sku",
        )
    return matches[0]


def check_lines(
    items: Sequence[ReturnLineInput], policy: ReturnPolicy, returnables: list[Returnable], *, same_sku_exchange: bool
) -> list[CheckedLine]:
    """Refuse (400, naming the line and field) anything the request cannot have; nothing is written."""
    if not items:
        raise ValidationFailed("Choose at least one item to return.", field="lines")
    if len(items) > MAX_RETURN_LINES:
        raise ValidationFailed(f"At most {MAX_RETURN_LINES} lines per return.", field="lines")
    by_id = {r.line.pk: r for r in returnables}
    reasons = {reason.code: reason for reason in policy.reasons.filter(is_active=True)}
    blocked = set(policy.non_returnable_skus.values_list("pk", flat=True))
    exchange_codes = {item.exchange_sku.strip() for item in items if item.exchange_sku.strip()}
    exchange_skus = {sku.code: sku for sku in SKU.objects.filter(code__in=exchange_codes)}
    checked: list[CheckedLine] = []
    seen: set[int] = set()
    for index, item in enumerate(items):
        quantity = _whole(item.quantity, f"lines[{index}].quantity")
        returnable = _resolve_line(item, index, by_id)
        line = returnable.line
        if line.pk in seen:
            raise ValidationFailed(
                f"Line {index + 1}: {line.sku.code} is listed twice; give the total once.", field=f"lines[{index}]"
            )
        seen.add(line.pk)
        if line.sku_id in blocked:
            raise ValidationFailed(
                f"{line.sku.code} ({line.sku.name}) cannot be returned under this shop's policy.",
                field=f"lines[{index}].sku",
            )
        if returnable.shipped == 0:
            raise ValidationFailed(
                f"{line.sku.code} has not shipped yet; cancel it instead of returning it.",
                field=f"lines[{index}].quantity",
            )
        if quantity > returnable.available:
            already = f", {returnable.returned} already returned or on the way back" if returnable.returned else ""
            raise ValidationFailed(
                f"{line.sku.code}: only {returnable.available} can be returned "
                f"({returnable.shipped} shipped{already}).",
                field=f"lines[{index}].quantity",
            )
        reason = reasons.get(item.reason)
        if reason is None:
            offered = ", ".join(sorted(reasons)) or "none"
            raise ValidationFailed(f"Line {index + 1}: choose a reason ({offered}).", field=f"lines[{index}].reason")
        exchange = None
        if item.exchange_sku.strip():
            exchange = exchange_skus.get(item.exchange_sku.strip())
            if exchange is None:
                raise NotFound(
                    f"Line {index + 1}: unknown SKU {item.exchange_sku!r} to exchange for.",
                    field=f"lines[{index}].exchange_sku",
                )
            if not exchange.is_active:
                raise ValidationFailed(
                    f"Line {index + 1}: {exchange.code} is not sold any more.", field=f"lines[{index}].exchange_sku"
                )
            if exchange.pk == line.sku_id and not same_sku_exchange:
                raise ValidationFailed(
                    f"Line {index + 1}: an exchange is for another SKU or size than {line.sku.code}.",
                    field=f"lines[{index}].exchange_sku",
                )
        checked.append(CheckedLine(returnable, quantity, reason, exchange, item.note.strip()[:300]))
    return checked


def window_verdict(policy: ReturnPolicy, checked: list[CheckedLine], today: date) -> tuple[str, str]:
    """("", "") in the window; ("hold", why) late within a holding policy's grace days; else ("refuse", why).

    `today` is the merchant's local day, like the window's start (both in settings.TIME_ZONE).
    An order still on its way whose assumed delivery day is in the future is inside its window.
    """
    starts = [(c.returnable.window_start, c.returnable.basis) for c in checked if c.returnable.window_start is not None]
    if not starts:
        return "", ""  # nothing shipped: refused earlier ("has not shipped yet")
    first, basis = min(starts)
    last_day = first + timedelta(days=policy.window_days)
    if today <= last_day:
        return "", ""
    late = (today - last_day).days
    what = {"delivered": "delivered", "picked up": "picked up"}.get(
        basis, f"shipped, due {first:%b} {first.day}, {first.year} (no delivery scan)"
    )
    when = "" if basis == "assumed" else f" {first:%b} {first.day}, {first.year}"
    why = (
        f"{what}{when}; the {policy.window_days}-day return window ended "
        f"{last_day:%b} {last_day.day}, {last_day.year} ({late} day{'s' if late != 1 else ''} ago)"
    )
    if policy.late_action == OutOfWindow.HOLD and late <= policy.grace_days:
        return "hold", why
    return "refuse", why


def exchange_price_holds(checked: list[CheckedLine]) -> list[str]:
    """Why exchanges for something dearer than what was paid wait for staff (the replacement ships at no charge).

    An exchange is automatic only for a SKU whose price is no higher than the unit price the
    customer paid for the returned item.
    """
    holds = []
    for c in checked:
        line = c.returnable.line
        if c.exchange_sku is not None and c.exchange_sku.price > line.unit_price:
            holds.append(
                f"exchange of {line.sku.code} (paid {line.unit_price}) for {c.exchange_sku.code} "
                f"(price {c.exchange_sku.price}) needs approval: it costs more than was paid"
            )
    return holds
