"""EasyPost's answers as the product's dataclasses: pure functions, tested on the published samples.

Money comes as strings ("8.20", fees "8.20000"); times as ISO strings ending in "Z" (addresses
use "+00:00"). Errors come as `{"error": {"code", "message", "errors": [...]}}` where `errors`
holds FieldError objects or plain strings; `EasyPostError` keeps EasyPost's code next to the
product's.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from carriers.connectors.base import (
    DELIVERED,
    EXCEPTION,
    IN_TRANSIT,
    OUT_FOR_DELIVERY,
    PRE_TRANSIT,
    RETURN_TO_SENDER,
    UNKNOWN,
    AddressVerdict,
    BoughtLabel,
    CarrierError,
    PostalAddress,
    RateQuote,
    TrackingReport,
    TrackingUpdate,
    VoidResult,
)

#: EasyPost's tracker statuses in the product's terms. A parcel waiting at a pickup point is, for
#: the merchant, as good as out for delivery; a cancelled tracker means the carrier stopped the
#: parcel, which someone has to look at, so it is an exception like failure and error.
TRACKING_STATUSES = {
    "pre_transit": PRE_TRANSIT,
    "in_transit": IN_TRANSIT,
    "out_for_delivery": OUT_FOR_DELIVERY,
    "available_for_pickup": OUT_FOR_DELIVERY,
    "delivered": DELIVERED,
    "return_to_sender": RETURN_TO_SENDER,
    "failure": EXCEPTION,
    "error": EXCEPTION,
    "cancelled": EXCEPTION,
    "unknown": UNKNOWN,
}
#: EasyPost error codes the product reacts to, and the `CarrierError.code` they become.
ERROR_CODES = {
    "SHIPMENT.REFUND.UNAVAILABLE": "void_window",
    "SHIPMENT.POSTAGE.EXISTS": "already_bought",
    "ADDRESS.VERIFY.FAILURE": "address",
    "SHIPMENT.CUSTOMS_INFO.REQUIRED": "customs",
    "SHIPMENT.RATES.UNAVAILABLE": "no_rates",
}
#: What `postage_label.label_file_type` says when `label_url` itself is in the wanted format.
LABEL_FILE_TYPES = {"pdf": ("application/pdf",), "zpl": ("application/zpl", "text/zpl")}


class EasyPostError(CarrierError):
    """A refusal as EasyPost worded it: `provider_code` ("SHIPMENT.POSTAGE.EXISTS") and the body."""

    def __init__(
        self,
        message: str,
        *,
        code: str,
        provider_code: str = "",
        field: str | None = None,
        body: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(message, code=code, field=field)
        self.provider_code = provider_code
        self.body: Mapping[str, Any] = body or {}


def _text(value: Any) -> str:
    return "" if value is None else str(value)


# Responses --------------------------------------------------------------------------------


def parse_money(value: Any) -> Decimal:
    """A money string ("8.20", "1.24995") as a Decimal; anything else is a malformed answer."""
    try:
        return Decimal(str(value))
    except InvalidOperation as exc:
        raise CarrierError(f"EasyPost sent an amount that is not a number: {value!r}", code="malformed") from exc


def parse_time(value: Any) -> datetime | None:
    """An EasyPost timestamp ("2025-05-09T20:40:08Z", "+00:00", "...52.000Z") as an aware datetime."""
    if not value:
        return None
    return datetime.fromisoformat(str(value).replace("Z", "+00:00"))


def parse_date(value: Any) -> date | None:
    """A rate's `delivery_date` (a timestamp or a plain date) as a date."""
    if not value:
        return None
    text = str(value)
    if len(text) == 10:
        return date.fromisoformat(text)
    return datetime.fromisoformat(text.replace("Z", "+00:00")).date()


def carrier_messages(shipment: Mapping[str, Any]) -> list[str]:
    """The per-carrier rating failures of a Shipment (`messages[]`), as "Carrier: message"."""
    found = []
    for message in shipment.get("messages") or []:
        if isinstance(message, Mapping):
            carrier = _text(message.get("carrier"))
            text = _text(message.get("message"))
            found.append(f"{carrier}: {text}" if carrier else text)
        else:
            found.append(_text(message))
    return [text for text in found if text]


def parse_rates(shipment: Mapping[str, Any]) -> list[RateQuote]:
    """The rates of a Shipment. Carriers that failed only add to `messages`; no rate at all is a refusal."""
    quotes = [
        RateQuote(
            carrier=_text(rate.get("carrier")),
            service=_text(rate.get("service")),
            amount=parse_money(rate.get("rate")),
            currency=_text(rate.get("currency")) or "USD",
            rate_id=_text(rate.get("id")),
            provider_shipment_id=_text(rate.get("shipment_id") or shipment.get("id")),
            service_code=_text(rate.get("service")),
            delivery_days=rate.get("delivery_days") or rate.get("est_delivery_days"),
            delivery_date=parse_date(rate.get("delivery_date")),
        )
        for rate in shipment.get("rates") or []
    ]
    if not quotes:
        messages = carrier_messages(shipment)
        reason = "; ".join(messages) if messages else "no carrier offered a service for this parcel"
        raise CarrierError(f"EasyPost has no rates: {reason}.", code="no_rates")
    return quotes


def label_url(shipment: Mapping[str, Any], label_format: str) -> str | None:
    """Where the bought label can be downloaded in `label_format` ("pdf", "zpl"), if EasyPost made it."""
    label = shipment.get("postage_label") or {}
    url = label.get(f"label_{label_format}_url")
    if url:
        return str(url)
    if label.get("label_url") and label.get("label_file_type") in LABEL_FILE_TYPES.get(label_format, ()):
        return str(label["label_url"])
    return None


def parse_label(shipment: Mapping[str, Any], label_format: str, label: bytes) -> BoughtLabel:
    """A bought Shipment (buy answer or GET) with its downloaded label file."""
    tracking_code = _text(shipment.get("tracking_code"))
    selected = shipment.get("selected_rate") or {}
    if not tracking_code or not selected:
        raise CarrierError("EasyPost has not bought this shipment's label.", code="not_bought")
    return BoughtLabel(
        tracking_number=tracking_code,
        carrier=_text(selected.get("carrier")),
        service=_text(selected.get("service")),
        amount=parse_money(selected.get("rate")),
        currency=_text(selected.get("currency")) or "USD",
        label_format=label_format,
        label=label,
        provider_shipment_id=_text(shipment.get("id")),
        provider_label_id=_text((shipment.get("postage_label") or {}).get("id")),
        tracking_url=_text((shipment.get("tracker") or {}).get("public_url")),
    )


def parse_refund(shipment: Mapping[str, Any]) -> VoidResult:
    """A refund's answer (`refund_status`): submitted and refunded go ahead, anything else is rejected."""
    status = _text(shipment.get("refund_status")) or "submitted"
    carrier = _text((shipment.get("selected_rate") or {}).get("carrier")) or "the carrier"
    if status == "submitted":
        return VoidResult("submitted", f"Refund requested from {carrier}; EasyPost credits it once {carrier} agrees.")
    if status == "refunded":
        return VoidResult("refunded", "Label refunded.")
    return VoidResult("rejected", f"{carrier} refused the refund ({status}).")


def _location(place: Mapping[str, Any] | None) -> str:
    place = place or {}
    city, state, postal = (_text(place.get(key)) for key in ("city", "state", "zip"))
    parts = [city, " ".join(part for part in (state, postal) if part)]
    if not city and not state:
        parts.append(_text(place.get("country")))
    return ", ".join(part for part in parts if part)


def tracking_status(status: Any) -> str:
    """An EasyPost tracker status in the product's terms (unknown ones stay unknown)."""
    return TRACKING_STATUSES.get(_text(status), UNKNOWN)


def parse_tracker(tracker: Mapping[str, Any], *, event_id: str = "") -> TrackingReport:
    """A Tracker (POST /v2/trackers answer, or an Event's `result`), its details oldest first."""
    events = []
    for detail in tracker.get("tracking_details") or []:
        occurred = parse_time(detail.get("datetime"))
        if occurred is None:
            continue
        events.append(
            TrackingUpdate(
                status=tracking_status(detail.get("status")),
                occurred_at=occurred,
                description=_text(detail.get("message") or detail.get("description")),
                location=_location(detail.get("tracking_location")),
            )
        )
    events.sort(key=lambda event: event.occurred_at)  # stable: equal times keep EasyPost's order
    status = tracking_status(tracker.get("status"))
    delivered_at = None
    if status == DELIVERED:
        delivered = [event.occurred_at for event in events if event.status == DELIVERED]
        delivered_at = delivered[-1] if delivered else parse_time(tracker.get("updated_at"))
    return TrackingReport(
        tracking_number=_text(tracker.get("tracking_code")),
        status=status,
        events=tuple(events),
        event_id=event_id,
        delivered_at=delivered_at,
        est_delivery=parse_time(tracker.get("est_delivery_date")),
    )


def error_messages(errors: Sequence[Any]) -> list[str]:
    """An `errors[]` list (FieldError objects or plain strings) as readable sentences."""
    found = []
    for error in errors:
        if isinstance(error, Mapping):
            message = _text(error.get("message"))
            field = _text(error.get("field"))
            suggestion = _text(error.get("suggestion"))
            text = f"{field}: {message}" if field and field != "address" else message
            found.append(f"{text} (suggestion: {suggestion})" if suggestion else text)
        else:
            found.append(_text(error))
    return [text for text in found if text]


def parse_error(status: int, body: Any) -> EasyPostError:
    """The product's error for an EasyPost 4xx answer (the carrier's own words, its code kept)."""
    error = body.get("error") if isinstance(body, Mapping) else None
    error = error if isinstance(error, Mapping) else {}
    provider_code = _text(error.get("code"))
    message = _text(error.get("message")) or f"EasyPost refused the request (HTTP {status})."
    details = error_messages(error.get("errors") or [])
    extra = [detail for detail in details if detail.rstrip(".") != message.rstrip(".")]
    if extra:
        message = f"{message.rstrip('.')}: {'; '.join(extra)}."
    first = next((e for e in error.get("errors") or [] if isinstance(e, Mapping) and e.get("field")), None)
    if status in (401, 403):
        code = "auth"
    elif status == 402:
        code = "billing"
    elif status == 404:
        code = "not_found"
    else:
        code = ERROR_CODES.get(provider_code, "refused")
    return EasyPostError(
        message,
        code=code,
        provider_code=provider_code,
        field=_text(first.get("field")) if first else None,
        body=body if isinstance(body, Mapping) else None,
    )


def parse_address(address: Mapping[str, Any]) -> PostalAddress:
    """An EasyPost Address as the product's PostalAddress."""
    return PostalAddress(
        name=_text(address.get("name")),
        company=_text(address.get("company")),
        street1=_text(address.get("street1")),
        street2=_text(address.get("street2")),
        city=_text(address.get("city")),
        state=_text(address.get("state")),
        postal_code=_text(address.get("zip")),
        country=_text(address.get("country")) or "US",
        phone=_text(address.get("phone")),
        email=_text(address.get("email")),
        residential=address.get("residential"),
    )


def _same_place(one: PostalAddress, other: PostalAddress) -> bool:
    def key(address: PostalAddress) -> tuple[str, ...]:
        fields = (address.street1, address.street2, address.city, address.state, address.postal_code, address.country)
        return tuple(" ".join(value.upper().split()) for value in fields)

    return key(one) == key(other)


def parse_address_verdict(original: PostalAddress, body: Mapping[str, Any]) -> AddressVerdict:
    """What an address check said: deliverable or not, and the corrected address when it differs.

    Takes the bare Address (POST /v2/addresses with verify), the wrapped one
    (`{"address": ...}` of create_and_verify and GET .../verify) and the error body that
    create_and_verify answers for an address it cannot verify.
    """
    if "error" in body:
        error = parse_error(422, body)
        details = error_messages((body.get("error") or {}).get("errors") or [])
        return AddressVerdict(deliverable=False, messages=tuple(details or [error.message]))
    address = body.get("address", body)
    delivery = (address.get("verifications") or {}).get("delivery")
    if not delivery:
        return AddressVerdict(deliverable=True, messages=("EasyPost did not check this address's delivery.",))
    messages = tuple(error_messages(delivery.get("errors") or []))
    if not delivery.get("success"):
        return AddressVerdict(deliverable=False, messages=messages or ("Address not found.",))
    verified = parse_address(address)
    if _same_place(verified, original):
        return AddressVerdict(deliverable=True, messages=messages)
    # EasyPost upper-cases names and e-mails too; only the postal part is a correction.
    suggestion = PostalAddress(
        name=original.name,
        company=original.company,
        phone=original.phone,
        email=original.email,
        street1=verified.street1,
        street2=verified.street2,
        city=verified.city,
        state=verified.state,
        postal_code=verified.postal_code,
        country=verified.country,
        residential=verified.residential,
    )
    return AddressVerdict(deliverable=True, suggestion=suggestion, messages=messages)
