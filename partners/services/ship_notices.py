"""Advance ship notices: the supplier shipped units of a PO, in one or more parcels with tracking numbers.

Several notices per PO are fine (partial shipments). Each notice's parcels become boxes of the
order's shipment (labelled, with carrier, service and tracking number); once notices cover
every accepted unit the shipment ships through `shipment_ship`, exactly as our own shipping
(ledger, order lines, channel confirmation with every tracking number, customer notice).
A fulfillment shipment ships whole, so until then the PO is partially shipped and the order's
shipment waits (see `partners.services.lifecycle`).

Refused with the reason: a line not on the PO, more units than accepted (or than ordered when
the line is not answered yet: a notice before the ack accepts what it ships), no tracking
number, a reference already used with other content, a PO cancelled, rejected, closed or
shipped in full. The same notice twice (same reference and content) changes nothing.

A stock PO has no shipment: each notice's units are received at the PO's location through
`inventory.services.stock_receive` (a receipt on the ledger naming the PO and the notice).
"""

from __future__ import annotations

import functools
from datetime import UTC

from django.utils import timezone

from core.types import AnyUser
from fulfillment.models import ShipmentStatus
from fulfillment.services.dropship import PartnerParcel, shipment_parcels_add, shipment_partner_accept
from inventory.services import DocumentRef, stock_receive
from partners.documents import ShipNotice
from partners.models import (
    AdvanceShipNotice,
    AsnLine,
    DocumentKind,
    Partner,
    PartnerDocument,
    PurchaseOrder,
    PurchaseOrderLine,
)
from partners.services.documents import Incoming, Refusal, document_apply, parsed_of
from partners.services.invoices import invoices_rematch
from partners.services.lifecycle import (
    line_acknowledged,
    lines_save,
    partner_label,
    po_lines,
    po_ship_if_complete,
    po_status_refresh,
    refuse_unless_open,
)

MAX_PARCELS = 200


def ship_notice_apply(
    *,
    partner: Partner,
    notice: ShipNotice,
    via: str,
    raw: str = "",
    idempotency_key: str = "",
    actor: AnyUser | None = None,
) -> PartnerDocument:
    """Apply a supplier's ship notice (see the module docstring); stored on the trail."""
    incoming = Incoming(
        partner=partner,
        kind=DocumentKind.SHIP_NOTICE,
        via=via,
        raw=raw,
        parsed=parsed_of(notice),
        idempotency_key=idempotency_key,
        actor=actor,
    )
    return document_apply(
        incoming, po_number=notice.po_number, apply=functools.partial(_apply, notice=notice, incoming=incoming)
    )


def _tracking_numbers(notice: ShipNotice) -> list[str]:
    numbers: list[str] = []
    for index, value in enumerate(notice.tracking_numbers):
        number = str(value).strip()
        if not number or len(number) > 64:
            raise Refusal("A tracking number has 1 to 64 characters.", field=f"tracking_numbers[{index}]")
        if number not in numbers:
            numbers.append(number)
    if not numbers:
        raise Refusal("Give at least one tracking number (one per parcel).", field="tracking_numbers")
    if len(numbers) > MAX_PARCELS:
        raise Refusal(f"At most {MAX_PARCELS} parcels per ship notice.", field="tracking_numbers")
    return numbers


def _shipped_per_line(po: PurchaseOrder, notice: ShipNotice, by_number: dict) -> dict[int, int]:
    """Units shipped per PO line number (a line given twice adds up: two cartons of one line)."""
    if not notice.lines:
        raise Refusal("A ship notice names at least one line.", field="lines")
    shipped: dict[int, int] = {}
    for index, ship_line in enumerate(notice.lines):
        if ship_line.line_number not in by_number:
            raise Refusal(f"Line {ship_line.line_number} is not on {po.number}.", field=f"lines[{index}].line_number")
        quantity = ship_line.quantity
        if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity < 1:
            raise Refusal("Ship at least 1 unit per line.", field=f"lines[{index}].quantity")
        shipped[ship_line.line_number] = shipped.get(ship_line.line_number, 0) + quantity
    for index, ship_line in enumerate(notice.lines):
        line = by_number[ship_line.line_number]
        quantity = shipped[ship_line.line_number]
        allowed = line.quantity - line.quantity_rejected
        if line.quantity_shipped + quantity > allowed:
            what = f"{allowed} accepted" if line_acknowledged(line) else f"{allowed} ordered"
            before = f", {line.quantity_shipped} shipped before" if line.quantity_shipped else ""
            raise Refusal(
                f"Line {line.line_number}: {quantity} units shipped but only {what}{before}.",
                field=f"lines[{index}].quantity",
            )
    return shipped


def _apply(po: PurchaseOrder | None, document: PartnerDocument, *, notice: ShipNotice, incoming: Incoming) -> str:
    assert po is not None
    refuse_unless_open(po, "a ship notice")
    reference = notice.reference.strip()
    if not reference or len(reference) > 60:
        raise Refusal("Give the shipment's reference (1 to 60 characters).", field="reference")
    if po.shipped_at is not None:
        raise Refusal(f"{po.number} has shipped in full already.", field="po_number")
    if AdvanceShipNotice.objects.filter(purchase_order=po, reference=reference).exists():
        raise Refusal(f"Ship notice {reference} was already received with other lines or parcels.", field="reference")
    numbers = _tracking_numbers(notice)
    lines = po_lines(po)
    by_number = {line.line_number: line for line in lines}
    shipped = _shipped_per_line(po, notice, by_number)
    shipped_at = notice.shipped_at or timezone.now()
    if timezone.is_naive(shipped_at):
        shipped_at = shipped_at.replace(tzinfo=UTC)
    asn = AdvanceShipNotice.objects.create(
        purchase_order=po,
        reference=reference,
        carrier=notice.carrier.strip()[:60],
        service=notice.service.strip()[:60],
        tracking_numbers=numbers,
        shipped_at=shipped_at,
    )
    AsnLine.objects.bulk_create(
        [AsnLine(ship_notice=asn, po_line=by_number[number], quantity=qty) for number, qty in shipped.items()]
    )
    for number, quantity in shipped.items():
        line = by_number[number]
        line.quantity_shipped += quantity
        if not line_acknowledged(line):
            line.quantity_accepted = max(line.quantity_accepted, line.quantity_shipped)  # shipping accepts
    lines_save(lines)
    label = partner_label(incoming.partner, incoming.via)
    if po.shipment is None:
        _receive_at_location(po, asn, {by_number[number]: quantity for number, quantity in shipped.items()}, incoming)
        po_ship_if_complete(po=po, lines=lines, actor=incoming.actor, actor_label=label)
        invoices_rematch(po=po, lines=lines)
        po_status_refresh(po, lines)
        return ""
    grams = sum(by_number[number].sku.weight_grams * quantity for number, quantity in shipped.items())
    per_parcel = max(grams // len(numbers), 1)
    shipment_parcels_add(
        shipment=po.shipment,
        parcels=[
            PartnerParcel(tracking_number=number, carrier=asn.carrier, service=asn.service, weight_grams=per_parcel)
            for number in numbers
        ],
        actor=incoming.actor,
    )
    po.shipment.refresh_from_db(fields=["status"])
    if po.shipment.status == ShipmentStatus.REQUESTED:
        shipment_partner_accept(shipment=po.shipment, actor=incoming.actor, actor_label=label)
    po_ship_if_complete(po=po, lines=lines, actor=incoming.actor, actor_label=label)
    invoices_rematch(po=po, lines=lines)
    po_status_refresh(po, lines)
    return ""


def _receive_at_location(
    po: PurchaseOrder, asn: AdvanceShipNotice, shipped: dict[PurchaseOrderLine, int], incoming: Incoming
) -> None:
    """A stock PO's notice: its units become on-hand stock at the PO's location, one ledger receipt per line."""
    assert po.location is not None
    for line, quantity in shipped.items():
        stock_receive(
            location=po.location,
            sku=line.sku,
            quantity=quantity,
            actor=incoming.actor,
            document=DocumentRef("purchase_order", po.number),
            note=f"{po.number} ship notice {asn.reference} from {po.partner.name}",
        )
