"""Amazon Selling Partner API sandbox: LWA tokens, Listings Items 2021-08-01, Orders v0.

- `POST /auth/o2/token` (Login with Amazon, refresh_token grant) -> access token; a revoked
  refresh token gets `400 {"error": "invalid_grant"}`. Every SP-API call needs
  `x-amz-access-token`; a missing or stale token gets 403 `Unauthorized`.
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
Orders are built from Amazon's published getOrders/getOrderItems sandbox examples.
"""

from __future__ import annotations

import copy
import gzip
import json
import secrets
import time
import uuid
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs

import httpx

from marketplaces.sandbox.base import Bucket, SandboxApp, json_response, load_sample

#: (rate per second, burst) of each operation's default usage plan.
USAGE_PLANS: dict[str, tuple[float, float]] = {
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
    "lwa": (100.0, 100.0),
}


def _issue(code: str, message: str, *attributes: str) -> dict[str, Any]:
    """One issue of a feed processing report (messageId added by the caller)."""
    return {"code": code, "severity": "ERROR", "message": message, "attributeNames": list(attributes)}


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class AmazonSandbox(SandboxApp):
    kind = "amazon"
    seller_id = "A3TH9S8BH6GOGM"
    marketplace_id = "ATVPDKIKX0DER"

    def setup(self) -> None:
        self.refresh_token = "Atzr|sandbox-refresh-token"  # noqa: S105 (the sandbox's own, public)
        self.client_id = "amzn1.application-oa2-client.sandbox"
        self.client_secret = "sandbox-client-secret"  # noqa: S105 (the sandbox's own, public)
        self.access_tokens: set[str] = set()
        self.plans = dict(USAGE_PLANS)
        self.buckets = {op: Bucket(rate, burst) for op, (rate, burst) in self.plans.items()}
        self.listings: set[str] = set()
        self.items: dict[str, list[dict[str, Any]]] = {}
        self.confirmations: list[dict[str, Any]] = []
        self.page_size = 100
        self.next_tokens: dict[str, list[str]] = {}
        self.feed_processing_delay = 2.0  # seconds from createFeed to DONE (Amazon: minutes)
        self.documents: dict[str, dict[str, Any]] = {}
        self.feeds: dict[str, dict[str, Any]] = {}
        prefix = r"/listings/2021-08-01/items/(?P<seller>[^/]+)/(?P<sku>[^/]+)"
        self.route("POST", r"/auth/o2/token", "lwa", self._token)
        self.route("PATCH", prefix, "patchListingsItem", self._patch_listing)
        self.route("GET", prefix, "getListingsItem", self._get_listing)
        self.route("GET", r"/orders/v0/orders", "getOrders", self._get_orders)
        self.route("GET", r"/orders/v0/orders/(?P<order_id>[\w-]+)", "getOrder", self._get_order)
        self.route("GET", r"/orders/v0/orders/(?P<order_id>[\w-]+)/orderItems", "getOrderItems", self._get_items)
        self.route("GET", r"/orders/v0/orders/(?P<order_id>[\w-]+)/address", "getOrderAddress", self._get_address)
        self.route("GET", r"/orders/v0/orders/(?P<order_id>[\w-]+)/buyerInfo", "getOrderBuyerInfo", self._get_buyer)
        self.route(
            "POST", r"/orders/v0/orders/(?P<order_id>[\w-]+)/shipmentConfirmation", "confirmShipment", self._confirm
        )
        self.route("POST", r"/feeds/2021-06-30/documents", "createFeedDocument", self._create_document)
        document = r"/feeds/2021-06-30/documents/(?P<document_id>[\w.-]+)"
        self.route("GET", document, "getFeedDocument", self._get_document)
        self.route("POST", r"/feeds/2021-06-30/feeds", "createFeed", self._create_feed)
        self.route("GET", r"/feeds/2021-06-30/feeds/(?P<feed_id>\d+)", "getFeed", self._get_feed)
        self.route("PUT", r"/_s3/(?P<document_id>[\w.-]+)", "s3Upload", self._s3_upload)
        self.route("GET", r"/_s3/(?P<document_id>[\w.-]+)", "s3Download", self._s3_download)

    def set_plan(self, op: str, rate: float, burst: float) -> None:
        self.plans[op] = (rate, burst)
        self.buckets[op] = Bucket(rate, burst)

    def add_product(self, sku: str, quantity: int = 0) -> dict[str, str]:
        with self.lock:
            self.listings.add(sku)
            if self.stock_persisted(sku) is None:
                self.state.stock[sku] = [(0.0, quantity)]
            return {"sku": sku}

    def quantity_of(self, sku: str, *, visible: bool = True) -> int | None:
        with self.lock:
            self.process_feeds()
            return self.stock_visible(sku) if visible else self.stock_persisted(sku)

    # HTTP --------------------------------------------------------------------------------

    def error(self, status: int, message: str, op: str) -> httpx.Response:
        code = {400: "InvalidInput", 403: "Unauthorized", 404: "NotFound", 429: "QuotaExceeded"}.get(
            status, "InternalFailure"
        )
        return json_response(status, {"errors": [{"code": code, "message": message, "details": ""}]})

    def authenticate(self, request: httpx.Request, op: str) -> httpx.Response | None:
        self.process_feeds()
        if op == "lwa":
            return None
        if op in ("s3Upload", "s3Download"):  # presigned: the signature in the URL is the credential
            document = self.documents.get(request.url.path.rsplit("/", 1)[-1])
            if document is None or request.url.params.get("X-Amz-Signature") != document["signature"]:
                return httpx.Response(403, content=b"<Error><Code>SignatureDoesNotMatch</Code></Error>")
            if time.time() > document["url_expires"]:
                return httpx.Response(
                    403, content=b"<Error><Code>AccessDenied</Code><Message>Expired</Message></Error>"
                )
            return None
        if self.revoked or request.headers.get("x-amz-access-token") not in self.access_tokens:
            return self.error(403, "Access to requested resource is denied.", op)
        return None

    def rate_limit(self, request: httpx.Request, op: str) -> httpx.Response | None:
        bucket = self.buckets.get(op)
        if bucket is not None and not bucket.take():
            return self.error(429, "You exceeded your quota for the requested resource.", op)
        return None

    def decorate(self, response: httpx.Response, op: str) -> httpx.Response:
        if op in self.plans and op != "lwa":
            response.headers["x-amzn-RateLimit-Limit"] = f"{self.plans[op][0]:g}"
        response.headers["x-amzn-RequestId"] = str(uuid.uuid4())
        return response

    def _token(self, request: httpx.Request) -> httpx.Response:
        form = {k: v[0] for k, v in parse_qs(request.content.decode()).items()}
        if (
            self.revoked
            or form.get("grant_type") != "refresh_token"
            or form.get("refresh_token") != self.refresh_token
            or form.get("client_id") != self.client_id
            or form.get("client_secret") != self.client_secret
        ):
            return json_response(
                400,
                {
                    "error": "invalid_grant",
                    "error_description": "The request has an invalid grant parameter : refresh_token",
                },
            )
        token = "Atza|" + secrets.token_urlsafe(24)
        self.access_tokens.add(token)
        return json_response(
            200,
            {"access_token": token, "refresh_token": self.refresh_token, "token_type": "bearer", "expires_in": 3600},
        )

    # Listings ----------------------------------------------------------------------------

    def _patch_listing(self, request: httpx.Request, seller: str, sku: str) -> httpx.Response:
        if "marketplaceIds" not in request.url.params:
            return self.error(400, "Missing required 'marketplaceIds'.", "patchListingsItem")
        body = json.loads(request.content)
        submission = uuid.uuid4().hex
        if seller != self.seller_id or sku not in self.listings:
            return json_response(
                200,
                {
                    "sku": sku,
                    "status": "INVALID",
                    "submissionId": submission,
                    "issues": [
                        {
                            "code": "4000001",
                            "message": f"The SKU '{sku}' does not match any listing of this seller.",
                            "severity": "ERROR",
                            "attributeNames": [],
                        }
                    ],
                },
            )
        if self.take_item_failure(sku):
            return self.error(500, "We encountered an internal error. Please try again.", "patchListingsItem")
        for patch in body["patches"]:
            if patch["path"] != "/attributes/fulfillment_availability" or patch["op"] not in (
                "replace",
                "merge",
                "add",
            ):
                raise ValueError(f"unsupported patch {patch['op']} {patch['path']}")
            for value in patch["value"]:
                quantity = int(value["quantity"])
                if quantity < 0:
                    raise ValueError("quantity must be 0 or more")
                self.stock_write(sku, quantity)
        return json_response(200, {"sku": sku, "status": "ACCEPTED", "submissionId": submission, "issues": []})

    def _get_listing(self, request: httpx.Request, seller: str, sku: str) -> httpx.Response:
        if sku not in self.listings:
            return self.error(404, f"SKU '{sku}' not found in marketplace {self.marketplace_id}", "getListingsItem")
        return json_response(
            200,
            {
                "sku": sku,
                "fulfillmentAvailability": [
                    {"fulfillmentChannelCode": "DEFAULT", "quantity": self.stock_visible(sku) or 0}
                ],
            },
        )

    # Feeds -------------------------------------------------------------------------------

    def _presigned(self, request: httpx.Request, document: dict[str, Any]) -> str:
        # Where the merchant reached us (the demo serves the sandbox over HTTP under a prefix).
        base = request.headers.get("X-Sandbox-Base") or f"{request.url.scheme}://{request.url.netloc.decode()}"
        document["url_expires"] = time.time() + 300  # presigned URLs last 5 minutes
        return f"{base}/_s3/{document['id']}?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Signature={document['signature']}"

    def _new_document(self, content_type: str) -> dict[str, Any]:
        document_id = f"amzn1.tortuga.4.na.{uuid.uuid4()}.T{self.new_id()}"
        document = {
            "id": document_id,
            "content_type": content_type,
            "content": None,
            "signature": secrets.token_hex(16),
            "url_expires": 0.0,
        }
        self.documents[document_id] = document
        return document

    def _create_document(self, request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        if not body.get("contentType"):
            return self.error(400, "contentType is required.", "createFeedDocument")
        document = self._new_document(str(body["contentType"]))
        return json_response(201, {"feedDocumentId": document["id"], "url": self._presigned(request, document)})

    def _s3_upload(self, request: httpx.Request, document_id: str) -> httpx.Response:
        document = self.documents[document_id]
        if request.headers.get("Content-Type") != document["content_type"]:
            return httpx.Response(403, content=b"<Error><Code>SignatureDoesNotMatch</Code></Error>")
        document["content"] = request.content
        return httpx.Response(200)

    def _s3_download(self, request: httpx.Request, document_id: str) -> httpx.Response:
        document = self.documents[document_id]
        headers = {"Content-Type": document["content_type"]}
        return httpx.Response(200, content=document["content"] or b"", headers=headers)

    def _create_feed(self, request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        document = self.documents.get(str(body.get("inputFeedDocumentId")))
        if not body.get("feedType") or not body.get("marketplaceIds"):
            return self.error(400, "feedType and marketplaceIds are required.", "createFeed")
        if document is None or document["content"] is None:
            return self.error(400, "The input feed document was not found or was not uploaded.", "createFeed")
        feed_id = str(50000000000 + self.new_id())
        now = time.time()
        self.feeds[feed_id] = {
            "feedId": feed_id,
            "feedType": body["feedType"],
            "marketplaceIds": list(body["marketplaceIds"]),
            "created": now,
            "document": document["id"],
            "processingStatus": "IN_QUEUE",
            "result": None,
        }
        return json_response(202, {"feedId": feed_id})

    def process_feeds(self) -> None:
        """Move feeds along their life (IN_QUEUE, IN_PROGRESS, DONE) and apply those whose time has come."""
        now = time.time()
        for feed in self.feeds.values():
            if feed["processingStatus"] in ("DONE", "FATAL", "CANCELLED"):
                continue
            if now >= feed["created"] + self.feed_processing_delay:
                self._process(feed, now)
            elif now >= feed["created"] + self.feed_processing_delay / 2:
                feed["processingStatus"] = "IN_PROGRESS"

    def _process(self, feed: dict[str, Any], now: float) -> None:
        feed["processingStartTime"] = _iso(datetime.fromtimestamp(feed["created"], UTC))
        feed["processingEndTime"] = _iso(datetime.fromtimestamp(now, UTC))
        try:
            document = json.loads(self.documents[feed["document"]]["content"])
            messages = document["messages"]
            if feed["feedType"] != "JSON_LISTINGS_FEED" or document["header"]["sellerId"] != self.seller_id:
                raise ValueError("not a listings feed of this seller")
        except (ValueError, KeyError, TypeError) as exc:
            feed["processingStatus"] = "FATAL"
            report: dict[str, Any] = {"errorDetails": f"The feed could not be processed: {exc}."}
        else:
            issues = []
            for message in messages:
                issue = self._apply_message(message)
                if issue is not None:
                    issues.append({"messageId": message.get("messageId"), **issue})
            invalid = len({issue["messageId"] for issue in issues})
            report = {
                "header": {"sellerId": self.seller_id, "version": "2.0", "feedId": feed["feedId"]},
                "issues": issues,
                "summary": {
                    "errors": len(issues),
                    "warnings": 0,
                    "messagesProcessed": len(messages),
                    "messagesAccepted": len(messages) - invalid,
                    "messagesInvalid": invalid,
                },
            }
            feed["processingStatus"] = "DONE"
        result = self._new_document("application/json; charset=UTF-8")
        result["content"] = gzip.compress(json.dumps(report).encode())
        result["compressed"] = True
        feed["result"] = result["id"]

    def _apply_message(self, message: dict[str, Any]) -> dict[str, Any] | None:
        sku = str(message.get("sku") or "")
        if message.get("operationType") != "PATCH" or not message.get("productType"):
            return _issue("4000004", "Only PATCH messages with a productType are handled.")
        if sku not in self.listings:
            return _issue("4000001", f"The SKU '{sku}' does not match any listing of this seller.")
        if self.take_item_failure(sku):
            return _issue("90000900", "An internal error occurred while processing this message. Resubmit it.")
        quantities = []
        for patch in message.get("patches") or []:
            path, op = patch.get("path"), patch.get("op")
            if path != "/attributes/fulfillment_availability" or op not in ("replace", "merge", "add"):
                return _issue("4000003", f"Unsupported patch {op} {path}.", "fulfillment_availability")
            for value in patch.get("value") or []:
                quantity = int(value.get("quantity", -1))
                if quantity < 0:
                    return _issue("4000003", "quantity must be 0 or more.", "fulfillment_availability")
                quantities.append(quantity)
        for quantity in quantities:
            self.stock_write(sku, quantity)
        return None

    def _get_feed(self, request: httpx.Request, feed_id: str) -> httpx.Response:
        feed = self.feeds.get(feed_id)
        if feed is None:
            return self.error(404, f"Feed {feed_id} not found.", "getFeed")
        body = {
            "feedId": feed_id,
            "feedType": feed["feedType"],
            "marketplaceIds": feed["marketplaceIds"],
            "createdTime": _iso(datetime.fromtimestamp(feed["created"], UTC)),
            "processingStatus": feed["processingStatus"],
        }
        for key in ("processingStartTime", "processingEndTime"):
            if key in feed:
                body[key] = feed[key]
        if feed["result"]:
            body["resultFeedDocumentId"] = feed["result"]
        return json_response(200, body)

    def _get_document(self, request: httpx.Request, document_id: str) -> httpx.Response:
        document = self.documents.get(document_id)
        if document is None or document["content"] is None:
            return self.error(404, f"Feed document {document_id} not found.", "getFeedDocument")
        body = {"feedDocumentId": document_id, "url": self._presigned(request, document)}
        if document.get("compressed"):
            body["compressionAlgorithm"] = "GZIP"
        return json_response(200, body)

    # Orders ------------------------------------------------------------------------------

    def create_order(self, lines: list[tuple[str, int]], **extra: Any) -> str:
        with self.lock:
            template = load_sample("amazon_sp_getOrders_response_sandbox.json")["payload"]["Orders"][0]
            item_template = load_sample("amazon_sp_getOrderItems_response_sandbox.json")["payload"]["OrderItems"][0]
            number = self.new_id()
            order_id = f"902-{number:07d}-{(number * 7919) % 10_000_000:07d}"
            now = _iso(datetime.now(UTC))
            order = copy.deepcopy(template)
            order.update(
                AmazonOrderId=order_id,
                PurchaseDate=now,
                LastUpdateDate=now,
                OrderStatus="Unshipped",
                NumberOfItemsUnshipped=sum(q for _, q in lines),
            )
            order.pop("DefaultShipFromLocationAddress", None)
            items = []
            for index, (sku, quantity) in enumerate(lines):
                item = copy.deepcopy(item_template)
                item.update(
                    OrderItemId=f"{number:08d}{index:06d}",
                    SellerSKU=sku,
                    QuantityOrdered=quantity,
                    QuantityShipped=0,
                    Title=f"Sandbox {sku}",
                    ItemPrice={"CurrencyCode": "USD", "Amount": f"{10 * quantity:.2f}"},
                )
                item.pop("BuyerRequestedCancel", None)
                items.append(item)
                if sku in self.listings:
                    self.stock_write(sku, max(0, (self.stock_persisted(sku) or 0) - quantity))
            self.state.orders[order_id] = order
            self.items[order_id] = items
            address = load_sample("amazon_sp_getOrderAddress_response_sandbox.json")["payload"]["ShippingAddress"]
            order["_address"] = dict(address, PostalCode=extra.get("zip", address["PostalCode"]))
            order["_buyer"] = load_sample("amazon_sp_getOrderBuyerInfo_response_sandbox.json")["payload"]
            return order_id

    def cancel_order_by_customer(self, order_id: str) -> None:
        with self.lock:
            order = self.state.orders[order_id]
            order["OrderStatus"] = "Canceled"
            order["LastUpdateDate"] = _iso(datetime.now(UTC))

    @staticmethod
    def _public(order: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in order.items() if not k.startswith("_")}

    def _get_orders(self, request: httpx.Request) -> httpx.Response:
        params = request.url.params
        if not params.get("MarketplaceIds"):
            return self.error(400, "Missing required 'MarketplaceIds'.", "getOrders")
        token = params.get("NextToken")
        if token:
            remaining = self.next_tokens.pop(token, None)
            if remaining is None:
                return self.error(400, "Invalid NextToken.", "getOrders")
        else:
            after = params.get("LastUpdatedAfter") or params.get("CreatedAfter")
            if not after:
                return self.error(400, "Either CreatedAfter or LastUpdatedAfter must be given.", "getOrders")
            since = datetime.fromisoformat(after.replace("Z", "+00:00"))
            remaining = [
                oid
                for oid, o in sorted(self.state.orders.items(), key=lambda kv: kv[1]["LastUpdateDate"])
                if datetime.fromisoformat(o["LastUpdateDate"].replace("Z", "+00:00")) >= since
            ]
        page, rest = remaining[: self.page_size], remaining[self.page_size :]
        payload: dict[str, Any] = {
            "Orders": [self._public(self.state.orders[oid]) for oid in page],
            "LastUpdatedBefore": _iso(datetime.now(UTC)),
        }
        if rest:
            next_token = secrets.token_urlsafe(16)
            self.next_tokens[next_token] = rest
            payload["NextToken"] = next_token
        return json_response(200, {"payload": payload})

    def _order_or_404(self, order_id: str) -> dict[str, Any] | httpx.Response:
        order = self.state.orders.get(order_id)
        return order if order is not None else self.error(404, f"Order {order_id} not found.", "getOrder")

    def _get_order(self, request: httpx.Request, order_id: str) -> httpx.Response:
        order = self._order_or_404(order_id)
        return order if isinstance(order, httpx.Response) else json_response(200, {"payload": self._public(order)})

    def _get_items(self, request: httpx.Request, order_id: str) -> httpx.Response:
        order = self._order_or_404(order_id)
        if isinstance(order, httpx.Response):
            return order
        return json_response(200, {"payload": {"AmazonOrderId": order_id, "OrderItems": self.items[order_id]}})

    def _get_address(self, request: httpx.Request, order_id: str) -> httpx.Response:
        order = self._order_or_404(order_id)
        if isinstance(order, httpx.Response):
            return order
        return json_response(200, {"payload": {"AmazonOrderId": order_id, "ShippingAddress": order["_address"]}})

    def _get_buyer(self, request: httpx.Request, order_id: str) -> httpx.Response:
        order = self._order_or_404(order_id)
        if isinstance(order, httpx.Response):
            return order
        return json_response(200, {"payload": dict(order["_buyer"], AmazonOrderId=order_id)})

    def _confirm(self, request: httpx.Request, order_id: str) -> httpx.Response:
        order = self._order_or_404(order_id)
        if isinstance(order, httpx.Response):
            return order
        body = json.loads(request.content)
        detail = body["packageDetail"]
        known = {item["OrderItemId"] for item in self.items[order_id]}
        for item in detail["orderItems"]:
            if item["orderItemId"] not in known:
                return self.error(
                    400, f"Order item {item['orderItemId']} is not part of order {order_id}.", "confirmShipment"
                )
        self.confirmations.append({"order_id": order_id, **detail})
        order["OrderStatus"] = "Shipped"
        order["LastUpdateDate"] = _iso(datetime.now(UTC))
        return httpx.Response(204)
