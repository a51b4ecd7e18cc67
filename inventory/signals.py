"""Signals other apps may listen to. Inventory never imports its listeners.

`stock_received` is sent after the transaction that received stock has committed (a
purchase receipt, a restocked return, a transfer received at its destination), with
`location_id` (int) and `sku_ids` (a sorted list of ints), and what came in: `quantities`
({sku_id: units}), `kind` (the ledger movement kind: receipt, return_restock, transfer_in,
quarantine_release, supplier_feed), `document_type` / `document_id` (the receipt's document) and
`source_location_id` (where a transfer came from, else None). Receivers run outside any
transaction the receipt held, so they may queue tasks; they must not assume the
receipt is the only change since. Receivers take `**kwargs`, so a sender may add more.

`stock_levels_changed` is sent after any transaction that changed on hand or reserved has
committed, with `changes`: a tuple of (location_id, sku_id) pairs. The same pairs are in the
stock change feed (`inventory.models.StockChange`), written in that transaction: a receiver
that is not running, or fails, loses nothing, and may treat the signal as a wake-up call to
read the feed. Receivers must be quick (they run in the request that changed the stock).

`location_panels` is sent while a location's page is rendered, with `location` and `user`.
A receiver that has something to show about the location answers
`{"template": "<app>/....html", "context": {...}}` (or None): how an app above inventory
adds a panel (a store's pickup and ship-from-store settings) without inventory knowing it.

`sku_panels` is the same for a SKU's page, with `sku` and `user` (a photo gallery, say).
"""

from django.dispatch import Signal

stock_received = Signal()
stock_levels_changed = Signal()
location_panels = Signal()
sku_panels = Signal()
