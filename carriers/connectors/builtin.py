"""The built-in carrier as a connector: what a location with no carrier account of its own ships with.

It wraps the deterministic `CarrierSandbox` (carriers/builtin.py) and makes no network call:
three carriers (Parcelway, Swiftship, Postline) with three services each, priced by billable
weight; labels in the carrier's tracking number format, as a 4x6 PDF or ZPL; tracking that
advances with time. Buying is idempotent by itself: the tracking number follows from our
reference, so buying again, or recovering, gives the same label and charges nothing twice.

Tracking knows only the tracking number. Labels bought through a connector in this process are
remembered (when, from where, to where, due when) so their scans advance from the real label
time; any other number is reported from the moment of asking (label created only), which is
all the built-in carrier can honestly say about a label it has no record of.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_CEILING

import httpx
from django.utils import timezone

from carriers.builtin import Address, CarrierSandbox, LabelRequest, TrackRequest
from carriers.connectors.base import (
    DELIVERED,
    GRAMS_PER_POUND,
    PRE_TRANSIT,
    AddressVerdict,
    BoughtLabel,
    CarrierError,
    ManifestDocument,
    PostalAddress,
    RateQuote,
    ShipmentRequest,
    SignatureInvalid,
    TrackingReport,
    VoidResult,
)
from carriers.documents import LabelContent, label_pdf
from core.geo import geocode_postal_code, haversine_miles

CARRIERS = ("parcelway", "swiftship", "postline")
SERVICES = ("ground", "2nd-day-air", "next-day-air")
FAST_SERVICE_DAYS = {"2nd-day-air": 2, "next-day-air": 1}
#: Ground days by distance, as the national carriers' ground maps grow with the miles.
GROUND_DAYS_BY_MILES = ((300, 1), (800, 2), (1400, 3), (2000, 4))
REMEMBERED_LABELS = 10_000
# Tracking number -> what tracking needs, for labels bought in this process (oldest dropped first).
_BOUGHT: OrderedDict[str, TrackRequest] = OrderedDict()
_BOUGHT_LOCK = threading.Lock()


def _business_days_after(start: date, days: int) -> date:
    current = start
    while days > 0:
        current += timedelta(days=1)
        if current.weekday() < 5:
            days -= 1
    return current


def ground_days(origin: PostalAddress, destination: PostalAddress) -> int:
    """Ground transit days between two postal codes (5 when either cannot be placed)."""
    start = geocode_postal_code(origin.postal_code, origin.country)
    end = geocode_postal_code(destination.postal_code, destination.country)
    if start is None or end is None:
        return 5
    miles = haversine_miles(float(start.latitude), float(start.longitude), float(end.latitude), float(end.longitude))
    return next((days for limit, days in GROUND_DAYS_BY_MILES if miles < limit), 5)


def _address(postal: PostalAddress) -> Address:
    return Address(
        name=postal.company or postal.name,
        city=postal.city,
        region=postal.state,
        postal_code=postal.postal_code,
        country=postal.country,
        line1=postal.street1,
    )


def _billable_grams(request: ShipmentRequest) -> int:
    """The weight the built-in carrier prices: actual or dimensional, whichever is more."""
    billable_lb = request.parcel.billable_weight_lb
    return max(request.parcel.weight_grams, int((billable_lb * GRAMS_PER_POUND).to_integral_value(ROUND_CEILING)))


class BuiltinConnector:
    """The in-product carrier behind the `CarrierConnector` protocol; no credentials, no network."""

    provider = "builtin"
    supports_webhooks = False
    supports_address_verification = True
    supports_manifests = False

    def __init__(
        self,
        account_code: str,
        credentials: Mapping[str, str],
        http: httpx.Client | None = None,
        *,
        clock: Callable[[], datetime] = timezone.now,
    ) -> None:
        self.account_code = account_code
        self.credentials = dict(credentials)
        self.http = http  # unused: the built-in carrier answers in process
        self.clock = clock
        self.sandbox = CarrierSandbox(clock=clock)

    def check(self) -> str:
        """Nothing to prove: the built-in carrier needs no credentials."""
        return "The built-in carrier is always available; it needs no credentials."

    def rates(self, request: ShipmentRequest) -> list[RateQuote]:
        """Every carrier's ground, 2nd-day-air and next-day-air price for the parcel, cheapest first."""
        grams = _billable_grams(request)
        slow = ground_days(request.ship_from, request.ship_to)
        quotes = [
            RateQuote(
                carrier=carrier,
                service=service,
                amount=CarrierSandbox.rate(carrier=carrier, service=service, weight_grams=grams),
                currency="USD",
                rate_id=f"{carrier}:{service}",
                service_code=service,
                delivery_days=FAST_SERVICE_DAYS.get(service, slow),
            )
            for carrier in CARRIERS
            for service in SERVICES
        ]
        return sorted(quotes, key=lambda quote: (quote.amount, quote.delivery_days or 0))

    def buy(self, request: ShipmentRequest, quote: RateQuote, *, idempotency_key: str) -> BoughtLabel:
        """Make the label of `quote` (same reference, same tracking number: never two labels)."""
        carrier, _, service = quote.rate_id.partition(":")
        if carrier not in CARRIERS or service not in SERVICES:
            raise CarrierError(f"The built-in carrier has no rate {quote.rate_id!r}.", code="rate_unknown")
        label_request = LabelRequest(
            carrier=carrier,
            service=service,
            reference=request.reference,
            weight_grams=request.parcel.weight_grams,
            ship_from=_address(request.ship_from),
            ship_to=_address(request.ship_to),
        )
        made = (
            self.sandbox.create_return_label(label_request)
            if request.is_return
            else self.sandbox.create_label(label_request)
        )
        if request.label_format == "zpl":
            label_format, label = "zpl", made.label_data.encode()
        else:
            content = LabelContent(
                carrier=carrier.title(),
                service=service.replace("-", " ").title(),
                tracking_number=made.tracking_number,
                ship_from=request.ship_from,
                ship_to=request.ship_to,
                weight_grams=request.parcel.weight_grams,
                reference=request.reference,
                created=made.created_at.date(),
                is_return=request.is_return,
            )
            label_format, label = "pdf", label_pdf(content)
        days = quote.delivery_days or FAST_SERVICE_DAYS.get(service) or ground_days(request.ship_from, request.ship_to)
        _remember(
            TrackRequest(
                carrier=carrier,
                tracking_number=made.tracking_number,
                label_created_at=made.created_at,
                estimated_delivery=_business_days_after(made.created_at.date(), days),
                origin=label_request.ship_from.city_region(),
                destination=label_request.ship_to.city_region(),
            )
        )
        return BoughtLabel(
            tracking_number=made.tracking_number,
            carrier=carrier,
            service=service,
            amount=CarrierSandbox.rate(carrier=carrier, service=service, weight_grams=_billable_grams(request)),
            currency="USD",
            label_format=label_format,
            label=label,
            provider_shipment_id=made.tracking_number,
        )

    def recover_label(self, request: ShipmentRequest, quote: RateQuote, *, idempotency_key: str) -> BoughtLabel | None:
        """The same label again: the built-in carrier's labels follow from the reference alone."""
        return self.buy(request, quote, idempotency_key=idempotency_key)

    def void(self, label: BoughtLabel) -> VoidResult:
        """Always refunded: the built-in carrier charges nothing real."""
        self.sandbox.void_label(carrier=label.carrier, tracking_number=label.tracking_number)
        return VoidResult("refunded", "The built-in carrier voided the label.")

    def track(self, tracking_number: str, carrier: str) -> TrackingReport:
        """The scans so far, from the label's own time when this process bought it (see the module note)."""
        with _BOUGHT_LOCK:
            request = _BOUGHT.get(tracking_number)
        if request is None:
            request = TrackRequest(carrier=carrier, tracking_number=tracking_number, label_created_at=self.clock())
        events = self.sandbox.track(request)
        status = events[-1].status if events else PRE_TRANSIT
        delivered = events[-1].occurred_at if status == DELIVERED else None
        return TrackingReport(
            tracking_number=tracking_number,
            status=status,
            events=tuple(events),
            delivered_at=delivered,
            est_delivery=None
            if request.estimated_delivery is None
            else datetime.combine(request.estimated_delivery, time(23, 59), tzinfo=UTC),
        )

    def verify_address(self, address: PostalAddress) -> AddressVerdict:
        """Deliverable when the postal code geocodes offline (core.geo); a US ZIP's wrong state is corrected.

        Outside the US core.geo places a code only by region or country, so such an address is
        accepted with a note that its street and town were not checked.
        """
        place = geocode_postal_code(address.postal_code, address.country)
        if place is None:
            code = address.postal_code or "An empty postal code"
            return AddressVerdict(
                deliverable=False,
                messages=(f"{code} is not a postal code the built-in carrier knows in {address.country}.",),
            )
        if (address.country or "US").upper() != "US":
            return AddressVerdict(
                deliverable=True,
                messages=(
                    f"The built-in carrier places {address.country} addresses by region only; street not checked.",
                ),
            )
        if address.state.strip().upper() != place.region.upper():
            suggestion = replace(address, state=place.region, city=address.city or place.city)
            return AddressVerdict(
                deliverable=True,
                suggestion=suggestion,
                messages=(f"ZIP code {place.postal_code} is in {place.city}, {place.region}.",),
            )
        return AddressVerdict(deliverable=True)

    def manifest(self, labels: list[BoughtLabel]) -> ManifestDocument:
        """No carrier form: the product prints its own manifest."""
        return ManifestDocument(provider_id="")

    def parse_webhook(self, headers: dict[str, str], body: bytes) -> TrackingReport | None:
        """The built-in carrier sends no webhooks: anything claiming to be one is refused."""
        raise SignatureInvalid("The built-in carrier sends no webhooks")


def _remember(request: TrackRequest) -> None:
    with _BOUGHT_LOCK:
        _BOUGHT[request.tracking_number] = request
        _BOUGHT.move_to_end(request.tracking_number)
        while len(_BOUGHT) > REMEMBERED_LABELS:
            _BOUGHT.popitem(last=False)
