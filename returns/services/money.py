"""Refunds: what a return gives back, computed when it is inspected, recorded for the channel to execute.

`refund_create` records the refund of an inspected return and queues its dispatch to the
channel (`returns.services.dispatch`, the one place a refund leaves the product).
"""

from __future__ import annotations

import functools
import logging
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import OuterRef, Subquery, Sum
from django.utils import timezone

from core.types import AnyUser
from orders.services import order_lock
from returns.models import Refund, RefundStatus, ReturnAuthorization, ReturnMethod, ReturnPolicy
from returns.refunds import RefundLine, RefundQuote, RefundTerms, refund_quote
from returns.services._common import rma_event
from returns.services.dispatch import (
    RefundConnector,
    RefundFailed,
    RefundRequest,
    RefundResult,
    refund_connector_for,
    refund_dispatch,
    refund_dispatch_task,
    refund_mark_executed,
    refund_retry,
)

logger = logging.getLogger(__name__)


def refund_lines(rma: ReturnAuthorization, *, quote: bool = False) -> list[RefundLine]:
    """The return's lines for the arithmetic: inspected units' conditions (or, for a `quote`, every unit as new)."""
    lines = []
    for line in rma.lines.all():
        if quote:
            conditions = tuple("" for _ in range(line.quantity))
        else:
            conditions = tuple(unit.condition for unit in line.units.all() if unit.condition)
        lines.append(
            RefundLine(
                sku=line.sku.code,
                unit_price=line.unit_price,
                conditions=conditions,
                reason_fee=line.reason.restocking_fee,
                customer_pays_shipping=line.reason.customer_pays_shipping,
                exchange=line.exchange_sku_id is not None,
            )
        )
    return lines


def refunded_elsewhere_annotations() -> dict[str, Any]:
    """Annotations giving each return what its order's other returns refunded (lists: no query per return)."""
    others = Refund.objects.filter(rma__order_id=OuterRef("order_id")).exclude(rma_id=OuterRef("pk"))
    return {
        "items_refunded_elsewhere": Subquery(
            others.values("rma__order_id").annotate(n=Sum("items_amount")).values("n")[:1]
        ),
        "tax_refunded_elsewhere": Subquery(
            others.values("rma__order_id").annotate(n=Sum("tax_amount")).values("n")[:1]
        ),
    }


def refunded_on_other_returns(rma: ReturnAuthorization) -> tuple[Decimal, Decimal]:
    """(items, tax) the order's other returns refunded or will refund (every refund recorded, whatever its status).

    Uses `refunded_elsewhere_annotations` when the return was read with them.
    """
    if hasattr(rma, "items_refunded_elsewhere"):
        items = getattr(rma, "items_refunded_elsewhere", None)
        tax = getattr(rma, "tax_refunded_elsewhere", None)
        return items or Decimal("0.00"), tax or Decimal("0.00")
    totals = (
        Refund.objects.filter(rma__order_id=rma.order_id)
        .exclude(rma_id=rma.pk)
        .aggregate(items=Sum("items_amount"), tax=Sum("tax_amount"))
    )
    return totals["items"] or Decimal("0.00"), totals["tax"] or Decimal("0.00")


def label_fee(policy: ReturnPolicy, *, in_store: bool, label_rate: Decimal | None) -> Decimal | None:
    """The label price a refund may keep: none in store (no label), else the policy's flat fee, else the label's rate.

    The flat fee is what the customer was shown before asking, so the refund keeps exactly that.
    """
    if in_store:
        return None
    return policy.return_label_fee if policy.return_label_fee is not None else label_rate


def refund_quote_for(rma: ReturnAuthorization, *, quote: bool = False) -> RefundQuote:
    """The refund a return gives (`quote`: what it will give if every unit comes back as new).

    Counts what the order's other returns refunded already, so the order is never refunded
    more items or tax than it paid.
    """
    policy = rma.policy
    items_before, tax_before = refunded_on_other_returns(rma)
    return refund_quote(
        lines=refund_lines(rma, quote=quote),
        terms=RefundTerms(
            restocking_fee_percent=policy.restocking_fee_percent,
            fee_on_opened=policy.fee_on_opened,
            refund_tax=policy.refund_tax,
        ),
        order_subtotal=rma.order.subtotal,
        order_tax=rma.order.tax_total,
        label_rate=label_fee(policy, in_store=rma.method == ReturnMethod.IN_STORE, label_rate=rma.label_rate),
        items_refunded_before=items_before,
        tax_refunded_before=tax_before,
    )


def refund_create(*, rma: ReturnAuthorization, actor: AnyUser | None = None) -> Refund | None:
    """Record the refund of an inspected return (once) and queue its dispatch; None when everything was exchanged.

    Precondition: the return is locked and inspected. A refund of 0.00 (fees and the label
    cover the items) is executed at once: there is nothing for the channel to do.
    """
    existing = Refund.objects.filter(rma=rma).first()
    if existing is not None:
        return existing
    # The order's row lock serialises refunds of its returns: each counts what the others refunded.
    order_lock(rma.order)
    quote = refund_quote_for(rma)
    if not any(not line.exchange and line.conditions for line in refund_lines(rma)):
        return None
    now = timezone.now()
    refund = Refund.objects.create(
        rma=rma,
        channel=rma.order.channel,
        currency=rma.order.currency,
        items_amount=quote.items,
        tax_amount=quote.tax,
        restocking_fee=quote.restocking_fee,
        return_shipping=quote.return_shipping,
        amount=quote.amount,
        breakdown=quote.breakdown,
        status=RefundStatus.EXECUTED if quote.nothing_to_refund else RefundStatus.PENDING,
        executed_at=now if quote.nothing_to_refund else None,
    )
    rma_event(
        rma=rma,
        # "Due", not "recorded": until the channel or staff confirm it, nothing has been paid back.
        message=(
            f"refund of {refund.amount} {refund.currency}: nothing to pay back."
            if quote.nothing_to_refund
            else f"refund of {refund.amount} {refund.currency} due, to be paid back through {rma.order.channel.name}."
        ),
        actor=actor,
        data={"refund": refund.pk, "amount": str(refund.amount)},
    )
    if not quote.nothing_to_refund:
        transaction.on_commit(functools.partial(refund_dispatch_task.delay, refund.pk))
    return refund


__all__ = [
    "RefundConnector",
    "RefundFailed",
    "RefundRequest",
    "RefundResult",
    "label_fee",
    "refund_connector_for",
    "refund_create",
    "refund_dispatch",
    "refund_lines",
    "refund_mark_executed",
    "refund_quote_for",
    "refund_retry",
    "refunded_elsewhere_annotations",
    "refunded_on_other_returns",
]
