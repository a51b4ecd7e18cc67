"""Buy online, pick up in store: a pickup order's life at its store.

new -> picking (`pickup_start`) -> ready (`pickup_mark_ready`: every unit scanned, the customer
is emailed a pickup code and QR code) -> picked up (`pickup_handover`: stock reserved -> shipped
in the ledger; refused lines released). A ready pickup not collected within the store's hold
period expires (`pickups_expire`, a beat task): its stock is released once and the order
timeline says why. Customers are reminded before that (`pickups_remind`).

A pickup's units are its order's shipments at the store (carrier "pickup"), moved through
the shipment statuses requested -> picking -> packed -> shipped, so every stock change goes
through the same services as any shipment. Units the store does not have wait (backordered)
until staff choose "transfer to store" (`pickup_transfer_to_store`): a warehouse transfer to
the store; when it is received the units are reserved for the pickup and it moves to "picking"
(the associate still scans each unit and marks it ready). `pickups_transfers_sweep` (run by
the expiry beat task) finishes any received transfer whose on-commit handler was lost.

While the order is on hold nothing is picked, marked ready or handed over (409).

Locking: the ORDER row first, then the pickup row, then its shipments in pk order (see
`fulfillment.services.pickups._shared`).

The services live by stage: `lifecycle` (open, pick, ready), `counter` (find and hand
over), `expiry` (reminders and expiry), `transfers` (transfer to store). Import them from
here.
"""

from fulfillment.services.pickups._shared import EXPIRY_BATCH
from fulfillment.services.pickups.counter import PickupLookup, normalize_code, pickup_handover, pickup_lookup
from fulfillment.services.pickups.expiry import pickup_expire, pickups_expire, pickups_remind
from fulfillment.services.pickups.lifecycle import (
    CODE_ALPHABET,
    CODE_LENGTH,
    MAX_SCANS,
    pickup_code_new,
    pickup_mark_ready,
    pickup_open,
    pickup_start,
)
from fulfillment.services.pickups.transfers import (
    pickup_transfer_to_store,
    pickups_after_transfer_received,
    pickups_transfers_sweep,
)

__all__ = [
    "CODE_ALPHABET",
    "CODE_LENGTH",
    "EXPIRY_BATCH",
    "MAX_SCANS",
    "PickupLookup",
    "normalize_code",
    "pickup_code_new",
    "pickup_expire",
    "pickup_handover",
    "pickup_lookup",
    "pickup_mark_ready",
    "pickup_open",
    "pickup_start",
    "pickup_transfer_to_store",
    "pickups_after_transfer_received",
    "pickups_expire",
    "pickups_remind",
    "pickups_transfers_sweep",
]
