"""What each event type means, when it is sent and what its `data` holds (the documentation page reads this)."""

from __future__ import annotations

from dataclasses import dataclass

from webhooks.models import PING, EventType


@dataclass(frozen=True)
class EventSpec:
    """One event type as documented."""

    type: str
    title: str
    when: str
    data: str


EVENT_SPECS: tuple[EventSpec, ...] = (
    EventSpec(
        EventType.ORDER_CREATED,
        "Order created",
        "An order was taken from a channel (REST, marketplace webhook or poll, CSV import, an exchange), "
        "once per order: a channel sending the same order again sends nothing.",
        "order: the order with its lines as it stands when the event is published (usually already routed).",
    ),
    EventSpec(
        EventType.ORDER_ROUTED,
        "Order routed",
        "The router reserved stock for some or all of an order's waiting units: at creation, after a "
        "re-route, a store's rejection, or stock arriving for a backorder. Not sent when every unit waits.",
        "order, and routing: the trigger, the method, the reason in words, the total cost, each planned "
        "shipment (location code, carrier, service, lines) and what stays backordered.",
    ),
    EventSpec(
        EventType.ORDER_SHIPPED,
        "Order shipped",
        "A shipment of the order left its location (or a pickup was handed over): once per shipment, so a "
        "split order sends one per parcel group. order.status says whether it is partially_shipped or shipped.",
        "order, and shipment: location, carrier, service, tracking number, lines and boxes with tracking.",
    ),
    EventSpec(
        EventType.ORDER_CANCELLED,
        "Order cancelled",
        "The whole order was cancelled (an order that had shipped in part becomes shipped, not cancelled).",
        "order, every line's units cancelled.",
    ),
    EventSpec(
        EventType.SHIPMENT_DELIVERED,
        "Shipment delivered",
        "The carrier scanned the last box of a shipment as delivered (or staff marked it delivered).",
        "order and shipment, with delivered_at.",
    ),
    EventSpec(
        EventType.STOCK_CHANGED,
        "Stock changed",
        "On hand or reserved changed for a SKU at a location. Changes of one (location, SKU) within a few "
        "seconds make one event, and the quantities are absolute (as they are when it is published): if you "
        "missed one, the next is still right. Treat it as 'read these numbers', not as a delta.",
        "location, sku, on_hand, reserved, available (to promise), safety_stock, in_transit, quarantined.",
    ),
    EventSpec(
        EventType.RETURN_RECEIVED,
        "Return received",
        "A return's parcel (or the customer, at a store counter) arrived at its return location.",
        "return: order, status, return location, lines with units received.",
    ),
    EventSpec(
        EventType.RETURN_REFUNDED,
        "Return refunded",
        "The refund of a return was executed (by the channel or recorded by staff), or the return needed none.",
        "return, with refund: amount, items, tax, fees, label cost, the channel's reference.",
    ),
    EventSpec(
        EventType.PURCHASE_ORDER_CREATED,
        "Purchase order created",
        "Routing sent units of an order to a dropship supplier and opened a purchase order for them (in the "
        "same transaction as the routing), once per purchase order.",
        "purchase_order: number, status, partner, the order and shipment it serves, ship-to, service level, "
        "due dates (acknowledge_by, ship_due_at), total_cost and lines (sku, supplier_sku, quantity, unit_cost, "
        "accepted, rejected, shipped, invoiced).",
    ),
    EventSpec(
        EventType.PURCHASE_ORDER_SENT,
        "Purchase order sent",
        "The purchase order went out through the supplier's exchange, once: made available on the portal or "
        "the supplier API, or its EDI 850 written. A supplier whose exchange cannot take it yet sends nothing.",
        "purchase_order, with sent_at.",
    ),
    EventSpec(
        EventType.PURCHASE_ORDER_ACKNOWLEDGED,
        "Purchase order acknowledged",
        "The supplier has answered every line (portal, API or EDI 855), once per purchase order. "
        "status is acknowledged when it accepted some units and rejected when it accepted none; "
        "rejected units are routed elsewhere.",
        "purchase_order, with acknowledged_at and each line's accepted, rejected and reject_reason.",
    ),
    EventSpec(
        EventType.PURCHASE_ORDER_SHIPPED,
        "Purchase order shipped",
        "A ship notice (ASN, EDI 856) arrived: once per notice, so a supplier shipping in two parcels sends two. "
        "purchase_order.status says whether it is partially_shipped or shipped.",
        "purchase_order, and ship_notice: the supplier's reference, carrier, service, tracking_numbers, "
        "shipped_at and units per PO line.",
    ),
    EventSpec(
        EventType.PURCHASE_ORDER_INVOICED,
        "Purchase order invoiced",
        "The supplier's invoice (portal, API or EDI 810) was recorded and matched against the purchase order "
        "and its ship notices: once per invoice.",
        "purchase_order, and invoice: number, invoiced_at, total, match_status (matched or discrepancy), "
        "discrepancies and lines.",
    ),
    EventSpec(
        EventType.PURCHASE_ORDER_CANCELLED,
        "Purchase order cancelled",
        "The purchase order was cancelled, by staff or because its order was cancelled, once.",
        "purchase_order, with cancelled_at and cancel_reason.",
    ),
    EventSpec(
        PING,
        "Test ping",
        "Only when someone presses Send test ping on the endpoint's page; never subscribed to.",
        "endpoint: its id and name, and a message.",
    ),
)

#: Event types announced before they are sent (shown under "Coming later" while any is listed).
FUTURE_EVENT_TYPES: tuple[tuple[str, str], ...] = ()
