"""EasyPost (API v2) as a `CarrierConnector`, over httpx.

Auth is HTTP Basic with the API key as user name and an empty password; every path is under
`/v2` of the account's base URL. A label is bought once per EasyPost shipment: EasyPost has no
idempotency header, the shipment id plays that part. Buying a shipment already bought is
answered `SHIPMENT.POSTAGE.EXISTS`, and the connector then reads the label bought before, so a
retry after a lost answer never buys twice. Label files (PDF, ZPL) are made on demand with
GET /shipments/{id}/label and downloaded through the same client.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import httpx

from carriers.connectors.base import (
    AddressVerdict,
    BoughtLabel,
    CarrierError,
    CarrierUnavailable,
    ManifestDocument,
    PostalAddress,
    RateQuote,
    ShipmentRequest,
    TrackingReport,
    VoidResult,
)
from carriers.connectors.easypost.parsing import (
    EasyPostError,
    label_url,
    parse_address_verdict,
    parse_error,
    parse_label,
    parse_rates,
    parse_refund,
    parse_tracker,
)
from carriers.connectors.easypost.payloads import address_payload, shipment_payload
from carriers.connectors.easypost.webhooks import parse_event, verify_signature

#: API key prefixes EasyPost hands out: test keys and production keys.
KEY_MODES = {"EZTK": "test", "EZAK": "production"}


def _retry_after(response: httpx.Response) -> float | None:
    try:
        return max(0.0, float(response.headers["Retry-After"]))
    except (KeyError, ValueError):
        return None


class EasyPostConnector:
    """One EasyPost account (an API key) as the product uses it."""

    provider = "easypost"
    supports_webhooks = True
    supports_address_verification = True
    supports_manifests = True

    def __init__(self, account_code: str, credentials: Mapping[str, Any], http: httpx.Client) -> None:
        self.account_code = account_code
        self.credentials = dict(credentials)
        self.http = http
        # The account's base URL is EasyPost's host; one that already ends in /v2 is taken as is.
        self.prefix = "" if http.base_url.path.rstrip("/").endswith("/v2") else "/v2"

    # HTTP ----------------------------------------------------------------------------------

    def _send(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        try:
            response = self.http.request(method, url, **kwargs)
        except httpx.TimeoutException as exc:
            # The call may have been done on EasyPost's side: a buy must be recovered, not repeated.
            raise CarrierUnavailable(f"EasyPost did not answer in time ({method} {url}).", timed_out=True) from exc
        except httpx.TransportError as exc:
            raise CarrierUnavailable(f"EasyPost could not be reached: {exc}.") from exc
        if response.status_code == 429:
            retry_after = _retry_after(response)
            wait = f" Retry after {retry_after:g} s." if retry_after is not None else ""
            raise CarrierUnavailable(f"EasyPost is throttling this account.{wait}", retry_after=retry_after)
        if response.status_code >= 500:
            raise CarrierUnavailable(
                f"EasyPost is unavailable (HTTP {response.status_code}).", retry_after=_retry_after(response)
            )
        if response.status_code >= 400:
            try:
                body = response.json()
            except ValueError:
                body = None
            raise parse_error(response.status_code, body)
        return response

    def _call(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        auth = httpx.BasicAuth(str(self.credentials.get("api_key", "")), "")
        response = self._send(method, f"{self.prefix}{path}", auth=auth, **kwargs)
        try:
            body = response.json()
        except ValueError as exc:
            raise CarrierUnavailable(f"EasyPost answered {method} {path} with something that is not JSON.") from exc
        if not isinstance(body, dict):
            raise CarrierUnavailable(f"EasyPost answered {method} {path} with an unexpected body.")
        return body

    def _download(self, url: str) -> bytes:
        # Label and form files are public, unguessable URLs (S3 in production): no API key goes along.
        return self._send("GET", url).content

    # Connector -----------------------------------------------------------------------------

    def check(self) -> str:
        """List one address: the cheapest call that proves the key is accepted."""
        body = self._call("GET", "/addresses", params={"page_size": 1})
        key = str(self.credentials.get("api_key", ""))
        mode = KEY_MODES.get(key[:4]) or next((a.get("mode") for a in body.get("addresses") or []), None)
        return f"Connected ({mode} mode)" if mode else "Connected"

    def rates(self, request: ShipmentRequest) -> list[RateQuote]:
        """Create an EasyPost shipment; its rates are the quotes (the shipment id goes with each)."""
        return parse_rates(self._call("POST", "/shipments", json=shipment_payload(request)))

    def buy(self, request: ShipmentRequest, quote: RateQuote, *, idempotency_key: str) -> BoughtLabel:
        """Buy `quote` on its shipment, once: a shipment bought before gives back its existing label."""
        shipment_id = self._shipment_id(quote)
        try:
            shipment = self._call("POST", f"/shipments/{shipment_id}/buy", json={"rate": {"id": quote.rate_id}})
        except EasyPostError as exc:
            if exc.provider_code != "SHIPMENT.POSTAGE.EXISTS":
                raise
            shipment = self._call("GET", f"/shipments/{shipment_id}")
        return self._label_of(shipment, request.label_format)

    def recover_label(self, request: ShipmentRequest, quote: RateQuote, *, idempotency_key: str) -> BoughtLabel | None:
        """After a timeout: the shipment's label if EasyPost bought it, else None (safe to buy)."""
        if not quote.provider_shipment_id:
            return None
        try:
            shipment = self._call("GET", f"/shipments/{quote.provider_shipment_id}")
        except CarrierError as exc:
            if exc.code == "not_found":
                return None
            raise
        if not shipment.get("tracking_code") or not shipment.get("postage_label"):
            return None
        return self._label_of(shipment, request.label_format)

    def void(self, label: BoughtLabel) -> VoidResult:
        """Ask for the label's refund; a refusal (too late, already scanned) raises with the carrier's words."""
        if not label.provider_shipment_id:
            raise CarrierError("This label has no EasyPost shipment id to refund.", code="not_found")
        return parse_refund(self._call("POST", f"/shipments/{label.provider_shipment_id}/refund"))

    def track(self, tracking_number: str, carrier: str) -> TrackingReport:
        """Create (or, for a code already tracked, read back) the Tracker of a tracking number."""
        tracker: dict[str, Any] = {"tracking_code": tracking_number}
        if carrier:
            tracker["carrier"] = carrier
        return parse_tracker(self._call("POST", "/trackers", json={"tracker": tracker}))

    def verify_address(self, address: PostalAddress) -> AddressVerdict:
        """Create the Address with delivery verification; an unverifiable one is not an error here."""
        try:
            body = self._call("POST", "/addresses", json={"address": address_payload(address), "verify": True})
        except EasyPostError as exc:
            if not exc.provider_code.startswith("ADDRESS.VERIFY"):
                raise
            body = dict(exc.body)
        return parse_address_verdict(address, body)

    def manifest(self, labels: list[BoughtLabel]) -> ManifestDocument:
        """One ScanForm for labels of one carrier (EasyPost makes one form per carrier account)."""
        if not labels:
            raise CarrierError("There are no labels to put on a scan form.", code="empty")
        carriers = sorted({label.carrier for label in labels})
        if len(carriers) > 1:
            raise CarrierError(
                f"A scan form covers one carrier; these labels are for {', '.join(carriers)}.", code="manifest_carriers"
            )
        shipments = [{"id": self._label_shipment_id(label)} for label in labels]
        form = self._call("POST", "/scan_forms", json={"shipments": shipments})
        if form.get("status") == "failed":
            raise CarrierError(str(form.get("message") or "EasyPost could not make the scan form."))
        url = form.get("form_url")
        document = self._download(str(url)) if url else b""
        return ManifestDocument(provider_id=str(form.get("id") or ""), document=document, document_format="pdf")

    def parse_webhook(self, headers: dict[str, str], body: bytes) -> TrackingReport | None:
        """Verify the Event's signature with the account's webhook secret, then read its Tracker."""
        verify_signature(str(self.credentials.get("webhook_secret", "")), headers, body)
        return parse_event(body)

    # Helpers -------------------------------------------------------------------------------

    @staticmethod
    def _shipment_id(quote: RateQuote) -> str:
        if not quote.provider_shipment_id or not quote.rate_id:
            raise CarrierError("This rate did not come from EasyPost: ask for rates again.", code="rate_expired")
        return quote.provider_shipment_id

    @staticmethod
    def _label_shipment_id(label: BoughtLabel) -> str:
        if not label.provider_shipment_id:
            raise CarrierError(f"Label {label.tracking_number} has no EasyPost shipment id.", code="not_found")
        return label.provider_shipment_id

    def _label_of(self, shipment: dict[str, Any], label_format: str) -> BoughtLabel:
        """The bought shipment's label file in `label_format`, made by EasyPost on first request."""
        url = label_url(shipment, label_format)
        if url is None:
            shipment = self._call(
                "GET", f"/shipments/{shipment['id']}/label", params={"file_format": label_format.upper()}
            )
            url = label_url(shipment, label_format)
        if url is None:
            raise CarrierError(f"EasyPost has no {label_format.upper()} label for this shipment.", code="label_format")
        return parse_label(shipment, label_format, self._download(url))
