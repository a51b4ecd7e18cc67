"""The UPS account as the product uses it: OAuth, rate shopping, labels, voids, tracking, address checks."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import replace
from datetime import UTC, date, datetime
from typing import Any, NoReturn
from urllib.parse import quote as url_quote

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
    SignatureInvalid,
    TrackingReport,
    VoidResult,
)
from carriers.connectors.ups import parsing, payloads
from carriers.connectors.ups.labels import gif_label_pdf

TOKEN_PATH = "/security/v1/oauth/token"  # noqa: S105 (a URL path, not a secret)
SHOP_PATH = "/api/rating/v2409/Shop"
SHIP_PATH = "/api/shipments/v2409/ship"
VOID_PATH = "/api/shipments/v2409/void/cancel/{shipment_id}"
TRACK_PATH = "/api/track/v1/details/{number}"
TRACK_REFERENCE_PATH = "/api/track/v1/reference/details/{reference}"
LABEL_RECOVERY_PATH = "/api/labels/v1/recovery"
XAV_PATH = "/api/addressvalidation/v2/3"  # 3: validation and classification (residential or not)
TRANSACTION_SRC = "fulfil"
#: Fetch a new token this long before UPS says the old one expires (clocks drift, calls take time).
TOKEN_MARGIN_SECONDS = 60.0
#: Countries UPS's street-level Address Validation covers.
XAV_COUNTRIES = {"US", "PR"}
TRACKING_URL = "https://www.ups.com/track?loc=en_US&tracknum={number}"


class UpsConnector:
    """A UPS account over UPS's REST APIs (OAuth 2 client credentials).

    Credentials: `client_id`, `client_secret` (the UPS app) and `account_number` (the six-character
    shipper number that pays). UPS has no rate ids (a quote's `rate_id` is its service code, and
    buying sends the whole shipment again with that service) and no idempotency key: see `buy`.
    """

    provider = "ups"
    supports_webhooks = False  # UPS tracking is polled here
    supports_address_verification = True
    supports_manifests = False  # UPS closes the day itself; the product prints its own manifest

    def __init__(
        self,
        account_code: str,
        credentials: Mapping[str, str],
        http: httpx.Client,
        *,
        clock: Callable[[], float] = time.monotonic,
        today: Callable[[], date] = lambda: datetime.now(UTC).date(),
    ) -> None:
        self.account_code = account_code
        self.credentials = dict(credentials)
        self.http = http
        self.clock = clock
        self.today = today
        self._token = ""
        self._token_expires_at = 0.0
        self._attempts: dict[str, int] = {}  # purchase key -> ship calls sent by this connector

    # The product's calls ---------------------------------------------------------------------

    def check(self) -> str:
        """Fetch a fresh token: proves the client id and secret; the account number is named back."""
        account = self._credential("account_number")
        lifetime = self._fetch_token()
        return f"UPS accepted the credentials for shipper {account} (tokens last about {round(lifetime / 3600)} h)."

    def rates(self, request: ShipmentRequest) -> list[RateQuote]:
        """Every service UPS offers for the parcel ("Shop"), cheapest first, negotiated prices if any."""
        body = payloads.rate_request(request, account_number=self._credential("account_number"))
        return parsing.rates_of(self._api("POST", SHOP_PATH, json=body))

    def buy(self, request: ShipmentRequest, quote: RateQuote, *, idempotency_key: str) -> BoughtLabel:
        """Buy the label of `quote`'s service.

        UPS has no idempotency key. The key goes out as the package's "TN" reference number and,
        with the attempt number, as `transId`. A second `buy` with one key from this connector
        first looks for the earlier shipment (`recover_label`); a caller retrying in another
        process after a timeout calls `recover_label` itself first, as the protocol asks.
        """
        body = payloads.ship_request(
            request,
            account_number=self._credential("account_number"),
            service_code=quote.service_code or quote.rate_id,
            idempotency_key=idempotency_key,
            today=self.today(),
        )
        if self._attempts.get(idempotency_key):
            earlier = self.recover_label(request, quote, idempotency_key=idempotency_key)
            if earlier is not None:
                return earlier
        answer = self._api("POST", SHIP_PATH, json=body, idempotency_key=idempotency_key)
        return self._bought(request, quote, parsing.shipped_of(answer))

    def recover_label(self, request: ShipmentRequest, quote: RateQuote, *, idempotency_key: str) -> BoughtLabel | None:
        """The label an earlier `buy` with this key made, or None.

        UPS's Track API searches shipper reference numbers (GET /api/track/v1/reference/details/
        {referenceNumber}, the last 14 days by default) and its Label Recovery API hands a label
        out again by tracking number. A real shipment may take some minutes to show up in
        reference tracking; until it does this answers None. Recovery does not repeat the
        charges, so the label carries the quote's amount. Voided shipments are left out.
        """
        reference = url_quote(payloads.key_reference(idempotency_key), safe="")
        found = self._api(
            "GET",
            TRACK_REFERENCE_PATH.format(reference=reference),
            params={"locale": "en_US", "refNumType": "SmallPackage"},
            not_found_ok=True,
        )
        numbers = parsing.referenced_tracking_numbers(found) if found is not None else []
        if not numbers:
            return None
        body = payloads.label_recovery_request(
            numbers[0], label_format=request.label_format, reference=request.reference
        )
        recovered = parsing.recovered_of(self._api("POST", LABEL_RECOVERY_PATH, json=body))
        return self._bought(request, quote, replace(recovered, amount=quote.amount, currency=quote.currency))

    def void(self, label: BoughtLabel) -> VoidResult:
        """Void the shipment. UPS voids until the end of the day the label was made (before pickup)
        and charges nothing for a voided label; any refusal is reported as `void_window`."""
        shipment_id = url_quote(label.provider_shipment_id or label.tracking_number, safe="")
        try:
            answer = self._api("DELETE", VOID_PATH.format(shipment_id=shipment_id))
        except CarrierUnavailable:
            raise
        except CarrierError as exc:
            if exc.code == "auth":
                raise
            raise CarrierError(exc.message, code="void_window") from exc
        status = ((answer.get("VoidShipmentResponse") or {}).get("SummaryResult") or {}).get("Status") or {}
        if str(status.get("Code") or "") == "1":
            return VoidResult("refunded", str(status.get("Description") or "Voided"))
        return VoidResult("rejected", str(status.get("Description") or "UPS did not void the shipment."))

    def track(self, tracking_number: str, carrier: str) -> TrackingReport:
        """The package's scans from UPS's Track API, oldest first."""
        path = TRACK_PATH.format(number=url_quote(tracking_number, safe=""))
        answer = self._api("GET", path, params={"locale": "en_US", "returnSignature": "false"})
        return parsing.report_of(answer, tracking_number)

    def verify_address(self, address: PostalAddress) -> AddressVerdict:
        """UPS Address Validation (street level, US and Puerto Rico); other countries are not checked."""
        if address.country.upper() not in XAV_COUNTRIES:
            return AddressVerdict(
                deliverable=True,
                messages=(
                    f"UPS checks US and Puerto Rico addresses only; this {address.country} address is unchecked.",
                ),
            )
        return parsing.verdict_of(self._api("POST", XAV_PATH, json=payloads.xav_request(address)), address)

    def manifest(self, labels: list[BoughtLabel]) -> ManifestDocument:
        """UPS closes the day on its own: there is no scan form to fetch."""
        return ManifestDocument(provider_id="")

    def parse_webhook(self, headers: dict[str, str], body: bytes) -> TrackingReport | None:
        """No webhooks: UPS tracking is polled for this account, so any delivery is refused."""
        raise SignatureInvalid("UPS tracking is polled; no webhooks are accepted for this account")

    # HTTP ------------------------------------------------------------------------------------

    def _credential(self, name: str) -> str:
        value = str(self.credentials.get(name) or "").strip()
        if not value:
            message = f"The UPS account {self.account_code} has no {name.replace('_', ' ')}."
            raise CarrierError(message, code="auth", field=name)
        return value

    def _send(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        try:
            return self.http.request(method, path, **kwargs)
        except httpx.TimeoutException as exc:
            raise CarrierUnavailable("UPS did not answer in time.", timed_out=True) from exc
        except httpx.TransportError as exc:
            raise CarrierUnavailable(f"Could not reach UPS ({exc.__class__.__name__}).") from exc

    def _fetch_token(self) -> int:
        """A new access token (client credentials, HTTP Basic); returns its lifetime in seconds."""
        response = self._send(
            "POST",
            TOKEN_PATH,
            data={"grant_type": "client_credentials"},
            auth=(self._credential("client_id"), self._credential("client_secret")),
            headers={"x-merchant-id": self._credential("account_number")},
        )
        if response.status_code != 200:
            self._raise(response)
        token, lifetime = parsing.token_of(response.json())
        self._token = token
        self._token_expires_at = self.clock() + lifetime - TOKEN_MARGIN_SECONDS
        return lifetime

    def _bearer(self) -> str:
        if not self._token or self.clock() >= self._token_expires_at:
            self._fetch_token()
        return self._token

    def _api(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        params: Mapping[str, str] | None = None,
        idempotency_key: str = "",
        not_found_ok: bool = False,
    ) -> Any:
        """One API call with a bearer token; a 401 fetches a new token once and tries again."""
        response = None
        for _ in range(2):
            if idempotency_key:
                self._attempts[idempotency_key] = self._attempts.get(idempotency_key, 0) + 1
                transaction = payloads.trans_id(idempotency_key, self._attempts[idempotency_key])
            else:
                transaction = uuid.uuid4().hex
            headers = {
                "Authorization": f"Bearer {self._bearer()}",
                "transId": transaction,
                "transactionSrc": TRANSACTION_SRC,
            }
            response = self._send(method, path, json=json, params=params, headers=headers)
            if response.status_code != 401:
                break
            self._token = ""  # expired or revoked early: one new token, one more try
        assert response is not None
        if 200 <= response.status_code < 300:
            return response.json()
        if response.status_code == 404 and not_found_ok:
            return None
        self._raise(response)

    @staticmethod
    def _raise(response: httpx.Response) -> NoReturn:
        code, message = parsing.error_of(response)
        status = response.status_code
        if status in (401, 403):
            raise CarrierError(f"UPS refused the credentials: {message}", code="auth")
        if status == 429:
            raise CarrierUnavailable(f"UPS is throttling requests: {message}", retry_after=_retry_after(response))
        if status >= 500:
            raise CarrierUnavailable(f"UPS failed ({status}): {message}", retry_after=_retry_after(response))
        raise CarrierError(f"UPS: {message}", code=code or "refused")

    # Labels ----------------------------------------------------------------------------------

    def _bought(self, request: ShipmentRequest, quote: RateQuote, shipped: parsing.ShippedPackage) -> BoughtLabel:
        if shipped.image_format == "ZPL":
            label_format, label = "zpl", shipped.image
        else:
            label_format, label = "pdf", gif_label_pdf(shipped.image, title=f"UPS {shipped.tracking_number}")
        return BoughtLabel(
            tracking_number=shipped.tracking_number,
            carrier=parsing.CARRIER,
            service=quote.service,
            amount=shipped.amount if shipped.amount is not None else quote.amount,
            currency=shipped.currency,
            label_format=label_format,
            label=label,
            provider_shipment_id=shipped.shipment_id,
            tracking_url=TRACKING_URL.format(number=shipped.tracking_number),
        )


def _retry_after(response: httpx.Response) -> float | None:
    """Retry-After in seconds when UPS sent it as a number (the specs do not promise it)."""
    try:
        return max(0.0, float(response.headers.get("Retry-After", "")))
    except ValueError:
        return None
