"""The Amazon sandbox as the transport sees it: its routes, LWA tokens and who may call."""

from __future__ import annotations

import secrets
import time
from urllib.parse import parse_qs

import httpx

from marketplaces.sandbox.amazon.feeds import AmazonFeeds
from marketplaces.sandbox.amazon.listings import AmazonListings
from marketplaces.sandbox.amazon.notifications import AmazonNotifications
from marketplaces.sandbox.amazon.throttling import AmazonThrottling
from marketplaces.sandbox.base import json_response


class AmazonSandbox(AmazonListings, AmazonFeeds, AmazonNotifications, AmazonThrottling):
    def setup(self) -> None:
        super().setup()
        self.refresh_token = "Atzr|sandbox-refresh-token"  # noqa: S105 (the sandbox's own, public)
        self.client_id = "amzn1.application-oa2-client.sandbox"
        self.client_secret = "sandbox-client-secret"  # noqa: S105 (the sandbox's own, public)
        self.access_tokens: set[str] = set()
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
        self.route("POST", r"/", "sqs", self._sqs)  # the ORDER_CHANGE queue (SQS JSON protocol)
        self.route("POST", r"/feeds/2021-06-30/documents", "createFeedDocument", self._create_document)
        document = r"/feeds/2021-06-30/documents/(?P<document_id>[\w.-]+)"
        self.route("GET", document, "getFeedDocument", self._get_document)
        self.route("POST", r"/feeds/2021-06-30/feeds", "createFeed", self._create_feed)
        self.route("GET", r"/feeds/2021-06-30/feeds/(?P<feed_id>\d+)", "getFeed", self._get_feed)
        self.route("PUT", r"/_s3/(?P<document_id>[\w.-]+)", "s3Upload", self._s3_upload)
        self.route("GET", r"/_s3/(?P<document_id>[\w.-]+)", "s3Download", self._s3_download)

    def quantity_of(self, sku: str, *, visible: bool = True) -> int | None:
        with self.lock:
            self.process_feeds()
            return self.stock_visible(sku) if visible else self.stock_persisted(sku)

    # HTTP --------------------------------------------------------------------------------

    def authenticate(self, request: httpx.Request, op: str) -> httpx.Response | None:
        self.process_feeds()
        if op == "lwa":
            return None
        if op == "sqs":
            return self.sqs_authenticate(request)
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
