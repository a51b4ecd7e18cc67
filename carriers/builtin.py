"""The carrier API the product talks to, and a faithful fake of it that runs inside the product.

Two calls, shaped like a real parcel carrier's API (UPS, FedEx, USPS):

- `create_label(LabelRequest) -> Label`: buy a label; returns the tracking number, the label
  (ZPL text, as thermal printers take it) and the rate charged. Idempotent per `reference`:
  asking again for the same shipment returns the same tracking number, as a real API does
  with an idempotency key.
- `track(TrackRequest) -> list[TrackingUpdate]`: the scan events so far, oldest first.
- `void_label(carrier=..., tracking_number=...)`: give back a label that was not used.

`CarrierSandbox` implements them with no network: tracking numbers are deterministic and in
each carrier's real format (Parcelway like UPS `1Z…` with its check digit, Swiftship like
FedEx Express 12 digits, Postline like a USPS IMpb 22 digits; anything else `SBX…`), and
tracking advances with time from the label's creation to the estimated delivery date:
label created -> picked up -> in transit -> out for delivery -> delivered.

`carrier_client()` returns the client named by `settings.CARRIER_CLIENT` (a dotted path to
a class or factory taking no arguments), so a real carrier client replaces the sandbox by
configuration.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Protocol

from django.conf import settings
from django.utils import timezone
from django.utils.module_loading import import_string

from carriers.connectors.base import CarrierError, CarrierUnavailable, TrackingUpdate

DEFAULT_CARRIER_CLIENT = "carriers.builtin.CarrierSandbox"
__all__ = ["CarrierError", "CarrierUnavailable", "TrackingUpdate"]  # re-exported for the label callers
GRAMS_PER_POUND = Decimal("453.59237")

LABEL_CREATED = "label_created"
PICKED_UP = "picked_up"
IN_TRANSIT = "in_transit"
OUT_FOR_DELIVERY = "out_for_delivery"
DELIVERED = "delivered"


@dataclass(frozen=True)
class Address:
    name: str
    city: str = ""
    region: str = ""
    postal_code: str = ""
    country: str = "US"
    line1: str = ""

    def one_line(self) -> str:
        place = ", ".join(part for part in (self.city, self.region) if part)
        return " ".join(part for part in (self.name + ",", self.line1, place, self.postal_code) if part).strip(",")

    def city_region(self) -> str:
        return ", ".join(part for part in (self.city, self.region) if part) or self.postal_code


@dataclass(frozen=True)
class LabelRequest:
    """What a carrier needs to sell a label. `reference` (our shipment number) makes it idempotent."""

    carrier: str
    service: str
    reference: str
    weight_grams: int
    ship_from: Address
    ship_to: Address


@dataclass(frozen=True)
class Label:
    tracking_number: str
    label_data: str
    label_format: str
    rate: Decimal
    created_at: datetime


@dataclass(frozen=True)
class TrackRequest:
    """A tracking query. A real carrier needs only the tracking number; the sandbox uses the hints
    (when the label was made, when delivery is expected, where from and to) to invent its scans."""

    carrier: str
    tracking_number: str
    label_created_at: datetime
    estimated_delivery: date | None = None
    origin: str = ""
    destination: str = ""


class CarrierClient(Protocol):
    """What the product needs from a carrier. Errors: `CarrierError`, or `CarrierUnavailable` to retry."""

    def create_label(self, request: LabelRequest) -> Label: ...

    def track(self, request: TrackRequest) -> list[TrackingUpdate]: ...

    def void_label(self, *, carrier: str, tracking_number: str) -> None: ...


def carrier_client() -> CarrierClient:
    """The configured carrier client (`settings.CARRIER_CLIENT`, the sandbox by default)."""
    factory: Callable[[], CarrierClient] = import_string(getattr(settings, "CARRIER_CLIENT", DEFAULT_CARRIER_CLIENT))
    return factory()


# --- Tracking number formats ------------------------------------------------------------------


def _digits_of(reference: str) -> int:
    """A stable number for a reference: its digits (SH-000042 -> 42), else a hash of it."""
    digits = "".join(ch for ch in reference if ch.isdigit())
    if digits:
        return int(digits)
    return int(hashlib.sha256(reference.encode()).hexdigest()[:12], 16)


def ups_check_digit(body: str) -> int:
    """UPS check digit over the 15 characters after `1Z`: letters map to (ord - 63) mod 10,
    odd positions count once, even positions twice."""
    total = 0
    for index, char in enumerate(body, start=1):
        value = int(char) if char.isdigit() else (ord(char.upper()) - 63) % 10
        total += value * (2 if index % 2 == 0 else 1)
    return (10 - total % 10) % 10


def fedex_check_digit(body: str) -> int:
    """FedEx Express (12-digit) check digit: weights 1, 3, 7 from the right, mod 11, then mod 10."""
    weights = (1, 3, 7)
    total = sum(int(char) * weights[index % 3] for index, char in enumerate(reversed(body)))
    return total % 11 % 10


def usps_check_digit(body: str) -> int:
    """USPS IMpb check digit (mod 10): weights 3 and 1 alternating from the right."""
    total = sum(int(char) * (3 if index % 2 == 0 else 1) for index, char in enumerate(reversed(body)))
    return (10 - total % 10) % 10


#: Parcelway (UPS-like) service codes inside the tracking number.
PARCELWAY_SERVICE_CODES = {"next-day-air": "01", "2nd-day-air": "02", "ground": "03", "3-day-select": "12"}
PARCELWAY_ACCOUNT = "F7W4K2"
POSTLINE_MAILER_ID = "202555"


def tracking_number_for(*, carrier: str, service: str, reference: str, serial: int | None = None) -> str:
    """The deterministic tracking number the sandbox gives a shipment, in the carrier's format.

    `serial` overrides the number taken from the reference (return labels use their own range).
    """
    serial = _digits_of(reference) if serial is None else serial
    if carrier == "parcelway":
        body = f"{PARCELWAY_ACCOUNT}{PARCELWAY_SERVICE_CODES.get(service, '03')}{serial % 10**7:07d}"
        return f"1Z{body}{ups_check_digit(body)}"
    if carrier == "swiftship":
        body = f"77{serial % 10**9:09d}"
        return f"{body}{fedex_check_digit(body)}"
    if carrier == "postline":
        body = f"9400111{POSTLINE_MAILER_ID}{serial % 10**8:08d}"
        return f"{body}{usps_check_digit(body)}"
    prefix = (carrier.replace("-", "")[:3] or "sbx").upper()
    return f"{prefix}{serial % 10**12:012d}"


#: Digits of each carrier's serial in `tracking_number_for` (others: 12).
SERIAL_WIDTHS = {"parcelway": 7, "swiftship": 9, "postline": 8}


def return_serial(*, carrier: str, reference: str) -> int:
    """A return label's serial: the reference's number (RMA-000042 -> 42) after a leading 9 in the carrier's width."""
    width = SERIAL_WIDTHS.get(carrier, 12)
    top = 10 ** (width - 1)
    return 9 * top + _digits_of(reference) % top


def tracking_number_valid(carrier: str, tracking_number: str) -> bool:
    """True if the tracking number has the carrier's format and its check digit is right."""
    if carrier == "parcelway":
        return (
            len(tracking_number) == 18
            and tracking_number.startswith("1Z")
            and tracking_number[2:].isalnum()
            and tracking_number[-1:].isdigit()
            and ups_check_digit(tracking_number[2:17]) == int(tracking_number[17])
        )
    if carrier == "swiftship":
        return (
            len(tracking_number) == 12
            and tracking_number.isdigit()
            and fedex_check_digit(tracking_number[:11]) == int(tracking_number[11])
        )
    if carrier == "postline":
        return (
            len(tracking_number) == 22
            and tracking_number.isdigit()
            and usps_check_digit(tracking_number[:21]) == int(tracking_number[21])
        )
    return bool(tracking_number)


# --- The sandbox -----------------------------------------------------------------------------

#: Price of the first pound and of each further pound, and a multiplier for faster services.
_BASE_RATES = {
    "parcelway": (Decimal("9.45"), Decimal("0.95")),
    "swiftship": (Decimal("9.35"), Decimal("0.99")),
    "postline": (Decimal("6.00"), Decimal("1.40")),
}
_FAST_WORDS = {"next": Decimal("3.5"), "overnight": Decimal("3.5"), "express": Decimal("1.8"), "2nd": Decimal("2.0")}
MAX_WEIGHT_GRAMS = 68_039  # 150 lb, the national carriers' limit

PICKUP_AFTER = timedelta(hours=2)
FIRST_TRANSIT_SCAN_AFTER = timedelta(hours=6)
DELIVERY_TIME_UTC = time(17, 0)  # around noon in the continental US
OUT_FOR_DELIVERY_BEFORE = timedelta(hours=5)
MIN_GAP = timedelta(minutes=30)
HUBS = ("Louisville, KY", "Memphis, TN", "Indianapolis, IN", "Kansas City, MO", "Chicago, IL", "Atlanta, GA")


class CarrierSandbox:
    """The fake carrier used by the demo and the tests: deterministic, no network, no state.

    `clock` returns "now" (aware); tests may pass their own.
    """

    def __init__(self, clock: Callable[[], datetime] = timezone.now):
        self.clock = clock

    def create_label(self, request: LabelRequest) -> Label:
        """Sell a label: tracking number by the carrier's format, a ZPL label, a rate by weight."""
        if request.weight_grams <= 0:
            raise CarrierError("The parcel's weight must be more than 0.")
        if request.weight_grams > MAX_WEIGHT_GRAMS:
            raise CarrierError(f"Parcels over {MAX_WEIGHT_GRAMS:,} g (150 lb) travel as freight.")
        if not request.ship_to.postal_code:
            raise CarrierError("The destination needs a postal code.")
        tracking_number = tracking_number_for(
            carrier=request.carrier, service=request.service, reference=request.reference
        )
        rate = self.rate(carrier=request.carrier, service=request.service, weight_grams=request.weight_grams)
        return Label(
            tracking_number=tracking_number,
            label_data=self._zpl(request, tracking_number),
            label_format="zpl",
            rate=rate,
            created_at=self.clock(),
        )

    def create_return_label(self, request: LabelRequest) -> Label:
        """Sell a prepaid return label: `ship_from` is the customer, `ship_to` the return location.

        Priced and checked like `create_label`, idempotent per reference. The tracking number's
        serial is the return's own number (RMA-000042 -> 42) in the top tenth of the carrier's
        serial range (leading 9), where outbound parcels (numbered by their shipment) do not
        reach: no two returns share a tracking number, and none shares one with a shipment,
        for the first 10^(width-1) returns (a million on Parcelway's 7-digit serials).
        """
        if request.weight_grams <= 0:
            raise CarrierError("The parcel's weight must be more than 0.")
        if request.weight_grams > MAX_WEIGHT_GRAMS:
            raise CarrierError(f"Parcels over {MAX_WEIGHT_GRAMS:,} g (150 lb) travel as freight.")
        if not request.ship_from.postal_code or not request.ship_to.postal_code:
            raise CarrierError("A return label needs both postal codes.")
        serial = return_serial(carrier=request.carrier, reference=request.reference)
        tracking_number = tracking_number_for(
            carrier=request.carrier, service=request.service, reference=request.reference, serial=serial
        )
        return Label(
            tracking_number=tracking_number,
            label_data=self._zpl(request, tracking_number),
            label_format="zpl",
            rate=self.rate(carrier=request.carrier, service=request.service, weight_grams=request.weight_grams),
            created_at=self.clock(),
        )

    @staticmethod
    def rate(*, carrier: str, service: str, weight_grams: int) -> Decimal:
        """What the sandbox charges: first pound + each further started pound, more for faster services."""
        first, extra = _BASE_RATES.get(carrier, (Decimal("8.00"), Decimal("1.00")))
        pounds = max(math.ceil(Decimal(weight_grams) / GRAMS_PER_POUND), 1)
        factor = next((value for word, value in _FAST_WORDS.items() if word in service), Decimal(1))
        return ((first + extra * (pounds - 1)) * factor).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)

    def track(self, request: TrackRequest) -> list[TrackingUpdate]:
        """The scans that have happened by now, oldest first."""
        if not request.tracking_number:
            raise CarrierError("No tracking number.")
        now = self.clock()
        return [event for event in self.timeline(request) if event.occurred_at <= now]

    def void_label(self, *, carrier: str, tracking_number: str) -> None:
        """Give back an unused label (the sandbox keeps no state, so there is nothing to undo)."""

    @staticmethod
    def timeline(request: TrackRequest) -> list[TrackingUpdate]:
        """Every scan the parcel will get, computed from when its label was made and when it is due.

        Picked up two hours after the label, first transit scan six hours later, out for
        delivery on the estimated delivery date (three days after the label when unknown)
        and delivered around noon, a few minutes later per parcel; never out of order.
        """
        created = request.label_created_at
        spread = timedelta(minutes=int(hashlib.sha256(request.tracking_number.encode()).hexdigest()[:4], 16) % 120)
        due = request.estimated_delivery or (created + timedelta(days=3)).date()
        delivered = datetime.combine(due, DELIVERY_TIME_UTC, tzinfo=UTC) + spread
        picked_up = created + PICKUP_AFTER
        in_transit = picked_up + FIRST_TRANSIT_SCAN_AFTER
        out_for_delivery = max(delivered - OUT_FOR_DELIVERY_BEFORE, in_transit + MIN_GAP)
        delivered = max(delivered, out_for_delivery + MIN_GAP)
        hub = HUBS[int(hashlib.sha256(request.tracking_number.encode()).hexdigest()[4:8], 16) % len(HUBS)]
        return [
            TrackingUpdate(
                LABEL_CREATED, created, "Shipping label created; the carrier awaits the item.", request.origin
            ),
            TrackingUpdate(PICKED_UP, picked_up, "Picked up by the carrier.", request.origin),
            TrackingUpdate(IN_TRANSIT, in_transit, "Departed facility; in transit.", hub),
            TrackingUpdate(OUT_FOR_DELIVERY, out_for_delivery, "Out for delivery.", request.destination),
            TrackingUpdate(DELIVERED, delivered, "Delivered.", request.destination),
        ]

    @staticmethod
    def _zpl(request: LabelRequest, tracking_number: str) -> str:
        pounds = (Decimal(request.weight_grams) / GRAMS_PER_POUND).quantize(Decimal("0.01"))
        carrier = request.carrier or "sandbox"
        return "\n".join(
            [
                "^XA",
                "^CF0,30",
                f"^FO40,30^FD{_zpl_text(carrier.upper())} {_zpl_text(request.service.upper())}^FS",
                "^CF0,24",
                f"^FO40,80^FDFROM: {_zpl_text(request.ship_from.one_line())}^FS",
                f"^FO40,120^FDTO: {_zpl_text(request.ship_to.one_line())}^FS",
                f"^FO40,180^BCN,120,Y,N,N^FD{tracking_number}^FS",
                f"^FO40,340^FDREF {_zpl_text(request.reference)}  {pounds} LB^FS",
                "^XZ",
            ]
        )


def _zpl_text(value: str) -> str:
    """ZPL field data cannot hold its own control characters."""
    return value.replace("^", " ").replace("~", " ")[:80]
