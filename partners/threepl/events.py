"""What a 3PL says of an order, applied to our shipment: shipped, delivered, short, cancelled.

Every word ShipBob sends (the answer to our order, a poll, a webhook) is folded into the order
as last seen (`payloads.merge_order_json`: never backwards, so a late or repeated word changes
nothing) and the whole is then compared with our shipment (`fulfillment_order_apply`):

- every unit of the shipment is in shipments that left ShipBob: each ShipBob shipment becomes a
  labelled box with its tracking number (`fulfillment.services.dropship.shipment_parcels_add`) and
  the shipment ships as our own shipping does (`shipment_partner_ship` -> `shipment_ship`: ledger,
  order lines, timeline, and after commit the `shipment_shipped` signal that owes the sales
  channel its confirmation with every box's number);
- ShipBob is done (every shipment shipped or cancelled, seen in a full Order) with units
  missing: those units are released and re-routed with the 3PL excluded for the order, as a
  store's rejection is (`shipment_partner_reroute`), and the rest ships; nothing shipped at all
  is a 3PL cancellation of the whole shipment;
- each shipped box's carrier status (in transit, delivered...) goes through the fulfillment
  tracking service (`package_tracking_record`), which delivers the shipment with its last box;
- an exception (out of stock...) is put on the order's timeline and kept on the row while it lasts.

Locking: the outbox row first, then (inside the fulfillment services) the order, then the shipment.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from carriers.connectors.base import TrackingReport, TrackingUpdate
from fulfillment.models import OPEN_SHIPMENT_STATUSES, Package, Shipment, ShipmentStatus, TrackingStatus
from fulfillment.services.dropship import (
    PartnerParcel,
    shipment_parcels_add,
    shipment_partner_reroute,
    shipment_partner_ship,
)
from fulfillment.services.tracking import package_tracking_record
from orders.models import OrderEventKind
from orders.services import order_event_add
from partners.models import FulfillmentOrderOutbox, FulfillmentOrderStatus
from partners.threepl.payloads import (
    COMPLETED,
    EXCEPTION,
    RemoteOrder,
    RemoteShipment,
    TrackingNotice,
    known_order,
    merge_order_json,
)

logger = logging.getLogger(__name__)

GRAMS_PER_OUNCE = 28.3495
#: ShipBob's status detail of a shipped box -> the product's tracking status.
TRACKING_OF_DETAIL = {
    "Processing": TrackingStatus.LABEL_CREATED,
    "InTransit": TrackingStatus.IN_TRANSIT,
    "OutForDelivery": TrackingStatus.OUT_FOR_DELIVERY,
    "Delivered": TrackingStatus.DELIVERED,
    "DeliveryException": TrackingStatus.EXCEPTION,
}
#: Work ShipBob has started on an order (it is no longer just "sent").
STARTED_DETAILS = frozenset({"Picked", "Packed", "Labeled"})


def fulfillment_order_apply(
    *,
    fulfillment_order: FulfillmentOrderOutbox,
    order: Mapping[str, Any] | None = None,
    shipment: Mapping[str, Any] | None = None,
    source: str,
) -> str:
    """Fold a ShipBob Order (or one Shipment) into what we know and act on it; returns what changed.

    Idempotent: the same word twice, or an older word after a newer one, changes nothing.
    """
    with transaction.atomic():
        row = (
            FulfillmentOrderOutbox.objects.select_for_update()
            .select_related("partner", "shipment__location", "shipment__order")
            .get(pk=fulfillment_order.pk)
        )
        state = merge_order_json(row.remote_state, order=order, shipment=shipment)
        remote = known_order(state)
        row.remote_state = state
        if remote is None:
            row.save(update_fields=["remote_state", "updated_at"])
            return "nothing known"
        row.external_id = row.external_id or str(remote.id)
        row.external_status = remote.status[:40]
        outcome = _act(row, remote, source=source)
        row.save()
    return outcome


def _act(row: FulfillmentOrderOutbox, remote: RemoteOrder, *, source: str) -> str:
    shipment = Shipment.objects.select_related("order", "location").get(pk=row.shipment_id)
    outcomes = [_note_exception(row, shipment, remote, source)]
    if shipment.status in OPEN_SHIPMENT_STATUSES:
        ours = _units_by_sku(shipment)
        shipped = remote.shipped_items()
        if all(shipped.get(sku, 0) >= units for sku, units in ours.items()):
            _ship(row, shipment, remote.shipped_shipments(), source)
            outcomes.append("shipped")
        elif remote.complete and remote.final:
            outcomes.append(_short(row, shipment, remote, ours, shipped, source))
        elif row.status == FulfillmentOrderStatus.SENT and _started(remote):
            row.status = FulfillmentOrderStatus.ACCEPTED
            outcomes.append("being fulfilled")
    shipment = Shipment.objects.get(pk=row.shipment_id)
    if shipment.status in (ShipmentStatus.SHIPPED, ShipmentStatus.DELIVERED):
        outcomes.append(_track(shipment, remote, source))
    return "; ".join(o for o in outcomes if o) or "no change"


def _started(remote: RemoteOrder) -> bool:
    return any(s.detail in STARTED_DETAILS or s.status == COMPLETED for s in remote.shipments)


def _units_by_sku(shipment: Shipment) -> dict[str, int]:
    units: dict[str, int] = {}
    for line in shipment.lines.select_related("sku"):
        units[line.sku.code] = units.get(line.sku.code, 0) + line.quantity
    return units


def _note_exception(row: FulfillmentOrderOutbox, shipment: Shipment, remote: RemoteOrder, source: str) -> str:
    """Keep the 3PL's exception on the row; put it on the order's timeline once, when it starts."""
    problems = [s for s in remote.shipments if s.status == EXCEPTION]
    text = ", ".join(sorted({s.detail or EXCEPTION for s in problems}))[:200]
    if text == row.exception:
        return ""
    row.exception = text
    if not text:
        return "exception cleared"
    order_event_add(
        order=shipment.order,
        kind=OrderEventKind.SHIPMENT,
        message=f"{shipment.number} at {shipment.location.code}: {row.partner.name} reports an exception ({text}).",
        actor_label=source,
    )
    return f"exception {text}"


# --- Shipping --------------------------------------------------------------------------------


def _box_weight(shipment: Shipment, remote: RemoteShipment, boxes: int) -> int:
    """The box's weight as ShipBob measured it, else the shipment's share (a box must weigh > 0)."""
    grams = round(remote.weight_oz * GRAMS_PER_OUNCE)
    if grams <= 0:
        grams = (shipment.weight_grams or 0) // max(1, boxes)
    return max(1, grams)


def _ship(row: FulfillmentOrderOutbox, shipment: Shipment, boxes: list[RemoteShipment], source: str) -> None:
    """Ship our shipment as the 3PL did: each ShipBob shipment a labelled box, then as our own shipping."""
    shipment_parcels_add(
        shipment=shipment,
        parcels=[
            PartnerParcel(
                tracking_number=box.tracking_number or f"shipbob:{box.id}",
                carrier=box.carrier,
                service=box.carrier_service,
                weight_grams=_box_weight(shipment, box, len(boxes)),
            )
            for box in boxes
        ],
        actor=None,
    )
    shipment_partner_ship(shipment=shipment, actor=None, actor_label=source)
    row.status = FulfillmentOrderStatus.SHIPPED
    row.shipped_at = min((box.shipped_at for box in boxes if box.shipped_at), default=None) or timezone.now()


def _track(shipment: Shipment, remote: RemoteOrder, source: str) -> str:
    """Each shipped box's carrier status through the fulfillment tracking service (never backwards)."""
    packages = {p.tracking_number: p for p in Package.objects.filter(shipment=shipment)}
    recorded = 0
    for box in remote.shipped_shipments():
        package = packages.get(box.tracking_number or f"shipbob:{box.id}")
        status = TRACKING_OF_DETAIL.get(box.detail)
        if package is None or status is None:
            continue
        delivered = box.delivered_at if status == TrackingStatus.DELIVERED else None
        at: datetime = delivered or box.shipped_at or timezone.now()
        label = TrackingStatus(status).label
        update = TrackingUpdate(status, at, f"{label} ({box.carrier}, from {box.fulfillment_center})")
        report = TrackingReport(
            tracking_number=package.tracking_number, status=status, events=(update,), delivered_at=box.delivered_at
        )
        recorded += len(package_tracking_record(package, report, source=source))
    return f"{recorded} tracking events" if recorded else ""


# --- Units the 3PL did not ship ---------------------------------------------------------------


def _by_order_line(shipment: Shipment, units: Mapping[str, int]) -> dict[int, int]:
    """Units per SKU spread over the shipment's lines (order line id -> units), in line order."""
    remaining = dict(units)
    taken: dict[int, int] = {}
    for line in shipment.lines.select_related("sku").order_by("pk"):
        take = min(remaining.get(line.sku.code, 0), line.quantity)
        if take > 0:
            taken[line.order_line_id] = taken.get(line.order_line_id, 0) + take
            remaining[line.sku.code] -= take
    return taken


def _short(
    row: FulfillmentOrderOutbox,
    shipment: Shipment,
    remote: RemoteOrder,
    ours: Mapping[str, int],
    shipped: Mapping[str, int],
    source: str,
) -> str:
    """ShipBob is done and units are missing: those are released and routed again without the 3PL
    (`shipment_partner_reroute`, as a store's rejection); what ShipBob shipped ships. Nothing
    shipped at all: the 3PL cancelled, and the whole shipment is rejected and re-routed."""
    partner = row.partner
    sent = {sku: min(shipped.get(sku, 0), units) for sku, units in ours.items()}
    missing = {sku: units - sent[sku] for sku, units in ours.items() if units > sent[sku]}
    what = ", ".join(f"{sku} x{units}" for sku, units in sorted(missing.items()))
    others = list(partner.locations.exclude(pk=shipment.location_id))
    if not sum(sent.values()):
        shipment_partner_reroute(
            shipment=shipment,
            reason=f"{partner.name} cancelled the order ({what} not shipped).",
            actor=None,
            actor_label=source,
            exclude=others,
        )
        row.status = FulfillmentOrderStatus.CANCELLED
        return "cancelled by the 3PL; re-routed"
    shipment_partner_reroute(
        shipment=shipment,
        reason=f"{partner.name} short-shipped {what}.",
        actor=None,
        actor_label=source,
        quantities=_by_order_line(shipment, missing),
        exclude=others,
    )
    _ship(row, shipment, remote.shipped_shipments(), source)
    return f"short-shipped {what}; re-routed"


def fulfillment_order_tracking_notice(
    *, fulfillment_order: FulfillmentOrderOutbox, notice: TrackingNotice, source: str
) -> str:
    """ShipBob bought a label (`order.shipment.tracking_received`): the order is being fulfilled.

    The notice names no shipment and no units, so it ships nothing: `order.shipped` (or a poll)
    does. It is put on the order's timeline while our shipment is still open.
    """
    with transaction.atomic():
        row = FulfillmentOrderOutbox.objects.select_for_update().select_related("partner").get(pk=fulfillment_order.pk)
        row.external_id = row.external_id or str(notice.order_id)
        if row.status == FulfillmentOrderStatus.SENT:
            row.status = FulfillmentOrderStatus.ACCEPTED
        row.save(update_fields=["external_id", "status", "updated_at"])
        shipment = Shipment.objects.select_related("order", "location").get(pk=row.shipment_id)
        if shipment.status not in OPEN_SHIPMENT_STATUSES:
            return "already shipped"
        order_event_add(
            order=shipment.order,
            kind=OrderEventKind.SHIPMENT,
            message=f"{shipment.number}: {row.partner.name} labelled a box "
            f"({notice.carrier} {notice.tracking_number}).",
            actor_label=source,
        )
    return "label noted"
