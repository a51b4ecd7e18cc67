"""Amazon through the Selling Partner API: LWA access tokens, Listings Items, Feeds, Orders v0.

Stock is one `patchListingsItem` per SKU (the Listings Items API has no batch), replacing
`/attributes/fulfillment_availability` with the absolute quantity — or, for many SKUs at once,
one JSON_LISTINGS_FEED through the Feeds API (`push_stock_feed`): createFeedDocument, upload
of the document to the presigned URL, createFeed, getFeed until DONE, then the processing
report (getFeedDocument, GZIP) whose per-message issues say which SKUs failed. The feed costs
a handful of calls whatever its size, but its own usage plans are tight (createFeed 0.0083/s
burst 15, getFeedDocument 0.0222/s burst 10), so the sync uses it only when more than
`feed_threshold` SKUs are pending and `feed_ready()` says the plans allow one now. The bucket of each
operation starts at Amazon's default usage plan and follows the `x-amzn-RateLimit-Limit`
header Amazon returns (a seller with a raised plan is used at its real rate). A 429 carries
no Retry-After on Amazon: the wait is one token at the current rate.
Cancellations and refunds of merchant-fulfilled orders are not in these APIs (Seller Central
or a feed): the connector refuses them with that instruction, so the sync log says what to do.

- `session`: LWA tokens, usage plans and the rate headers they are learned from.
- `feeds`: the JSON_LISTINGS_FEED round trip and its processing report.
- `orders`: Orders v0 payloads as `RemoteOrder`s.
- `notices`: the ORDER_CHANGE notifications read from the seller's SQS queue.
- `subscriptions`: the queue's access policy, the Notifications API destination and the
  ORDER_CHANGE subscription that make Amazon send to that queue.
- `connector`: `AmazonConnector`, the Listings Items and Orders operations.
"""

from marketplaces.connectors.amazon.connector import AmazonConnector
from marketplaces.connectors.amazon.feeds import FEED_CONTENT_TYPE, FEED_OPS, RETRYABLE_ISSUE_CODES, AmazonFeeds
from marketplaces.connectors.amazon.orders import parse_order
from marketplaces.connectors.amazon.session import LWA_URL, AmazonSession

__all__ = [
    "FEED_CONTENT_TYPE",
    "FEED_OPS",
    "LWA_URL",
    "RETRYABLE_ISSUE_CODES",
    "AmazonConnector",
    "AmazonFeeds",
    "AmazonSession",
    "parse_order",
]
