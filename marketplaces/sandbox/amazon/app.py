"""The Amazon sandbox as the transport sees it: its routes, LWA tokens (the seller's and the grantless
ones of the Notifications API) and who may call."""

from __future__ import annotations

import secrets
import time
from urllib.parse import parse_qs

import httpx

from marketplaces.sandbox.amazon.feeds import AmazonFeeds
from marketplaces.sandbox.amazon.listings import AmazonListings
from marketplaces.sandbox.amazon.subscriptions import GRANTLESS_OPERATIONS, NOTIFICATIONS_SCOPE, AmazonSubscriptions
from marketplaces.sandbox.amazon.throttling import AmazonThrottling
from marketplaces.sandbox.base import json_response


class AmazonSandbox(AmazonListings, AmazonFeeds, AmazonSubscriptions, AmazonThrottling):
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
        destinations = r"/notifications/v1/destinations"
        self.route("POST", destinations, "createDestination", self._create_destination)
        self.route("GET", destinations, "getDestinations", self._get_destinations)
        destination = destinations + r"/(?P<destination_id>[\w-]+)"
        self.route("DELETE", destination, "deleteDestination", self._delete_destination)
        subscription = r"/notifications/v1/subscriptions/(?P<notification_type>\w+)"
        self.route("POST", subscription, "createSubscription", self._create_subscription)
        self.route("GET", subscription, "getSubscription", self._get_subscription)
        by_id = subscription + r"/(?P<subscription_id>[\w-]+)"
        self.route("DELETE", by_id, "deleteSubscriptionById", self._delete_subscription)

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
        # A grantless token is the application's, not the seller's: each kind opens only its own operations.
        tokens = self.grantless_tokens if op in GRANTLESS_OPERATIONS else self.access_tokens
        if self.revoked or request.headers.get("x-amz-access-token") not in tokens:
            return self.error(403, "Access to requested resource is denied.", op)
        return None

    def _token(self, request: httpx.Request) -> httpx.Response:
        form = {k: v[0] for k, v in parse_qs(request.content.decode()).items()}
        if form.get("grant_type") == "client_credentials":
            return self._grantless_token(form)
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

    def _grantless_token(self, form: dict[str, str]) -> httpx.Response:
        """LWA `client_credentials` grant: the application's own token, for the grantless Notifications
        operations only (no seller authorized it, so it opens none of a seller's data)."""
        if form.get("client_id") != self.client_id or form.get("client_secret") != self.client_secret:
            return json_response(401, {"error": "invalid_client", "error_description": "Client authentication failed"})
        if NOTIFICATIONS_SCOPE not in form.get("scope", "").split():
            return json_response(
                400, {"error": "invalid_scope", "error_description": "The request has an invalid parameter : scope"}
            )
        token = "Atza|" + secrets.token_urlsafe(24)
        self.grantless_tokens.add(token)
        return json_response(
            200, {"access_token": token, "scope": NOTIFICATIONS_SCOPE, "token_type": "bearer", "expires_in": 3600}
        )
