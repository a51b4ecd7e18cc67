"""What every marketplace sandbox shares: routing, a clock, buckets, faults, delayed visibility,
orders and webhook deliveries.

A sandbox is a plain object that answers `httpx.Request`s as the real marketplace would (real
paths, payload shapes, auth headers, error bodies, rate limits, pagination). It is reached
through `SandboxTransport` (tests, the bench, any process with `sandbox://<name>` base URLs)
or over HTTP under `/channels/sandbox/<name>/` when `MARKETPLACE_SANDBOX` is on (the demo).

State is in memory, guarded by one lock per sandbox. Knobs a test or the demo turns:
`visibility_delay` (seconds before a stock write shows in reads), `latency` (seconds each
call takes), `fail_next` (statuses to answer the next calls of an operation with),
`item_failures` (SKU -> how many pushes of it fail inside a 200/207), `revoked` (every
call is refused as with expired credentials), and the rate limits of each sandbox.
"""

from __future__ import annotations

import json
import random
import re
import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from marketplaces.signing import hmac_base64

SAMPLES_DIR = Path(__file__).resolve().parent / "samples"

Handler = Callable[..., httpx.Response]


def load_sample(name: str) -> Any:
    """A published marketplace payload shipped with the sandbox (see samples/README.md)."""
    return json.loads((SAMPLES_DIR / name).read_text())


def json_response(status: int, body: Any, headers: dict[str, str] | None = None) -> httpx.Response:
    return httpx.Response(
        status, content=json.dumps(body).encode(), headers={"Content-Type": "application/json", **(headers or {})}
    )


class Bucket:
    """A leaky bucket on the sandbox's side (the marketplace's own limiter)."""

    def __init__(self, rate: float, burst: float) -> None:
        self.rate = rate
        self.burst = burst
        self.tokens = burst
        self.at = time.monotonic()

    def level(self) -> float:
        now = time.monotonic()
        self.tokens = min(self.burst, self.tokens + (now - self.at) * self.rate)
        self.at = now
        return self.tokens

    def take(self, cost: float = 1.0) -> bool:
        if self.level() >= cost:
            self.tokens -= cost
            return True
        return False

    def wait_for(self, cost: float = 1.0) -> float:
        return max(0.0, (cost - self.level()) / self.rate)


@dataclass
class Webhook:
    """A delivery the sandbox owes the merchant's endpoint."""

    headers: dict[str, str]
    body: bytes


@dataclass
class CallRecord:
    method: str
    path: str
    op: str
    status: int
    at: float
    items: int = 0


@dataclass
class SandboxState:
    stock: dict[str, list[tuple[float, int]]] = field(default_factory=dict)
    orders: dict[str, dict[str, Any]] = field(default_factory=dict)
    outbox: list[Webhook] = field(default_factory=list)


class SandboxApp(ABC):
    """Base of the four marketplace sandboxes."""

    kind = ""

    def __init__(self, name: str, *, seed: int = 7) -> None:
        self.name = name
        self.lock = threading.RLock()
        self.random = random.Random(seed)
        self.state = SandboxState()
        self.calls: list[CallRecord] = []
        self.visibility_delay = 0.0
        self.latency = 0.0
        self.fail_next: dict[str, list[int]] = {}
        self.item_failures: dict[str, int] = {}
        self.revoked = False
        self.webhook_secret = "sandbox-webhook-secret"  # noqa: S105 (the sandbox's own, public)
        self.routes: list[tuple[str, re.Pattern[str], str, Handler]] = []
        self.next_id = 1000
        self.setup()

    # Hooks for subclasses ----------------------------------------------------------------

    def setup(self) -> None:  # noqa: B027 (an optional hook)
        """Register routes and buckets."""

    def route(self, method: str, pattern: str, op: str, handler: Handler) -> None:
        self.routes.append((method, re.compile(pattern + r"\Z"), op, handler))

    def authenticate(self, request: httpx.Request, op: str) -> httpx.Response | None:
        """None if the request carries valid credentials, else the marketplace's refusal."""
        return None

    def rate_limit(self, request: httpx.Request, op: str) -> httpx.Response | None:
        """None if the call may go ahead, else the marketplace's throttling answer."""
        return None

    def decorate(self, response: httpx.Response, op: str) -> httpx.Response:
        """Add per-response headers (rate-limit headers)."""
        return response

    def error(self, status: int, message: str, op: str) -> httpx.Response:
        return json_response(status, {"error": message})

    def not_found(self) -> httpx.Response:
        return self.error(404, "Not found", "")

    # Dispatch ----------------------------------------------------------------------------

    def handle(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path
        if self.latency:
            time.sleep(self.latency)
        found = self._match(request.method, path)
        if found is None:
            return self.not_found()
        op, handler, match = found
        with self.lock:
            response = self.authenticate(request, op)
            if response is None:
                response = self.rate_limit(request, op)
            if response is None and self.fail_next.get(op):
                status = self.fail_next[op].pop(0)
                response = self.error(status, f"Sandbox fault injected: {status}", op)
            if response is None:
                try:
                    response = handler(request, **match.groupdict())
                except (ValueError, KeyError, TypeError) as exc:
                    response = self.error(400, f"Malformed request: {exc}", op)
            response = self.decorate(response, op)
            self.calls.append(CallRecord(request.method, path, op, response.status_code, time.time()))
            return response

    def _match(self, method: str, path: str) -> tuple[str, Handler, re.Match[str]] | None:
        for route_method, pattern, op, handler in self.routes:
            match = pattern.match(path)
            if match and route_method == method:
                return op, handler, match
        return None

    # Stock with delayed visibility ------------------------------------------------------

    def stock_write(self, key: str, quantity: int) -> None:
        self.state.stock.setdefault(key, []).append((time.time() + self.visibility_delay, quantity))
        # Keep the history short: everything already visible except the last visible write.
        writes = self.state.stock[key]
        now = time.time()
        visible = [w for w in writes if w[0] <= now]
        if len(visible) > 1:
            self.state.stock[key] = [visible[-1], *[w for w in writes if w[0] > now]]

    def stock_persisted(self, key: str) -> int | None:
        """The latest written quantity (what a compare-and-set compares against)."""
        writes = self.state.stock.get(key)
        return writes[-1][1] if writes else None

    def stock_visible(self, key: str) -> int | None:
        """What a reader (or a shopper) sees now: the latest write whose delay has passed."""
        now = time.time()
        writes = [w for w in self.state.stock.get(key, []) if w[0] <= now]
        return writes[-1][1] if writes else None

    def stock_keys(self) -> list[str]:
        return list(self.state.stock)

    def visible_at(self, key: str, quantity: int) -> float | None:
        """When `quantity` became (or becomes) visible for `key` by its latest matching write."""
        for at, value in reversed(self.state.stock.get(key, [])):
            if value == quantity:
                return at
        return None

    # Faults ------------------------------------------------------------------------------

    def take_item_failure(self, sku: str) -> bool:
        left = self.item_failures.get(sku, 0)
        if left > 0:
            self.item_failures[sku] = left - 1
            return True
        return False

    def new_id(self) -> int:
        self.next_id += 1
        return self.next_id

    # Webhooks ----------------------------------------------------------------------------

    def sign(self, body: bytes) -> str:
        return hmac_base64(self.webhook_secret, body)

    def enqueue_webhook(self, headers: dict[str, str], body: bytes) -> None:
        self.state.outbox.append(Webhook(headers=headers, body=body))

    def take_webhooks(self, *, duplicate: bool = False, shuffle: bool = False) -> list[Webhook]:
        """The deliveries owed, emptied from the queue; optionally each twice and out of order,
        as marketplaces do (at-least-once, no ordering guarantee)."""
        with self.lock:
            pending, self.state.outbox = self.state.outbox, []
        if duplicate:
            pending = [hook for hook in pending for _ in (0, 1)]
        if shuffle:
            self.random.shuffle(pending)
        return pending

    # Orders (kind-specific) --------------------------------------------------------------

    @abstractmethod
    def create_order(self, lines: list[tuple[str, int]], **extra: Any) -> str:
        """A customer buys: the order appears (and stock goes down) as on the marketplace."""
        raise NotImplementedError

    @abstractmethod
    def cancel_order_by_customer(self, order_id: str) -> None:
        raise NotImplementedError

    @abstractmethod
    def add_product(self, sku: str, quantity: int = 0) -> dict[str, str]:
        """Put a product on the marketplace with a stock quantity; returns its ids there."""
        raise NotImplementedError

    @abstractmethod
    def quantity_of(self, sku: str, *, visible: bool = True) -> int | None:
        """The quantity a shopper sees for a SKU (or, with visible=False, the latest written)."""
        raise NotImplementedError

    def count_calls(self, op: str | None = None) -> int:
        return sum(1 for call in self.calls if op is None or call.op == op)
