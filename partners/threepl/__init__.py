"""3PL warehouses connected through a connector: ShipBob's API (`connector`), its in-product
sandbox (`sandbox`), the outbox of fulfillment orders (`outbox`), what comes back (`services`,
`webhooks`) and inventory reconciliation and receiving orders."""
