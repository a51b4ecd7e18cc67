"""Signed outbound webhooks: the merchant's own systems (ERP, accounting, a WMS) hear of orders, shipments,
stock and returns as they happen, instead of polling.

How it fits together (details in each module):
- `receivers`: reactions to the other apps' signals. Order, routing, shipment and return changes are
  recorded as an `Event` row inside the very transaction that makes the change (so an event exists
  exactly when the change committed); stock changes arrive after commit and are coalesced per
  (location, SKU) in `PendingStockChange` before they become events.
- `services.outbox`: publishing. An event's body is rendered once (`payloads`) and one `Delivery`
  per subscribed endpoint is written, then queued.
- `services.delivery`: sending. A delivery is claimed with a lease, signed (`signing`, the Standard
  Webhooks scheme), POSTed with httpx, logged (`DeliveryAttempt`) and retried on the backoff schedule;
  an endpoint that keeps failing is disabled and the administrators are told (`services.alerts`).
- `tasks`: the Celery tasks and the beat sweep that re-drives everything from the database, so a dead
  worker or a lost broker message delays a delivery but never loses it.
"""
