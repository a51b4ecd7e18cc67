"""What every PO service shares: the status a PO's lines call for, sending units elsewhere, shipping.

A PO line counts units ordered, accepted, rejected, shipped and invoiced. A line is
acknowledged once accepted + rejected cover it (an ack, the SLA sweep, or a ship notice that
came first: shipping units accepts them). The PO's status follows its lines:
sent (some line unanswered) -> acknowledged -> partially shipped -> shipped (the shipment left)
-> invoiced (part of what shipped is invoiced and approved) -> closed (every shipped unit is);
rejected when every unit was turned down, cancelled when we withdrew it.

The shipment ships once ship notices cover every accepted unit and every line is answered:
a fulfillment shipment ships whole (`shipment_ship`), so until then the PO is partially
shipped and the shipment waits; units turned down later, or withdrawn by a cancel, leave the
shipment, and what remains ships.

Preconditions for all: inside the caller's transaction, the order's and the PO's rows locked.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from django.utils import timezone

from core.errors import Conflict
from core.types import AnyUser
from fulfillment.models import ShipmentStatus
from fulfillment.services.dropship import shipment_partner_reroute, shipment_partner_ship
from orders.models import Order
from partners.models import Exchange, Partner, PurchaseOrder, PurchaseOrderLine, PurchaseOrderStatus

S = PurchaseOrderStatus
#: POs the partner still has work on.
OPEN_STATUSES = (S.SENT, S.ACKNOWLEDGED, S.PARTIALLY_SHIPPED)
#: POs nothing changes any more (an invoice may still come for a shipped PO until it is closed).
FINAL_STATUSES = (S.CANCELLED, S.REJECTED, S.CLOSED)


def partner_label(partner: Partner, via: str) -> str:
    """Who did it, on an order's timeline: "Acme Supply (REST API)"."""
    label = Exchange(via).label if via in Exchange.values else via
    return f"{partner.name} ({label})"[:120]


def po_locked(po: PurchaseOrder) -> PurchaseOrder:
    """The PO under its row lock, its order's row locked first (a stock PO has none); partner, shipment,
    order and location loaded."""
    order_id = PurchaseOrder.objects.filter(pk=po.pk).values_list("shipment__order_id", flat=True).get()
    if order_id is not None:
        Order.objects.select_for_update(of=("self",)).values_list("pk", flat=True).get(pk=order_id)
    return (
        PurchaseOrder.objects.select_for_update(of=("self",))
        .select_related("partner", "shipment__location", "shipment__order", "location")
        .get(pk=po.pk)
    )


def refuse_unless_open(po: PurchaseOrder, doing: str) -> None:
    """A cancelled, rejected or closed PO (or one whose order was cancelled) takes nothing more (409)."""
    if po.status == S.CANCELLED:
        because = f": {po.cancel_reason}" if po.cancel_reason else ""
        raise Conflict(f"{po.number} was cancelled{because}; {doing} is refused.", field="po_number")
    if po.status == S.REJECTED:
        raise Conflict(f"{po.number} was rejected in full; {doing} is refused.", field="po_number")
    if po.status == S.CLOSED:
        raise Conflict(f"{po.number} is closed; {doing} is refused.", field="po_number")
    if po.shipment is not None and po.shipment.status in (ShipmentStatus.CANCELLED, ShipmentStatus.REJECTED):
        raise Conflict(f"{po.number}: the order was cancelled on our side; {doing} is refused.", field="po_number")


def line_acknowledged(line: PurchaseOrderLine) -> bool:
    return line.quantity_accepted + line.quantity_rejected >= line.quantity


def po_lines(po: PurchaseOrder) -> list[PurchaseOrderLine]:
    """The PO's lines, by line number, with their SKUs."""
    return list(po.lines.select_related("sku").order_by("line_number"))


def lines_save(lines: Sequence[PurchaseOrderLine]) -> None:
    PurchaseOrderLine.objects.bulk_update(
        list(lines),
        ["quantity_accepted", "quantity_rejected", "quantity_shipped", "quantity_invoiced", "reject_reason"],
    )


def _status_for(po: PurchaseOrder, lines: Sequence[PurchaseOrderLine]) -> str:
    if po.status in (S.CANCELLED, S.REJECTED):
        return po.status
    answered = all(line_acknowledged(line) for line in lines)
    accepted = sum(line.quantity_accepted for line in lines)
    shipped = sum(line.quantity_shipped for line in lines)
    if po.shipped_at is not None:
        invoiced = sum(line.quantity_invoiced for line in lines)
        if po.match_status != "discrepancy" and all(line.quantity_invoiced >= line.quantity_shipped for line in lines):
            return S.CLOSED
        return S.INVOICED if invoiced else S.SHIPPED
    if shipped:
        return S.PARTIALLY_SHIPPED
    if answered:
        return S.ACKNOWLEDGED if accepted else S.REJECTED
    return S.SENT


def po_status_refresh(po: PurchaseOrder, lines: Sequence[PurchaseOrderLine]) -> None:
    """Save the status the lines call for (and when the PO was first fully answered)."""
    fields = ["updated_at"]
    status = _status_for(po, lines)
    if status != po.status:
        po.status = status
        fields.append("status")
    if po.acknowledged_at is None and lines and all(line_acknowledged(line) for line in lines):
        po.acknowledged_at = timezone.now()
        fields.append("acknowledged_at")
    if len(fields) > 1:
        po.save(update_fields=fields)


def po_units_elsewhere(
    *,
    po: PurchaseOrder,
    units: Mapping[int, int],
    reason: str,
    actor: AnyUser | None,
    actor_label: str,
    lines: Sequence[PurchaseOrderLine],
    cancelled: bool = False,
) -> None:
    """Units of PO lines (line id -> units) leave the partner's shipment and are routed again
    without any of the partner's locations (`fulfillment.services.dropship.shipment_partner_reroute`).
    A stock PO has no customer waiting: its units are simply not coming."""
    if po.shipment is None:
        return
    by_id = {line.pk: line for line in lines}
    quantities: dict[int, int] = {}
    for line_id, quantity in units.items():
        order_line_id = by_id[line_id].order_line_id
        if quantity > 0 and order_line_id is not None:
            quantities[order_line_id] = quantities.get(order_line_id, 0) + quantity
    if not quantities:
        return
    shipment_partner_reroute(
        shipment=po.shipment,
        quantities=quantities,
        reason=reason,
        actor=actor,
        actor_label=actor_label,
        exclude=list(po.partner.locations.all()),
        cancelled=cancelled,
    )


def po_ship_if_complete(
    *, po: PurchaseOrder, lines: Sequence[PurchaseOrderLine], actor: AnyUser | None, actor_label: str
) -> bool:
    """Ship the PO's shipment once every line is answered and ship notices cover every accepted unit
    (a stock PO has no shipment: it is marked shipped, its units received as each notice came)."""
    if po.shipped_at is not None or po.status in (S.CANCELLED, S.REJECTED):
        return False
    if not all(line_acknowledged(line) for line in lines):
        return False
    if sum(line.quantity_accepted for line in lines) == 0:
        return False
    if any(line.quantity_shipped < line.quantity_accepted for line in lines):
        return False
    if po.shipment is not None:
        shipment_partner_ship(shipment=po.shipment, actor=actor, actor_label=actor_label)
    po.shipped_at = timezone.now()
    po.save(update_fields=["shipped_at", "updated_at"])
    return True
