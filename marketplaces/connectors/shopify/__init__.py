"""Shopify through the Admin GraphQL API (2026-04); webhooks carry the REST order shape.

Stock: `inventorySetQuantities` with `@idempotent(key:)` (required since 2026-04) and a
`changeFromQuantity` per item (the quantity we last pushed or read; null when unknown).
Shopify decrements its own count when it sells, so a stale compare is normal: the stale
items are read back and the mutation retried once with fresh values (our ledger is the
truth for what may be sold). Throttling follows the calculated query cost: a throttled
answer (HTTP 200, code THROTTLED) blocks the bucket for (cost - available) / restoreRate.

- `queries`: the API version and the GraphQL documents.
- `orders`: order payloads (REST/webhook and GraphQL) as `RemoteOrder`s.
- `connector`: `ShopifyConnector`.
"""

from marketplaces.connectors.base import AuthExpired
from marketplaces.connectors.shopify.connector import ShopifyConnector
from marketplaces.connectors.shopify.orders import parse_graphql_order, parse_rest_order
from marketplaces.connectors.shopify.queries import API_VERSION

__all__ = ["API_VERSION", "AuthExpired", "ShopifyConnector", "parse_graphql_order", "parse_rest_order"]
