"""The one connector interface every marketplace implements, and the HTTP plumbing they share.

A connector speaks one marketplace API with plain httpx. It never touches the database: it
takes and returns the plain dataclasses of `data` (re-exported here), and raises the errors
below, so the sync engine (`channels.sync`) decides what to store, retry or show.

- `push_stock(items)`: set absolute quantities, one call per batch of `batch_size`; returns a
  result per item (applied, retry later, or failed with a reason a person can act on).
- `read_stock(items)`: the quantities the channel shows now.
- `list_orders(since)`: orders created or updated since a watermark, every page.
- `get_order(external_id)`: one order, fresh (webhooks are only a trigger).
- `verify_webhook(headers, body)`: check the signature and parse the event.
- `confirm_shipment`, `cancel_order`, `refund_create`: tell the channel what happened. A shipment
  may leave in several boxes, each with its own tracking number: `parcels.shipment_parcels`
  says which lines go with which number, for the channels that take one number per call.

One capability is optional and declared rather than inferred from the class: a connector with
`supports_stock_feeds` can also set many quantities in one asynchronous upload
(`push_stock_feed`), which the sync prefers when many SKUs are due and `feed_ready()` says yes.
"""

from __future__ import annotations

import email.utils
import hmac
import time
from abc import ABC, abstractmethod
from collections.abc import Iterator, Mapping, Sequence
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, ClassVar, Self

import httpx

from core.http import http_client
from core.safe_json import PayloadError, as_decimal
from marketplaces import ratelimit
from marketplaces.connectors.data import (
    PushResult,
    RemoteLine,
    RemoteOrder,
    ShipmentLine,
    StockItem,
    WebhookEvent,
)
from marketplaces.signing import hmac_base64

USER_AGENT = "fulfil-back-office/1.0 (channel sync)"


# --- Errors -----------------------------------------------------------------------------------


class ConnectorError(Exception):
    """A call to the marketplace failed. `retryable` says whether trying later can help."""

    retryable = True

    def __init__(self, message: str, *, status: int | None = None, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.retry_after = retry_after


class Throttled(ConnectorError):
    """The marketplace asked us to slow down (429, or Shopify's throttled 200)."""


class TransientError(ConnectorError):
    """A 5xx, a timeout or a dropped connection: try again later."""


class AuthExpired(ConnectorError):
    """The credentials were refused (401/403, invalid_grant): stop calling until someone fixes them."""

    retryable = False


class RequestRejected(ConnectorError):
    """The marketplace refused the request itself (4xx other than auth and throttling)."""

    retryable = False


class WebhookRejected(Exception):
    """A webhook that must not be acted on: `status` 401 (bad signature) or 400 (malformed)."""

    def __init__(self, message: str, *, status: int) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


# --- Helpers ----------------------------------------------------------------------------------


def parse_time(value: Any, field: str = "") -> datetime:
    """An ISO-8601 time from a marketplace ("Z", offsets, or WooCommerce's naive *_gmt) as aware UTC.

    Anything else is a `PayloadError` (a ValueError) naming `field`.
    """
    text = str(value or "").strip()
    if not text:
        return datetime(1970, 1, 1, tzinfo=UTC)
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise PayloadError(f"expected a date and time, got {text[:40]!r}.", field=field) from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def money(value: Any, field: str = "") -> Decimal:
    """A price that may be a string ("199.00"), a number (WooCommerce's `price`: 3) or missing.

    Anything else ("abc", NaN, a list) is a `PayloadError` (a ValueError) naming `field`.
    """
    return as_decimal(value, field)


def signature_matches(secret: str, body: bytes, presented: str | None) -> bool:
    """Constant-time check of a presented signature (compared as bytes: any header text, even non-ASCII)."""
    if not secret or not presented:
        return False
    return hmac.compare_digest(hmac_base64(secret, body).encode(), str(presented).encode("utf-8", "surrogateescape"))


def retry_after_seconds(response: httpx.Response, default: float) -> float:
    """Seconds from a Retry-After header (delta-seconds or HTTP date), else `default`."""
    value = response.headers.get("Retry-After")
    if not value:
        return default
    try:
        return max(0.0, float(value))
    except ValueError:
        when = email.utils.parsedate_to_datetime(value)
        return max(0.0, when.timestamp() - time.time()) if when else default


# --- The connector base -----------------------------------------------------------------------


class Connector(ABC):
    """Common HTTP handling: rate-limit bucket per operation, error mapping, call counting."""

    kind: ClassVar[str] = ""
    batch_size: ClassVar[int] = 1
    #: Default (rate per second, burst) of each operation's bucket before the channel tells us better.
    limits: ClassVar[dict[str, tuple[float, float]]] = {}
    default_limit: ClassVar[tuple[float, float]] = (10.0, 20.0)

    def __init__(
        self,
        *,
        base_url: str,
        credentials: Mapping[str, str],
        bucket_key: str,
        transport: httpx.BaseTransport | None = None,
        timeout: float = 20.0,
        max_wait: float = 60.0,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.credentials = dict(credentials)
        self.bucket_key = bucket_key
        self.max_wait = max_wait
        self.calls = 0
        self.throttled = 0
        self.learned_limits: dict[str, tuple[float, float]] = {}
        self.client = http_client(
            base_url=self.base_url,
            transport=transport,
            timeout=timeout,
            headers={"User-Agent": USER_AGENT},
        )

    def close(self) -> None:
        self.client.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # Rate limits -------------------------------------------------------------------------

    def _limit(self, op: str) -> tuple[float, float]:
        return self.learned_limits.get(op) or self.limits.get(op, self.default_limit)

    def _acquire(self, op: str, cost: float = 1.0) -> None:
        rate, burst = self._limit(op)
        try:
            ratelimit.bucket_acquire(
                f"{self.bucket_key}:{op}", rate=rate, burst=burst, cost=cost, max_wait=self.max_wait
            )
        except TimeoutError as exc:
            raise Throttled(f"Waiting for the {op} rate limit: {exc}", retry_after=5.0) from exc

    def _block(self, op: str, seconds: float) -> None:
        self.throttled += 1
        ratelimit.bucket_block(f"{self.bucket_key}:{op}", seconds=seconds)

    # HTTP --------------------------------------------------------------------------------

    def auth_headers(self) -> dict[str, str]:
        return {}

    def _request(
        self,
        method: str,
        path: str,
        *,
        op: str,
        cost: float = 1.0,
        json: Any = None,
        params: Any = None,
        headers: Mapping[str, str] | None = None,
        auth: httpx.Auth | None = None,
        ok: tuple[int, ...] = (200, 201, 202, 204, 207),
        seller_auth: bool = True,
    ) -> httpx.Response:
        """Send one request through the bucket and map failures to connector errors.

        `seller_auth=False`: the caller's `headers` carry their own credential (Amazon's grantless
        calls), so the seller's is neither added nor refreshed for it.
        """
        self._acquire(op, cost)
        merged = {**(self.auth_headers() if seller_auth else {}), **(headers or {})}
        self.calls += 1
        try:
            response = self.client.request(method, path, json=json, params=params, headers=merged, auth=auth)
        except httpx.TimeoutException as exc:
            raise TransientError(f"{op}: the channel did not answer in time.") from exc
        except httpx.TransportError as exc:
            raise TransientError(f"{op}: could not reach the channel ({exc.__class__.__name__}).") from exc
        self.observe(op, response)
        if response.status_code in ok:
            return response
        detail = self.error_detail(response)
        if response.status_code == 429:
            wait = retry_after_seconds(response, default=self.default_retry_after(op))
            self._block(op, wait)
            raise Throttled(f"{op}: throttled by the channel ({detail}).", status=429, retry_after=wait)
        if response.status_code in (401, 403):
            raise AuthExpired(
                f"{op}: the channel refused the credentials ({response.status_code}: {detail}).",
                status=response.status_code,
            )
        if response.status_code >= 500:
            raise TransientError(
                f"{op}: the channel failed ({response.status_code}: {detail}).", status=response.status_code
            )
        raise RequestRejected(f"{op}: refused ({response.status_code}: {detail}).", status=response.status_code)

    def observe(self, op: str, response: httpx.Response) -> None:  # noqa: B027 (an optional hook)
        """Learn from a response's rate-limit headers (Amazon's x-amzn-RateLimit-Limit)."""

    def default_retry_after(self, op: str) -> float:
        rate, _burst = self._limit(op)
        return max(1.0, 1.0 / rate)

    @staticmethod
    def error_detail(response: httpx.Response) -> str:
        """The marketplace's own words: `errors[].message` (Amazon, eBay, Shopify), `message` (WooCommerce)."""
        try:
            body = response.json()
        except ValueError:
            return response.text[:200] or response.reason_phrase
        if isinstance(body, dict):
            errors = body.get("errors")
            if isinstance(errors, list) and errors and isinstance(errors[0], dict):
                return "; ".join(str(e.get("message") or e.get("code")) for e in errors)[:300]
            if isinstance(errors, str):
                return errors[:300]
            if body.get("message"):
                return str(body["message"])[:300]
            if body.get("error"):
                return str(body.get("error_description") or body["error"])[:300]
        return str(body)[:300]

    # The interface -----------------------------------------------------------------------

    @abstractmethod
    def push_stock(self, items: list[StockItem]) -> list[PushResult]:
        raise NotImplementedError

    @abstractmethod
    def read_stock(self, items: list[StockItem]) -> dict[int, int]:
        raise NotImplementedError

    @abstractmethod
    def list_orders(self, since: datetime) -> Iterator[RemoteOrder]:
        raise NotImplementedError

    @abstractmethod
    def get_order(self, external_id: str) -> RemoteOrder:
        raise NotImplementedError

    def verify_webhook(self, headers: Mapping[str, str], body: bytes) -> WebhookEvent:
        raise WebhookRejected(f"{self.kind} does not deliver webhooks; its orders are polled.", status=400)

    @abstractmethod
    def confirm_shipment(
        self,
        external_id: str,
        lines: list[ShipmentLine],
        *,
        carrier: str,
        tracking_number: str,
        tracking_numbers: Sequence[str] = (),
        shipped_at: datetime,
        parcel_lines: Sequence[Sequence[ShipmentLine]] = (),
    ) -> str:
        """Mark the lines shipped on the channel with every tracking number; returns the channel's id for it.

        `tracking_numbers` are the shipment's boxes in box order (empty: the one `tracking_number`,
        as confirmations queued before boxes had labels of their own). `parcel_lines`, when known,
        are the lines in each box, aligned with `tracking_numbers`. Each connector sends all the
        numbers the way its API takes them (one call with a list, or one call per box, see
        `parcels.shipment_parcels`), so retrying after a partial failure does not duplicate a box.
        """
        raise NotImplementedError

    @abstractmethod
    def cancel_order(self, external_id: str, *, reason: str) -> str:
        """Cancel the order on the channel (we could not or will not ship it)."""
        raise NotImplementedError

    @abstractmethod
    def refund_create(
        self, external_id: str, *, amount: Decimal, currency: str, reason: str, lines: list[ShipmentLine]
    ) -> str:
        """Refund money on the channel (returns use this); returns the channel's refund id."""
        raise NotImplementedError

    # Stock feeds (an optional capability) ---------------------------------------------------

    #: Whether this marketplace takes many quantities as one feed (`push_stock_feed`). A connector
    #: that sets it True must override `feed_ready`, `push_stock_feed` and `feed_max_messages`,
    #: and set `last_feed_done_at` when a feed finishes; the sync asks this, never the class.
    supports_stock_feeds: ClassVar[bool] = False
    #: The most items one `push_stock_feed` call may carry (0 without feeds).
    feed_max_messages: ClassVar[int] = 0
    #: When (time.time()) the channel finished processing the last feed: its quantities became
    #: visible then, not when the results were read. None until a feed has finished.
    last_feed_done_at: float | None = None

    def feed_ready(self) -> bool:
        """Whether one whole feed may be sent now without waiting on the channel's limits.

        A connector with feeds answers from the rate-limit buckets of every feed operation, so the
        sync falls back to `push_stock` rather than block on a slow refill. Without feeds: never.
        """
        return False

    def push_stock_feed(self, items: list[StockItem]) -> list[PushResult]:
        """Set the absolute quantities of up to `feed_max_messages` items in one feed.

        A connector with feeds uploads them, waits until the channel has processed the feed, sets
        `last_feed_done_at`, and returns a result per item in `items` order (the channel's report
        says which failed and whether trying again can help), like `push_stock`.
        """
        raise NotImplementedError(
            f"{type(self).__name__} does not support stock feeds (supports_stock_feeds is False): "
            "push its stock with push_stock() instead."
        )


__all__ = [
    "USER_AGENT",
    "AuthExpired",
    "Connector",
    "ConnectorError",
    "PushResult",
    "RemoteLine",
    "RemoteOrder",
    "RequestRejected",
    "ShipmentLine",
    "StockItem",
    "Throttled",
    "TransientError",
    "WebhookEvent",
    "WebhookRejected",
    "hmac_base64",
    "money",
    "parse_time",
    "retry_after_seconds",
    "signature_matches",
]
