"""The UPS sandbox: UPS's REST paths, OAuth, payload shapes, error bodies and throttling, in process."""

from __future__ import annotations

import base64
import copy
import json
import math
import secrets
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qs, unquote

import httpx

from carriers.sandbox.ups import shipping
from carriers.sandbox.ups.addresses import validate
from carriers.sandbox.ups.samples import load_sample
from carriers.sandbox.ups.tracking import SCANS, ShipmentRecord, package_json
from core.sandbox import Bucket, HttpSandbox, json_response

CLIENT_ID = "ups-sandbox-client"
CLIENT_SECRET = "ups-sandbox-secret"  # noqa: S105 (the sandbox's own, public)
ACCOUNT_NUMBER = "W4R8X2"
API = r"/api"
#: Error codes of UPS's error bodies by HTTP status (401's is UPS's "Invalid Authentication Information").
CODES = {400: "120100", 401: "250002", 403: "250003", 404: "TW0001", 429: "250011"}


def ups_error(status: int, code: str, message: str, headers: dict[str, str] | None = None) -> httpx.Response:
    """UPS's error body: lower-case `response.errors[]` with string codes (the published rate error)."""
    return json_response(status, {"response": {"errors": [{"code": code, "message": message}]}}, headers)


class UpsSandbox(HttpSandbox):
    """UPS as its published samples and OpenAPI files show it.

    Knobs: `token_lifetime` (seconds, "14399" as UPS), `expire_tokens()`, `travel(delta)` (the
    sandbox's clock: tokens expire, scans advance, the void window closes), `void_window_days`
    (a label can be voided until the end of this many days, counting the day it was made),
    `negotiated_discount` (None: the account has no negotiated rates), `set_rate(rps, burst)`,
    `track_set(tracking_number, status_type)`, and the base faults (`fail_next`, `timeout_next`,
    `latency`, `revoked`) on operations token, rate, ship, void, labels, track, xav.
    """

    kind = "ups"

    def setup(self) -> None:
        """Credentials, clock, knobs, state and UPS's routes."""
        self.clients = {CLIENT_ID: CLIENT_SECRET}
        self.accounts = {ACCOUNT_NUMBER}
        self.token_lifetime = 14399
        self.tokens: dict[str, datetime] = {}
        self.offset = timedelta(0)
        self.void_window_days = 1
        self.negotiated_discount: Decimal | None = Decimal("0.12")
        self.bucket = Bucket(10.0, 20.0)
        self.shipments: dict[str, ShipmentRecord] = {}  # shipment id -> record
        self.trans_ids: list[tuple[str, str]] = []  # (op, transId) of every API call
        self.serial = 0
        self.route("POST", r"/security/v1/oauth/token", "token", self._token)
        self.route("POST", rf"{API}/rating/(?P<version>v\w+)/(?P<option>Rate|Shop)", "rate", self._rate)
        self.route("POST", rf"{API}/shipments/(?P<version>v\w+)/ship", "ship", self._ship)
        self.route(
            "DELETE", rf"{API}/shipments/(?P<version>v\w+)/void/cancel/(?P<shipment_id>[^/]+)", "void", self._void
        )
        self.route("POST", rf"{API}/labels/(?P<version>v\w+)/recovery", "labels", self._recover)
        self.route("GET", rf"{API}/track/v1/details/(?P<number>[^/]+)", "track", self._track)
        self.route("GET", rf"{API}/track/v1/reference/details/(?P<reference>[^/]+)", "track", self._by_reference)
        self.route("POST", rf"{API}/addressvalidation/(?P<version>v\w+)/(?P<option>[123])", "xav", self._xav)

    # Test and demo hooks -------------------------------------------------------------------

    def now(self) -> datetime:
        """The sandbox's clock: real time moved by `travel`."""
        return datetime.now(UTC) + self.offset

    def travel(self, delta: timedelta) -> None:
        """Move the sandbox's clock forward."""
        with self.lock:
            self.offset += delta

    def expire_tokens(self) -> None:
        """Make every token handed out so far invalid, as if it had expired."""
        with self.lock:
            self.tokens.clear()

    def set_rate(self, requests_per_second: float, burst: float) -> None:
        """Throttle API calls (not token requests) past this rate."""
        self.bucket = Bucket(requests_per_second, burst)

    def track_set(self, tracking_number: str, status_type: str) -> None:
        """Force a scan of `status_type` (M, P, I, O, D, X or RS) on a package, now."""
        if status_type not in SCANS:
            raise ValueError(f"Unknown UPS status type {status_type!r}: use one of {', '.join(SCANS)}")
        with self.lock:
            record, _ = self.find_package(tracking_number)
            record.forced.append((status_type, self.now()))

    def shipment_count(self) -> int:
        """How many shipments the sandbox has made (voided ones included)."""
        return len(self.shipments)

    # HttpSandbox hooks --------------------------------------------------------------------

    def error(self, status: int, message: str, op: str) -> httpx.Response:
        """An injected fault in UPS's error shape (429 with Retry-After)."""
        headers = {"Retry-After": "1"} if status == 429 else None
        return ups_error(status, CODES.get(status, str(status)), message, headers)

    def not_found(self) -> httpx.Response:
        """A path UPS does not serve."""
        return ups_error(404, "404", "The requested resource was not found.")

    def authenticate(self, request: httpx.Request, op: str) -> httpx.Response | None:
        """A live bearer token and the transId/transactionSrc headers on every API call."""
        if op == "token":
            return None
        token = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
        expires = self.tokens.get(token)
        if self.revoked or expires is None or expires <= self.now():
            return self.error(401, "Invalid Authentication Information.", op)
        transaction = request.headers.get("transId", "")
        if not transaction or not request.headers.get("transactionSrc"):
            return ups_error(400, "10001", "Missing transId or transactionSrc header.")
        self.trans_ids.append((op, transaction))
        return None

    def rate_limit(self, request: httpx.Request, op: str) -> httpx.Response | None:
        """429 "Rate Limit Exceeded" with Retry-After once the bucket is empty."""
        if op == "token" or self.bucket.take():
            return None
        wait = str(max(1, math.ceil(self.bucket.wait_for())))
        return ups_error(429, CODES[429], "Rate Limit Exceeded", {"Retry-After": wait})

    # OAuth --------------------------------------------------------------------------------

    def _token(self, request: httpx.Request) -> httpx.Response:
        scheme, _, encoded = request.headers.get("Authorization", "").partition(" ")
        try:
            client_id, _, secret = base64.b64decode(encoded).decode().partition(":")
        except (ValueError, UnicodeDecodeError):
            client_id, secret = "", ""
        if self.revoked or scheme != "Basic" or self.clients.get(client_id) != secret or not secret:
            return ups_error(401, "10401", "ClientId is Invalid")
        form = parse_qs(request.content.decode())
        if form.get("grant_type") != ["client_credentials"]:
            return ups_error(400, "10400", "Invalid/Missing grant_type")
        issued = self.now()
        token = secrets.token_urlsafe(24)
        self.tokens[token] = issued + timedelta(seconds=self.token_lifetime)
        body = load_sample("ups_oauth_token_response.json")
        body.update(
            client_id=client_id,
            access_token=token,
            issued_at=str(int(issued.timestamp() * 1000)),
            expires_in=str(self.token_lifetime),
        )
        return json_response(200, body)

    # Rating and shipping ------------------------------------------------------------------

    def _rate(self, request: httpx.Request, version: str, option: str) -> httpx.Response:
        body = json.loads(request.content)["RateRequest"]
        return shipping.rate(self, body, shop=option == "Shop")

    def _ship(self, request: httpx.Request, version: str) -> httpx.Response:
        return shipping.ship(self, json.loads(request.content)["ShipmentRequest"])

    def _void(self, request: httpx.Request, version: str, shipment_id: str) -> httpx.Response:
        record = self.shipments.get(unquote(shipment_id))
        if record is None:
            return ups_error(400, "190101", "No shipment found with this shipment identification number.")
        if record.voided_at is not None:
            return ups_error(400, "190102", "This shipment has already been voided.")
        deadline = datetime.combine(record.created_at.date() + timedelta(days=self.void_window_days), time(0), UTC)
        if self.now() >= deadline:
            return ups_error(
                400,
                "190117",
                "The shipment cannot be voided: the void period ended at the close of "
                f"{(deadline - timedelta(days=1)).date():%Y-%m-%d} (UPS voids until the end of the day of shipment).",
            )
        record.voided_at = self.now()
        return json_response(
            200,
            {
                "VoidShipmentResponse": {
                    "Response": {"ResponseStatus": {"Code": "1", "Description": "Success"}},
                    "SummaryResult": {"Status": {"Code": "1", "Description": "Voided"}},
                }
            },
        )

    def _recover(self, request: httpx.Request, version: str) -> httpx.Response:
        return shipping.recover(self, json.loads(request.content)["LabelRecoveryRequest"])

    # Tracking -----------------------------------------------------------------------------

    def find_package(self, tracking_number: str) -> tuple[ShipmentRecord, int]:
        """The shipment holding a package, and the package's index in it (LookupError if none)."""
        for record in self.shipments.values():
            for index, package in enumerate(record.packages):
                if package.tracking_number == tracking_number:
                    return record, index
        raise LookupError(tracking_number)

    def _track_body(self, inquiry: str, found: list[tuple[ShipmentRecord, int]]) -> dict[str, Any]:
        body = load_sample("ups_track_response.json")
        template = body["trackResponse"]["shipment"][0]
        shipments = []
        for record, index in found:
            shipment = copy.deepcopy(template)
            shipment["inquiryNumber"] = inquiry
            shipment["package"] = [package_json(record, record.packages[index], self.now())]
            shipments.append(shipment)
        body["trackResponse"]["shipment"] = shipments
        return body

    def _track(self, request: httpx.Request, number: str) -> httpx.Response:
        try:
            found = self.find_package(unquote(number))
        except LookupError:
            return ups_error(404, "TW0001", "Tracking Information Not Found")
        return json_response(200, self._track_body(unquote(number), [found]))

    def _by_reference(self, request: httpx.Request, reference: str) -> httpx.Response:
        """Track by a shipper reference number, over the last 14 days, voided shipments left out."""
        wanted = unquote(reference)
        since = self.now() - timedelta(days=14)
        found = [
            (record, index)
            for record in self.shipments.values()
            if record.voided_at is None and record.created_at >= since
            for index, package in enumerate(record.packages)
            if wanted in package.references
        ]
        if not found:
            return ups_error(404, "TW0001", "Tracking Information Not Found")
        return json_response(200, self._track_body(wanted, found))

    # Address validation -------------------------------------------------------------------

    def _xav(self, request: httpx.Request, version: str, option: str) -> httpx.Response:
        key_format = json.loads(request.content)["XAVRequest"]["AddressKeyFormat"]
        if str(key_format.get("CountryCode") or "").upper() not in ("US", "PR"):
            return ups_error(400, "264002", "Street level validation is available for US and Puerto Rico only.")
        return json_response(200, validate(key_format, request_option=option))

    # Shared with shipping -----------------------------------------------------------------

    def next_serial(self) -> int:
        """The next package serial (the middle of the 1Z number)."""
        self.serial += 1
        return self.serial

    def today(self) -> date:
        """The sandbox's date (UTC)."""
        return self.now().date()
