"""What the product asks of a carrier or shipping aggregator, in the product's own terms.

Every connector (EasyPost, Shippo, UPS, the built-in sandbox carrier) takes and returns these
plain dataclasses, so the packing bench, routing's drift report and tracking never see a
provider's payload. Units are the product's: grams, centimetres, Decimal money with its
currency. Connectors convert (EasyPost wants ounces and inches; UPS wants pounds and strings).

Errors: `CarrierError` (refused: retrying the same request will not help; `.code` says why),
`CarrierUnavailable` (timeout, 5xx, 429: retry later, after `.retry_after` seconds when the
carrier said), `SignatureInvalid` (a webhook that is not from the carrier).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import ROUND_CEILING, Decimal
from typing import Protocol

GRAMS_PER_OUNCE = Decimal("28.349523125")
GRAMS_PER_POUND = Decimal("453.59237")
CM_PER_INCH = Decimal("2.54")
#: Dimensional-weight divisor of the US carriers (cubic inches per pound, retail 166, daily 139).
DIM_DIVISOR_IN3_PER_LB = Decimal(139)

# Normalised tracking statuses (the product's `TrackingStatus` values).
PRE_TRANSIT = "label_created"
PICKED_UP = "picked_up"
IN_TRANSIT = "in_transit"
OUT_FOR_DELIVERY = "out_for_delivery"
DELIVERED = "delivered"
EXCEPTION = "exception"
RETURN_TO_SENDER = "return_to_sender"
UNKNOWN = "unknown"


_ACRONYMS = frozenset({"UPS", "USPS", "DHL", "AM", "PM", "US", "EU", "UK", "DDP", "DDU", "SMS", "PO"})


def service_title(carrier: str, service: str) -> str:
    """A provider's service code as people read it: ("FedEx", "FEDEX_GROUND") -> "FedEx Ground",
    ("USPS", "GroundAdvantage") -> "USPS Ground Advantage", ("UPS", "3DaySelect") -> "UPS 3 Day Select"."""
    words = re.sub(r"(?<=[a-z])(?=[A-Z0-9])|(?<=[0-9])(?=[A-Z])", " ", service.replace("_", " ")).split()
    if words and words[0].lower() == carrier.lower():
        words = words[1:]
    pretty = " ".join(w.capitalize() if w.isupper() and w not in _ACRONYMS else w for w in words)
    return f"{carrier} {pretty}".strip()


class CarrierError(Exception):
    """The carrier refused the request (bad address, rate expired, label refused, void too late)."""

    def __init__(self, message: str, *, code: str = "refused", field: str | None = None):
        super().__init__(message)
        self.message = message
        self.code = code
        self.field = field


class CarrierUnavailable(CarrierError):
    """The carrier is down, slow or throttling: retry later (after `retry_after` seconds if given).

    A timeout may mean the carrier did the work and the answer was lost: a label purchase
    after a timeout must be looked up (`recover_label`) before it is tried again.
    """

    def __init__(self, message: str, *, retry_after: float | None = None, timed_out: bool = False):
        super().__init__(message, code="unavailable")
        self.retry_after = retry_after
        self.timed_out = timed_out


class SignatureInvalid(Exception):
    """A webhook whose signature does not verify: answer 401 and store nothing."""


@dataclass(frozen=True)
class PostalAddress:
    name: str
    street1: str
    city: str
    state: str
    postal_code: str
    country: str = "US"
    street2: str = ""
    company: str = ""
    phone: str = ""
    email: str = ""
    residential: bool | None = None

    def one_line(self) -> str:
        parts = [self.street1, self.street2, self.city, f"{self.state} {self.postal_code}".strip(), self.country]
        return ", ".join(part for part in parts if part)


@dataclass(frozen=True)
class Parcel:
    """One box: inner dimensions in cm (0 when unknown) and gross weight in grams."""

    weight_grams: int
    length_cm: Decimal = Decimal(0)
    width_cm: Decimal = Decimal(0)
    height_cm: Decimal = Decimal(0)

    @property
    def weight_oz(self) -> Decimal:
        return (Decimal(self.weight_grams) / GRAMS_PER_OUNCE).quantize(Decimal("0.1"), rounding=ROUND_CEILING)

    @property
    def weight_lb(self) -> Decimal:
        return (Decimal(self.weight_grams) / GRAMS_PER_POUND).quantize(Decimal("0.1"), rounding=ROUND_CEILING)

    def inches(self) -> tuple[Decimal, Decimal, Decimal]:
        def to_in(cm: Decimal) -> Decimal:
            return (cm / CM_PER_INCH).quantize(Decimal("0.1"), rounding=ROUND_CEILING)

        return to_in(self.length_cm), to_in(self.width_cm), to_in(self.height_cm)

    @property
    def dimensional_weight_lb(self) -> Decimal:
        """What the carriers bill a light, bulky box as: L x W x H in inches / 139."""
        length, width, height = self.inches()
        return (length * width * height / DIM_DIVISOR_IN3_PER_LB).quantize(Decimal("0.1"), rounding=ROUND_CEILING)

    @property
    def billable_weight_lb(self) -> Decimal:
        return max(self.weight_lb, self.dimensional_weight_lb)


@dataclass(frozen=True)
class CustomsItem:
    description: str
    quantity: int
    value: Decimal  # per line, in `currency`
    weight_grams: int
    hs_code: str
    origin_country: str
    sku: str = ""
    currency: str = "USD"


@dataclass(frozen=True)
class Customs:
    """Customs declaration of an international parcel."""

    contents_type: str  # merchandise, gift, documents, returned_goods, sample, other
    items: tuple[CustomsItem, ...]
    signer: str
    non_delivery: str = "return"  # or "abandon"


@dataclass(frozen=True)
class ShipmentRequest:
    """One parcel to rate or buy. `reference` is ours (shipment number and box, SH-000042-2)."""

    reference: str
    ship_from: PostalAddress
    ship_to: PostalAddress
    parcel: Parcel
    customs: Customs | None = None
    is_return: bool = False
    label_format: str = "pdf"  # "pdf" (4x6) or "zpl"


@dataclass(frozen=True)
class RateQuote:
    """One live price. `carrier` and `service` are the provider's names ("USPS", "Priority")."""

    carrier: str
    service: str
    amount: Decimal
    currency: str
    rate_id: str
    provider_shipment_id: str = ""
    service_code: str = ""
    delivery_days: int | None = None
    delivery_date: date | None = None
    expires_at: datetime | None = None


@dataclass(frozen=True)
class BoughtLabel:
    tracking_number: str
    carrier: str
    service: str
    amount: Decimal
    currency: str
    label_format: str  # "pdf" or "zpl"
    label: bytes
    provider_shipment_id: str = ""
    provider_label_id: str = ""
    tracking_url: str = ""
    zpl: bytes = b""  # the same label as ZPL, when the carrier gave both (thermal printers)


@dataclass(frozen=True)
class VoidResult:
    """A refund request's answer: submitted (pending), refunded, or rejected with the reason."""

    status: str
    message: str = ""


@dataclass(frozen=True)
class TrackingUpdate:
    status: str  # one of the normalised statuses above
    occurred_at: datetime
    description: str
    location: str = ""


@dataclass(frozen=True)
class TrackingReport:
    """What a webhook or a poll says of one tracking number, events oldest first."""

    tracking_number: str
    status: str
    events: tuple[TrackingUpdate, ...]
    event_id: str = ""  # the provider's id of the webhook event (deduplication)
    delivered_at: datetime | None = None
    est_delivery: datetime | None = None


@dataclass(frozen=True)
class AddressVerdict:
    deliverable: bool
    suggestion: PostalAddress | None = None
    messages: tuple[str, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class ManifestDocument:
    """An end-of-day form: the provider's id and its document, if the provider makes one."""

    provider_id: str
    document: bytes = b""
    document_format: str = "pdf"


class CarrierConnector(Protocol):
    """One carrier account as the product uses it. Every call may raise `CarrierError`."""

    provider: str
    supports_webhooks: bool
    supports_address_verification: bool
    supports_manifests: bool

    def check(self) -> str:
        """Prove the credentials work; a short sentence for the "Test connection" button."""
        ...

    def rates(self, request: ShipmentRequest) -> list[RateQuote]: ...

    def buy(self, request: ShipmentRequest, quote: RateQuote, *, idempotency_key: str) -> BoughtLabel:
        """Buy the label for `quote`. Never buys twice for one `idempotency_key`."""
        ...

    def recover_label(self, request: ShipmentRequest, quote: RateQuote, *, idempotency_key: str) -> BoughtLabel | None:
        """After a timeout: the label an earlier `buy` with this key bought, or None if none was."""
        ...

    def void(self, label: BoughtLabel) -> VoidResult: ...

    def track(self, tracking_number: str, carrier: str) -> TrackingReport: ...

    def verify_address(self, address: PostalAddress) -> AddressVerdict: ...

    def manifest(self, labels: list[BoughtLabel]) -> ManifestDocument: ...

    def parse_webhook(self, headers: dict[str, str], body: bytes) -> TrackingReport | None:
        """Verify and read a tracking webhook (None: an event the product does not use).

        Raises `SignatureInvalid` when the signature does not verify.
        """
        ...
