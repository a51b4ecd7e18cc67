"""Reading UPS's answers into the product's dataclasses.

Every reader accepts both forms of a repeatable element (one object or an array) and every
number as a string, as the published samples show them.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

import httpx

from carriers.connectors.base import (
    DELIVERED,
    EXCEPTION,
    IN_TRANSIT,
    OUT_FOR_DELIVERY,
    PICKED_UP,
    PRE_TRANSIT,
    RETURN_TO_SENDER,
    UNKNOWN,
    AddressVerdict,
    CarrierError,
    PostalAddress,
    RateQuote,
    TrackingReport,
    TrackingUpdate,
)
from carriers.connectors.ups.payloads import SERVICE_NAMES, as_list

CARRIER = "UPS"
#: Track API activity `status.type` -> the product's tracking status.
STATUS_BY_TYPE = {
    "M": PRE_TRANSIT,
    "P": PICKED_UP,
    "I": IN_TRANSIT,
    "O": OUT_FOR_DELIVERY,
    "D": DELIVERED,
    "X": EXCEPTION,
    "RS": RETURN_TO_SENDER,
}


def error_of(response: httpx.Response) -> tuple[str, str]:
    """(first code, every message joined) of a UPS error body `{"response": {"errors": [...]}}`."""
    try:
        body = response.json()
    except ValueError:
        return "", (response.text.strip()[:200] or response.reason_phrase or f"HTTP {response.status_code}")
    errors = as_list((body.get("response") or {}).get("errors")) if isinstance(body, dict) else []
    errors = [error for error in errors if isinstance(error, dict)]
    if not errors:
        return "", f"HTTP {response.status_code} {response.reason_phrase}".strip()
    message = "; ".join(str(error.get("message") or error.get("code") or "").strip() for error in errors)
    return str(errors[0].get("code") or ""), message


def decimal_of(value: Any) -> Decimal:
    """A UPS amount (a string) as a Decimal; anything else is a bad answer."""
    try:
        return Decimal(str(value))
    except InvalidOperation as exc:
        raise CarrierError(f"UPS sent an amount that is not a number: {value!r}.", code="bad_response") from exc


def token_of(body: dict[str, Any]) -> tuple[str, int]:
    """(access token, lifetime in seconds) of an OAuth token answer (every value a string)."""
    token = str(body.get("access_token") or "")
    if not token:
        raise CarrierError("UPS answered the token request without a token.", code="auth")
    return token, int(str(body.get("expires_in") or "0") or 0)


def _charge(container: dict[str, Any] | None) -> tuple[Decimal, str] | None:
    """(amount, currency) of a charges container, or None when UPS sent none (null or absent)."""
    if not isinstance(container, dict) or container.get("MonetaryValue") in (None, ""):
        return None
    return decimal_of(container["MonetaryValue"]), str(container.get("CurrencyCode") or "USD")


def _negotiated_or_published(negotiated: Any, published: Any) -> tuple[Decimal, str]:
    """The account's negotiated total when UPS sent one, else the published total."""
    found = _charge((negotiated or {}).get("TotalCharge") if isinstance(negotiated, dict) else None)
    found = found or _charge(published)
    if found is None:
        raise CarrierError("UPS sent no charges.", code="bad_response")
    return found


def rates_of(body: dict[str, Any]) -> list[RateQuote]:
    """RateQuotes of a Rate or Shop answer (RatedShipment is an object for one service, an array for more)."""
    rated = as_list((body.get("RateResponse") or {}).get("RatedShipment"))
    quotes = []
    for shipment in rated:
        code = str((shipment.get("Service") or {}).get("Code") or "")
        amount, currency = _negotiated_or_published(shipment.get("NegotiatedRateCharges"), shipment.get("TotalCharges"))
        guaranteed = shipment.get("GuaranteedDelivery") or {}
        days = str(guaranteed.get("BusinessDaysInTransit") or "")
        quotes.append(
            RateQuote(
                carrier=CARRIER,
                service=SERVICE_NAMES.get(code, f"Service {code}"),
                amount=amount,
                currency=currency,
                rate_id=code,  # UPS has no rate ids: buying names the service again
                service_code=code,
                delivery_days=int(days) if days.isdigit() else None,
            )
        )
    return sorted(quotes, key=lambda quote: quote.amount)


@dataclass(frozen=True)
class ShippedPackage:
    """What a ship (or label recovery) answer says of the one package we sent."""

    tracking_number: str
    shipment_id: str
    image_format: str
    image: bytes
    amount: Decimal | None = None
    currency: str = "USD"


def _image(label: dict[str, Any]) -> tuple[str, bytes]:
    code = str(((label.get("ImageFormat") or label.get("LabelImageFormat")) or {}).get("Code") or "GIF").upper()
    try:
        return code, base64.b64decode(str(label.get("GraphicImage") or ""), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise CarrierError("UPS sent a label that is not valid base64.", code="bad_response") from exc


def shipped_of(body: dict[str, Any]) -> ShippedPackage:
    """The first package of a ShipmentResponse (PackageResults is an object for one package)."""
    results = (body.get("ShipmentResponse") or {}).get("ShipmentResults") or {}
    packages = as_list(results.get("PackageResults"))
    if not packages:
        raise CarrierError("UPS made the shipment but sent no package results.", code="bad_response")
    first = packages[0]
    image_format, image = _image(first.get("ShippingLabel") or {})
    charges = results.get("ShipmentCharges") or {}
    amount, currency = _negotiated_or_published(results.get("NegotiatedRateCharges"), charges.get("TotalCharges"))
    tracking_number = str(first.get("TrackingNumber") or "")
    return ShippedPackage(
        tracking_number=tracking_number,
        shipment_id=str(results.get("ShipmentIdentificationNumber") or tracking_number),
        image_format=image_format,
        image=image,
        amount=amount,
        currency=currency,
    )


def recovered_of(body: dict[str, Any]) -> ShippedPackage:
    """The label of a LabelRecoveryResponse (LabelResults is an object or an array)."""
    recovery = body.get("LabelRecoveryResponse") or {}
    results = as_list(recovery.get("LabelResults"))
    if not results:
        raise CarrierError("UPS found the shipment but sent no label for it.", code="bad_response")
    image_format, image = _image(results[0].get("LabelImage") or {})
    tracking_number = str(results[0].get("TrackingNumber") or "")
    return ShippedPackage(
        tracking_number=tracking_number,
        shipment_id=str(recovery.get("ShipmentIdentificationNumber") or tracking_number),
        image_format=image_format,
        image=image,
    )


def _moment(day: str, clock: str) -> datetime | None:
    """A Track API date ("YYYYMMDD") and time ("HHMMSS", leading zeros sometimes dropped) in UTC."""
    if not day:
        return None
    try:
        return datetime.strptime(day + (clock or "0").zfill(6), "%Y%m%d%H%M%S").replace(tzinfo=UTC)
    except ValueError:
        return None


def _activity(activity: dict[str, Any]) -> TrackingUpdate | None:
    # gmtDate/gmtTime are UTC; date/time are the scan's local time with no zone (read as UTC).
    occurred = _moment(str(activity.get("gmtDate") or ""), str(activity.get("gmtTime") or ""))
    occurred = occurred or _moment(str(activity.get("date") or ""), str(activity.get("time") or ""))
    if occurred is None:
        return None
    status = activity.get("status") or {}
    place = (activity.get("location") or {}).get("address") or {}
    where = ", ".join(str(place.get(key) or "") for key in ("city", "stateProvince", "countryCode") if place.get(key))
    return TrackingUpdate(
        status=STATUS_BY_TYPE.get(str(status.get("type") or "").upper(), UNKNOWN),
        occurred_at=occurred,
        description=str(status.get("description") or "").strip(),
        location=where,
    )


def _package(body: dict[str, Any]) -> dict[str, Any] | None:
    for shipment in as_list((body.get("trackResponse") or {}).get("shipment")):
        for package in as_list(shipment.get("package")):
            return dict(package)
    return None


def report_of(body: dict[str, Any], tracking_number: str) -> TrackingReport:
    """A TrackingReport of a Track API answer: activity comes newest first and is turned around."""
    package = _package(body)
    if package is None:
        raise CarrierError(f"UPS has no tracking information for {tracking_number}.", code="not_found")
    # UPS lists newest first: turned around, then sorted (stable) so scans of one second keep UPS's order.
    events = [event for event in map(_activity, reversed(as_list(package.get("activity")))) if event is not None]
    events.sort(key=lambda event: event.occurred_at)
    status = events[-1].status if events else UNKNOWN
    current = STATUS_BY_TYPE.get(str((package.get("currentStatus") or {}).get("type") or "").upper())
    dates = {
        str(entry.get("type") or ""): str(entry.get("date") or "") for entry in as_list(package.get("deliveryDate"))
    }
    end_time = str((package.get("deliveryTime") or {}).get("endTime") or "")
    delivered_at = None
    if status == DELIVERED or current == DELIVERED:
        status = DELIVERED
        # The delivered scan carries GMT times; deliveryDate/deliveryTime are local with no zone.
        delivered_at = next((event.occurred_at for event in reversed(events) if event.status == DELIVERED), None)
        delivered_at = delivered_at or _moment(dates.get("DEL", ""), end_time)
    expected = dates.get("RDD") or dates.get("SDD") or ""
    est_delivery = _moment(expected, end_time) if end_time else _moment(expected, "235900")
    return TrackingReport(
        tracking_number=str(package.get("trackingNumber") or tracking_number),
        status=status,
        events=tuple(events),
        delivered_at=delivered_at,
        est_delivery=est_delivery,
    )


def referenced_tracking_numbers(body: dict[str, Any]) -> list[str]:
    """Tracking numbers of a track-by-reference answer, leaving out voided shipments."""
    found = []
    for shipment in as_list((body.get("trackResponse") or {}).get("shipment")):
        for package in as_list(shipment.get("package")):
            statuses = [package.get("currentStatus") or {}] + [
                (activity or {}).get("status") or {} for activity in as_list(package.get("activity"))[:1]
            ]
            if any("void" in str(status.get("description") or "").lower() for status in statuses):
                continue
            if package.get("trackingNumber"):
                found.append(str(package["trackingNumber"]))
    return found


def verdict_of(body: dict[str, Any], original: PostalAddress) -> AddressVerdict:
    """An AddressVerdict of an XAVResponse.

    Valid: deliverable, with UPS's standard form as a suggestion when it differs from ours (a
    ZIP+4 added, a city spelled out). Ambiguous: deliverable with UPS's best candidate as the
    correction to offer. No candidates: not deliverable.
    """
    response = body.get("XAVResponse") or {}
    candidates = [candidate.get("AddressKeyFormat") or {} for candidate in as_list(response.get("Candidate"))]
    classification = [candidate.get("AddressClassification") or {} for candidate in as_list(response.get("Candidate"))]
    if "NoCandidatesIndicator" in response or not candidates:
        return AddressVerdict(deliverable=False, messages=("UPS found no deliverable address matching this one.",))
    code = str((classification[0] if classification else {}).get("Code") or "0")
    suggestion = _candidate_address(candidates[0], original, residential={"1": False, "2": True}.get(code))
    if "ValidAddressIndicator" in response:
        same = _same_place(suggestion, original)
        return AddressVerdict(
            deliverable=True,
            suggestion=None if same else suggestion,
            messages=() if same else ("UPS knows this address in a standard form.",),
        )
    return AddressVerdict(
        deliverable=True,
        suggestion=suggestion,
        messages=(f"UPS could not match the address exactly; it suggests {suggestion.one_line()}.",),
    )


def _candidate_address(
    key_format: dict[str, Any], original: PostalAddress, *, residential: bool | None
) -> PostalAddress:
    lines = [str(line) for line in as_list(key_format.get("AddressLine"))]
    zip5 = str(key_format.get("PostcodePrimaryLow") or original.postal_code)
    plus4 = str(key_format.get("PostcodeExtendedLow") or "")
    return PostalAddress(
        name=original.name,
        company=original.company,
        phone=original.phone,
        email=original.email,
        street1=lines[0] if lines else original.street1,
        street2=lines[1] if len(lines) > 1 else "",
        city=str(key_format.get("PoliticalDivision2") or original.city),
        state=str(key_format.get("PoliticalDivision1") or original.state),
        postal_code=f"{zip5}-{plus4}" if plus4 else zip5,
        country=str(key_format.get("CountryCode") or original.country),
        residential=residential if residential is not None else original.residential,
    )


def _same_place(one: PostalAddress, other: PostalAddress) -> bool:
    # A ZIP+4 that UPS adds is no correction worth showing: the 5-digit ZIPs are compared.
    def key(address: PostalAddress) -> tuple[str, ...]:
        """Street, town, state and 5-digit ZIP, upper case, spaces squeezed."""
        return tuple(
            " ".join(part.upper().split())
            for part in (address.street1, address.street2, address.city, address.state, address.postal_code[:5])
        )

    return key(one) == key(other)
