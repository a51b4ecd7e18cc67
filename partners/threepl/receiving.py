"""Transfers to a 3PL: announced as its receiving order (ShipBob's WRO), received when it says so.

- `receiving_orders_queue`: every transfer shipped (dispatched) to a 3PL location whose partner has
  a connector gets a `ReceivingOrder` row (once); the beat sweep runs it, so nothing dispatched is
  missed whatever process shipped the transfer.
- `receiving_orders_send`: claims due rows (`outbox.claim_due`, leases as for fulfillment orders)
  and posts the WRO: one box with every SKU by ShipBob's inventory id, the transfer number as
  purchase order number and box tracking, arriving in `ARRIVAL_DAYS`. ShipBob has no unique key
  for WROs, so a retry (the previous attempt may have gone through) first looks the purchase
  order number up and adopts what it finds: never two WROs for one transfer. A SKU ShipBob does
  not know has no inventory id: the row fails with that reason for staff.
- `receiving_orders_poll`: ShipBob sends no receiving webhooks, so open WROs are polled; a
  completed one receives the transfer through the inventory service (`transfer_receive`), and
  units ShipBob counted short or over are adjusted in the same transaction (lost / found, with
  the receiving order as document), so our stock there is what ShipBob stowed.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from core.errors import ValidationFailed
from inventory.models import AdjustmentReason, LocationKind, Transfer, TransferStatus
from inventory.services import DocumentRef, stock_adjust, transfer_receive
from partners.models import (
    DocumentKind,
    Exchange,
    Partner,
    ReceivingOrder,
    ReceivingOrderStatus,
)
from partners.services.documents import document_record_out
from partners.threepl.connector import (
    ShipBobConnector,
    ThreePlError,
    ThreePlUnavailable,
    partner_credentials,
    threepl_connector_for,
)
from partners.threepl.outbox import claim_due, connected_partner, owned, retry_later
from partners.threepl.payloads import RECEIVING_ARRIVED, RECEIVING_CANCELLED, RECEIVING_COMPLETED, RemoteReceiving

logger = logging.getLogger(__name__)

ARRIVAL_DAYS = 3
#: ShipBob's fulfillment center when the partner's credentials name none (the sandbox's).
DEFAULT_FULFILLMENT_CENTER_ID = 10
RECEIVING_DOCUMENT = "3pl_receiving"


@dataclass(frozen=True)
class ReceivingReport:
    """What one run did."""

    claimed: int = 0
    sent: int = 0
    adopted: int = 0
    retried: int = 0
    failed: int = 0


def receiving_orders_queue(*, limit: int = 200) -> int:
    """Owe a receiving order for each transfer dispatched to a connected 3PL; returns how many are new."""
    transfers = (
        Transfer.objects.filter(
            status=TransferStatus.SHIPPED,
            destination__kind=LocationKind.THIRD_PARTY,
            destination__partners__is_active=True,
            destination__partners__connector__gt="",
            threepl_receiving__isnull=True,
        )
        .select_related("destination")
        .distinct()
        .order_by("pk")[:limit]
    )
    created = 0
    for transfer in transfers:
        partner = connected_partner(transfer.destination)
        if partner is None:
            continue
        _, new = ReceivingOrder.objects.get_or_create(
            transfer=transfer,
            defaults={"partner": partner, "reference": transfer.number, "next_attempt_at": timezone.now()},
        )
        created += int(new)
    return created


def receiving_payload(
    transfer: Transfer, inventory_ids: dict[str, int], fulfillment_center_id: int, now: datetime
) -> dict[str, Any]:
    """The WRO for a transfer (POST /receiving); ValidationFailed naming a SKU ShipBob does not know."""
    items = []
    for line in transfer.lines.select_related("sku").order_by("sku__code"):
        if line.sku.code not in inventory_ids:
            raise ValidationFailed(
                f"{line.sku.code} is not a ShipBob product yet (no inventory id): create it in ShipBob, then retry.",
                field="sku",
            )
        items.append({"inventory_id": inventory_ids[line.sku.code], "quantity": line.quantity})
    return {
        "fulfillment_center": {"id": fulfillment_center_id},
        "package_type": "Package",
        "box_packaging_type": "EverythingInOneBox",
        "boxes": [{"tracking_number": transfer.number, "box_items": items}],
        "expected_arrival_date": (now + timedelta(days=ARRIVAL_DAYS)).isoformat(),
        "purchase_order_number": transfer.number,
    }


def _send(
    row: ReceivingOrder, connector: ShipBobConnector, now: datetime
) -> tuple[RemoteReceiving, dict[str, Any], bool]:
    """Post the WRO (or adopt the one an earlier attempt made)."""
    if row.attempts > 1:
        found = connector.find_receiving(row.reference)
        if found is not None:
            return found, {}, True
    inventory_ids = {level.sku: level.inventory_id for level in connector.inventory_levels()}
    center = int(partner_credentials(row.partner).get("fulfillment_center_id") or DEFAULT_FULFILLMENT_CENTER_ID)
    payload = receiving_payload(row.transfer, inventory_ids, center, now)
    return connector.create_receiving(payload), payload, False


def _mark(row: ReceivingOrder, **fields: Any) -> bool:
    with transaction.atomic():
        locked = owned(row)
        if locked is None:
            return False
        ReceivingOrder.objects.filter(pk=locked.pk).update(claimed_by="", claimed_until=None, **fields)
    return True


def _trail(row: ReceivingOrder, remote: RemoteReceiving, payload: dict[str, Any]) -> None:
    """The receiving order in the partner's document trail (once, whatever the retries)."""
    document_record_out(
        partner=row.partner,
        kind=DocumentKind.RECEIVING_ORDER,
        via=Exchange.CONNECTOR,
        raw=json.dumps(payload, indent=2),
        parsed={"transfer": row.reference, "receiving_id": remote.id},
        control_number=str(remote.id),
        idempotency_key=f"receiving-order:{row.reference}",
    )


def receiving_orders_send(
    *, partner: Partner | None = None, limit: int = 20, now: datetime | None = None
) -> ReceivingReport:
    """Send the due receiving orders (of one partner, or all); see the module's docstring."""
    now = now or timezone.now()
    filters = {"partner": partner} if partner is not None else {}
    rows = claim_due(ReceivingOrder, limit=limit, now=now, **filters)
    counts = {"sent": 0, "adopted": 0, "retried": 0, "failed": 0}
    for row in rows:
        row = ReceivingOrder.objects.select_related("partner", "transfer").get(pk=row.pk)
        try:
            remote, payload, adopted = _send(row, threepl_connector_for(row.partner), now)
        except ThreePlUnavailable as exc:
            retry_later(row, error=exc.message, delay=exc.retry_after, now=now)
            counts["retried"] += 1
            continue
        except (ThreePlError, ValidationFailed) as exc:
            _mark(row, status=ReceivingOrderStatus.FAILED, last_error=str(exc.message)[:500])
            counts["failed"] += 1
            continue
        if _mark(
            row,
            status=ReceivingOrderStatus.SENT,
            external_id=str(remote.id),
            external_status=remote.status[:40],
            sent_at=now,
            last_error="",
        ):
            _trail(row, remote, payload)
            counts["adopted" if adopted else "sent"] += 1
    return ReceivingReport(claimed=len(rows), **counts)


def receiving_order_complete(*, receiving_order: ReceivingOrder, remote: RemoteReceiving) -> ReceivingOrder:
    """Receive the transfer as ShipBob counted it: `transfer_receive`, then lost / found adjustments.

    Idempotent: a completed receiving order is left as it is.
    """
    document = DocumentRef(RECEIVING_DOCUMENT, str(receiving_order.pk))
    with transaction.atomic():
        row = (
            ReceivingOrder.objects.select_for_update()
            .select_related("partner", "transfer__destination")
            .get(pk=receiving_order.pk)
        )
        if row.status == ReceivingOrderStatus.COMPLETED:
            return row
        transfer = transfer_receive(transfer=row.transfer, actor=None)
        for line in transfer.lines.select_related("sku").order_by("sku__code"):
            difference = remote.received.get(line.sku.code, line.quantity) - line.quantity
            if difference:
                stock_adjust(
                    location=transfer.destination,
                    sku=line.sku,
                    delta=difference,
                    reason_code=AdjustmentReason.LOST if difference < 0 else AdjustmentReason.FOUND,
                    actor=None,
                    note=f"{transfer.number}: {row.partner.name} received "
                    f"{line.quantity + difference} of {line.quantity}",
                    document=document,
                )
        row.status = ReceivingOrderStatus.COMPLETED
        row.external_status = remote.status[:40]
        row.received = dict(remote.received)
        row.completed_at = timezone.now()
        row.save(update_fields=["status", "external_status", "received", "completed_at", "updated_at"])
    return row


def receiving_orders_poll(*, partner: Partner | None = None, limit: int = 100) -> int:
    """Ask ShipBob about open receiving orders; receive the completed ones. Returns how many were asked."""
    rows = ReceivingOrder.objects.filter(
        status__in=[ReceivingOrderStatus.SENT, ReceivingOrderStatus.ARRIVED]
    ).select_related("partner")
    if partner is not None:
        rows = rows.filter(partner=partner)
    asked = 0
    connectors: dict[int, ShipBobConnector] = {}
    for row in rows.order_by("last_polled_at", "pk")[:limit]:
        if row.partner_id not in connectors:
            connectors[row.partner_id] = threepl_connector_for(row.partner)
        connector = connectors[row.partner_id]
        try:
            remote = connector.get_receiving(row.external_id)
        except ThreePlUnavailable:
            logger.warning("ShipBob is unavailable; receiving orders are asked again next run.")
            break
        except ThreePlError as exc:
            logger.warning("Receiving order %s: %s", row.reference, exc.message)
            continue
        asked += 1
        now = timezone.now()
        if remote.status == RECEIVING_COMPLETED:
            receiving_order_complete(receiving_order=row, remote=remote)
        elif remote.status == RECEIVING_CANCELLED:
            ReceivingOrder.objects.filter(pk=row.pk).update(
                status=ReceivingOrderStatus.CANCELLED, external_status=remote.status
            )
        elif remote.status in RECEIVING_ARRIVED:
            ReceivingOrder.objects.filter(pk=row.pk).update(
                status=ReceivingOrderStatus.ARRIVED, external_status=remote.status
            )
        ReceivingOrder.objects.filter(pk=row.pk).update(
            last_polled_at=now, remote_state={"status": remote.status, "received": remote.received}
        )
    return asked
