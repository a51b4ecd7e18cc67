"""What Shippo answers, read into the product's dataclasses: rates, refunds, tracks, address checks.

Tracks (GET /tracks/ and the `track_updated` webhook's `data`) have `tracking_status.status`
UNKNOWN | PRE_TRANSIT | TRANSIT | DELIVERED | RETURNED | FAILURE with an optional `substatus`
({code, text, action_required}); `tracking_history` is oldest first. Shippo's published webhook
example is schema-style (placeholder strings), so every field is read defensively, and a scan
date that is not a date refuses the report with a clear error instead of failing later.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from datetime import UTC, datetime
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
    CarrierError,
    PostalAddress,
    RateQuote,
    TrackingReport,
    TrackingUpdate,
    VoidResult,
)

STATUSES = {
    "PRE_TRANSIT": PRE_TRANSIT,
    "TRANSIT": IN_TRANSIT,
    "DELIVERED": DELIVERED,
    "RETURNED": RETURN_TO_SENDER,
    "FAILURE": EXCEPTION,
    "UNKNOWN": UNKNOWN,
}
REFUND_STATUSES = {"QUEUED": "submitted", "PENDING": "submitted", "SUCCESS": "refunded", "ERROR": "rejected"}


def messages_text(messages: Any) -> str:
    """Shippo's `messages[]` (objects with source/text, or bare strings) as one sentence."""
    texts = []
    for message in messages or []:
        if isinstance(message, Mapping):
            text = str(message.get("text") or message.get("code") or "").strip()
            source = str(message.get("source") or "").strip()
            if text:
                texts.append(f"{source}: {text}" if source else text)
        elif str(message).strip():
            texts.append(str(message).strip())
    return " ".join(texts)


def parse_time(value: Any, what: str) -> datetime:
    """An ISO 8601 time from Shippo, timezone-aware UTC; anything else refuses the answer."""
    try:
        moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        raise CarrierError(f"Shippo sent {what} {value!r}, which is not a date.", code="invalid") from None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def parse_optional_time(value: Any) -> datetime | None:
    """An informational time (an ETA): None when missing or not a date, rather than refusing."""
    if not value:
        return None
    try:
        return parse_time(value, "a time")
    except CarrierError:
        return None


def _money(value: Any, what: str) -> Decimal:
    try:
        return Decimal(str(value))
    except InvalidOperation:
        raise CarrierError(f"Shippo sent {what} {value!r}, which is not an amount.", code="invalid") from None


def parse_rates(shipment: Mapping[str, Any]) -> list[RateQuote]:
    """Every rate of a shipment; Shippo's carrier failures in `messages[]` refuse only when no rate came."""
    quotes = []
    for rate in shipment.get("rates") or []:
        servicelevel = rate.get("servicelevel") or {}
        days = rate.get("estimated_days")
        quotes.append(
            RateQuote(
                carrier=str(rate.get("provider") or ""),
                service=str(servicelevel.get("name") or servicelevel.get("token") or ""),
                amount=_money(rate.get("amount"), "the rate amount"),
                currency=str(rate.get("currency") or "USD"),
                rate_id=str(rate["object_id"]),
                provider_shipment_id=str(rate.get("shipment") or shipment.get("object_id") or ""),
                service_code=str(servicelevel.get("token") or ""),
                delivery_days=int(days) if isinstance(days, int) or str(days or "").isdigit() else None,
            )
        )
    if not quotes:
        reason = messages_text(shipment.get("messages")) or "no carrier returned a rate"
        raise CarrierError(f"Shippo has no rate for this parcel: {reason}", code="no_rates")
    return quotes


def refund_result(refund: Mapping[str, Any]) -> VoidResult:
    """A refund object's status as the product's void answer."""
    status = REFUND_STATUSES.get(str(refund.get("status") or ""), "submitted")
    message = messages_text(refund.get("messages"))
    if status == "rejected" and not message:
        message = "Shippo rejected the refund."
    return VoidResult(status=status, message=message)


def _normalised(entry: Mapping[str, Any] | None) -> str:
    if not entry:
        return UNKNOWN
    status = STATUSES.get(str(entry.get("status") or "").upper(), UNKNOWN)
    substatus = entry.get("substatus") or {}
    if status == IN_TRANSIT and isinstance(substatus, Mapping) and substatus.get("code") == "out_for_delivery":
        return OUT_FOR_DELIVERY
    return status


def _place(location: Any) -> str:
    if not isinstance(location, Mapping):
        return ""
    region = " ".join(str(location.get(key) or "") for key in ("state", "zip")).strip()
    parts = [str(location.get("city") or "").strip(), region, str(location.get("country") or "").strip()]
    return ", ".join(part for part in parts if part)


def _update(entry: Mapping[str, Any]) -> TrackingUpdate:
    substatus = entry.get("substatus") or {}
    description = str(entry.get("status_details") or "")
    if not description and isinstance(substatus, Mapping):
        description = str(substatus.get("text") or "")
    return TrackingUpdate(
        status=_normalised(entry),
        occurred_at=parse_time(entry.get("status_date"), "a scan date"),
        description=description or str(entry.get("status") or ""),
        location=_place(entry.get("location")),
    )


def parse_track(track: Mapping[str, Any], *, event_id: str = "") -> TrackingReport:
    """A Track object (GET /tracks/ or a webhook's `data`) as the product's report."""
    number = str(track.get("tracking_number") or "").strip()
    if not number:
        raise CarrierError("Shippo sent a tracking update without a tracking number.", code="invalid")
    current = track.get("tracking_status")
    current = current if isinstance(current, Mapping) else None
    history = [entry for entry in track.get("tracking_history") or [] if isinstance(entry, Mapping)]
    events = sorted((_update(entry) for entry in history), key=lambda update: update.occurred_at)
    if current is not None and not any(_same_scan(update, current) for update in events):
        events.append(_update(current))  # the latest scan, when the history does not hold it yet
    status = _normalised(current)
    delivered_at = None
    if status == DELIVERED and current is not None:
        delivered_at = parse_time(current.get("status_date"), "the delivery date")
    return TrackingReport(
        tracking_number=number,
        status=status,
        events=tuple(events),
        event_id=event_id,
        delivered_at=delivered_at,
        est_delivery=parse_optional_time(track.get("eta")),
    )


def _same_scan(update: TrackingUpdate, entry: Mapping[str, Any]) -> bool:
    return update.occurred_at == parse_time(entry.get("status_date"), "a scan date") and update.status == _normalised(
        entry
    )


def track_event_id(track: Mapping[str, Any]) -> str:
    """A stable id for a `track_updated` delivery (Shippo sends none): the same scan twice is one event."""
    current = track.get("tracking_status")
    current = current if isinstance(current, Mapping) else {}
    substatus = current.get("substatus")
    substatus = substatus if isinstance(substatus, Mapping) else {}
    key = "|".join(
        str(part or "")
        for part in (
            track.get("tracking_number"),
            current.get("status"),
            substatus.get("code"),
            current.get("status_date"),
        )
    )
    return "shippo-track-" + hashlib.sha256(key.encode()).hexdigest()[:32]


def parse_address_verdict(submitted: PostalAddress, answer: Mapping[str, Any]) -> AddressVerdict:
    """Shippo's `validation_results`, and a suggestion when the validated address differs."""
    results = answer.get("validation_results") or {}
    messages = tuple(
        str(message.get("text") or message.get("code") or "")
        for message in results.get("messages") or []
        if isinstance(message, Mapping) and (message.get("text") or message.get("code"))
    )
    deliverable = bool(results.get("is_valid"))
    suggestion = None
    if deliverable:
        validated = PostalAddress(
            name=submitted.name,
            company=submitted.company,
            phone=submitted.phone,
            email=submitted.email,
            street1=str(answer.get("street1") or submitted.street1),
            street2=str(answer.get("street2") or ""),
            city=str(answer.get("city") or submitted.city),
            state=str(answer.get("state") or submitted.state),
            postal_code=str(answer.get("zip") or submitted.postal_code),
            country=str(answer.get("country") or submitted.country),
            residential=answer.get("is_residential"),
        )
        fields = ("street1", "street2", "city", "state", "postal_code", "country")
        if any(getattr(validated, name) != getattr(submitted, name) for name in fields):
            suggestion = validated
    return AddressVerdict(deliverable=deliverable, suggestion=suggestion, messages=messages)
