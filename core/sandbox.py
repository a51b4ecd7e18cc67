"""In-process fakes of outside HTTP APIs (marketplaces, carriers): the mechanism they all share.

A sandbox is a plain object that answers `httpx.Request`s as the real service would (real
paths, payload shapes, auth headers, error bodies, rate limits). It is reached through a
`SandboxRegistry`'s transport (tests, benches, any process with `sandbox://<name>` base URLs)
or over HTTP through a view that hands the request to it (the demo's worker processes).

State is in memory, guarded by one lock per sandbox. Knobs a test or the demo turns:
`latency` (seconds each call takes), `fail_next` (operation -> statuses to answer its next
calls with), `timeout_next` (operation -> how many next calls time out, as a dropped
connection does: the call may have been done on the service's side), `revoked` (every call
is refused as with expired credentials), and the rate limits of each sandbox.
"""

from __future__ import annotations

import json
import random
import re
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

import httpx

Handler = Callable[..., httpx.Response]


def json_response(status: int, body: Any, headers: dict[str, str] | None = None) -> httpx.Response:
    """A JSON answer as the service sends it."""
    return httpx.Response(
        status, content=json.dumps(body).encode(), headers={"Content-Type": "application/json", **(headers or {})}
    )


class Bucket:
    """A leaky bucket on the sandbox's side (the service's own limiter)."""

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


class HttpSandbox:
    """Base of every sandbox: routes, dispatch, faults, a call log and owed webhooks."""

    kind = ""

    def __init__(self, name: str, *, seed: int = 7) -> None:
        self.name = name
        self.lock = threading.RLock()
        self.random = random.Random(seed)
        self.calls: list[CallRecord] = []
        self.latency = 0.0
        self.fail_next: dict[str, list[int]] = {}
        self.timeout_next: dict[str, int] = {}
        self.revoked = False
        self.outbox: list[Webhook] = []
        self.routes: list[tuple[str, re.Pattern[str], str, Handler]] = []
        self.next_id = 1000
        self.setup()

    # Hooks for subclasses ----------------------------------------------------------------

    def setup(self) -> None:
        """Register routes and buckets."""

    def route(self, method: str, pattern: str, op: str, handler: Handler) -> None:
        self.routes.append((method, re.compile(pattern + r"\Z"), op, handler))

    def authenticate(self, request: httpx.Request, op: str) -> httpx.Response | None:
        """None if the request carries valid credentials, else the service's refusal."""
        return None

    def rate_limit(self, request: httpx.Request, op: str) -> httpx.Response | None:
        """None if the call may go ahead, else the service's throttling answer."""
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
        """Answer one request as the service would, after the injected faults."""
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
            if self.timeout_next.get(op):
                # The service did the work; the answer is lost on the way back.
                self.timeout_next[op] -= 1
                raise httpx.ReadTimeout(f"Sandbox timeout injected on {op}", request=request)
            return response

    def _match(self, method: str, path: str) -> tuple[str, Handler, re.Match[str]] | None:
        for route_method, pattern, op, handler in self.routes:
            match = pattern.match(path)
            if match and route_method == method:
                return op, handler, match
        return None

    def new_id(self) -> int:
        self.next_id += 1
        return self.next_id

    def count_calls(self, op: str | None = None) -> int:
        return sum(1 for call in self.calls if op is None or call.op == op)

    # Webhooks ----------------------------------------------------------------------------

    def enqueue_webhook(self, headers: dict[str, str], body: bytes) -> None:
        self.outbox.append(Webhook(headers=headers, body=body))

    def take_webhooks(self, *, duplicate: bool = False, shuffle: bool = False) -> list[Webhook]:
        """The deliveries owed, emptied from the queue; optionally each twice and out of order,
        as real services do (at-least-once, no ordering guarantee)."""
        with self.lock:
            pending, self.outbox = self.outbox, []
        if duplicate:
            pending = [hook for hook in pending for _ in (0, 1)]
        if shuffle:
            self.random.shuffle(pending)
        return pending


SandboxT = TypeVar("SandboxT", bound=HttpSandbox)


class SandboxRegistry(Generic[SandboxT]):
    """Named sandboxes of some kinds, created on first use; the kind is the part before the first dot.

    `registry.get("easypost")` and `registry.get("easypost.test-42")` are two sandboxes of one
    kind. `registry.transport()` is an httpx transport that hands `sandbox://<name>/...`
    requests to the sandbox of that name, without a socket.
    """

    def __init__(self, kinds: Mapping[str, Callable[[str], SandboxT]]) -> None:
        self.kinds = kinds
        self._sandboxes: dict[str, SandboxT] = {}
        self._lock = threading.Lock()

    def get(self, name: str) -> SandboxT:
        """The sandbox called `name`."""
        with self._lock:
            if name not in self._sandboxes:
                kind = name.split(".")[0]
                if kind not in self.kinds:
                    raise LookupError(f"No sandbox of kind {kind!r}: use one of {', '.join(self.kinds)}.")
                self._sandboxes[name] = self.kinds[kind](name)
            return self._sandboxes[name]

    def reset(self, name: str) -> SandboxT:
        """Forget a sandbox's state and start a fresh one."""
        with self._lock:
            self._sandboxes.pop(name, None)
        return self.get(name)

    def knows(self, name: str) -> bool:
        return name.split(".")[0] in self.kinds

    def transport(self) -> httpx.BaseTransport:
        return _RegistryTransport(self)


class _RegistryTransport(httpx.BaseTransport):
    def __init__(self, registry: SandboxRegistry[Any]) -> None:
        self.registry = registry

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        sandbox = self.registry.get(request.url.host)
        request.read()
        response = sandbox.handle(request)
        response.read()
        return response
