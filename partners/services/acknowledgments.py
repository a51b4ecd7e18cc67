"""Acknowledgments: per PO line the supplier accepts all, part or none of the units; and the SLA on them.

Units turned down are released and routed again at once, exactly as a store's rejection is
(`fulfillment.services.dropship.shipment_partner_reroute`, built on `shipment_reject` and
`order_route`), with every location of the partner excluded for that order. Lines nobody
answered within the partner's hours to acknowledge are treated the same way by the beat sweep
(`purchase_orders_sla_sweep`); a PO nobody answered at all is cancelled.

A line is answered once. The same answer again changes nothing; another answer for an
answered line is refused (its units may already be elsewhere). A ship notice that came first
counts as acceptance of what it shipped, so an ack may not accept fewer than that.
"""

from __future__ import annotations

import functools
import logging
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from core.sweeps import sweep_each
from core.types import AnyUser
from fulfillment.models import ShipmentStatus
from fulfillment.services.dropship import PARTNER_OPEN_STATUSES, shipment_partner_accept
from orders.models import OrderStatus
from partners.documents import Acknowledgment
from partners.models import DocumentKind, Partner, PartnerDocument, PurchaseOrder, PurchaseOrderLine
from partners.services.documents import Incoming, Refusal, document_apply, parsed_of
from partners.services.lifecycle import (
    OPEN_STATUSES,
    line_acknowledged,
    lines_save,
    partner_label,
    po_lines,
    po_locked,
    po_ship_if_complete,
    po_status_refresh,
    po_units_elsewhere,
    refuse_unless_open,
)
from partners.services.purchase_orders import purchase_order_follow_shipment, purchase_order_mark_cancelled

logger = logging.getLogger(__name__)

SLA_BATCH = 200


def acknowledgment_apply(
    *,
    partner: Partner,
    ack: Acknowledgment,
    via: str,
    raw: str = "",
    idempotency_key: str = "",
    actor: AnyUser | None = None,
) -> PartnerDocument:
    """Apply a supplier's acknowledgment of a PO (see the module docstring); stored on the trail.

    Refused (stored as rejected, `ValidationFailed` raised with the field) for an unknown PO or
    line, a line given twice, a quantity outside 0..ordered, a different answer for an answered
    line, fewer accepted than already shipped, or a PO cancelled, rejected or closed.
    """
    incoming = Incoming(
        partner=partner,
        kind=DocumentKind.ACKNOWLEDGMENT,
        via=via,
        raw=raw,
        parsed=parsed_of(ack),
        idempotency_key=idempotency_key,
        actor=actor,
    )
    return document_apply(
        incoming, po_number=ack.po_number, apply=functools.partial(_apply, ack=ack, incoming=incoming)
    )


def _apply(po: PurchaseOrder | None, document: PartnerDocument, *, ack: Acknowledgment, incoming: Incoming) -> str:
    assert po is not None
    refuse_unless_open(po, "an acknowledgment")
    lines = po_lines(po)
    by_number = {line.line_number: line for line in lines}
    if not ack.lines:
        raise Refusal("An acknowledgment answers at least one line.", field="lines")
    answers: list[tuple[int, int, str]] = []
    seen: set[int] = set()
    for index, answer in enumerate(ack.lines):
        field = f"lines[{index}]"
        line = by_number.get(answer.line_number)
        if line is None:
            raise Refusal(f"Line {answer.line_number} is not on {po.number}.", field=f"{field}.line_number")
        if answer.line_number in seen:
            raise Refusal(f"Line {answer.line_number} is answered twice.", field=f"{field}.line_number")
        seen.add(answer.line_number)
        accepted = answer.accepted
        if isinstance(accepted, bool) or not isinstance(accepted, int) or not 0 <= accepted <= line.quantity:
            raise Refusal(
                f"Line {line.line_number}: accept 0 to {line.quantity} units, not {accepted}.",
                field=f"{field}.accepted",
            )
        if line_acknowledged(line):
            if accepted == line.quantity_accepted:
                continue  # the same answer again
            raise Refusal(
                f"Line {line.line_number} was already answered: {line.quantity_accepted} accepted, "
                f"{line.quantity_rejected} rejected.",
                field=f"{field}.accepted",
            )
        if accepted < line.quantity_shipped:
            raise Refusal(
                f"Line {line.line_number}: {line.quantity_shipped} units have shipped already; "
                "accept at least that many.",
                field=f"{field}.accepted",
            )
        answers.append((line.line_number, accepted, answer.reason.strip()))
    rejected: dict[int, int] = {}
    reasons = []
    for number, accepted, reason in answers:
        line = by_number[number]
        line.quantity_accepted = accepted
        line.quantity_rejected = line.quantity - accepted
        if line.quantity_rejected:
            line.reject_reason = (reason or "turned down by the supplier")[:200]
            rejected[line.pk] = line.quantity_rejected
            reasons.append(f"line {number} x{line.quantity_rejected} ({line.reject_reason})")
    lines_save(lines)
    label = partner_label(incoming.partner, incoming.via)
    if rejected:
        po_units_elsewhere(
            po=po,
            units=rejected,
            reason=f"{po.number} turned down by {incoming.partner.name}: {'; '.join(reasons)}",
            actor=incoming.actor,
            actor_label=label,
            lines=lines,
        )
    _accept_shipment(po, lines, incoming.actor, label)
    po_ship_if_complete(po=po, lines=lines, actor=incoming.actor, actor_label=label)
    po_status_refresh(po, lines)
    return ""


def _accept_shipment(po: PurchaseOrder, lines: list[PurchaseOrderLine], actor: AnyUser | None, label: str) -> None:
    """The supplier took units on: its shipment is accepted (unless nothing is left on it)."""
    if po.shipment is not None and any(line.quantity_accepted for line in lines):
        po.shipment.refresh_from_db(fields=["status"])
        if po.shipment.status == ShipmentStatus.REQUESTED:
            shipment_partner_accept(shipment=po.shipment, actor=actor, actor_label=label)


def purchase_order_ack_expire(*, purchase_order: PurchaseOrder, now: datetime | None = None) -> bool:
    """Lines still unanswered after the PO's acknowledgment deadline are turned down and routed elsewhere.

    Nothing happens before the deadline, for a PO no longer open, or while the order is on hold
    (nobody may route it then; the next sweep after its release does). A PO nobody answered at
    all is cancelled. Returns True if units were sent elsewhere.
    """
    now = now or timezone.now()
    with transaction.atomic():
        po = po_locked(purchase_order)
        if po.status not in OPEN_STATUSES or po.ack_due_at is None or po.ack_due_at > now:
            return False
        if po.shipment is not None and po.shipment.order.status == OrderStatus.ON_HOLD:
            return False
        if po.shipment is not None and po.shipment.status not in PARTNER_OPEN_STATUSES:
            return False
        lines = po_lines(po)
        unanswered = {
            line.pk: line.quantity - line.quantity_accepted - line.quantity_rejected
            for line in lines
            if not line_acknowledged(line)
        }
        if not unanswered:
            return False
        why = f"not acknowledged within {po.partner.ack_sla_hours} h"
        for line in lines:
            if unanswered.get(line.pk):
                line.quantity_rejected += unanswered[line.pk]
                line.reject_reason = why
        lines_save(lines)
        label = f"{po.partner.name} (acknowledgment SLA)"
        po_units_elsewhere(
            po=po, units=unanswered, reason=f"{po.number} {why}", actor=None, actor_label=label, lines=lines
        )
        if not any(line.quantity_accepted for line in lines):
            purchase_order_mark_cancelled(po, why)
            return True
        po_ship_if_complete(po=po, lines=lines, actor=None, actor_label=label)
        po_status_refresh(po, lines)
    return True


def purchase_orders_sla_sweep(*, now: datetime | None = None, limit: int = SLA_BATCH) -> list[int]:
    """Beat: route elsewhere the units of every PO past its acknowledgment deadline, and cancel the open
    POs whose order was cancelled on our side; each PO in its own transaction. Returns the POs changed."""
    now = now or timezone.now()
    open_pos = PurchaseOrder.objects.filter(status__in=OPEN_STATUSES)
    orphaned = list(
        open_pos.filter(shipment__status__in=[ShipmentStatus.CANCELLED, ShipmentStatus.REJECTED]).order_by("pk")[:limit]
    )
    followed = sweep_each(
        orphaned,
        lambda po: purchase_order_follow_shipment(purchase_order=po),
        failure="Could not cancel purchase order %s after its shipment.",
    )
    due = list(
        open_pos.filter(ack_due_at__lte=now, acknowledged_at__isnull=True)
        .exclude(shipment__order__status=OrderStatus.ON_HOLD)
        .order_by("ack_due_at", "pk")[:limit]
    )
    expired = sweep_each(
        due,
        lambda po: purchase_order_ack_expire(purchase_order=po, now=now),
        failure="Could not route elsewhere the unanswered lines of purchase order %s.",
    )
    return [po.pk for po in [*followed, *expired]]
