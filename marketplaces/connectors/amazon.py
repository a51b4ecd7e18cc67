"""Amazon through the Selling Partner API: LWA access tokens, Listings Items, Orders v0.

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
"""

from __future__ import annotations

import gzip
import json
import time
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, ClassVar
from urllib.parse import quote

import httpx

from marketplaces import ratelimit
from marketplaces.connectors.base import (
    AuthExpired,
    Connector,
    PushResult,
    RemoteLine,
    RemoteOrder,
    RequestRejected,
    ShipmentLine,
    StockItem,
    TransientError,
    money,
    parse_time,
)

LWA_URL = "https://api.amazon.com/auth/o2/token"
FEED_CONTENT_TYPE = "application/json; charset=UTF-8"
FEED_OPS = ("createFeedDocument", "createFeed", "getFeedDocument")
#: Processing-report issue codes that mean "Amazon failed, send it again" (not a data error).
RETRYABLE_ISSUE_CODES = {"90000900"}


def parse_order(
    order: Mapping[str, Any],
    items: list[Mapping[str, Any]],
    address: Mapping[str, Any] | None = None,
    buyer: Mapping[str, Any] | None = None,
) -> RemoteOrder:
    """An Orders v0 order with its items (getOrderItems) and, when getOrders did not include them,
    its address (getOrderAddress) and buyer (getOrderBuyerInfo)."""
    ship_to = dict(order.get("ShippingAddress") or address or {})
    buyer_info = dict(order.get("BuyerInfo") or buyer or {})
    lines = [
        RemoteLine(
            external_line_id=str(item["OrderItemId"]),
            sku=str(item.get("SellerSKU") or ""),
            product_id=str(item.get("ASIN") or ""),
            quantity=int(item.get("QuantityOrdered") or 0),
            # ItemPrice is the line total (price x quantity) on Amazon.
            unit_price=(
                money((item.get("ItemPrice") or {}).get("Amount")) / max(int(item.get("QuantityOrdered") or 1), 1)
            ).quantize(Decimal("0.01")),
            title=str(item.get("Title") or ""),
        )
        for item in items
        if int(item.get("QuantityOrdered") or 0) > 0
    ]
    tax = sum((money((item.get("ItemTax") or {}).get("Amount")) for item in items), Decimal("0.00"))
    shipping = sum((money((item.get("ShippingPrice") or {}).get("Amount")) for item in items), Decimal("0.00"))
    postal = str(ship_to.get("PostalCode") or "")
    return RemoteOrder(
        external_id=str(order["AmazonOrderId"]),
        name=str(order["AmazonOrderId"]),
        updated_at=parse_time(order.get("LastUpdateDate")),
        placed_at=parse_time(order.get("PurchaseDate")),
        cancelled=order.get("OrderStatus") == "Canceled",
        customer_name=str(ship_to.get("Name") or buyer_info.get("BuyerName") or "Amazon customer"),
        customer_email=str(buyer_info.get("BuyerEmail") or ""),
        customer_phone=str(ship_to.get("Phone") or ""),
        line1=str(ship_to.get("AddressLine1") or ""),
        line2=str(ship_to.get("AddressLine2") or ""),
        city=str(ship_to.get("City") or ""),
        region=str(ship_to.get("StateOrRegion") or ""),
        postal_code=postal.split("-")[0] if (ship_to.get("CountryCode") or "US") == "US" else postal,  # ZIP+4 -> ZIP
        country=str(ship_to.get("CountryCode") or "US"),
        currency=str((order.get("OrderTotal") or {}).get("CurrencyCode") or "USD"),
        shipping_total=shipping,
        tax_total=tax,
        lines=lines,
    )


class AmazonConnector(Connector):
    kind = "amazon"
    batch_size = 1
    limits = {
        "patchListingsItem": (5.0, 10.0),
        "getListingsItem": (5.0, 10.0),
        "createFeedDocument": (0.5, 15.0),
        "createFeed": (0.0083, 15.0),
        "getFeed": (2.0, 15.0),
        "getFeedDocument": (0.0222, 10.0),
        "getOrders": (0.0167, 20.0),
        "getOrder": (0.5, 30.0),
        "getOrderItems": (0.5, 30.0),
        "getOrderAddress": (0.5, 30.0),
        "getOrderBuyerInfo": (0.5, 30.0),
        "confirmShipment": (2.0, 10.0),
        "lwa": (10.0, 10.0),
    }

    #: More pending SKUs than this go by feed (when its plans allow one); settings.CHANNELS_AMAZON_FEED_THRESHOLD.
    feed_threshold = 50
    feed_max_messages = 10_000
    #: Seconds before the first getFeed poll, learned from the last feed (per process and channel).
    _processing_estimates: ClassVar[dict[str, float]] = {}

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._token: str = ""
        self._token_expires = 0.0
        self.last_feed_done_at = 0.0

    @property
    def seller_id(self) -> str:
        return self.credentials.get("seller_id", "")

    @property
    def marketplace_id(self) -> str:
        return self.credentials.get("marketplace_id", "ATVPDKIKX0DER")

    def _lwa_url(self) -> str:
        if self.base_url.startswith("sandbox://") or "/channels/sandbox/" in self.base_url:
            return f"{self.base_url}/auth/o2/token"
        return self.credentials.get("lwa_url") or LWA_URL

    def auth_headers(self) -> dict[str, str]:
        if not self._token or time.time() > self._token_expires - 60:
            self._refresh_token()
        return {"x-amz-access-token": self._token}

    def _refresh_token(self) -> None:
        self._acquire("lwa")
        self.calls += 1
        try:
            response = self.client.post(
                self._lwa_url(),
                data={
                    "grant_type": "refresh_token",
                    "refresh_token": self.credentials.get("refresh_token", ""),
                    "client_id": self.credentials.get("client_id", ""),
                    "client_secret": self.credentials.get("client_secret", ""),
                },
            )
        except httpx.TransportError as exc:
            raise TransientError("Login with Amazon could not be reached.") from exc
        if response.status_code in (400, 401):
            raise AuthExpired(
                f"Login with Amazon refused the refresh token ({self.error_detail(response)}).",
                status=response.status_code,
            )
        if response.status_code != 200:
            raise TransientError(f"Login with Amazon failed ({response.status_code}).", status=response.status_code)
        body = response.json()
        self._token = body["access_token"]
        self._token_expires = time.time() + float(body.get("expires_in", 3600))

    def observe(self, op: str, response: httpx.Response) -> None:
        limit = response.headers.get("x-amzn-RateLimit-Limit")
        if limit:
            try:
                rate = float(limit)
            except ValueError:
                return
            _default_rate, burst = self.limits.get(op, self.default_limit)
            # Amazon tells the rate, not the burst: once refused, assume no burst; keep 5% of headroom.
            if response.status_code == 429 or self.learned_limits.get(op, (0.0, burst))[1] == 1.0:
                burst = 1.0
            self.learned_limits[op] = (rate * 0.95, burst)

    # Stock -------------------------------------------------------------------------------

    def _listing_path(self, sku: str) -> str:
        return f"/listings/2021-08-01/items/{quote(self.seller_id, safe='')}/{quote(sku, safe='')}"

    def push_stock(self, items: list[StockItem]) -> list[PushResult]:
        results = []
        for item in items:
            response = self._request(
                "PATCH",
                self._listing_path(item.external_sku),
                op="patchListingsItem",
                params={"marketplaceIds": self.marketplace_id, "issueLocale": "en_US"},
                json={
                    "productType": "PRODUCT",
                    "patches": [
                        {
                            "op": "replace",
                            "path": "/attributes/fulfillment_availability",
                            "value": [{"fulfillment_channel_code": "DEFAULT", "quantity": item.quantity}],
                        }
                    ],
                },
            )
            body = response.json()
            if body.get("status") == "ACCEPTED":
                results.append(PushResult(item.sku_id, ok=True))
            else:
                issues = "; ".join(
                    f"{i.get('code')}: {i.get('message')}" for i in body.get("issues") or []
                ) or body.get("status")
                results.append(PushResult(item.sku_id, ok=False, retryable=False, error=f"Amazon: {issues}"))
        return results

    # Stock by feed ---------------------------------------------------------------------------

    def feed_ready(self) -> bool:
        """Whether the Feeds usage plans allow one whole feed now (no waiting on a 2-minute refill)."""
        for op in FEED_OPS:
            rate, burst = self._limit(op)
            if ratelimit.bucket_available(f"{self.bucket_key}:{op}", rate=rate, burst=burst) < 1.0:
                return False
        return True

    def feed_document(self, items: list[StockItem]) -> dict[str, Any]:
        """The JSON_LISTINGS_FEED: one PATCH message per SKU, numbered from 1 in `items` order."""
        return {
            "header": {"sellerId": self.seller_id, "version": "2.0", "issueLocale": "en_US"},
            "messages": [
                {
                    "messageId": number,
                    "sku": item.external_sku,
                    "operationType": "PATCH",
                    "productType": "PRODUCT",
                    "patches": [
                        {
                            "op": "replace",
                            "path": "/attributes/fulfillment_availability",
                            "value": [{"fulfillment_channel_code": "DEFAULT", "quantity": item.quantity}],
                        }
                    ],
                }
                for number, item in enumerate(items, start=1)
            ],
        }

    def _transfer(self, method: str, url: str, *, content: bytes | None = None) -> httpx.Response:
        """A PUT/GET of a feed document at its presigned URL (no SP-API token: the URL is signed)."""
        self.calls += 1
        headers = {"Content-Type": FEED_CONTENT_TYPE} if content is not None else {}
        try:
            response = self.client.request(method, url, content=content, headers=headers)
        except httpx.TransportError as exc:
            raise TransientError(f"Feed document transfer failed ({exc.__class__.__name__}).") from exc
        if response.status_code != 200:
            raise TransientError(f"Feed document transfer refused ({response.status_code}: {response.text[:200]}).")
        return response

    def push_stock_feed(self, items: list[StockItem], *, timeout: float = 600.0) -> list[PushResult]:
        """Set many quantities with one JSON_LISTINGS_FEED; a result per item from the processing report."""
        document = self._request(
            "POST", "/feeds/2021-06-30/documents", op="createFeedDocument", json={"contentType": FEED_CONTENT_TYPE}
        ).json()
        self._transfer("PUT", document["url"], content=json.dumps(self.feed_document(items)).encode())
        feed_id = self._request(
            "POST",
            "/feeds/2021-06-30/feeds",
            op="createFeed",
            json={
                "feedType": "JSON_LISTINGS_FEED",
                "marketplaceIds": [self.marketplace_id],
                "inputFeedDocumentId": document["feedDocumentId"],
            },
        ).json()["feedId"]
        feed = self._wait_for_feed(str(feed_id), timeout=timeout)
        if feed["processingStatus"] != "DONE":
            report_error = ""
            if feed.get("resultFeedDocumentId"):
                report_error = str(self._report(feed["resultFeedDocumentId"]).get("errorDetails") or "")
            raise TransientError(f"Amazon feed {feed_id} ended {feed['processingStatus']}. {report_error}".strip())
        report = self._report(feed["resultFeedDocumentId"])
        return self.feed_results(items, report)

    def _wait_for_feed(self, feed_id: str, *, timeout: float) -> dict[str, Any]:
        started = time.time()
        estimate = self._processing_estimates.get(self.bucket_key, 1.0)
        time.sleep(estimate)
        interval = 0.5
        while True:
            feed = self._request("GET", f"/feeds/2021-06-30/feeds/{quote(feed_id, safe='')}", op="getFeed").json()
            if feed["processingStatus"] in ("DONE", "FATAL", "CANCELLED"):
                self.last_feed_done_at = time.time()
                # Next time, poll a little before this one finished (fewer getFeed calls, no lost time).
                self._processing_estimates[self.bucket_key] = max(0.2, self.last_feed_done_at - started - interval)
                return feed
            if time.time() - started > timeout:
                raise TransientError(f"Amazon feed {feed_id} still {feed['processingStatus']} after {timeout:.0f} s.")
            time.sleep(interval)
            interval = min(interval * 1.5, 30.0)

    def _report(self, document_id: str) -> dict[str, Any]:
        meta = self._request(
            "GET", f"/feeds/2021-06-30/documents/{quote(document_id, safe='')}", op="getFeedDocument"
        ).json()
        content = self._transfer("GET", meta["url"]).content
        if meta.get("compressionAlgorithm") == "GZIP":
            content = gzip.decompress(content)
        report: dict[str, Any] = json.loads(content)
        return report

    @staticmethod
    def feed_results(items: list[StockItem], report: Mapping[str, Any]) -> list[PushResult]:
        """Per item: accepted unless the report has an issue of severity ERROR for its message."""
        problems: dict[int, list[Mapping[str, Any]]] = {}
        for issue in report.get("issues") or []:
            if issue.get("severity") == "ERROR" and issue.get("messageId") is not None:
                problems.setdefault(int(issue["messageId"]), []).append(issue)
        processed = int((report.get("summary") or {}).get("messagesProcessed") or len(items))
        results = []
        for number, item in enumerate(items, start=1):
            issues = problems.get(number)
            if number > processed:
                results.append(
                    PushResult(item.sku_id, ok=False, retryable=True, error="Amazon: the feed did not process it.")
                )
            elif issues:
                text = "; ".join(f"{i.get('code')}: {i.get('message')}" for i in issues)
                retryable = all(str(i.get("code")) in RETRYABLE_ISSUE_CODES for i in issues)
                results.append(PushResult(item.sku_id, ok=False, retryable=retryable, error=f"Amazon: {text}"))
            else:
                results.append(PushResult(item.sku_id, ok=True))
        return results

    def read_stock(self, items: list[StockItem]) -> dict[int, int]:
        found = {}
        for item in items:
            try:
                response = self._request(
                    "GET",
                    self._listing_path(item.external_sku),
                    op="getListingsItem",
                    params={"marketplaceIds": self.marketplace_id, "includedData": "fulfillmentAvailability"},
                )
            except RequestRejected:
                continue
            for availability in response.json().get("fulfillmentAvailability") or []:
                if availability.get("fulfillmentChannelCode") == "DEFAULT":
                    found[item.sku_id] = int(availability.get("quantity") or 0)
        return found

    # Orders ------------------------------------------------------------------------------

    def _complete(self, order: Mapping[str, Any]) -> RemoteOrder:
        order_id = quote(str(order["AmazonOrderId"]), safe="")
        items = self._request("GET", f"/orders/v0/orders/{order_id}/orderItems", op="getOrderItems").json()["payload"][
            "OrderItems"
        ]
        address = (
            None
            if order.get("ShippingAddress")
            else self._request("GET", f"/orders/v0/orders/{order_id}/address", op="getOrderAddress")
            .json()["payload"]
            .get("ShippingAddress")
        )
        buyer = (
            None
            if order.get("BuyerInfo")
            else self._request("GET", f"/orders/v0/orders/{order_id}/buyerInfo", op="getOrderBuyerInfo").json()[
                "payload"
            ]
        )
        return parse_order(order, items, address, buyer)

    def list_orders(self, since: datetime) -> Iterator[RemoteOrder]:
        params: dict[str, str] = {
            "MarketplaceIds": self.marketplace_id,
            "LastUpdatedAfter": since.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        }
        while True:
            payload = self._request("GET", "/orders/v0/orders", op="getOrders", params=params).json()["payload"]
            for order in payload.get("Orders") or []:
                yield self._complete(order)
            if not payload.get("NextToken"):
                return
            params = {"MarketplaceIds": self.marketplace_id, "NextToken": payload["NextToken"]}

    def get_order(self, external_id: str) -> RemoteOrder:
        order = self._request("GET", f"/orders/v0/orders/{quote(external_id, safe='')}", op="getOrder").json()[
            "payload"
        ]
        return self._complete(order)

    # Confirmations -----------------------------------------------------------------------

    def confirm_shipment(
        self, external_id: str, lines: list[ShipmentLine], *, carrier: str, tracking_number: str, shipped_at: datetime
    ) -> str:
        self._request(
            "POST",
            f"/orders/v0/orders/{quote(external_id, safe='')}/shipmentConfirmation",
            op="confirmShipment",
            json={
                "marketplaceId": self.marketplace_id,
                "packageDetail": {
                    "packageReferenceId": tracking_number or "1",
                    "carrierCode": carrier or "Other",
                    "trackingNumber": tracking_number,
                    "shipDate": shipped_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
                    "orderItems": [{"orderItemId": line.external_line_id, "quantity": line.quantity} for line in lines],
                },
            },
        )
        return tracking_number

    def cancel_order(self, external_id: str, *, reason: str) -> str:
        raise RequestRejected(
            f"Amazon does not cancel merchant-fulfilled orders through the Orders API: cancel {external_id} "
            "in Seller Central (Manage Orders → Cancel order)."
        )

    def refund_create(
        self, external_id: str, *, amount: Decimal, currency: str, reason: str, lines: list[ShipmentLine]
    ) -> str:
        raise RequestRejected(
            f"Amazon refunds are issued in Seller Central (Manage Orders → {external_id} → Refund order), "
            "not through the Orders API."
        )
