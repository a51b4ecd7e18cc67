"""Sending fulfillment orders to the 3PL, and asking after them (the backstop for webhooks).

`fulfillment_orders_send` claims due rows (`outbox.claim_due`) and, with no lock held, posts each
as a ShipBob order whose `reference_id` is our shipment number:

- created: the row is sent (ShipBob's id kept) and our shipment accepted, "sent to 3PL";
- 422 duplicate reference: an earlier send went through but its answer was lost (a timeout, a
  worker that died mid-send): the order is looked up by reference and adopted, never doubled;
- ShipBob down, slow or throttling (5xx, timeouts, 429): pending again after ShipBob's
  `x-retry-after`, else an exponential backoff; credentials refused: after a quarter of an hour;
- refused for good (400 with ShipBob's reasons): the row fails with the reason and the shipment
  is rejected, so its units are re-routed without the 3PL (as a store's rejection);
- the shipment was cancelled meanwhile: nothing is sent; the order on hold: sent once released.

`fulfillment_orders_withdraw` cancels at ShipBob the orders whose shipment we cancelled (the order
was cancelled, or staff re-routed it) after it was sent; one ShipBob had already shipped is said
on the row for staff. `fulfillment_orders_poll` asks ShipBob about orders it holds (and shipped ones until delivered)
and applies the answer as a webhook would be (`events.fulfillment_order_apply`).
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from fulfillment.models import Shipment, ShipmentStatus
from fulfillment.services.dropship import PARTNER_OPEN_STATUSES, shipment_partner_accept, shipment_partner_reroute
from orders.models import OrderStatus, ServiceLevel
from partners.models import (
    DocumentKind,
    Exchange,
    FulfillmentOrderOutbox,
    FulfillmentOrderStatus,
    Partner,
)
from partners.services.documents import document_record_out
from partners.threepl.connector import (
    DuplicateReference,
    ShipBobConnector,
    ThreePlError,
    ThreePlUnavailable,
    threepl_connector_for,
)
from partners.threepl.events import fulfillment_order_apply
from partners.threepl.outbox import fulfillment_orders_claim, owned, retry_later
from partners.threepl.payloads import RemoteOrder, order_from_json

logger = logging.getLogger(__name__)

#: Our service level -> the ship method ShipBob maps to a ship option (free text on their side).
SHIPPING_METHODS: dict[str, str] = {
    ServiceLevel.STANDARD: "Standard",
    ServiceLevel.EXPRESS: "Expedited",
    ServiceLevel.NEXT_DAY: "Overnight",
    ServiceLevel.SAME_DAY: "Overnight",
}
ON_HOLD_RETRY_SECONDS = 5 * 60
#: Polling: how often an order ShipBob holds is asked about, and for how long after it shipped.
POLL_EVERY = timedelta(minutes=15)
POLL_SHIPPED_FOR = timedelta(days=30)


@dataclass(frozen=True)
class SendReport:
    """What one sending run did."""

    claimed: int = 0
    sent: int = 0
    adopted: int = 0
    retried: int = 0
    failed: int = 0
    skipped: int = 0


def order_payload(shipment: Shipment) -> dict[str, Any]:
    """The ShipBob order for a shipment (POST /order), in the shape of ShipBob's guide."""
    order = shipment.order
    products: dict[str, dict[str, Any]] = {}
    for line in shipment.lines.select_related("sku", "order_line").order_by("pk"):
        entry = products.setdefault(
            line.sku.code,
            {
                "name": line.sku.name,
                "reference_id": line.sku.code,
                "quantity": 0,
                "unit_price": float(line.order_line.unit_price),
            },
        )
        entry["quantity"] += line.quantity
        if line.sku.barcode:
            entry["gtin"] = line.sku.barcode
    return {
        "shipping_method": SHIPPING_METHODS.get(order.service_level, "Standard"),
        "recipient": {
            "name": order.customer_name,
            "address": {
                "address1": order.ship_line1,
                "address2": order.ship_line2 or None,
                "company_name": None,
                "city": order.ship_city,
                "state": order.ship_region,
                "country": order.ship_country,
                "zip_code": order.ship_postal_code,
            },
            "email": order.customer_email or None,
            "phone_number": order.customer_phone or None,
        },
        "products": list(products.values()),
        "reference_id": shipment.number,
        "order_number": order.number,
        "type": "DTC",
        "purchase_date": order.placed_at.isoformat(),
        "tags": [{"name": "Shipment", "value": shipment.number}],
    }


def _trail(row: FulfillmentOrderOutbox, payload: dict[str, Any], remote: RemoteOrder, adopted: bool) -> None:
    """The fulfillment order in the partner's document trail (once, whatever the retries)."""
    document_record_out(
        partner=row.partner,
        kind=DocumentKind.FULFILLMENT_ORDER,
        via=Exchange.CONNECTOR,
        raw=json.dumps(payload, indent=2),
        parsed={"shipment": row.reference, "order_id": remote.id, "adopted": adopted},
        control_number=str(remote.id),
        idempotency_key=f"fulfillment-order:{row.reference}",
    )


def _mark_sent(row: FulfillmentOrderOutbox, remote: RemoteOrder, payload: dict[str, Any], *, adopted: bool) -> bool:
    """Record ShipBob's id and accept our shipment, if this claim still holds the row."""
    with transaction.atomic():
        locked = owned(row)
        if locked is None:
            return False  # taken over: the other worker adopts the same order by its reference
        now = timezone.now()
        FulfillmentOrderOutbox.objects.filter(pk=locked.pk).update(
            status=FulfillmentOrderStatus.SENT,
            external_id=str(remote.id),
            external_status=remote.status[:40],
            sent_at=now,
            claimed_by="",
            claimed_until=None,
            last_error="",
            updated_at=now,
        )
        shipment_partner_accept(
            shipment=Shipment.objects.get(pk=locked.shipment_id), actor=None, actor_label=row.partner.name
        )
        _trail(locked, payload, remote, adopted)
    return True


def _refused(row: FulfillmentOrderOutbox, message: str) -> bool:
    """ShipBob will not take the order: fail the row with its reason and re-route the units."""
    with transaction.atomic():
        locked = owned(row)
        if locked is None:
            return False
        FulfillmentOrderOutbox.objects.filter(pk=locked.pk).update(
            status=FulfillmentOrderStatus.FAILED, claimed_by="", claimed_until=None, last_error=message[:500]
        )
        shipment = Shipment.objects.get(pk=locked.shipment_id)
        if shipment.status in PARTNER_OPEN_STATUSES:
            shipment_partner_reroute(
                shipment=shipment,
                reason=f"{row.partner.name} refused the order: {message}"[:255],
                actor=None,
                actor_label=row.partner.name,
                exclude=list(row.partner.locations.all()),
            )
    return True


def _cancelled(row: FulfillmentOrderOutbox) -> None:
    with transaction.atomic():
        locked = owned(row)
        if locked is not None:
            FulfillmentOrderOutbox.objects.filter(pk=locked.pk).update(
                status=FulfillmentOrderStatus.CANCELLED, claimed_by="", claimed_until=None
            )


def _send_one(row: FulfillmentOrderOutbox, connector: ShipBobConnector, now: datetime) -> str:
    """Send one claimed row; returns "sent", "adopted", "retried", "failed" or "skipped"."""
    shipment = Shipment.objects.select_related("order").get(pk=row.shipment_id)
    if shipment.status not in (ShipmentStatus.REQUESTED, ShipmentStatus.ACCEPTED):
        _cancelled(row)
        return "skipped"
    if shipment.order.status == OrderStatus.ON_HOLD:
        retry_later(row, error="The order is on hold.", delay=ON_HOLD_RETRY_SECONDS, now=now)
        return "skipped"
    payload = order_payload(shipment)
    adopted = False
    try:
        try:
            body = connector.create_order(payload)
        except DuplicateReference:
            found = connector.find_order(row.reference)
            if found is None:
                raise ThreePlUnavailable("ShipBob says the order exists but does not find it yet.") from None
            body, adopted = found, True
    except ThreePlUnavailable as exc:
        retry_later(row, error=exc.message, delay=exc.retry_after, now=now)
        return "retried"
    except ThreePlError as exc:
        return "failed" if _refused(row, exc.message) else "skipped"
    remote = order_from_json(body)
    if not _mark_sent(row, remote, payload, adopted=adopted):
        return "skipped"
    # The order as ShipBob holds it: an adopted one may have moved on (shipped while we retried).
    fulfillment_order_apply(fulfillment_order=row, order=body, source=row.partner.name)
    return "adopted" if adopted else "sent"


def fulfillment_orders_send(
    *, partner: Partner | None = None, limit: int = 50, now: datetime | None = None
) -> SendReport:
    """Send the due fulfillment orders (of one partner, or all); see the module's docstring."""
    now = now or timezone.now()
    rows = fulfillment_orders_claim(partner=partner, limit=limit, now=now)
    counts = {"sent": 0, "adopted": 0, "retried": 0, "failed": 0, "skipped": 0}
    connectors: dict[int, ShipBobConnector] = {}
    for row in rows:
        try:
            if row.partner_id not in connectors:
                connectors[row.partner_id] = threepl_connector_for(row.partner)
            outcome = _send_one(row, connectors[row.partner_id], now)
        except Exception as exc:  # one bad row must not stop the others: it is retried with backoff
            logger.exception("Sending fulfillment order %s failed", row.reference)
            retry_later(row, error=f"Could not send: {exc}", now=now)
            outcome = "retried"
        counts[outcome] += 1
    return SendReport(claimed=len(rows), **counts)


def fulfillment_orders_poll(*, partner: Partner | None = None, limit: int = 200, now: datetime | None = None) -> int:
    """Ask ShipBob about the orders it holds (and shipped ones until delivered); returns how many.

    The backstop for webhooks that never came. A ShipBob that is down stops the run (the next
    one asks again); an order ShipBob refuses to show is logged and skipped.
    """
    now = now or timezone.now()
    due = Q(last_polled_at__isnull=True) | Q(last_polled_at__lte=now - POLL_EVERY)
    held = Q(status__in=[FulfillmentOrderStatus.SENT, FulfillmentOrderStatus.ACCEPTED])
    travelling = Q(
        status=FulfillmentOrderStatus.SHIPPED,
        shipped_at__gte=now - POLL_SHIPPED_FOR,
        shipment__status=ShipmentStatus.SHIPPED,
    )
    rows = (
        FulfillmentOrderOutbox.objects.filter(due, held | travelling).exclude(external_id="").select_related("partner")
    )
    if partner is not None:
        rows = rows.filter(partner=partner)
    polled = 0
    connectors: dict[int, ShipBobConnector] = {}
    for row in rows.order_by("last_polled_at", "pk")[:limit]:
        if row.partner_id not in connectors:
            connectors[row.partner_id] = threepl_connector_for(row.partner)
        connector = connectors[row.partner_id]
        try:
            body = connector.get_order(row.external_id)
        except ThreePlUnavailable:
            logger.warning("ShipBob is unavailable; polling stops until the next run.")
            break
        except ThreePlError as exc:
            logger.warning("Polling %s: %s", row.reference, exc.message)
            continue
        fulfillment_order_apply(fulfillment_order=row, order=body, source=f"{row.partner.name} (polled)")
        FulfillmentOrderOutbox.objects.filter(pk=row.pk).update(last_polled_at=now)
        polled += 1
    return polled


def fulfillment_orders_withdraw(*, partner: Partner | None = None, limit: int = 100) -> int:
    """Cancel at ShipBob the orders it holds whose shipment we cancelled or re-routed; returns how many.

    ShipBob cancels what has not shipped; what it had shipped already is kept on the row
    (`last_error`) for staff. ShipBob down: the next run tries again.
    """
    rows = FulfillmentOrderOutbox.objects.filter(
        status__in=[FulfillmentOrderStatus.SENT, FulfillmentOrderStatus.ACCEPTED],
        shipment__status__in=[ShipmentStatus.CANCELLED, ShipmentStatus.REJECTED],
    ).exclude(external_id="")
    if partner is not None:
        rows = rows.filter(partner=partner)
    withdrawn = 0
    for row in rows.select_related("partner").order_by("pk")[:limit]:
        try:
            answer = threepl_connector_for(row.partner).cancel_order(row.external_id)
        except ThreePlUnavailable as exc:
            logger.warning("Withdrawing %s from %s: %s", row.reference, row.partner.code, exc.message)
            break
        except ThreePlError as exc:
            FulfillmentOrderOutbox.objects.filter(pk=row.pk).update(last_error=exc.message[:500])
            continue
        refused = [r for r in answer.get("canceled_shipment_results") or [] if not r.get("is_success")]
        fields: dict[str, Any] = {"remote_state": answer.get("order") or row.remote_state}
        if refused:
            fields["last_error"] = f"{row.partner.name} could not cancel: {refused[0].get('reason') or 'refused'}"[:500]
        else:
            fields.update(status=FulfillmentOrderStatus.CANCELLED, last_error="")
            withdrawn += 1
        FulfillmentOrderOutbox.objects.filter(pk=row.pk).update(**fields)
    return withdrawn
