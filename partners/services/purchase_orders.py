"""Dropship purchase orders: opened with the shipment routing gives a supplier, sent after commit, cancelled.

`purchase_order_for_shipment` runs inside routing's transaction (through the
`fulfillment.signals.shipments_routed` receiver): one PO per shipment, with lines at our
cost (`PartnerSkuCost`), the ship-to (name and address only), the service level, the ship-by
date and the partner's SLAs. If routing rolls back, so does the PO. It is transmitted after
commit by a task (`purchase_order_transmit`): a portal or API partner fetches it, so it is only
marked sent and kept on the trail; an EDI partner gets an 850 (`partners.edi.purchase_order_850`)
in its outbox folder on storage (`partners.edi.outbound.purchase_order_send_edi`). A beat sweep
sends whatever a lost task left unsent.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from core.errors import Conflict, DomainError, ValidationFailed
from core.queueing import queue_on_commit_or_leave_to_beat
from core.sweeps import sweep_each
from core.types import AnyUser
from fulfillment.models import Shipment, ShipmentLine, ShipmentStatus
from fulfillment.services.dropship import PARTNER_OPEN_STATUSES
from inventory.models import LocationKind
from orders.models import Order, OrderEvent, OrderEventKind
from orders.services import order_event_new
from partners.edi.outbound import purchase_order_cancel_send_edi, purchase_order_send_edi
from partners.models import (
    DocumentKind,
    DocumentStatus,
    Exchange,
    PartnerDocument,
    PurchaseOrder,
    PurchaseOrderLine,
    PurchaseOrderStatus,
)
from partners.services.documents import document_record_out
from partners.services.lifecycle import (
    lines_save,
    po_lines,
    po_locked,
    po_ship_if_complete,
    po_status_refresh,
    po_units_elsewhere,
)
from partners.services.po_rows import dropship_supplier_read, po_rows_write
from partners.tasks import purchase_order_cancel_transmit_task, purchase_order_transmit_task

logger = logging.getLogger(__name__)

S = PurchaseOrderStatus
#: A PO still unsent this long after it was opened is sent by the sweep (its task was lost).
TRANSMIT_GRACE = timedelta(minutes=2)
TRANSMIT_BATCH = 200


def ship_to_snapshot(order: Order) -> dict[str, str]:
    """What the supplier needs to ship: the customer's name and address, nothing else of the order."""
    return {
        "name": order.customer_name,
        "line1": order.ship_line1,
        "line2": order.ship_line2,
        "city": order.ship_city,
        "region": order.ship_region,
        "postal_code": order.ship_postal_code,
        "country": order.ship_country,
    }


def purchase_order_for_shipment(
    shipment: Shipment, *, lines: Sequence[ShipmentLine] | None = None
) -> PurchaseOrder | None:
    """Open the PO for a shipment routed to a dropship supplier's location, in the caller's transaction.

    None for any other location (no query), or a dropship location no active partner runs (logged: nobody
    will work that shipment). A shipment that has its PO already gets it back. `lines` are the
    shipment's lines with SKUs and order lines loaded, when the caller has them. Two statements
    on PostgreSQL (`partners.services.po_rows`). After commit the PO is transmitted
    (`partners.tasks.purchase_order_transmit_task`).
    """
    if shipment.location.kind != LocationKind.DROPSHIP_SUPPLIER:
        return None
    if lines is None:
        lines = list(shipment.lines.select_related("sku", "order_line").order_by("pk"))
    supplier = dropship_supplier_read(
        location_id=shipment.location_id, shipment_id=shipment.pk, sku_ids=[line.sku_id for line in lines]
    )
    if supplier is None:
        logger.warning("%s went to dropship location %s, which no partner owns.", shipment, shipment.location.code)
        return None
    if supplier.existing is not None:
        return supplier.existing
    partner, order, now = supplier.partner, shipment.order, timezone.now()
    po_lines_new = []
    total = Decimal("0.00")
    for number, line in enumerate(lines, start=1):
        cost = supplier.costs.get(line.sku_id)
        unit_cost = cost.unit_cost if cost is not None else Decimal("0.00")
        total += unit_cost * line.quantity
        po_lines_new.append(
            PurchaseOrderLine(
                line_number=number,
                sku_id=line.sku_id,
                order_line_id=line.order_line_id,
                supplier_sku=cost.supplier_sku if cost is not None else "",
                quantity=line.quantity,
                unit_cost=unit_cost,
            )
        )
    po = PurchaseOrder(
        pk=supplier.new_id,
        partner=partner,
        shipment=shipment,
        ship_to=ship_to_snapshot(order),
        service_level=order.service_level,
        ship_by=shipment.ship_by,
        ack_due_at=now + timedelta(hours=partner.ack_sla_hours),
        ship_due_at=now + timedelta(hours=partner.ship_sla_hours),
        total_cost=total,
    )

    def opened(po: PurchaseOrder) -> OrderEvent:
        return order_event_new(
            order=order,
            kind=OrderEventKind.SHIPMENT,
            message=f"{po.number} for {shipment.number} opened with {partner.name}; "
            f"acknowledgment due within {partner.ack_sla_hours} h.",
            data={"purchase_order": po.pk},
        )

    po_rows_write(po, po_lines_new, opened)
    queue_on_commit_or_leave_to_beat(purchase_order_transmit_task, po.pk)
    return po


def purchase_order_payload(po: PurchaseOrder, lines: Sequence[PurchaseOrderLine]) -> dict[str, Any]:
    """The PO as we send it (kept on the trail as the out-document)."""
    return {
        "number": po.number,
        "kind": po.kind,
        "ship_to": po.ship_to,
        "service_level": po.service_level,
        "ship_by": po.ship_by.isoformat() if po.ship_by else None,
        "acknowledge_by": po.ack_due_at.isoformat() if po.ack_due_at else None,
        "ship_due_at": po.ship_due_at.isoformat() if po.ship_due_at else None,
        "total_cost": str(po.total_cost),
        "lines": [
            {
                "line_number": line.line_number,
                "sku": line.sku.code,
                "supplier_sku": line.supplier_sku,
                "quantity": line.quantity,
                "unit_cost": str(line.unit_cost),
            }
            for line in lines
        ],
    }


def _failed_once(po: PurchaseOrder, payload: dict[str, Any], error: str) -> PartnerDocument | None:
    """Keep on the trail, once per reason, that the PO could not be sent; None if that was said already."""
    if PartnerDocument.objects.filter(
        purchase_order=po, direction="out", status=DocumentStatus.FAILED, error=error
    ).exists():
        return None
    return document_record_out(
        partner=po.partner,
        kind=DocumentKind.PURCHASE_ORDER,
        via=po.partner.exchange,
        raw=json.dumps(payload, indent=2),
        parsed=payload,
        purchase_order=po,
        status=DocumentStatus.FAILED,
        error=error,
    )


def purchase_order_transmit(*, purchase_order_id: int) -> PartnerDocument | None:
    """Send a PO through its partner's exchange, once; None if it was sent already or cannot be yet.

    Portal and API: nothing to push (the partner fetches it), so it is marked sent and the PO
    kept as the out-document. EDI: the 850 (`partners.edi.purchase_order_850`) is kept as the
    out-document and written to the partner's outbox folder on storage, once per PO, before the
    PO's row is locked (no storage call under a lock). A 3PL connector takes no dropship POs, and
    a partner without EDI ids gets no 850: recorded once as failed (the sweep tries again).
    """
    po = PurchaseOrder.objects.select_related("partner").get(pk=purchase_order_id)
    if po.sent_at is not None or po.status != S.SENT:
        return None
    partner = po.partner
    payload = purchase_order_payload(po, po_lines(po))
    document: PartnerDocument | None = None
    if partner.exchange == Exchange.CONNECTOR:
        return _failed_once(
            po,
            payload,
            "A 3PL connector takes no dropship purchase orders: set the partner's exchange to portal, API or EDI.",
        )
    if partner.exchange == Exchange.EDI:
        try:
            # Exactly once per PO: a retry finds the same document and file, never a second interchange.
            document = purchase_order_send_edi(purchase_order=po)
        except DomainError as exc:  # the partner's EDI ids are not set: said once, tried again by the sweep
            return _failed_once(po, payload, f"The 850 could not be written: {exc.message}")
    with transaction.atomic():
        locked = PurchaseOrder.objects.select_for_update(of=("self",)).get(pk=po.pk)
        if locked.sent_at is not None:
            return None
        if document is None:
            document = document_record_out(
                partner=partner,
                kind=DocumentKind.PURCHASE_ORDER,
                via=partner.exchange,
                raw=json.dumps(payload, indent=2),
                parsed=payload,
                purchase_order=locked,
            )
        locked.sent_at = timezone.now()
        locked.save(update_fields=["sent_at", "updated_at"])
    return document


def purchase_orders_transmit_sweep(*, limit: int = TRANSMIT_BATCH) -> list[int]:
    """Send every PO still unsent a while after it was opened (its task was lost or could not send)."""
    due = list(
        PurchaseOrder.objects.filter(
            sent_at__isnull=True, status=S.SENT, created_at__lte=timezone.now() - TRANSMIT_GRACE
        ).order_by("pk")[:limit]
    )
    sent = sweep_each(
        due,
        lambda po: purchase_order_transmit(purchase_order_id=po.pk) is not None,
        failure="Could not transmit purchase order %s.",
    )
    withdrawn = list(
        PurchaseOrder.objects.filter(
            status=S.CANCELLED,
            partner__exchange=Exchange.EDI,
            sent_at__isnull=False,
            cancelled_at__lte=timezone.now() - TRANSMIT_GRACE,
        )
        .exclude(documents__direction="out", documents__idempotency_key__startswith="850-cancel-")
        .order_by("pk")[:limit]
    )
    cancelled = sweep_each(
        withdrawn,
        lambda po: purchase_order_cancel_transmit(purchase_order_id=po.pk) is not None,
        failure="Could not send the cancellation of purchase order %s.",
    )
    return [po.pk for po in [*sent, *cancelled]]


def purchase_order_cancel_transmit(*, purchase_order_id: int) -> PartnerDocument | None:
    """Tell an EDI partner a PO it received is withdrawn: an 850 with BEG01 "03" (Delete), written once,
    new control numbers, a 997 expected for its group. None for a PO not cancelled, not sent or not EDI."""
    po = PurchaseOrder.objects.select_related("partner", "shipment__order", "location").get(pk=purchase_order_id)
    if po.status != S.CANCELLED or po.sent_at is None or po.partner.exchange != Exchange.EDI:
        return None
    try:
        return purchase_order_cancel_send_edi(purchase_order=po)
    except DomainError as exc:
        body = {"number": po.number, "action": "cancel", "reason": po.cancel_reason}
        return _failed_once(po, body, f"The cancellation 850 could not be written: {exc.message}")


def purchase_order_cancel(*, purchase_order: PurchaseOrder, actor: AnyUser | None, reason: str) -> PurchaseOrder:
    """We withdraw a PO the supplier has not shipped: its units are released and routed again elsewhere.

    Nothing shipped: the PO is cancelled, its shipment cancelled, and the order's units go to
    another location (never this partner's for this order) or wait for stock. Part shipped: the
    units not shipped are withdrawn the same way and the shipped part ships. A PO shipped,
    invoiced, closed or rejected cannot be cancelled (409); cancelling it twice changes nothing.
    The cancellation is kept on the trail as an out-document.
    """
    reason = reason.strip()
    if not reason:
        raise ValidationFailed("Say why the purchase order is cancelled.", field="reason")
    with transaction.atomic():
        po = po_locked(purchase_order)
        if po.status == S.CANCELLED:
            return po
        if po.status not in (S.SENT, S.ACKNOWLEDGED, S.PARTIALLY_SHIPPED):
            raise Conflict(f"{po.number} is {po.get_status_display().lower()}; it can no longer be cancelled.")
        if po.shipment is not None and po.shipment.status not in PARTNER_OPEN_STATUSES:
            # The order was cancelled meanwhile: its units are already released; the PO follows.
            return purchase_order_mark_cancelled(po, reason)
        lines = po_lines(po)
        withdrawn = {line.pk: line.quantity - line.quantity_rejected - line.quantity_shipped for line in lines}
        shipped = sum(line.quantity_shipped for line in lines)
        note = f"{po.number} cancelled: {reason}"
        po_units_elsewhere(
            po=po, units=withdrawn, reason=note, actor=actor, actor_label="", lines=lines, cancelled=True
        )
        for line in lines:
            line.quantity_rejected += withdrawn[line.pk]
            line.quantity_accepted = min(line.quantity_accepted, line.quantity - line.quantity_rejected)
            if withdrawn[line.pk]:
                line.reject_reason = f"cancelled by us: {reason}"[:200]
        lines_save(lines)
        if not shipped:
            return purchase_order_mark_cancelled(po, reason)
        po.cancel_reason = reason[:200]
        po.save(update_fields=["cancel_reason", "updated_at"])
        po_ship_if_complete(po=po, lines=lines, actor=actor, actor_label="")
        po_status_refresh(po, lines)
        _tell_partner(po, reason)
    return po


def _tell_partner(po: PurchaseOrder, reason: str) -> None:
    """Keep the cancellation on the trail: a portal or API partner reads it on the PO. An EDI partner that
    received the 850 gets an 850 Delete after commit (no file written under the PO's lock); one that
    never received it has nothing to withdraw. Units withdrawn from a PO that goes on shipping would
    need an 860 change, which is not written: that note waits as pending."""
    if po.partner.exchange == Exchange.EDI and po.status == S.CANCELLED:
        if po.sent_at is not None:
            queue_on_commit_or_leave_to_beat(purchase_order_cancel_transmit_task, po.pk)
        return
    body = {"number": po.number, "action": "cancel", "reason": reason}
    document_record_out(
        partner=po.partner,
        kind=DocumentKind.PURCHASE_ORDER,
        via=po.partner.exchange,
        raw=json.dumps(body),
        parsed=body,
        purchase_order=po,
        status=DocumentStatus.PENDING if po.partner.exchange == Exchange.EDI else DocumentStatus.SENT,
    )


def purchase_order_mark_cancelled(po: PurchaseOrder, reason: str) -> PurchaseOrder:
    """Mark a PO cancelled and tell the partner. Precondition: the PO is locked and its units are elsewhere."""
    po.status = S.CANCELLED
    po.cancelled_at = timezone.now()
    po.cancel_reason = reason[:200]
    po.save(update_fields=["status", "cancelled_at", "cancel_reason", "updated_at"])
    _tell_partner(po, reason)
    return po


def purchase_order_follow_shipment(*, purchase_order: PurchaseOrder) -> bool:
    """An open PO whose shipment was cancelled or rejected on our side (the order was cancelled) is
    cancelled too, and the partner told; True if it was."""
    with transaction.atomic():
        po = po_locked(purchase_order)
        if po.status not in (S.SENT, S.ACKNOWLEDGED, S.PARTIALLY_SHIPPED) or po.shipment is None:
            return False
        if po.shipment.status not in (ShipmentStatus.CANCELLED, ShipmentStatus.REJECTED):
            return False
        purchase_order_mark_cancelled(
            po, f"{po.shipment.number} was {po.shipment.get_status_display().lower()} on our side"
        )
    return True
