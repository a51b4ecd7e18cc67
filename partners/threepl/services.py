"""The 3PL connector's write services, in one place for the pages, tasks and tests that call them.

- Fulfillment orders: `fulfillment_order_queue` (in the routing transaction),
  `fulfillment_orders_queue_missing` (the sweep), `fulfillment_orders_send` (claims, leases,
  retries, duplicates adopted), `fulfillment_orders_withdraw` (ours cancelled after sending),
  `fulfillment_orders_poll` (the backstop for webhooks),
  `fulfillment_order_apply` (what ShipBob says, applied to our shipment).
- Webhooks: `threepl_webhook_receive` (signature, once per webhook id, applied).
- Inventory: `threepl_reconcile(partner=, apply=)` and `inventory_snapshot_apply` (staff's button).
- Transfers in: `receiving_orders_queue`, `receiving_orders_send`, `receiving_orders_poll`,
  `receiving_order_complete`.
"""

from partners.threepl.events import fulfillment_order_apply, fulfillment_order_tracking_notice
from partners.threepl.outbox import fulfillment_order_queue, fulfillment_orders_queue_missing
from partners.threepl.receiving import (
    receiving_order_complete,
    receiving_orders_poll,
    receiving_orders_queue,
    receiving_orders_send,
)
from partners.threepl.reconcile import inventory_snapshot_apply, inventory_snapshot_record, threepl_reconcile
from partners.threepl.sending import (
    SendReport,
    fulfillment_orders_poll,
    fulfillment_orders_send,
    fulfillment_orders_withdraw,
    order_payload,
)
from partners.threepl.webhooks import WebhookAnswer, threepl_webhook_receive

__all__ = [
    "SendReport",
    "WebhookAnswer",
    "fulfillment_order_apply",
    "fulfillment_order_queue",
    "fulfillment_order_tracking_notice",
    "fulfillment_orders_poll",
    "fulfillment_orders_queue_missing",
    "fulfillment_orders_send",
    "fulfillment_orders_withdraw",
    "inventory_snapshot_apply",
    "inventory_snapshot_record",
    "order_payload",
    "receiving_order_complete",
    "receiving_orders_poll",
    "receiving_orders_queue",
    "receiving_orders_send",
    "threepl_reconcile",
    "threepl_webhook_receive",
]
