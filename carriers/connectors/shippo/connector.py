"""The Shippo connector: one Shippo account (an aggregator over USPS, UPS and others) as the product uses it."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote, urlsplit

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
from carriers.connectors.shippo.api import ShippoApi, ShippoRefused
from carriers.connectors.shippo.parsing import (
    messages_text,
    parse_address_verdict,
    parse_rates,
    parse_track,
    refund_result,
    track_event_id,
)
from carriers.connectors.shippo.payloads import LABEL_FILE_TYPES, address_payload, carrier_token, shipment_payload
from core.safe_json import loads_clean

SIGNATURE_HEADER = "X-Shippo-Signature"


def _rate_id(transaction: Mapping[str, Any]) -> str:
    # A created transaction names its rate by id; the list endpoint may expand it into an object.
    rate = transaction.get("rate")
    return str(rate.get("object_id") or "") if isinstance(rate, Mapping) else str(rate or "")


def _label_format(transaction: Mapping[str, Any], fallback: str) -> str:
    file_type = str(transaction.get("label_file_type") or "").upper()
    if file_type:
        return "zpl" if file_type.startswith("ZPL") else "pdf"
    path = urlsplit(str(transaction.get("label_url") or "")).path.lower()
    if path.endswith(".zpl"):
        return "zpl"
    return "pdf" if path.endswith(".pdf") else fallback


class ShippoConnector:
    """Shippo (API version 2018-02-08) through httpx.

    Credentials: `api_token` (shippo_test_... or shippo_live_...) and, optionally,
    `webhook_secret`. Shippo's webhooks are unsigned unless Shippo enables HMAC signing for the
    account on request (its webhook security guide); the product always protects the webhook
    URL with a secret `?token=` (checked by the receiving view), and when `webhook_secret` is
    set also requires `X-Shippo-Signature: <hex HMAC-SHA256 of the raw body>`.
    """

    provider = "shippo"
    supports_webhooks = True
    supports_address_verification = True
    supports_manifests = True

    def __init__(self, account_code: str, credentials: Mapping[str, Any], http: httpx.Client) -> None:
        self.account_code = account_code
        self.credentials = dict(credentials)
        self.api = ShippoApi(http, str(self.credentials.get("api_token") or ""))

    # Account ---------------------------------------------------------------------------------

    def check(self) -> str:
        """One cheap listing call: it proves the token and names the carriers the account rates with."""
        page = self.api.call("GET", "/carrier_accounts/", params={"results": 25}, doing="checking the connection")
        carriers = sorted({str(account.get("carrier") or "").upper() for account in page.get("results") or []} - {""})
        mode = "test" if self.api.token.startswith("shippo_test_") else "live"
        listed = ", ".join(carriers) if carriers else "no carrier account yet"
        return f"Connected to Shippo ({mode} mode): {listed}."

    # Rates and labels ------------------------------------------------------------------------

    def rates(self, request: ShipmentRequest) -> list[RateQuote]:
        """Every rate Shippo's carriers offer for the parcel (POST /shipments/, synchronously)."""
        shipment = self.api.call("POST", "/shipments/", json=shipment_payload(request), doing="rating the parcel")
        if shipment.get("status") not in (None, "SUCCESS") and not shipment.get("rates"):
            reason = messages_text(shipment.get("messages")) or f"status {shipment.get('status')}"
            raise CarrierUnavailable(f"Shippo did not finish rating the parcel: {reason}")
        return parse_rates(shipment)

    def buy(self, request: ShipmentRequest, quote: RateQuote, *, idempotency_key: str) -> BoughtLabel:
        """Buy the rate's label (POST /transactions/). A rate sells one label only, so if Shippo says
        this rate was already bought, the label an earlier (lost) answer bought is recovered instead."""
        body = {
            "rate": quote.rate_id,
            "label_file_type": LABEL_FILE_TYPES.get(request.label_format, "PDF_4x6"),
            "async": False,
            "metadata": idempotency_key[:100],
        }
        failure: CarrierError
        try:
            transaction = self.api.call("POST", "/transactions/", json=body, doing="buying the label")
        except ShippoRefused as refused:
            if refused.field != "rate":
                raise
            failure = refused
        else:
            if transaction.get("status") != "ERROR":
                return self._bought(transaction, request, quote)
            reason = messages_text(transaction.get("messages")) or "no reason given"
            failure = CarrierError(f"Shippo could not buy the label: {reason}", code="refused")
        # Refused because the rate is already bought, perhaps by an earlier call whose answer was lost.
        recovered = self.recover_label(request, quote, idempotency_key=idempotency_key)
        if recovered is None:
            raise failure
        return recovered

    def recover_label(self, request: ShipmentRequest, quote: RateQuote, *, idempotency_key: str) -> BoughtLabel | None:
        """The label bought for this rate, if any: GET /transactions/?rate=<rate id> (Shippo's documented
        filter), the successful one, the one carrying our idempotency key first."""
        page = self.api.call(
            "GET", "/transactions/", params={"rate": quote.rate_id, "results": 25}, doing="looking up an earlier label"
        )
        bought = [
            transaction
            for transaction in page.get("results") or []
            if _rate_id(transaction) == quote.rate_id and transaction.get("status") == "SUCCESS"
        ]
        if not bought:
            return None
        bought.sort(key=lambda transaction: transaction.get("metadata") != idempotency_key)
        return self._bought(bought[0], request, quote)

    def _bought(self, transaction: Mapping[str, Any], request: ShipmentRequest, quote: RateQuote) -> BoughtLabel:
        status = transaction.get("status")
        if status == "ERROR":
            reason = messages_text(transaction.get("messages")) or "no reason given"
            raise CarrierError(f"Shippo could not buy the label: {reason}", code="refused")
        if status != "SUCCESS" or not transaction.get("label_url"):
            # Queued: the purchase may complete; `recover_label` finds it before any retry.
            raise CarrierUnavailable(
                f"Shippo has not finished the label yet (status {status}); look it up before retrying.", timed_out=True
            )
        label = self.api.download(str(transaction["label_url"]), doing="downloading the label")
        return BoughtLabel(
            tracking_number=str(transaction.get("tracking_number") or ""),
            carrier=quote.carrier,
            service=quote.service,
            amount=quote.amount,
            currency=quote.currency,
            label_format=_label_format(transaction, request.label_format),
            label=label,
            provider_shipment_id=quote.provider_shipment_id,
            provider_label_id=str(transaction.get("object_id") or ""),
            tracking_url=str(transaction.get("tracking_url_provider") or ""),
        )

    def void(self, label: BoughtLabel) -> VoidResult:
        """Ask for the label's refund (POST /refunds/); a refusal is a rejected void with Shippo's reason."""
        body = {"transaction": label.provider_label_id, "async": False}
        try:
            refund = self.api.call("POST", "/refunds/", json=body, doing="voiding the label")
        except ShippoRefused as refused:
            return VoidResult(status="rejected", message=" ".join(refused.reasons) or refused.message)
        return refund_result(refund)

    # Tracking and addresses ------------------------------------------------------------------

    def track(self, tracking_number: str, carrier: str) -> TrackingReport:
        """The parcel's status and scans (GET /tracks/<carrier>/<tracking number>)."""
        path = f"/tracks/{carrier_token(carrier)}/{quote(tracking_number.strip(), safe='')}"
        return parse_track(self.api.call("GET", path, doing="tracking the parcel"))

    def verify_address(self, address: PostalAddress) -> AddressVerdict:
        """Shippo's address validation (POST /addresses/ with `validate: true`)."""
        body = {**address_payload(address), "validate": True}
        answer = self.api.call("POST", "/addresses/", json=body, doing="checking the address")
        return parse_address_verdict(address, answer)

    def manifest(self, labels: list[BoughtLabel]) -> ManifestDocument:
        """The day's SCAN form for these labels (POST /manifests/).

        Shippo closes out one carrier account from one pickup address per manifest; both are read
        from the labels' shipments, and labels of several carrier accounts (or sent from several
        addresses) are refused with a clear message: make one manifest per carrier.
        """
        if not labels:
            raise CarrierError("There are no labels to put on a manifest.", code="invalid")
        # Inline addresses become a new address object per shipment: one pickup place is one
        # street and ZIP, and its first object stands for all of them.
        groups: dict[tuple[str, str], list[str]] = {}
        address_ids: dict[tuple[str, str], str] = {}
        shipments: dict[str, Mapping[str, Any]] = {}
        for label in labels:
            account, address = self._manifest_keys(label, shipments)
            place = " ".join(str(address.get(key) or "").strip().upper() for key in ("street1", "zip", "country"))
            groups.setdefault((account, place), []).append(label.provider_label_id)
            address_ids.setdefault((account, place), str(address["object_id"]))
        if len(groups) > 1:
            carriers = ", ".join(sorted({label.carrier for label in labels}))
            raise CarrierError(
                f"These labels belong to more than one Shippo carrier account or pickup address ({carriers}): "
                "Shippo makes one manifest per carrier account and address, so manifest them separately.",
                code="invalid",
            )
        key, transactions = next(iter(groups.items()))
        body = {
            "carrier_account": key[0],
            "shipment_date": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z"),
            "address_from": address_ids[key],
            "transactions": transactions,
        }
        manifest = self.api.call("POST", "/manifests/", json=body, doing="creating the manifest")
        if manifest.get("status") == "QUEUED":
            path = f"/manifests/{manifest['object_id']}"
            manifest = self.api.call("GET", path, doing="fetching the manifest")
        status = manifest.get("status")
        if status == "ERROR":
            reason = " ".join(str(error) for error in manifest.get("errors") or []) or "no reason given"
            raise CarrierError(f"Shippo could not create the manifest: {reason}", code="refused")
        documents = manifest.get("documents") or []
        if status != "SUCCESS" or not documents:
            raise CarrierUnavailable("Shippo is still preparing the manifest; try again in a minute.")
        document = self.api.download(str(documents[0]), doing="downloading the manifest")
        return ManifestDocument(provider_id=str(manifest["object_id"]), document=document, document_format="pdf")

    def _manifest_keys(
        self, label: BoughtLabel, shipments: dict[str, Mapping[str, Any]]
    ) -> tuple[str, Mapping[str, Any]]:
        """The carrier account that sold a label and the pickup address of its shipment."""
        doing = f"reading label {label.tracking_number} for the manifest"
        transaction = self.api.call("GET", f"/transactions/{label.provider_label_id}", doing=doing)
        if transaction.get("status") != "SUCCESS":
            raise CarrierError(
                f"Label {label.tracking_number} cannot go on a manifest: "
                f"Shippo shows it as {transaction.get('status')}.",
                code="invalid",
            )
        if label.provider_shipment_id not in shipments:
            shipments[label.provider_shipment_id] = self.api.call(
                "GET", f"/shipments/{label.provider_shipment_id}", doing=doing
            )
        shipment = shipments[label.provider_shipment_id]
        rate_id = _rate_id(transaction)
        rate = next((rate for rate in shipment.get("rates") or [] if rate.get("object_id") == rate_id), None)
        address = shipment.get("address_from") or {}
        if rate is None or not rate.get("carrier_account") or not address.get("object_id"):
            raise CarrierError(f"Shippo no longer shows the rate of label {label.tracking_number}.", code="invalid")
        return str(rate["carrier_account"]), address

    # Webhooks --------------------------------------------------------------------------------

    def parse_webhook(self, headers: dict[str, str], body: bytes) -> TrackingReport | None:
        """A `track_updated` delivery as a report (other events: None).

        The event id is derived from tracking number, status and scan time, since Shippo sends none.
        """
        secret = str(self.credentials.get("webhook_secret") or "")
        if secret:
            given = next((value for name, value in headers.items() if name.lower() == SIGNATURE_HEADER.lower()), "")
            expected = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
            if not given or not hmac.compare_digest(given.strip().lower().encode(), expected.encode()):
                raise SignatureInvalid(f"{SIGNATURE_HEADER} is missing or does not match the body.")
        try:
            # Bounded nesting, and strings made storable (NUL, lone surrogates) before anything is kept.
            payload = loads_clean(body)
        except ValueError:
            raise CarrierError("The Shippo webhook body is not JSON.", code="invalid") from None
        if not isinstance(payload, Mapping):
            raise CarrierError("The Shippo webhook body is not an object.", code="invalid")
        if payload.get("event") != "track_updated":
            return None
        data = payload.get("data")
        if not isinstance(data, Mapping):
            raise CarrierError("The Shippo track_updated webhook carries no track.", code="invalid")
        return replace(parse_track(data), event_id=track_event_id(data))
