"""Fulfillment reads: carriers and rate tables, routing settings, and the rate calculator.

Each function returns what a page needs with its related rows already loaded, so templates
never query. The calculator prices a parcel with the routing engine's own cost functions
(`fulfillment.routing.costs`) on the cost model routing uses, so it shows what routing
would pay.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from django.db.models import Count, Max, Min, Prefetch, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone

from core.errors import ValidationFailed
from core.geo import geocode_postal_code
from fulfillment.models import Carrier, CarrierService, CostSettings, RateCardRow, RoutingPolicy, ZoneBand
from fulfillment.routing.costs import (
    add_transit_days,
    carrier_costs,
    cents_to_decimal,
    compile_cost_model,
    haversine_miles,
    service_rank,
    ship_date,
    zone_for_miles,
)
from fulfillment.selectors.cost_model import cost_model_load
from inventory.models import Location

# --- Carriers and rate tables --------------------------------------------------------------


def carrier_list() -> QuerySet[Carrier]:
    """Every carrier with its services, each annotated with what its rate table covers.

    Two queries whatever the number of carriers: carriers, then services with aggregates
    (`rate_cells`, `zones_served`, `max_weight`, `lowest_price`).
    """
    services = CarrierService.objects.annotate(
        rate_cells=Count("rates", distinct=True),
        zones_served=Count("transit_times", distinct=True),
        max_weight=Max("rates__max_weight_grams"),
        lowest_price=Min("rates__price"),
    ).order_by("code")
    return Carrier.objects.prefetch_related(Prefetch("services", queryset=services)).order_by("code")


def carrier_get(*, code: str) -> Carrier:
    """One carrier by code (404 if unknown)."""
    return get_object_or_404(Carrier, code=code)


def carrier_service_get(*, carrier_code: str, service_code: str) -> CarrierService:
    """One service of a carrier, with its carrier (404 if unknown)."""
    return get_object_or_404(
        CarrierService.objects.select_related("carrier"), carrier__code=carrier_code, code=service_code
    )


@dataclass(frozen=True)
class RateTable:
    """A service's rate table as stored: the weight brackets, the price per (weight, zone), transit per zone."""

    weights: list[int]
    prices: dict[tuple[int, int], Decimal]
    transit: dict[int, int]


def rate_table(*, service: CarrierService) -> RateTable:
    """The stored rate table and transit days of a service (two queries)."""
    prices = {
        (weight, zone): price
        for weight, zone, price in RateCardRow.objects.filter(service=service).values_list(
            "max_weight_grams", "zone", "price"
        )
    }
    transit = dict(service.transit_times.values_list("zone", "days"))
    return RateTable(weights=sorted({weight for weight, _ in prices}), prices=prices, transit=transit)


def zone_band_list() -> list[ZoneBand]:
    """The distance bands in order (zone 8 is everything beyond the last one)."""
    return list(ZoneBand.objects.order_by("max_miles"))


def cost_settings_get() -> CostSettings:
    """The merchant's cost settings, or the defaults (unsaved) if none were ever saved."""
    return CostSettings.objects.order_by("pk").first() or CostSettings()


def routing_policy_default() -> RoutingPolicy | None:
    """The routing rules for every channel without its own, with the excluded locations loaded."""
    return (
        RoutingPolicy.objects.filter(channel__isnull=True)
        .prefetch_related(Prefetch("excluded_locations", queryset=Location.objects.order_by("code")))
        .first()
    )


def channel_policy_count() -> int:
    """How many channels have routing rules of their own."""
    return RoutingPolicy.objects.filter(channel__isnull=False).count()


def policy_locations() -> QuerySet[Location]:
    """The locations a routing policy may name (every location, active first)."""
    return Location.objects.order_by("-is_active", "code").only("code", "name", "kind", "is_active")


def shipping_origins() -> QuerySet[Location]:
    """Active locations that ship orders and have coordinates: the calculator's origins."""
    return (
        Location.objects.filter(is_active=True, ships_orders=True, latitude__isnull=False, longitude__isnull=False)
        .order_by("code")
        .only("code", "name", "kind", "latitude", "longitude", "timezone", "order_cutoff_time")
    )


# --- What would it cost ----------------------------------------------------------------------


@dataclass(frozen=True)
class CardQuote:
    """One rate card's answer for a parcel: price and transit, or why it cannot carry it."""

    carrier: str
    carrier_name: str
    service: str
    service_name: str
    level: str
    eligible: bool
    price: Decimal | None
    transit_days: int | None
    delivery: date | None
    landed_cost: Decimal | None
    chosen: bool
    note: str


@dataclass(frozen=True)
class RateQuote:
    """What shipping a parcel from an origin to a ZIP code costs with each card."""

    origin: Location
    postal_code: str
    destination: str
    miles: float
    zone: int
    weight_grams: int
    level: str
    ship_date: date
    handling: Decimal
    package: Decimal
    cards: list[CardQuote]

    @property
    def chosen(self) -> CardQuote | None:
        """The card routing would pick (cheapest of the level or faster), if any can carry it."""
        return next((card for card in self.cards if card.chosen), None)


def rate_quote(
    *, origin: Location, postal_code: str, weight_grams: int, level: str, placed_at: datetime | None = None
) -> RateQuote:
    """Price a parcel with every rate card, the way routing does.

    Uses the engine's compiled cost model: zone from the distance bands, the parcel's weight
    bracket on the model's weight grid, each card's grid price and transit, and
    `carrier_costs` for the card routing would choose for the level (the cheapest card of
    that level or faster). Raises `ValidationFailed` for an unknown ZIP code or an origin
    without coordinates.
    """
    place = geocode_postal_code(postal_code)
    if place is None:
        raise ValidationFailed(f"{postal_code!r} is not a known US ZIP code.", field="postal_code")
    if origin.latitude is None or origin.longitude is None:
        raise ValidationFailed(f"{origin.code} has no coordinates: set its ZIP code first.", field="origin")
    rank = service_rank(level)
    model = cost_model_load(fresh=True)
    compiled = compile_cost_model(model)
    miles = haversine_miles(
        float(origin.latitude), float(origin.longitude), float(place.latitude), float(place.longitude)
    )
    zone = zone_for_miles(miles, model.zone_bands)
    shipped_on = ship_date(placed_at or timezone.now(), origin.timezone, origin.order_cutoff_time)
    bracket = compiled.bracket_of(weight_grams)
    brackets = len(compiled.breaks)
    best = carrier_costs(compiled, zone=zone, shipped_on=shipped_on, service=level, promised_by=None, brackets=brackets)
    chosen_option = None
    if bracket < brackets and best.options and math.isfinite(float(best.price[bracket])):
        chosen_option = best.options[int(best.option[bracket])]
    handling = cents_to_decimal(compiled.handling.get(origin.kind, 0.0))
    package = cents_to_decimal(compiled.package)
    names = {
        (service.carrier.code, service.code): service
        for service in CarrierService.objects.select_related("carrier").only(
            "code", "name", "carrier__code", "carrier__name"
        )
    }
    cards = []
    for card in compiled.cards:
        known = names.get((card.carrier, card.service))
        eligible = card.rank == rank or (model.allow_upgrade and card.rank > rank)
        prices = card.grid_prices.get(zone)
        cents = float(prices[bracket]) if prices is not None and bracket < brackets else math.inf
        transit = card.transit.get(zone)
        price = cents_to_decimal(cents) if math.isfinite(cents) else None
        if prices is None or transit is None:
            note = f"Does not serve zone {zone}."
        elif price is None:
            note = "Too heavy for this card."
        elif not eligible:
            note = "Slower than the level asked for."
        else:
            note = ""
        priced = price is not None and transit is not None
        cards.append(
            CardQuote(
                carrier=card.carrier,
                carrier_name=known.carrier.name if known else card.carrier,
                service=card.service,
                service_name=known.name if known else card.service,
                level=model.rate_cards[card.index].level,
                eligible=eligible and priced,
                price=price if priced else None,
                transit_days=transit,
                delivery=add_transit_days(shipped_on, transit) if transit is not None else None,
                landed_cost=(price + handling + package) if priced and price is not None else None,
                chosen=chosen_option is not None and chosen_option[:2] == (card.carrier, card.service),
                note=note,
            )
        )
    cards.sort(key=lambda c: (not c.chosen, not c.eligible, c.price is None, c.price or 0, c.carrier, c.service))
    return RateQuote(
        origin=origin,
        postal_code=place.postal_code,
        destination=f"{place.city}, {place.region}".strip(", "),
        miles=miles,
        zone=zone,
        weight_grams=weight_grams,
        level=level,
        ship_date=shipped_on,
        handling=handling,
        package=package,
        cards=cards,
    )
