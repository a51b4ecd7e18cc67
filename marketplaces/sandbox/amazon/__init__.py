"""Amazon Selling Partner API sandbox: LWA tokens, Listings Items 2021-08-01, Orders v0, Feeds,
Notifications v1 and the seller's ORDER_CHANGE queue (SQS).

- `POST /auth/o2/token` (Login with Amazon, refresh_token grant) -> access token; a revoked
  refresh token gets `400 {"error": "invalid_grant"}`. The `client_credentials` grant with scope
  `sellingpartnerapi::notifications` -> a grantless token (wrong client: 401 `invalid_client`;
  other scope: 400 `invalid_scope`). Every SP-API call needs `x-amz-access-token`; a missing or
  stale token, or one of the wrong kind (grantless vs the seller's), gets 403 `Unauthorized`.
- `PATCH /listings/2021-08-01/items/{sellerId}/{sku}?marketplaceIds=` with a JSON Patch of
  `/attributes/fulfillment_availability` -> `{"sku", "status": "ACCEPTED", "submissionId",
  "issues": []}`; an unknown SKU is `INVALID` with an issue. `GET` of the same path with
  `includedData=fulfillmentAvailability` reads it back (after `visibility_delay`).
- `GET /orders/v0/orders` (`MarketplaceIds`, `LastUpdatedAfter`, `NextToken` pages of
  `page_size`), `/orders/v0/orders/{id}`, `/orderItems`, `/address`, `/buyerInfo`,
  `POST /orders/v0/orders/{id}/shipmentConfirmation` (204).
- Feeds 2021-06-30 for bulk updates: `POST /feeds/2021-06-30/documents` (createFeedDocument,
  201 with a presigned upload `url`), `PUT` of the JSON_LISTINGS_FEED document to that URL
  (no SP-API token: the URL is signed), `POST /feeds/2021-06-30/feeds` (createFeed, 202
  `{"feedId"}`), `GET /feeds/2021-06-30/feeds/{feedId}` (getFeed: IN_QUEUE, IN_PROGRESS, then
  DONE with `resultFeedDocumentId`, or FATAL for a document that is not a listings feed),
  `GET /feeds/2021-06-30/documents/{id}` (getFeedDocument: a presigned download `url`, GZIP).
  A feed is processed `feed_processing_delay` seconds after createFeed: each PATCH message is
  applied as patchListingsItem would, and the processing report lists an issue per message
  that failed (unknown SKU: not retryable; `item_failures`: an internal error, retryable).
- Usage plans per operation (token buckets, Amazon's published defaults: patchListingsItem
  5/s burst 10, createFeed 0.0083/s burst 15…); every answer carries `x-amzn-RateLimit-Limit`;
  an exhausted plan answers 429 `QuotaExceeded` (no Retry-After, as Amazon does).
- Notifications v1 (`/notifications/v1/destinations`, `/notifications/v1/subscriptions/ORDER_CHANGE`):
  ORDER_CHANGE reaches the queue only once a destination names the queue's ARN, the seller is
  subscribed to it, and the queue policy (SQS `AddPermission`, read by `GetQueueAttributes`) lets
  Amazon's account 437568002678 SendMessage, as on Amazon; otherwise nothing arrives and nobody
  is told (`undelivered_notifications` counts it). See `notifications` and `subscriptions`.
Orders are built from Amazon's published getOrders/getOrderItems sandbox examples.

Modules: `app` (routes, LWA tokens, authentication), `listings`, `feeds` (with the presigned
document store), `orders`, `notifications` (the queue), `subscriptions` (Notifications API and the
queue's access), `throttling` (usage plans) and `core` (what they all read).
"""

from marketplaces.sandbox.amazon.app import AmazonSandbox
from marketplaces.sandbox.amazon.throttling import USAGE_PLANS

__all__ = ["USAGE_PLANS", "AmazonSandbox"]
