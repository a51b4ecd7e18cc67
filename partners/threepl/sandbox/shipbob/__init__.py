"""ShipBob sandbox: orders fulfilled on a clock, inventory levels, receiving orders and signed
webhooks, in ShipBob's published shapes (`partners/samples/shipbob_*.json`).

Knobs beyond the shared ones (`fail_next`, `timeout_next`, `latency`, `revoked`): `advance()`
(the clock), `set_rate()` (the sliding window), `auto_ship`, `ship_after`, `deliver_after`,
`strict_inventory`, `ship()`, `deliver()`, `exception()`, `cancel()`, `set_inventory()`,
`add_product()`, `arrive()`, `complete_receiving()`, `receive_after`, `subscribed_topics`,
`webhook_secret`; `take_webhooks(duplicate=, shuffle=)` hands out the deliveries owed, signed.

Operations (for `fail_next` / `timeout_next`): "order_create", "orders", "order", "order_cancel", "inventory",
"receiving_create", "receiving", "channels", "webhooks".

Modules: `core` (account, clock, limiter, errors, webhooks), `orders` (the order API),
`fulfillment` (what the warehouse does with them), `receiving` (stock levels and WROs).
"""

from partners.threepl.sandbox.shipbob.receiving import ShipBobReceiving


class ShipBobSandbox(ShipBobReceiving):
    """The whole ShipBob sandbox: one merchant account with one API channel (`tokens`, `channel_id`)."""


__all__ = ["ShipBobSandbox"]
