"""Fulfillment's signals for other apps (its reactions to other apps' signals are in `receivers`).

Sent inside the transaction, synchronously (a receiver's writes commit or roll back with it):
- `shipments_routed(order, shipments, lines)`: routing just created and reserved these
  shipments of `order` (`lines`: each shipment's lines by shipment id, SKUs loaded; each
  shipment's `location` loaded). A receiver runs in routing's hot path: it must return at once
  for the shipments it has nothing to do with (judge by `shipment.location.kind`, no query), and
  may raise only to refuse the whole routing. The partners app opens a dropship purchase order here.
- `pack_checks(shipment)`: a shipment is about to be packed. A receiver returns "" when it has
  nothing against it, or a sentence saying what must happen first (quality: units that must pass
  an inspection before they ship); packing is refused with those sentences.

Sent by fulfillment, always after the transaction commits (`transaction.on_commit`):
- `shipment_shipped(shipment_id, order_id)`: a shipment left (or a pickup was handed over).
- `pickup_completed(pickup_id, order_id)`: the customer collected a pickup order (at least
  one unit). The marketplace sync engine tells the sales channel from here.
"""

from django.dispatch import Signal

shipments_routed = Signal()  # kwargs: order, shipments, lines
pack_checks = Signal()  # kwargs: shipment; receivers return "" or what must happen first
shipment_shipped = Signal()  # kwargs: shipment_id, order_id
pickup_completed = Signal()  # kwargs: pickup_id, order_id
