"""What every part of the ShipBob sandbox shares: the account, the clock, the limiter, error bodies
and signed webhooks.

- `Authorization: Bearer <personal access token>`: a missing or unknown token (or `revoked`)
  gets 401 with `WWW-Authenticate: Bearer` and no body, as ASP.NET APIs answer.
- `shipbob_channel_id`: required on order creation (400 without it); an unknown channel is 400.
- 150 requests a minute per token, in a sliding window measured on the sandbox's clock: past it
  429 with `x-retry-after` (seconds until the oldest call leaves the window), `x-remaining-calls: 0`
  and the published body `{"statusCode": 429, "message": "Rate limit is exceeded. Try again in N
  seconds."}`; every answer carries `x-remaining-calls`. `set_rate()` shrinks it for a test.
- ShipBob publishes no error body but the 429's. Validation errors (400) and the duplicate
  reference (422) are answered as ASP.NET problem details (`{"title", "status", "errors":
  {field: [messages]}}`), other failures as the 429's shape; a client reads the status first.
- Webhooks are owed per subscribed topic and signed when taken (`take_webhooks`), as ShipBob
  signs each delivery attempt: `webhook-id` (stable across duplicates), `webhook-timestamp`
  (wall-clock seconds), `webhook-signature: v1,<base64 HMAC-SHA256>` keyed with the base64 part
  of the `whsec_` secret, and `x-webhook-topic`.
- `now()` is the wall clock moved by `advance()`: orders ship and arrive, receiving orders
  complete, and the limiter's window slides with it.
"""

from __future__ import annotations

import base64
import copy
import hashlib
import hmac
import json
import math
import time
from collections import deque
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

from core.sandbox import HttpSandbox, Webhook, json_response

SAMPLES_DIR = Path(__file__).resolve().parents[3] / "samples"
VERSIONS = r"(?P<version>2026-07|2026-01|2025-07)"
#: Receiving also answers on the deprecated but live 1.0 and 2.0 paths (the WRO sample is 2.0's).
RECEIVING_VERSIONS = r"(?P<version>2026-07|2026-01|2025-07|2\.0|1\.0)"
#: The fulfillment center of the captured WRO sample: where this sandbox's stock sits.
FULFILLMENT_CENTER_ID = 10
ALL_TOPICS = (
    "order.shipped",
    "order.shipment.delivered",
    "order.shipment.exception",
    "order.shipment.tracking_received",
    "order.shipment.cancelled",
)


def load_sample(name: str) -> Any:
    """A published ShipBob payload shipped with the product (`partners/samples/shipbob_*.json`)."""
    return json.loads((SAMPLES_DIR / name).read_text())


def stamp(moment: datetime | None) -> str | None:
    """ShipBob's timestamp with 7 fractional digits and an offset ("2025-02-19T03:14:23.7565958+00:00")."""
    if moment is None:
        return None
    utc = moment.astimezone(UTC)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond:06d}0+00:00"


def sign(secret: str, webhook_id: str, timestamp: str, body: bytes) -> str:
    """The Standard-Webhooks signature ShipBob sends: "v1," + base64 HMAC-SHA256 of id.timestamp.body."""
    key = base64.b64decode(secret.removeprefix("whsec_"))
    digest = hmac.new(key, f"{webhook_id}.{timestamp}.".encode() + body, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


class ShipBobCore(HttpSandbox):
    """The account and HTTP behaviour the orders, inventory and receiving parts share."""

    kind = "shipbob"

    def setup(self) -> None:
        """One merchant account: its token, channel, webhook secret, limiter, clock and warehouse."""
        super().setup()
        self.tokens = {"sbpat_sandbox_0123456789abcdef"}
        self.channel_id = 100102
        self.channel_name = "Back office (API)"
        self.webhook_secret = "whsec_" + base64.b64encode(b"shipbob-sandbox-webhook-secret-32b").decode()
        self.subscribed_topics: set[str] = set(ALL_TOPICS)
        self.subscriptions: list[dict[str, Any]] = []
        self.rate_per_window = 150
        self.window_seconds = 60.0
        self.window: deque[float] = deque()
        self.clock_offset = timedelta(0)
        self.fulfillment_center = load_sample("shipbob_receiving_order_get_response_sandbox.json")["fulfillment_center"]
        self.route("GET", rf"/{VERSIONS}/channel", "channels", self._channels)
        self.route("GET", rf"/{VERSIONS}/webhook", "webhooks", self._webhooks)
        self.route("POST", rf"/{VERSIONS}/webhook", "webhooks", self._subscribe)

    # Clock and ids -------------------------------------------------------------------------

    def now(self) -> datetime:
        """The sandbox's time: the wall clock plus whatever `advance` added."""
        return datetime.now(UTC) + self.clock_offset

    def advance(self, delta: timedelta) -> None:
        """Move the sandbox's clock forward (orders ship and arrive, the rate window slides)."""
        with self.lock:
            self.clock_offset += delta
            self.tick()

    def tick(self) -> None:
        """Let time act on the account's objects (the orders and receiving parts fill it in)."""

    def set_rate(self, requests: int, window_seconds: float = 60.0) -> None:
        """Change the sliding window (a test makes it tiny to see 429)."""
        with self.lock:
            self.rate_per_window = requests
            self.window_seconds = window_seconds
            self.window.clear()

    # HTTP ----------------------------------------------------------------------------------

    def handle(self, request: httpx.Request) -> httpx.Response:
        """Let the clock act before answering, so every read sees what has happened by now."""
        with self.lock:
            self.tick()
        return super().handle(request)

    def error(self, status: int, message: str, op: str) -> httpx.Response:
        """An injected or generic failure in the shape of ShipBob's one published error body."""
        response = json_response(status, {"statusCode": status, "message": message})
        if status == 429:
            response.headers["x-retry-after"] = "1"
            response.headers["x-remaining-calls"] = "0"
        return response

    def problem(self, status: int, errors: dict[str, list[str]], title: str = "") -> httpx.Response:
        """A validation refusal as ASP.NET problem details (field -> messages)."""
        body = {
            "type": "https://tools.ietf.org/html/rfc9110#section-15.5.1",
            "title": title or "One or more validation errors occurred.",
            "status": status,
            "errors": errors,
        }
        return json_response(status, body, headers={"Content-Type": "application/problem+json"})

    def not_found(self) -> httpx.Response:
        """An unknown path or id, in the shape of ShipBob's one published error body."""
        return json_response(404, {"statusCode": 404, "message": "Resource not found."})

    def authenticate(self, request: httpx.Request, op: str) -> httpx.Response | None:
        """A known personal access token as a Bearer token; else 401 with no body."""
        header = request.headers.get("Authorization", "")
        token = header[7:].strip() if header.startswith("Bearer ") else ""
        if self.revoked or token not in self.tokens:
            return httpx.Response(401, headers={"WWW-Authenticate": 'Bearer error="invalid_token"'})
        return None

    def rate_limit(self, request: httpx.Request, op: str) -> httpx.Response | None:
        """The sliding window: at most `rate_per_window` calls in the last `window_seconds`."""
        now = self.now().timestamp()
        while self.window and self.window[0] <= now - self.window_seconds:
            self.window.popleft()
        if len(self.window) < self.rate_per_window:
            self.window.append(now)
            return None
        wait = max(1, math.ceil(self.window[0] + self.window_seconds - now))
        return json_response(
            429,
            {"statusCode": 429, "message": f"Rate limit is exceeded. Try again in {wait} seconds."},
            headers={"x-retry-after": str(wait), "x-remaining-calls": "0"},
        )

    def decorate(self, response: httpx.Response, op: str) -> httpx.Response:
        """Every answer says how many calls are left in the window."""
        if "x-remaining-calls" not in response.headers:
            response.headers["x-remaining-calls"] = str(max(0, self.rate_per_window - len(self.window)))
        return response

    def channel_refusal(self, request: httpx.Request, *, required: bool) -> httpx.Response | None:
        """400 when the `shipbob_channel_id` header is missing where required, or names another channel."""
        value = request.headers.get("shipbob_channel_id", "")
        if not value and not required:
            return None
        if not value:
            return self.problem(400, {"shipbob_channel_id": ["The shipbob_channel_id header is required."]})
        if value != str(self.channel_id):
            return self.problem(400, {"shipbob_channel_id": [f"Channel {value} does not belong to this user."]})
        return None

    @staticmethod
    def body(request: httpx.Request) -> dict[str, Any]:
        """The request's JSON object (ValueError, a 400, for anything else)."""
        data = json.loads(request.content or b"{}")
        if not isinstance(data, dict):
            raise ValueError("the body must be a JSON object")
        return data

    @staticmethod
    def page(items: list[Any], request: httpx.Request, *, default_size: int = 50) -> dict[str, Any]:
        """A cursor page {first, last, next, prev, items}: cursors are opaque tokens of an offset."""

        def token(offset: int) -> str:
            return base64.urlsafe_b64encode(f"offset:{offset}".encode()).decode().rstrip("=")

        size = max(1, min(int(request.url.params.get("PageSize") or default_size), 250))
        cursor = request.url.params.get("Cursor") or ""
        offset = 0
        if cursor:
            decoded = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
            if not decoded.startswith("offset:"):
                raise ValueError("the cursor is not one this API handed out")
            offset = int(decoded.removeprefix("offset:"))
        last = max(0, (len(items) - 1) // size * size)
        return {
            "first": token(0),
            "items": items[offset : offset + size],
            "last": token(last),
            "next": token(offset + size) if offset + size < len(items) else None,
            "prev": token(max(0, offset - size)) if offset > 0 else None,
        }

    # Channels and webhooks -------------------------------------------------------------------

    def _channels(self, request: httpx.Request, version: str) -> httpx.Response:
        channel = {
            "id": self.channel_id,
            "name": self.channel_name,
            "application_name": "Back office",
            "scopes": ["orders_read", "orders_write", "inventory_read", "receiving_read", "receiving_write"],
        }
        return json_response(200, [channel])

    def _webhooks(self, request: httpx.Request, version: str) -> httpx.Response:
        return json_response(200, self.page(list(self.subscriptions), request))

    def _subscribe(self, request: httpx.Request, version: str) -> httpx.Response:
        data = self.body(request)
        topics = [str(topic) for topic in data.get("topics") or []]
        unknown = [topic for topic in topics if topic not in ALL_TOPICS]
        if not topics or unknown or not str(data.get("url", "")).startswith("https://"):
            return self.problem(
                400, {"topics": [f"Unknown topics: {unknown}" if unknown else "Give topics and an https url."]}
            )
        subscription = {"id": self.new_id(), "topics": topics, "url": data["url"], "created_at": stamp(self.now())}
        self.subscriptions.append(subscription)
        self.subscribed_topics.update(topics)
        return json_response(201, subscription)

    def owe_webhook(self, topic: str, body: dict[str, Any]) -> None:
        """Queue a delivery for a subscribed topic; it is signed when taken."""
        if topic not in self.subscribed_topics:
            return
        webhook_id = f"msg_{self.random.getrandbits(96):024x}"
        headers = {"webhook-id": webhook_id, "x-webhook-topic": topic, "Content-Type": "application/json"}
        self.enqueue_webhook(headers, json.dumps(body, separators=(",", ":")).encode())

    def take_webhooks(self, *, duplicate: bool = False, shuffle: bool = False) -> list[Webhook]:
        """The deliveries owed by now, signed at this moment (a duplicate keeps its webhook-id)."""
        with self.lock:
            self.tick()
        taken = super().take_webhooks(duplicate=duplicate, shuffle=shuffle)
        timestamp = str(int(time.time()))
        signed = []
        for hook in taken:
            headers = dict(hook.headers)
            headers["webhook-timestamp"] = timestamp
            headers["webhook-signature"] = sign(self.webhook_secret, headers["webhook-id"], timestamp, hook.body)
            signed.append(Webhook(headers=headers, body=hook.body))
        return signed

    @staticmethod
    def template(name: str, *path: str | int) -> Any:
        """A deep copy of part of a published sample, to fill in."""
        node = load_sample(name)
        for key in path:
            node = node[key]
        return copy.deepcopy(node)
