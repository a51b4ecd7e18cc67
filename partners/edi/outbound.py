"""Files we send: the 850 for a purchase order and the 997 for each group a partner sent us.

Both are numbered from the partner's counter (`control.control_numbers_next`) and kept on the
document trail. Sending is exactly once in effect: the document row (status pending, with
the file's text) is written before the file, and a retry after a crash re-writes that same
text under the same name instead of numbering a new interchange, which the partner would
take for a second purchase order.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from core.errors import ValidationFailed
from partners.edi import drop
from partners.edi.ack997 import functional_ack_segments
from partners.edi.control import control_numbers_next
from partners.edi.envelope import FunctionalGroup, Interchange
from partners.edi.mappers.common import po_digits
from partners.edi.syntax import EdiIssue
from partners.edi.writer import GROUP_VERSION, VERSION, EnvelopeIds, interchange
from partners.edi.x850 import DELETE, Po850, Po850Line, ShipTo, purchase_order_segments
from partners.models import (
    DocumentKind,
    DocumentStatus,
    Exchange,
    Partner,
    PartnerDocument,
    PartnerSkuCost,
    PurchaseOrder,
)

#: Stock POs are priced in the currency of partners' SKU costs (the store's currency, like every cost here).
STOCK_CURRENCY = "USD"


def partner_envelope_ids(partner: Partner) -> EnvelopeIds:
    """Our id as sender and the partner's as receiver, from the partner's EDI fields; refused if unset."""
    if not partner.edi_our_id or not partner.edi_their_id:
        raise ValidationFailed(
            f"{partner.name} has no EDI ids: set our id (ISA06) and theirs (ISA08) on the partner.",
            field="edi_their_id" if partner.edi_our_id else "edi_our_id",
        )
    qualifier = partner.edi_qualifier or "ZZ"
    return EnvelopeIds(qualifier, partner.edi_our_id, qualifier, partner.edi_their_id)


def _first(data: Mapping[str, Any], *keys: str) -> str:
    return next((str(data[key]) for key in keys if data.get(key)), "")


def _ship_to(po: PurchaseOrder) -> ShipTo:
    """The PO's ship-to as sent (its JSON), completed from the order when a field is missing there."""
    data: Mapping[str, Any] = po.ship_to or {}
    order = po.shipment.order if po.shipment is not None else None
    if order is None:  # a stock PO: its ship-to is our location, complete as sent
        return ShipTo(
            name=_first(data, "name"),
            line1=_first(data, "line1"),
            line2=_first(data, "line2"),
            city=_first(data, "city"),
            region=_first(data, "region"),
            postal_code=_first(data, "postal_code"),
            country=_first(data, "country") or "US",
        )
    return ShipTo(
        name=_first(data, "name", "customer_name") or order.customer_name,
        line1=_first(data, "line1", "address1", "ship_line1") or order.ship_line1,
        line2=_first(data, "line2", "address2", "ship_line2") or order.ship_line2,
        city=_first(data, "city", "ship_city") or order.ship_city,
        region=_first(data, "region", "state", "ship_region") or order.ship_region,
        postal_code=_first(data, "postal_code", "zip", "ship_postal_code") or order.ship_postal_code,
        country=_first(data, "country", "ship_country") or order.ship_country,
        phone=_first(data, "phone", "customer_phone"),
    )


def purchase_order_data(po: PurchaseOrder) -> Po850:
    """What the 850 for `po` says, read from the database (lines, costs, supplier codes)."""
    lines = list(po.lines.select_related("sku").order_by("line_number"))
    codes = dict(
        PartnerSkuCost.objects.filter(partner=po.partner_id, sku__in=[line.sku_id for line in lines]).values_list(
            "sku_id", "supplier_sku"
        )
    )
    order = po.shipment.order if po.shipment is not None else None
    return Po850(
        number=po_digits(po.number),
        ordered_on=timezone.localdate(po.created_at) if po.created_at else timezone.localdate(),
        ship_to=_ship_to(po),
        lines=[
            Po850Line(
                line_number=line.line_number,
                quantity=line.quantity,
                unit_cost=line.unit_cost,
                sku=line.sku.code,
                supplier_sku=line.supplier_sku or codes.get(line.sku_id, ""),
                description=line.sku.name,
            )
            for line in lines
        ],
        currency=order.currency if order is not None else STOCK_CURRENCY,
        ship_by=po.ship_by,
        service_level=po.service_level,
        customer_reference=order.external_id if order is not None else po.reference,
        total=po.total_cost or None,
        order_type="DS" if order is not None else "SA",
    )


def purchase_order_850(po: PurchaseOrder, *, now: datetime | None = None, cancel_reason: str | None = None) -> str:
    """The 850 file for `po`, numbered with the partner's next control numbers; with `cancel_reason`,
    the 850 that withdraws it (BEG01 "03" Delete, the reason in REF*ZZ)."""
    ids = partner_envelope_ids(po.partner)
    data = purchase_order_data(po)
    if cancel_reason is not None:
        data = dataclasses.replace(data, purpose=DELETE, note=cancel_reason)
    return interchange(
        functional_id="PO",
        sets=[("850", purchase_order_segments(data))],
        ids=ids,
        control=control_numbers_next(po.partner),
        now=now or timezone.now(),
    )


def functional_ack_997(
    received: Interchange,
    group: FunctionalGroup,
    *,
    partner: Partner,
    set_issues: Mapping[str, Sequence[EdiIssue]] | None = None,
    now: datetime | None = None,
) -> str:
    """The 997 answering `group` of `received`, sent back to whoever sent it (its ISA05/ISA06).

    Our id is the one the partner addressed (ISA07/ISA08), falling back to the partner's fields.
    """
    their_qualifier, their_id = received.sender
    our_qualifier, our_id = received.receiver
    fallback = EnvelopeIds(partner.edi_qualifier or "ZZ", partner.edi_our_id, "ZZ", partner.edi_their_id)
    ids = EnvelopeIds(
        our_qualifier or fallback.sender_qualifier,
        our_id or fallback.sender_id,
        their_qualifier or partner.edi_qualifier or "ZZ",
        their_id or fallback.receiver_id,
        usage=received.isa_value(15) or "P",
        version=received.isa_value(12) if re.fullmatch(r"\d{5}", received.isa_value(12)) else VERSION,
        group_version=group.version if re.fullmatch(r"\d{6}", group.version) else GROUP_VERSION,
    )
    return interchange(
        functional_id="FA",
        sets=[("997", functional_ack_segments(received, group, set_issues))],
        ids=ids,
        control=control_numbers_next(partner),
        now=now or timezone.now(),
    )


def _control_of(text: str) -> str:
    """ISA13 of a file we wrote (fixed width: characters 90..99)."""
    return text[90:99]


def _group_control_of(text: str) -> str:
    """GS06 of a file we wrote (its second segment): the partner's 997 names it in AK102."""
    gs = text.split("~", 2)[1].strip()
    return gs.split("*")[6].lstrip("0") if gs.startswith("GS*") else ""


def outbound_send(
    *,
    partner: Partner,
    key: str,
    kind: str,
    file_prefix: str,
    render: Callable[[], str],
    parsed: dict[str, Any],
    purchase_order: PurchaseOrder | None = None,
) -> PartnerDocument:
    """Write one outbound file exactly once per `key`; return its document (status sent).

    `render()` makes the text; it runs only when no document holds `key` yet.
    """
    document = PartnerDocument.objects.filter(partner=partner, direction="out", idempotency_key=key).first()
    if document is None:
        text = render()
        try:
            with transaction.atomic():
                document = PartnerDocument.objects.create(
                    partner=partner,
                    purchase_order=purchase_order,
                    direction="out",
                    via=Exchange.EDI,
                    kind=kind,
                    status=DocumentStatus.PENDING,
                    raw=text,
                    parsed={**parsed, "group_control": _group_control_of(text)},
                    control_number=_control_of(text),
                    idempotency_key=key,
                )
        except IntegrityError:  # a concurrent worker wrote it first: send its text, not ours
            document = PartnerDocument.objects.get(partner=partner, direction="out", idempotency_key=key)
    if document.status == DocumentStatus.PENDING:
        drop.write(partner, drop.OUTBOX, f"{file_prefix}_{document.control_number}.x12", document.raw)
        PartnerDocument.objects.filter(pk=document.pk).update(status=DocumentStatus.SENT)
        document.status = DocumentStatus.SENT
    return document


def purchase_order_send_edi(*, purchase_order: PurchaseOrder) -> PartnerDocument:
    """Put the 850 for `purchase_order` in the partner's outbox, once; its document says so."""
    po = purchase_order
    return outbound_send(
        partner=po.partner,
        key=f"850-{po.number}",
        kind=DocumentKind.PURCHASE_ORDER,
        file_prefix=f"850_{po.number}",
        render=lambda: purchase_order_850(po),
        parsed={"po_number": po.number, "lines": po.lines.count()},
        purchase_order=po,
    )


def purchase_order_cancel_send_edi(*, purchase_order: PurchaseOrder) -> PartnerDocument:
    """Put the 850 withdrawing a cancelled PO in the partner's outbox, once; a 997 is expected for it."""
    po = purchase_order
    return outbound_send(
        partner=po.partner,
        key=f"850-cancel-{po.number}",
        kind=DocumentKind.PURCHASE_ORDER,
        file_prefix=f"850_cancel_{po.number}",
        render=lambda: purchase_order_850(po, cancel_reason=po.cancel_reason or "cancelled"),
        parsed={"po_number": po.number, "action": "cancel", "purpose": DELETE, "reason": po.cancel_reason},
        purchase_order=po,
    )
