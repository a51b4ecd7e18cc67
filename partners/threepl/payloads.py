"""ShipBob's objects as the product reads them: orders and their shipments, inventory levels,
receiving orders (WROs) and webhook deliveries, parsed from the shapes ShipBob publishes
(`partners/samples/shipbob_*.json`).

Quirks kept in mind (see the samples' source notes): ShipBob ids are integers while
`reference_id` is ours; a shipment's units are in `products[].inventory_items[].quantity`;
timestamps carry 7 fractional digits; an order split over several fulfillment centers has one
shipment (and one `order.shipped` webhook) per center; `order.shipment.*` webhooks carry one
Shipment, not the Order; `order.shipment.tracking_received` carries only the tracking.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

#: The dated API version the connector speaks and the sandbox answers by default.
API_VERSION = "2026-01"

#: Shipment statuses (https://developer.shipbob.com/status-reference).
PROCESSING = "Processing"
COMPLETED = "Completed"
EXCEPTION = "Exception"
ON_HOLD = "OnHold"
CANCELLED = "Cancelled"
#: A shipment in one of these will not change its units any more.
FINAL_SHIPMENT_STATUSES = frozenset({COMPLETED, CANCELLED})

#: Topics of the dated webhooks the product takes.
TOPIC_SHIPPED = "order.shipped"
TOPIC_DELIVERED = "order.shipment.delivered"
TOPIC_EXCEPTION = "order.shipment.exception"
TOPIC_TRACKING = "order.shipment.tracking_received"
TOPIC_CANCELLED = "order.shipment.cancelled"
TOPICS = (TOPIC_SHIPPED, TOPIC_DELIVERED, TOPIC_EXCEPTION, TOPIC_TRACKING, TOPIC_CANCELLED)


def parse_time(value: Any) -> datetime | None:
    """A ShipBob timestamp ("...Z", "+00:00", 7 fractional digits) as aware UTC; None if absent."""
    text = str(value or "").strip()
    if not text:
        return None
    parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def _product_key(product: Mapping[str, Any]) -> str:
    """The SKU a product line names: its reference id (ours), else ShipBob's sku."""
    return str(product.get("reference_id") or product.get("sku") or "")


@dataclass(frozen=True)
class RemoteShipment:
    """One ShipBob shipment (one box from one fulfillment center) of an order."""

    id: int
    order_id: int
    status: str
    detail: str = ""
    items: dict[str, int] = field(default_factory=dict)
    tracking_number: str = ""
    carrier: str = ""
    carrier_service: str = ""
    tracking_url: str = ""
    shipped_at: datetime | None = None
    delivered_at: datetime | None = None
    weight_oz: float = 0.0
    fulfillment_center: str = ""

    @property
    def units(self) -> int:
        """Units in this shipment, every SKU together."""
        return sum(self.items.values())


@dataclass(frozen=True)
class RemoteOrder:
    """A ShipBob order: what we asked for (`items`) and its shipments as ShipBob last told.

    `complete` is False for an order pieced together from shipment-only webhooks: it may not
    list every shipment, so it never decides that units are missing.
    """

    id: int
    reference_id: str
    status: str
    items: dict[str, int]
    shipments: tuple[RemoteShipment, ...] = ()
    complete: bool = True

    @property
    def final(self) -> bool:
        """Every shipment has shipped or been cancelled (and there is at least one)."""
        return bool(self.shipments) and all(s.status in FINAL_SHIPMENT_STATUSES for s in self.shipments)

    def shipped_items(self) -> dict[str, int]:
        """Units per SKU in shipments that left ShipBob."""
        shipped: dict[str, int] = {}
        for shipment in self.shipments:
            if shipment.status == COMPLETED:
                for sku, quantity in shipment.items.items():
                    shipped[sku] = shipped.get(sku, 0) + quantity
        return shipped

    def shipped_shipments(self) -> list[RemoteShipment]:
        """The shipments that left ShipBob, by id (the order their boxes are numbered in)."""
        return sorted((s for s in self.shipments if s.status == COMPLETED), key=lambda s: s.id)


def shipment_from_json(data: Mapping[str, Any], *, order_id: int = 0) -> RemoteShipment:
    """A Shipment object (inside an Order, or the body of an `order.shipment.*` webhook)."""
    items: dict[str, int] = {}
    for product in data.get("products") or []:
        quantity = sum(int(item.get("quantity") or 0) for item in product.get("inventory_items") or [])
        key = _product_key(product)
        if key:
            items[key] = items.get(key, 0) + quantity
    tracking = data.get("tracking") or {}
    details = data.get("status_details") or []
    location = data.get("location") or {}
    measurements = data.get("measurements") or {}
    status = str(data.get("status") or "")
    detail = str(details[0].get("name") or "") if details else ""
    delivered_at = parse_time(data.get("delivery_date")) if status == COMPLETED else None
    return RemoteShipment(
        id=int(data["id"]),
        order_id=int(data.get("order_id") or order_id),
        status=status,
        detail=detail,
        items=items,
        tracking_number=str(tracking.get("tracking_number") or ""),
        carrier=str(tracking.get("carrier") or ""),
        carrier_service=str(tracking.get("carrier_service") or ""),
        tracking_url=str(tracking.get("tracking_url") or ""),
        shipped_at=parse_time(tracking.get("shipping_date") or data.get("actual_fulfillment_date")),
        delivered_at=delivered_at if detail == "Delivered" else None,
        weight_oz=float(measurements.get("total_weight_oz") or 0),
        fulfillment_center=str(location.get("name") or ""),
    )


def order_from_json(data: Mapping[str, Any]) -> RemoteOrder:
    """An Order object: the answer of POST/GET /order and the body of `order.shipped`."""
    items: dict[str, int] = {}
    for product in data.get("products") or []:
        key = _product_key(product)
        if key:
            items[key] = items.get(key, 0) + int(product.get("quantity") or 0)
    order_id = int(data["id"])
    return RemoteOrder(
        id=order_id,
        reference_id=str(data.get("reference_id") or ""),
        status=str(data.get("status") or ""),
        items=items,
        shipments=tuple(shipment_from_json(s, order_id=order_id) for s in data.get("shipments") or []),
    )


@dataclass(frozen=True)
class TrackingNotice:
    """The body of `order.shipment.tracking_received`: a label exists, nothing has shipped yet."""

    order_id: int
    reference_id: str
    status: str
    tracking_number: str
    carrier: str
    carrier_service: str
    tracking_url: str
    at: datetime | None


def tracking_notice_from_json(data: Mapping[str, Any]) -> TrackingNotice:
    """Parse a tracking-received webhook body (no shipment id in it, as published)."""
    tracking = data.get("tracking") or {}
    return TrackingNotice(
        order_id=int(data["order_id"]),
        reference_id=str(data.get("reference_id") or ""),
        status=str(data.get("status") or ""),
        tracking_number=str(tracking.get("tracking_id") or ""),
        carrier=str(tracking.get("carrier") or ""),
        carrier_service=str(tracking.get("carrier_service") or ""),
        tracking_url=str(tracking.get("tracking_url") or ""),
        at=parse_time(data.get("event_time")),
    )


@dataclass(frozen=True)
class InventoryLevel:
    """One inventory item's network-wide totals (GET /2026-01/inventory-level)."""

    inventory_id: int
    sku: str
    name: str
    on_hand: int
    fulfillable: int
    committed: int
    awaiting: int


def inventory_level_from_json(data: Mapping[str, Any]) -> InventoryLevel:
    """Parse one `items[]` entry of an inventory-level page."""
    return InventoryLevel(
        inventory_id=int(data["inventory_id"]),
        sku=str(data.get("sku") or ""),
        name=str(data.get("name") or ""),
        on_hand=int(data.get("total_on_hand_quantity") or 0),
        fulfillable=int(data.get("total_fulfillable_quantity") or 0),
        committed=int(data.get("total_committed_quantity") or 0),
        awaiting=int(data.get("total_awaiting_quantity") or 0),
    )


#: Receiving order statuses (Awaiting -> Arrived / PartiallyArrived -> Processing -> Completed).
RECEIVING_COMPLETED = "Completed"
RECEIVING_CANCELLED = "Cancelled"
RECEIVING_ARRIVED = frozenset({"Arrived", "PartiallyArrived", "Processing", "PartiallyArrivedAtHub", "ArrivedAtHub"})


@dataclass(frozen=True)
class RemoteReceiving:
    """A warehouse receiving order (WRO) with expected and received units per SKU."""

    id: int
    status: str
    purchase_order_number: str
    expected: dict[str, int]
    received: dict[str, int]
    stowed: dict[str, int]


def receiving_from_json(data: Mapping[str, Any]) -> RemoteReceiving:
    """Parse GET /receiving/{id} (the sandbox-captured WRO sample's shape)."""
    expected: dict[str, int] = {}
    received: dict[str, int] = {}
    stowed: dict[str, int] = {}
    for line in data.get("inventory_quantities") or []:
        sku = str(line.get("sku") or "")
        expected[sku] = expected.get(sku, 0) + int(line.get("expected_quantity") or 0)
        received[sku] = received.get(sku, 0) + int(line.get("received_quantity") or 0)
        stowed[sku] = stowed.get(sku, 0) + int(line.get("stowed_quantity") or 0)
    return RemoteReceiving(
        id=int(data["id"]),
        status=str(data.get("status") or ""),
        purchase_order_number=str(data.get("purchase_order_number") or ""),
        expected=expected,
        received=received,
        stowed=stowed,
    )


# --- What we know of an order, from every word ShipBob sent -------------------------------------

#: Marks an order pieced together from shipment-only webhooks (no full Order seen yet).
PARTIAL_KEY = "_partial"


def _detail_name(shipment: Mapping[str, Any]) -> str:
    details = shipment.get("status_details") or []
    return str(details[0].get("name") or "") if details else ""


def shipment_rank(shipment: Mapping[str, Any]) -> int:
    """How far along a shipment JSON is: open 0, cancelled or shipped 1, delivered 2.

    A later word never moves a shipment down this order (webhooks come out of order and twice).
    """
    status = shipment.get("status")
    if status == COMPLETED:
        return 2 if _detail_name(shipment) == "Delivered" else 1
    return 1 if status == CANCELLED else 0


def _merged_shipments(
    known: list[dict[str, Any]], incoming: list[dict[str, Any]], *, complete: bool
) -> list[dict[str, Any]]:
    """Shipments by id, each at its furthest known state. From a full Order (`complete`), a known
    shipment it no longer lists is kept only if it had shipped or been cancelled (facts that do not
    un-happen); an open one it dropped was replaced (ShipBob splits or re-boxes open shipments)."""
    by_id = {int(s["id"]): s for s in known}
    if complete:
        listed = {int(s["id"]) for s in incoming}
        by_id = {key: s for key, s in by_id.items() if key in listed or shipment_rank(s) > 0}
    for shipment in incoming:
        current = by_id.get(int(shipment["id"]))
        if current is None or shipment_rank(shipment) >= shipment_rank(current):
            by_id[int(shipment["id"])] = dict(shipment)
    return [by_id[key] for key in sorted(by_id)]


def merge_order_json(
    known: Mapping[str, Any] | None,
    *,
    order: Mapping[str, Any] | None = None,
    shipment: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The order as last seen with a newer Order or Shipment object folded in, never backwards.

    A full Order replaces what was known, shipment by shipment unless it would move one back
    (a late `order.shipped` after `order.shipment.delivered`); a Shipment replaces its namesake
    on the same condition. Without any full Order the result is marked partial.
    """
    base: dict[str, Any] = dict(known or {})
    if order is not None:
        merged = dict(order)
        merged["shipments"] = _merged_shipments(
            list(base.get("shipments") or []), list(order.get("shipments") or []), complete=True
        )
        return merged
    if shipment is not None:
        if not base:
            base = {
                "id": shipment.get("order_id"),
                "reference_id": shipment.get("reference_id"),
                "status": "",
                "products": [],
                PARTIAL_KEY: True,
            }
        base["shipments"] = _merged_shipments(list(base.get("shipments") or []), [dict(shipment)], complete=False)
    return base


def known_order(state: Mapping[str, Any]) -> RemoteOrder | None:
    """The RemoteOrder a stored state describes (None before ShipBob told anything)."""
    if not state or not state.get("id"):
        return None
    parsed = order_from_json(state)
    if state.get(PARTIAL_KEY):
        return RemoteOrder(
            parsed.id, parsed.reference_id, parsed.status, parsed.items, parsed.shipments, complete=False
        )
    return parsed
