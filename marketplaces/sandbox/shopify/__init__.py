"""Shopify Admin GraphQL API sandbox (version 2026-04) with REST-shaped order webhooks.

- `POST /admin/api/2026-04/graphql.json` with `X-Shopify-Access-Token`; a wrong token gets
  Shopify's 401 body. Operations are recognised by their root field: `inventorySetQuantities`
  (requires `@idempotent(key:)`; each quantity requires `changeFromQuantity`, compared with
  the persisted quantity -> `CHANGE_FROM_QUANTITY_STALE`; unknown items -> `NOT_FOUND`; the
  mutation is all-or-nothing), `nodes` (inventory levels), `orders` (cursor pagination,
  `query: "updated_at:>='…'"`, sortKey UPDATED_AT), `order`, `fulfillmentCreate`,
  `orderCancel`, `refundCreate`.
- Calculated query cost: a bucket of `maximum_available` points restored at `restore_rate`
  per second. Every answer carries `extensions.cost`; a query the bucket cannot pay for gets
  HTTP 200 with `errors[0].extensions.code == "THROTTLED"`, as Shopify answers.
- Orders are kept in the REST shape of Shopify's own published sample (64-bit ids, `sku`
  null on some lines, `current_quantity` 0 for refunded lines) and served as GraphQL nodes.
  Webhooks (`orders/create`, `orders/updated`, `orders/cancelled`) carry the bare REST order,
  signed with `X-Shopify-Hmac-Sha256`.

Modules: `app` (the GraphQL endpoint and its authentication), `inventory`, `orders` (with
their webhooks), `throttling` (calculated query cost) and `core` (ids and what they all read).
"""

from marketplaces.sandbox.shopify.app import ShopifySandbox
from marketplaces.sandbox.shopify.core import API_VERSION, ORDER_ID_BASE, shopify_ids

__all__ = ["API_VERSION", "ORDER_ID_BASE", "ShopifySandbox", "shopify_ids"]
