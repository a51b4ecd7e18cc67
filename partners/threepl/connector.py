"""ShipBob's API over httpx: orders, inventory levels, receiving orders and signed webhooks.

What ShipBob publishes and this client follows (developer.shipbob.com, and the samples' notes):
- hosts `https://api.shipbob.com` (sandbox `https://sandbox-api.shipbob.com`), dated paths
  (`/2026-01/...`); `Authorization: Bearer <personal access token>`; the `shipbob_channel_id`
  header ties orders to our channel;
- 150 requests a minute per user and application (sliding window): past it 429 with
  `x-retry-after` (seconds) and `x-remaining-calls`;
- `reference_id` is unique per account: creating an order whose reference exists answers 422,
  so a retry after a lost answer looks the order up by reference instead of making a second;
- list endpoints page with cursors (`next` is an opaque token or a link, followed as given);
- webhooks are signed Standard-Webhooks style: `webhook-signature: v1,<base64 HMAC-SHA256 of
  "{webhook-id}.{webhook-timestamp}.{body}">`, keyed with the base64-decoded part of the
  `whsec_` secret; the topic is in `x-webhook-topic`.

Errors: `ThreePlUnavailable` (down, timed out, throttled, or credentials refused: retry later,
`retry_after` when ShipBob said), `DuplicateReference`, `ThreePlError` (refused for good, with
ShipBob's message), `SignatureInvalid`.

The official SDKs are generated clients on `requests` (or other languages) with no pluggable
transport, so they could not reach the in-product sandbox: this is a small httpx client.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import httpx

from core import safe_json
from core.crypto import credentials_decrypt
from core.http import http_client as shared_http_client
from partners.threepl.payloads import (
    API_VERSION,
    InventoryLevel,
    RemoteReceiving,
    inventory_level_from_json,
    receiving_from_json,
)
from partners.threepl.sandbox import threepl_sandboxes

if TYPE_CHECKING:
    from partners.models import Partner

PRODUCTION_URL = "https://api.shipbob.com"
TIMEOUT = httpx.Timeout(20.0, connect=5.0)
#: How long to wait before trying again after ShipBob refused our credentials (staff fix them).
AUTH_RETRY_SECONDS = 15 * 60
#: A webhook older or newer than this is refused (Standard Webhooks' replay window).
WEBHOOK_TOLERANCE_SECONDS = 5 * 60
MAX_PAGES = 1000


class ThreePlError(Exception):
    """ShipBob refused the request for good (bad address, unknown product, ...)."""

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


class DuplicateReference(ThreePlError):
    """An order with this reference_id exists already (ShipBob's 422)."""


class ThreePlUnavailable(Exception):
    """ShipBob could not answer now: down, timed out, throttling, or refusing our credentials."""

    def __init__(self, message: str, *, retry_after: float | None = None, timed_out: bool = False) -> None:
        super().__init__(message)
        self.message = message
        self.retry_after = retry_after
        self.timed_out = timed_out


class SignatureInvalid(Exception):
    """A webhook whose signature does not verify with the partner's secret."""


@dataclass(frozen=True)
class WebhookDelivery:
    """A verified webhook: its id (stable across retries), topic, send time and JSON body."""

    webhook_id: str
    topic: str
    timestamp: int
    payload: dict[str, Any]


def _error_message(response: httpx.Response) -> str:
    """ShipBob's words for a refusal, whatever the body's shape (message, problem details, list, text)."""
    try:
        body: Any = response.json()
    except ValueError:
        return response.text[:300] or f"HTTP {response.status_code}"
    if isinstance(body, dict):
        errors = body.get("errors")
        if isinstance(errors, dict) and errors:
            parts = [
                f"{name}: {'; '.join(map(str, msgs if isinstance(msgs, list) else [msgs]))}"
                for name, msgs in errors.items()
            ]
            return " ".join(parts)[:300]
        for key in ("message", "title", "detail", "error"):
            if body.get(key):
                return str(body[key])[:300]
    if isinstance(body, list) and body:
        return "; ".join(map(str, body))[:300]
    return str(body)[:300] or f"HTTP {response.status_code}"


def _rows(body: Any) -> list[dict[str, Any]]:
    """The rows of a list answer: a cursor page's `items`, or a plain array (the 1.0 / 2.0 style)."""
    rows = body.get("items") if isinstance(body, dict) else body
    return [row for row in rows or [] if isinstance(row, dict)]


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("x-retry-after") or response.headers.get("Retry-After")
    try:
        return max(0.0, float(value)) if value else None
    except ValueError:
        return None


class ShipBobConnector:
    """A ShipBob account (one personal access token and channel) on one httpx client."""

    def __init__(self, *, http: httpx.Client, token: str, channel_id: str, version: str = API_VERSION) -> None:
        self.http = http
        self.token = token
        self.channel_id = channel_id
        self.version = version

    # HTTP --------------------------------------------------------------------------------

    def _request(
        self, method: str, path: str, *, body: Any = None, params: Mapping[str, Any] | None = None
    ) -> httpx.Response:
        """Send one call; raise ThreePlUnavailable for what a later retry may fix."""
        headers = {"Authorization": f"Bearer {self.token}", "Accept": "application/json"}
        if self.channel_id:
            headers["shipbob_channel_id"] = str(self.channel_id)
        try:
            response = self.http.request(
                method, path, headers=headers, params=dict(params or {}), json=body if body is not None else None
            )
        except httpx.TimeoutException as exc:
            raise ThreePlUnavailable(f"ShipBob did not answer in time ({exc}).", timed_out=True) from exc
        except httpx.TransportError as exc:
            raise ThreePlUnavailable(f"ShipBob could not be reached ({exc}).") from exc
        status = response.status_code
        if status == 429:
            raise ThreePlUnavailable(
                f"ShipBob is throttling: {_error_message(response)}", retry_after=_retry_after(response)
            )
        if status >= 500:
            raise ThreePlUnavailable(
                f"ShipBob answered {status}: {_error_message(response)}", retry_after=_retry_after(response)
            )
        if status in (401, 403):
            raise ThreePlUnavailable(
                f"ShipBob refused our credentials ({status}): {_error_message(response)}",
                retry_after=AUTH_RETRY_SECONDS,
            )
        return response

    def _json(self, response: httpx.Response, what: str) -> Any:
        if response.status_code >= 400:
            raise ThreePlError(f"{what}: {_error_message(response)}", status=response.status_code)
        try:
            return response.json()
        except ValueError as exc:
            raise ThreePlError(f"{what}: ShipBob's answer is not JSON.", status=response.status_code) from exc

    def _object(self, response: httpx.Response, what: str) -> dict[str, Any]:
        body = self._json(response, what)
        if not isinstance(body, dict) or "id" not in body:
            raise ThreePlError(f"{what}: ShipBob's answer is not the object asked for.", status=response.status_code)
        return body

    def _path(self, rest: str) -> str:
        return f"/{self.version}/{rest}"

    # Orders ------------------------------------------------------------------------------

    def create_order(self, payload: Mapping[str, Any]) -> dict[str, Any]:
        """POST /order: the created Order; DuplicateReference if the reference_id exists (look it up then)."""
        response = self._request("POST", self._path("order"), body=dict(payload))
        if response.status_code == 422:
            raise DuplicateReference(
                f"ShipBob has order {payload.get('reference_id')} already: {_error_message(response)}",
                status=422,
            )
        return self._object(response, "ShipBob refused the order")

    def find_order(self, reference_id: str) -> dict[str, Any] | None:
        """The Order with this reference_id (GET /order?ReferenceIds=), or None."""
        response = self._request("GET", self._path("order"), params={"ReferenceIds": reference_id})
        for row in _rows(self._json(response, "ShipBob refused the order search")):
            if str(row.get("reference_id")) == reference_id:
                return dict(row)
        return None

    def get_order(self, order_id: str | int) -> dict[str, Any]:
        """GET /order/{id}: the Order with its shipments, statuses and tracking."""
        return self._object(self._request("GET", self._path(f"order/{order_id}")), f"ShipBob refused order {order_id}")

    def cancel_order(self, order_id: str | int) -> dict[str, Any]:
        """POST /order/{id}:cancel: ShipBob cancels what has not shipped; the answer says, per shipment."""
        response = self._request("POST", self._path(f"order/{order_id}:cancel"))
        body = self._json(response, f"ShipBob refused to cancel order {order_id}")
        if not isinstance(body, dict):
            raise ThreePlError(f"ShipBob's answer to cancelling order {order_id} is not an object.")
        return body

    # Inventory ---------------------------------------------------------------------------

    def inventory_pages(self, *, page_size: int = 250) -> Iterator[list[dict[str, Any]]]:
        """Every page of GET /inventory-level, following the `next` cursor until there is none."""
        params: dict[str, Any] = {"PageSize": page_size}
        path = self._path("inventory-level")
        seen: set[str] = set()
        for _page in range(MAX_PAGES):
            body = self._json(self._request("GET", path, params=params), "ShipBob refused the inventory levels")
            yield list(body.get("items") or [])
            cursor = str(body.get("next") or "")
            if not cursor or cursor in seen:
                return
            seen.add(cursor)
            if cursor.startswith(("http://", "https://", "/", "sandbox://")):
                path, params = cursor, {}
            else:
                params = {"PageSize": page_size, "Cursor": cursor}

    def inventory_levels(self) -> list[InventoryLevel]:
        """Every inventory item's network-wide totals."""
        return [inventory_level_from_json(item) for page in self.inventory_pages() for item in page]

    # Receiving ---------------------------------------------------------------------------

    def create_receiving(self, payload: Mapping[str, Any]) -> RemoteReceiving:
        """POST /receiving: a warehouse receiving order (WRO) for units on their way in."""
        response = self._request("POST", self._path("receiving"), body=dict(payload))
        return receiving_from_json(self._json(response, "ShipBob refused the receiving order"))

    def find_receiving(self, purchase_order_number: str) -> RemoteReceiving | None:
        """The receiving order with this purchase order number (a retry after a lost answer)."""
        response = self._request("GET", self._path("receiving"), params={"PurchaseOrderNumbers": purchase_order_number})
        for row in _rows(self._json(response, "ShipBob refused the receiving order search")):
            if str(row.get("purchase_order_number")) == purchase_order_number:
                return receiving_from_json(row)
        return None

    def get_receiving(self, receiving_id: str | int) -> RemoteReceiving:
        """GET /receiving/{id}: its status and expected / received / stowed units per SKU."""
        response = self._request("GET", self._path(f"receiving/{receiving_id}"))
        return receiving_from_json(self._json(response, f"ShipBob refused receiving order {receiving_id}"))


# --- Webhooks ------------------------------------------------------------------------------


def webhook_signature(secret: str, webhook_id: str, timestamp: str, body: bytes) -> str:
    """The `v1,<base64>` signature of a delivery (Standard Webhooks), keyed with the whsec_ secret."""
    key = base64.b64decode(secret.removeprefix("whsec_"))
    signed = f"{webhook_id}.{timestamp}.".encode() + body
    return "v1," + base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()


def webhook_verify(
    *, secret: str, headers: Mapping[str, str], body: bytes, now: float | None = None
) -> WebhookDelivery:
    """Check a delivery's signature and age; its id, topic and body. SignatureInvalid otherwise."""
    lowered = {key.lower(): value for key, value in headers.items()}
    webhook_id = lowered.get("webhook-id", "")
    timestamp = lowered.get("webhook-timestamp", "")
    presented = lowered.get("webhook-signature", "")
    if not secret:
        raise SignatureInvalid("The partner has no webhook secret to check signatures with.")
    if not webhook_id or not timestamp or not presented:
        raise SignatureInvalid("The webhook-id, webhook-timestamp and webhook-signature headers are required.")
    try:
        expected = webhook_signature(secret, webhook_id, timestamp, body)
        sent_at = int(timestamp)
    except (binascii.Error, ValueError) as exc:
        raise SignatureInvalid(f"The signature cannot be checked: {exc}") from exc
    # The header may list several signatures (secret rotation): any one that matches will do.
    if not any(hmac.compare_digest(expected.encode(), candidate.encode()) for candidate in presented.split()):
        raise SignatureInvalid("The signature does not match the body.")
    if abs((now if now is not None else time.time()) - sent_at) > WEBHOOK_TOLERANCE_SECONDS:
        raise SignatureInvalid("The webhook's timestamp is too far from now (a replay?).")
    try:
        payload = safe_json.loads_clean(body)  # depth-limited; NUL and lone surrogates cleaned before storing
    except ValueError as exc:
        raise ThreePlError(f"The webhook body is not usable JSON: {exc}") from exc
    if not isinstance(payload, dict):
        raise ThreePlError("The webhook body is not a JSON object.")
    topic = lowered.get("x-webhook-topic") or lowered.get("shipbob-topic", "")
    return WebhookDelivery(webhook_id=webhook_id, topic=topic, timestamp=sent_at, payload=payload)


# --- Building a partner's connector ----------------------------------------------------------


def http_client(base_url: str) -> httpx.Client:
    """An httpx client on `base_url`; `sandbox://<name>` is answered by that in-product sandbox."""
    transport = threepl_sandboxes.transport() if base_url.startswith("sandbox://") else None
    return shared_http_client(base_url=base_url, transport=transport, timeout=TIMEOUT)


def partner_credentials(partner: Partner) -> dict[str, str]:
    """The partner's decrypted connector settings: token, channel_id, webhook_secret, fulfillment_center_id."""
    return credentials_decrypt(partner.credentials)


def threepl_connector_for(partner: Partner) -> ShipBobConnector:
    """The connector of a partner whose `connector` is "shipbob", ready to call."""
    if partner.connector != "shipbob":
        raise ThreePlError(f"{partner.name} has no ShipBob connector (connector is {partner.connector or 'empty'}).")
    credentials = partner_credentials(partner)
    return ShipBobConnector(
        http=http_client(partner.base_url or PRODUCTION_URL),
        token=credentials.get("token", ""),
        channel_id=credentials.get("channel_id", ""),
    )
