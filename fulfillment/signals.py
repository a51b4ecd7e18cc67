"""Fulfillment's signals for other apps (its reactions to other apps' signals are in `receivers`).

Sent by fulfillment, always after the transaction commits (`transaction.on_commit`):
- `shipment_shipped(shipment_id, order_id)`: a shipment left (or a pickup was handed over).
- `pickup_completed(pickup_id, order_id)`: the customer collected a pickup order (at least
  one unit). The marketplace sync engine tells the sales channel from here.
"""

from django.dispatch import Signal

shipment_shipped = Signal()  # kwargs: shipment_id, order_id
pickup_completed = Signal()  # kwargs: pickup_id, order_id
