"""Return requests from staff, the channel API, the customer and the store counter; approval and closing.

`return_request` is the one way a return is created. It validates everything first (the
lines against what shipped and what is already coming back, the policy's window,
non-returnable SKUs and reasons), under the order's row lock so two requests for the same
units never both pass; a refusal writes nothing. A request inside policy is authorised at
once and routed (mailed: a return location and a label; in store: that store); one the
policy holds waits in `requested` for staff to approve or reject it.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from core.errors import Conflict, NotFound, ValidationFailed
from core.types import AnyUser
from fulfillment.models import ShipmentLine, ShipmentStatus
from inventory.models import SKU, Location
from orders.models import DeliveryMethod, Order, OrderLine, OrderStatus
from orders.services import order_lock
from returns.models import (
    ARRIVED_STATUSES,
    EXPECTED_STATUSES,
    OutOfWindow,
    ReturnAuthorization,
    ReturnLine,
    ReturnMethod,
    ReturnPolicy,
    ReturnReason,
    ReturnSource,
    ReturnStatus,
)
from returns.services._common import actor_id, rma_event, rma_lock, rma_transition
from returns.services.exchanges import exchange_cancel, exchange_create
from returns.services.policy import return_policy_for
from returns.services.routing import PACKAGING_GRAMS, return_label_buy, return_route

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
class _Checked:
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


def _check_lines(
    items: Sequence[ReturnLineInput], policy: ReturnPolicy, returnables: list[Returnable], *, same_sku_exchange: bool
) -> list[_Checked]:
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
    checked: list[_Checked] = []
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
        checked.append(_Checked(returnable, quantity, reason, exchange, item.note.strip()[:300]))
    return checked


def _window_verdict(policy: ReturnPolicy, checked: list[_Checked], today: date) -> tuple[str, str]:
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


def _exchange_price_holds(checked: list[_Checked]) -> list[str]:
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


def _weight(checked: list[_Checked]) -> int:
    return PACKAGING_GRAMS + sum(c.returnable.line.sku.weight_grams * c.quantity for c in checked)


def return_request(
    *,
    order: Order,
    lines: Sequence[ReturnLineInput],
    source: str,
    actor: AnyUser | None = None,
    actor_label: str = "",
    customer_note: str = "",
    store: Location | None = None,
    buy_label: bool = True,
) -> ReturnAuthorization:
    """Create a return for (part of) an order, exactly as the policy allows, and route it.

    `store` makes it a return at that store's counter (no label); otherwise it is mailed
    back with a prepaid label to the location `return_route` chooses. Refused (400, naming
    the field, nothing written): no line, a line not on the order, more units than shipped
    minus those already returned or on their way back, a non-returnable SKU, an unknown
    reason, a request after the window (or after the grace days when the policy holds late
    requests). Held (status requested, `hold_reason` set): late within the grace days, or a
    reason that needs approval. The label is bought after the transaction (see
    `return_label_buy`); `buy_label=False` leaves it to the caller.
    """
    if source not in ReturnSource.values:
        raise ValidationFailed("Unknown source of the return.", field="source")
    if store is not None and not (store.is_active and store.accepts_returns):
        raise ValidationFailed(f"{store.code} does not take returns.", field="store")
    with transaction.atomic():
        locked = order_lock(order)
        if locked.status == OrderStatus.CANCELLED and not locked.lines.filter(quantity_shipped__gt=0).exists():
            raise ValidationFailed(f"Order {locked.number} was cancelled before anything shipped.", field="order")
        policy = return_policy_for(locked.channel)
        checked = _check_lines(lines, policy, returnable_lines(locked), same_sku_exchange=False)
        verdict, why = _window_verdict(policy, checked, timezone.localdate())
        if verdict == "refuse":
            raise ValidationFailed(f"This order can no longer be returned: {why}.", field="order")
        holds = [f"late: {why}"] if verdict == "hold" else []
        holds += sorted({f"reason “{c.reason.label}” needs a review" for c in checked if c.reason.needs_approval})
        holds += _exchange_price_holds(checked)
        if holds and store is not None:
            raise ValidationFailed(
                "This return needs back-office approval (" + "; ".join(holds) + "). Ask the customer to request it "
                "online, or call the back office.",
                field="order",
            )
        rma = ReturnAuthorization.objects.create(
            order=locked,
            policy=policy,
            source=source,
            method=ReturnMethod.IN_STORE if store is not None else ReturnMethod.MAIL,
            hold_reason="; ".join(holds)[:300],
            customer_note=customer_note.strip()[:500],
            created_by_id=actor_id(actor),
            created_label=actor_label[:120],
            weight_grams=_weight(checked),
            return_location=store,
        )
        ReturnLine.objects.bulk_create(
            [
                ReturnLine(
                    rma=rma,
                    order_line=c.returnable.line,
                    sku=c.returnable.line.sku,
                    quantity=c.quantity,
                    unit_price=c.returnable.line.unit_price,
                    reason=c.reason,
                    exchange_sku=c.exchange_sku,
                    note=c.note,
                )
                for c in checked
            ]
        )
        units = ", ".join(f"{c.returnable.line.sku.code} \u00d7 {c.quantity} ({c.reason.label})" for c in checked)
        source_label = ReturnSource(source).label.lower()
        rma_event(
            rma=rma, message=f"return requested by {source_label}: {units}.", actor=actor, actor_label=actor_label
        )
        if holds:
            rma_event(
                rma=rma, message=f"held for staff approval: {rma.hold_reason}.", actor=actor, actor_label=actor_label
            )
        else:
            _authorize(rma, actor=actor, actor_label=actor_label, message="within the return policy")
    if buy_label and rma.status == ReturnStatus.AUTHORIZED and rma.method == ReturnMethod.MAIL:
        rma = return_label_buy(rma=rma, actor=actor, actor_label=actor_label)
    return rma


def _authorize(rma: ReturnAuthorization, *, actor: AnyUser | None, actor_label: str, message: str) -> None:
    """Route an approved return and create its exchange order. Precondition: the return is locked (or new)."""
    if rma.method == ReturnMethod.MAIL:
        lines = list(rma.lines.select_related("sku"))
        route = return_route(order=rma.order, sku_ids=[line.sku_id for line in lines], weight_grams=rma.weight_grams)
        if route is None:
            raise Conflict("No location takes returns; mark one as accepting returns first.")
        rma.return_location = route.location
        rma.routing_reason = route.reason
        rma.carrier, rma.service = route.carrier, route.service
        if route.transit_days is not None:
            from fulfillment.routing import add_transit_days

            rma.estimated_arrival = add_transit_days(timezone.localdate(), route.transit_days + 1)
    else:
        rma.routing_reason = f"Returned at the counter of {rma.return_location.code}."  # type: ignore[union-attr]
    rma.save()
    rma_transition(rma=rma, to=ReturnStatus.AUTHORIZED, actor=actor, actor_label=actor_label, message=message)
    rma_event(rma=rma, message=rma.routing_reason, actor=actor, actor_label=actor_label)
    exchange_create(rma=rma, actor=actor, actor_label=actor_label)


def return_approve(
    *, rma: ReturnAuthorization, actor: AnyUser | None, note: str = "", actor_label: str = ""
) -> ReturnAuthorization:
    """Staff accept a held request: authorised, routed and (mailed) labelled. Approving twice does nothing."""
    with transaction.atomic():
        locked = rma_lock(rma)
        if locked.status != ReturnStatus.REQUESTED:
            if locked.status == ReturnStatus.AUTHORIZED:
                return locked
            raise Conflict(f"{locked.number} is {locked.get_status_display().lower()}; only a request can be approved.")
        locked.decision_note = note.strip()[:300]
        _authorize(
            locked,
            actor=actor,
            actor_label=actor_label,
            message="approved" + (f": {note.strip()}" if note.strip() else ""),
        )
    if locked.method == ReturnMethod.MAIL:
        locked = return_label_buy(rma=locked, actor=actor, actor_label=actor_label)
    _decision_notify(locked)
    return locked


def _decision_notify(rma: ReturnAuthorization) -> None:
    """Queue the customer's email about the decision on their held request (after commit, as a task)."""
    from returns.tasks import return_decision_notify

    transaction.on_commit(functools.partial(return_decision_notify.delay, rma.pk))


def return_reject(
    *, rma: ReturnAuthorization, actor: AnyUser | None, reason: str, actor_label: str = ""
) -> ReturnAuthorization:
    """Staff turn down a held request, with the reason the customer will see."""
    reason = reason.strip()
    if not reason:
        raise ValidationFailed("Say why the return is rejected; the customer sees it.", field="reason")
    with transaction.atomic():
        locked = rma_lock(rma)
        if locked.status != ReturnStatus.REQUESTED:
            raise Conflict(f"{locked.number} is {locked.get_status_display().lower()}; only a request can be rejected.")
        locked.decision_note = reason[:300]
        locked.save(update_fields=["decision_note", "updated_at"])
        rma_transition(rma=locked, to=ReturnStatus.REJECTED, actor=actor, actor_label=actor_label, message=reason)
        _decision_notify(locked)
    return locked


def return_cancel(
    *, rma: ReturnAuthorization, actor: AnyUser | None, reason: str = "", actor_label: str = ""
) -> ReturnAuthorization:
    """Cancel a return nothing of which has arrived; its exchange order is cancelled and its units are free again."""
    with transaction.atomic():
        locked = rma_lock(rma)
        if locked.status == ReturnStatus.CANCELLED:
            return locked
        rma_transition(
            rma=locked, to=ReturnStatus.CANCELLED, actor=actor, actor_label=actor_label, message=reason.strip()
        )
        exchange_cancel(rma=locked, actor=actor, actor_label=actor_label)
    return locked


def return_close(*, rma: ReturnAuthorization, actor: AnyUser | None, actor_label: str = "") -> ReturnAuthorization:
    """Close a settled return (refunded, exchanged, or inspected with nothing to refund)."""
    with transaction.atomic():
        locked = rma_lock(rma)
        if locked.status == ReturnStatus.CLOSED:
            return locked
        refund = getattr(locked, "refund", None)
        if refund is not None and refund.status != "executed":
            raise Conflict(
                f"{locked.number}: the refund is {refund.get_status_display().lower()}; close it once executed."
            )
        rma_transition(rma=locked, to=ReturnStatus.CLOSED, actor=actor, actor_label=actor_label)
    return locked


__all__ = [
    "ReturnLineInput",
    "Returnable",
    "return_approve",
    "return_cancel",
    "return_close",
    "return_reject",
    "return_request",
    "returnable_lines",
]
