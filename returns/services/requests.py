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

from django.db import transaction
from django.utils import timezone

from core.errors import Conflict, ValidationFailed
from core.types import AnyUser
from fulfillment.routing import add_transit_days
from inventory.models import Location
from orders.models import Order, OrderStatus
from orders.services import order_lock
from returns.models import (
    ReturnAuthorization,
    ReturnLine,
    ReturnMethod,
    ReturnSource,
    ReturnStatus,
)
from returns.notifications import return_decision_notify
from returns.services._common import actor_id, rma_event, rma_lock, rma_transition
from returns.services.eligibility import (
    MAX_RETURN_LINES,
    MAX_UNITS_PER_LINE,
    CheckedLine,
    Returnable,
    ReturnLineInput,
    check_lines,
    exchange_price_holds,
    returnable_lines,
    window_verdict,
)
from returns.services.exchanges import exchange_cancel, exchange_create
from returns.services.policy import return_policy_for
from returns.services.routing import PACKAGING_GRAMS, return_label_buy, return_route


def _weight(checked: list[CheckedLine]) -> int:
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
        checked = check_lines(lines, policy, returnable_lines(locked), same_sku_exchange=False)
        verdict, why = window_verdict(policy, checked, timezone.localdate())
        if verdict == "refuse":
            raise ValidationFailed(f"This order can no longer be returned: {why}.", field="order")
        holds = [f"late: {why}"] if verdict == "hold" else []
        holds += sorted({f"reason “{c.reason.label}” needs a review" for c in checked if c.reason.needs_approval})
        holds += exchange_price_holds(checked)
        # A counter takes the items now, so it cannot wait for approval; a customer who chose a store can.
        if holds and store is not None and source == ReturnSource.IN_STORE:
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
    "MAX_RETURN_LINES",
    "MAX_UNITS_PER_LINE",
    "ReturnLineInput",
    "Returnable",
    "return_approve",
    "return_cancel",
    "return_close",
    "return_reject",
    "return_request",
    "returnable_lines",
]
