"""What every part of the Shippo sandbox shares: auth, per-minute limits, errors, ids, the clock,
signed document links, list pages and address objects.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import math
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx

from core.sandbox import Bucket, HttpSandbox, json_response

SAMPLES_DIR = Path(__file__).resolve().parent.parent / "samples"
API_VERSION = "2018-02-08"
OWNER = "sandbox@shippo.example"
US_CARRIERS = {"usps": "USPS", "ups": "UPS"}
#: Published per-minute limits by endpoint and verb (docs.goshippo.com/api-concepts/rate-limits).
#: Test-mode tokens get the lower figures; `live_limits()` switches to the live ones.
TEST_LIMITS = {"post": 50, "get": 400, "list": 10, "tracks.get": 50}
LIVE_LIMITS = {"post": 500, "get": 4000, "list": 50, "tracks.get": 500}
ADDRESS_FIELDS = ("name", "company", "street1", "street2", "city", "state", "zip", "country", "phone", "email")
REQUIRED_ADDRESS_FIELDS = ("street1", "city", "zip", "country")


def load_sample(name: str) -> Any:
    """A published Shippo payload shipped with the sandboxes (see samples/README.md)."""
    return json.loads((SAMPLES_DIR / name).read_text())


def shippo_time(moment: datetime) -> str:
    """Shippo's timestamp format: UTC with milliseconds and a Z ("2022-01-10T17:24:13.283Z")."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


class Invalid(Exception):
    """A request Shippo refuses with 400 and a `{field: [messages]}` body."""

    def __init__(self, body: dict[str, Any]) -> None:
        super().__init__(json.dumps(body))
        self.body = body


def required(field: str) -> Invalid:
    """DRF's refusal of a missing field."""
    return Invalid({field: ["This field is required."]})


class ShippoCore(HttpSandbox):
    """State and HTTP behaviour every part shares; each part adds its routes in `setup`.

    Knobs: `api_token`, `webhook_secret` (None: webhooks unsigned, Shippo's default),
    `refund_window_days`, `refund_status`, `label_url_ttl`, `rate_ttl`, `purchase_errors`,
    `manifest_async`, `set_limit(op, per_minute)`, `live_limits()`, `advance(...)` (the clock),
    and the shared `fail_next` / `timeout_next` / `latency` / `revoked` keyed by operation
    ("shipments.post", "transactions.post", "transactions.list", "refunds.post", "tracks.get"...).
    """

    kind = "shippo"

    def setup(self) -> None:
        super().setup()
        self.api_token = "shippo_test_sandbox0123456789abcdef"  # noqa: S105 (the sandbox's own, public)
        self.webhook_secret: str | None = None
        self.clock_offset = timedelta(0)
        self.limits = dict(TEST_LIMITS)
        self.buckets: dict[str, Bucket] = {}
        self.url_key = hashlib.sha256(f"shippo-sandbox-links:{self.name}".encode()).digest()
        self.addresses: dict[str, dict[str, Any]] = {}
        self.files: dict[str, tuple[str, bytes]] = {}  # "<id>.pdf" -> (content type, bytes)
        self.carrier_accounts: dict[str, dict[str, Any]] = {
            token: {
                "object_id": self.hex_id(),
                "object_owner": OWNER,
                "carrier": token,
                "carrier_name": name,
                "account_id": f"shippo_{token}_account",
                "parameters": {},
                "test": True,
                "active": True,
                "is_shippo_account": True,
                "metadata": "",
            }
            for token, name in US_CARRIERS.items()
        }
        self.route("GET", r"/carrier_accounts/?", "carrier_accounts.list", self.guarded(self._carrier_accounts))
        self.route("GET", r"/deliver/(?P<name>[0-9a-f]{32}\.(?:pdf|zpl))", "deliver", self._deliver)

    # Knobs ----------------------------------------------------------------------------------

    def now(self) -> datetime:
        """The sandbox's clock (real time moved by `advance`)."""
        return datetime.now(UTC) + self.clock_offset

    def advance(self, **delta: float) -> None:
        """Move the sandbox's clock forward (`advance(days=31)`): tracking and refund windows follow it."""
        with self.lock:
            self.clock_offset += timedelta(**delta)

    def set_limit(self, op: str, per_minute: int) -> None:
        """Override one operation's per-minute limit ("transactions.post", "tracks.get"...)."""
        with self.lock:
            self.limits[op] = per_minute
            self.buckets.pop(op, None)

    def live_limits(self) -> None:
        """Switch to the published live-mode limits (the default is test mode's)."""
        with self.lock:
            self.limits = dict(LIVE_LIMITS)
            self.buckets.clear()

    # HTTP -----------------------------------------------------------------------------------

    def guarded(self, handler: Callable[..., httpx.Response]) -> Callable[..., httpx.Response]:
        """A handler whose `Invalid` becomes Shippo's 400 `{field: [messages]}`."""

        def answer(request: httpx.Request, **kwargs: str) -> httpx.Response:
            try:
                return handler(request, **kwargs)
            except Invalid as invalid:
                return json_response(400, invalid.body)

        return answer

    def error(self, status: int, message: str, op: str) -> httpx.Response:
        """Shippo's `{"detail": ...}` body (a throttled answer carries Retry-After, as DRF's does)."""
        if status == 429:
            return self._throttled(2)
        return json_response(status, {"detail": message})

    def not_found(self) -> httpx.Response:
        """DRF's 404 body."""
        return json_response(404, {"detail": "Not found."})

    def authenticate(self, request: httpx.Request, op: str) -> httpx.Response | None:
        """`Authorization: ShippoToken <token>`, refused with DRF's 401 bodies."""
        if op == "deliver":  # signed links carry their own proof
            return None
        given = request.headers.get("Authorization", "")
        if not given:
            return json_response(401, {"detail": "Authentication credentials were not provided."})
        if self.revoked or given != f"ShippoToken {self.api_token}":
            return json_response(401, {"detail": "Invalid token."})
        return None

    def rate_limit(self, request: httpx.Request, op: str) -> httpx.Response | None:
        """One per-minute bucket per operation (endpoint and verb), as Shippo limits them."""
        if op == "deliver":
            return None
        per_minute = self.limits.get(op, self.limits[op.rsplit(".", 1)[-1]])
        if per_minute <= 0:  # an endpoint switched off for the account
            return self._throttled(60)
        bucket = self.buckets.setdefault(op, Bucket(per_minute / 60.0, float(per_minute)))
        if bucket.take():
            return None
        return self._throttled(max(1, math.ceil(bucket.wait_for())))

    @staticmethod
    def _throttled(seconds: int) -> httpx.Response:
        return json_response(
            429,
            {"detail": f"Request was throttled. Expected available in {seconds} seconds."},
            {"Retry-After": str(seconds)},
        )

    @staticmethod
    def body(request: httpx.Request) -> dict[str, Any]:
        """The request's JSON object."""
        data = json.loads(request.content or b"{}")
        if not isinstance(data, dict):
            raise Invalid({"non_field_errors": ["Invalid data. Expected a dictionary."]})
        return data

    def page(self, request: httpx.Request, items: list[dict[str, Any]]) -> httpx.Response:
        """A list answer `{count, next, previous, results}`, paged with `results` and `page`."""
        size = max(1, min(100, int(request.url.params.get("results", "25"))))
        number = max(1, int(request.url.params.get("page", "1")))
        chunk = items[(number - 1) * size : number * size]

        def link(page: int) -> str:
            params = {**dict(request.url.params), "page": str(page), "results": str(size)}
            return f"{self.base_url(request)}{request.url.path}?{urlencode(params)}"

        return json_response(
            200,
            {
                "count": len(items),
                "next": link(number + 1) if number * size < len(items) else None,
                "previous": link(number - 1) if number > 1 else None,
                "results": chunk,
            },
        )

    def _carrier_accounts(self, request: httpx.Request) -> httpx.Response:
        return self.page(request, list(self.carrier_accounts.values()))

    # Ids, addresses, documents --------------------------------------------------------------

    def hex_id(self) -> str:
        """A 32-hex object id, as Shippo's (no type prefix)."""
        return f"{self.random.getrandbits(128):032x}"

    def address_object(self, given: Any, field: str, *, strict: bool = True) -> dict[str, Any]:
        """An address from an inline object or an address id; `strict` refuses missing parts (400)."""
        if isinstance(given, str):
            if given not in self.addresses:
                raise Invalid({field: [f"Address with supplied object_id {given} not found."]})
            return self.addresses[given]
        if not isinstance(given, dict):
            raise required(field)
        if strict:
            missing = {
                name: ["This field is required." if name not in given else "This field may not be blank."]
                for name in REQUIRED_ADDRESS_FIELDS
                if not str(given.get(name) or "").strip()
            }
            if missing:
                raise Invalid({field: missing})
        address: dict[str, Any] = {"object_id": self.hex_id(), "is_complete": True}
        for name in ADDRESS_FIELDS:
            address[name] = str(given.get(name) or "")
            if name == "street1":
                address["street_no"] = ""
                address["validation_results"] = {}
            if name == "street2":
                address["street3"] = ""
        address["country"] = address["country"].upper() or "US"
        address["is_residential"] = given.get("is_residential")
        address["test"] = True
        self.addresses[address["object_id"]] = address
        return address

    def signed_url(self, request: httpx.Request, name: str, ttl: timedelta) -> str:
        """A link to a stored document that works until it expires, like Shippo's CloudFront links."""
        expires = int((self.now() + ttl).timestamp())
        return f"{self.base_url(request)}/deliver/{name}?Expires={expires}&Signature={self._sign(name, expires)}"

    def _sign(self, name: str, expires: int) -> str:
        digest = hmac.new(self.url_key, f"{name}:{expires}".encode(), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(digest).decode().rstrip("=")

    @staticmethod
    def base_url(request: httpx.Request) -> str:
        """Where the request reached the sandbox (links it hands out point back there)."""
        return f"{request.url.scheme}://{request.url.netloc.decode()}"

    def _deliver(self, request: httpx.Request, name: str) -> httpx.Response:
        params = request.url.params
        try:
            expires = int(params.get("Expires", ""))
        except ValueError:
            expires = 0
        if not hmac.compare_digest(params.get("Signature", ""), self._sign(name, expires)):
            return _access_denied("Invalid signature for the given expiry")
        if expires < self.now().timestamp():
            return _access_denied("Request has expired")
        if name not in self.files:
            return _access_denied("Access denied")
        content_type, content = self.files[name]
        return httpx.Response(200, content=content, headers={"Content-Type": content_type})


def _access_denied(message: str) -> httpx.Response:
    # What the document CDN answers for a bad or old link: XML, not Shippo's JSON.
    body = f'<?xml version="1.0" encoding="UTF-8"?><Error><Code>AccessDenied</Code><Message>{message}</Message></Error>'
    return httpx.Response(403, content=body.encode(), headers={"Content-Type": "text/xml"})
