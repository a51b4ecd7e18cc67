"""What the UPS sandbox remembers of a shipment, and the scans it shows as time passes.

A package is scanned on a schedule from the ship call: label created, picked up four hours
later, departed from the origin facility, arrived at a hub (for services of two days or more),
out for delivery and delivered on the scheduled day. `UpsSandbox.track_set` forces a scan (an
exception, a return to shipper, an early delivery); a void ends the story. Activity is
written as the Track API writes it: newest first, local date and time with the GMT ones beside.
"""

from __future__ import annotations

import hashlib
import zlib
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from carriers.documents import LabelContent
from core.geo import geocode_postal_code

#: status.type -> (status.code, status.statusCode, description) of a forced scan.
SCANS = {
    "M": ("MP", "003", "Shipper created a label, UPS has not received the package yet. "),
    "P": ("PU", "038", "Pickup Scan "),
    "I": ("DP", "005", "Departed from Facility"),
    "O": ("OT", "021", "Out For Delivery Today"),
    "D": ("F4", "011", "DELIVERED "),
    "X": (
        "UR",
        "007",
        "The receiver was not available for delivery. We'll make a second attempt the next business day.",
    ),
    "RS": ("RS", "006", "Returned to shipper"),
}
HUBS = (
    ("LOUISVILLE", "KY", "40209"),
    ("HODGKINS", "IL", "60525"),
    ("ONTARIO", "CA", "91761"),
    ("MESQUITE", "TX", "75149"),
)
PICKUP_AFTER = timedelta(hours=4)
DEPARTURE_AFTER = timedelta(hours=8)
HUB_AFTER = timedelta(hours=20)
OUT_FOR_DELIVERY_AT = time(13, 0)  # UTC: morning in the continental US
DELIVERED_AT = time(19, 0)
MIN_GAP = timedelta(minutes=30)


@dataclass
class PackageRecord:
    """One package: its tracking number, what its label shows and its reference numbers."""

    tracking_number: str
    content: LabelContent
    references: list[str]


@dataclass
class ShipmentRecord:
    """One ship call's shipment, as the sandbox keeps it."""

    shipment_id: str
    service_code: str
    created_at: datetime
    scheduled: date
    packages: list[PackageRecord]
    total: Decimal
    negotiated: Decimal | None
    customer_context: str = ""
    voided_at: datetime | None = None
    forced: list[tuple[str, datetime]] = field(default_factory=list)


@dataclass(frozen=True)
class Scan:
    """One tracking event as the sandbox schedules it."""

    type: str
    code: str
    status_code: str
    description: str
    at: datetime
    place: tuple[str, str, str, str]  # city, state, postal code, country


def _place(content: LabelContent, *, to: bool) -> tuple[str, str, str, str]:
    address = content.ship_to if to else content.ship_from
    return address.city.upper(), address.state.upper(), address.postal_code, address.country.upper()


def _scan(kind: str, at: datetime, place: tuple[str, str, str, str], description: str = "") -> Scan:
    code, status_code, default = SCANS[kind]
    return Scan(kind, code, status_code, description or default, at, place)


def schedule(record: ShipmentRecord, package: PackageRecord) -> list[Scan]:
    """Every scan the package will get if nothing goes wrong, oldest first."""
    created = record.created_at
    origin, destination = _place(package.content, to=False), _place(package.content, to=True)
    hub = HUBS[int(hashlib.sha256(package.tracking_number.encode()).hexdigest()[:4], 16) % len(HUBS)]
    scans = [
        _scan("M", created, ("", "", "", origin[3])),
        _scan("P", created + PICKUP_AFTER, origin),
        _scan("I", created + DEPARTURE_AFTER, origin),
    ]
    if (record.scheduled - created.date()).days >= 2:
        scans.append(_scan("I", created + HUB_AFTER, (*hub, "US"), "Arrived at Facility"))
    out = max(datetime.combine(record.scheduled, OUT_FOR_DELIVERY_AT, tzinfo=UTC), scans[-1].at + MIN_GAP)
    scans.append(_scan("O", out, destination))
    scans.append(
        _scan("D", max(datetime.combine(record.scheduled, DELIVERED_AT, tzinfo=UTC), out + MIN_GAP), destination)
    )
    return scans


def scans_by(record: ShipmentRecord, package: PackageRecord, now: datetime) -> list[Scan]:
    """The scans that have happened by `now`, oldest first: forced scans and a void cut the schedule short."""
    natural = schedule(record, package)
    cut = min([at for _, at in record.forced] + ([record.voided_at] if record.voided_at else []), default=None)
    scans = [scan for scan in natural if cut is None or scan.at < cut or scan is natural[0]]
    destination = _place(package.content, to=True)
    scans += [
        _scan(kind, at, destination if kind in ("O", "D", "X") else scans[-1].place) for kind, at in record.forced
    ]
    if record.voided_at is not None:
        scans.append(_scan("M", record.voided_at, scans[0].place, "Voided Information Received"))
    return sorted((scan for scan in scans if scan.at <= now), key=lambda scan: scan.at)


def _zone_of(postal_code: str, country: str) -> ZoneInfo:
    place = geocode_postal_code(postal_code, country) if postal_code else None
    try:
        return ZoneInfo(place.timezone) if place and place.timezone else ZoneInfo("UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def activity_json(scan: Scan) -> dict[str, Any]:
    """One Track API activity: local date/time (no zone) and the GMT date/time and offset."""
    city, state, postal_code, country = scan.place
    local = scan.at.astimezone(_zone_of(postal_code, country))
    offset = local.utcoffset() or timedelta(0)
    minutes = int(offset.total_seconds() // 60)
    address: dict[str, str] = {"countryCode": country, "country": country}
    if city:
        address = {"city": city, "stateProvince": state, **address}
    return {
        "location": {"address": address, "slic": str(zlib.crc32(city.encode()) % 9000 + 1000) if city else ""},
        "status": {
            "type": scan.type,
            "description": scan.description,
            "code": scan.code,
            "statusCode": scan.status_code,
        },
        "date": local.strftime("%Y%m%d"),
        "time": local.strftime("%H%M%S"),
        "gmtDate": scan.at.strftime("%Y%m%d"),
        "gmtTime": scan.at.strftime("%H%M%S"),
        "gmtOffset": f"{'-' if minutes < 0 else '+'}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}",
    }


def package_json(record: ShipmentRecord, package: PackageRecord, now: datetime) -> dict[str, Any]:
    """A Track API package: activity newest first, delivery date scheduled (SDD) or done (DEL)."""
    scans = scans_by(record, package, now)
    delivered = next((scan for scan in reversed(scans) if scan.type == "D"), None)
    body: dict[str, Any] = {
        "trackingNumber": package.tracking_number,
        "deliveryDate": [{"type": "SDD", "date": record.scheduled.strftime("%Y%m%d")}],
        "deliveryTime": {"type": "EOD"},
        "activity": [activity_json(scan) for scan in reversed(scans)],
        "currentStatus": {"type": scans[-1].type, "description": scans[-1].description, "code": scans[-1].code},
        "referenceNumber": [{"type": "PACKAGE", "number": reference} for reference in package.references],
        "packageCount": len(record.packages),
    }
    if delivered is not None:
        local = activity_json(delivered)  # local date and time, as in the published sample
        body["deliveryDate"] = [{"type": "DEL", "date": local["date"]}]
        body["deliveryTime"] = {"type": "DEL", "endTime": local["time"]}
    return body
