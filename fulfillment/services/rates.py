"""Carriers, their services and rate tables, zone bands, cost settings and routing rules.

Staff edit these from the Routing pages; the demo seeds them through the same functions.
Every write drops the routing engine's cached cost model once the transaction commits, so
the next order is routed with the new figures (and a rolled-back edit changes nothing).

Refusals are `ValidationFailed` naming the field at fault. A rate table is checked whole:
`rate_table_set` reports every bad cell (in `details["problems"]`) and writes nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models, transaction

from channels.models import Channel
from core.errors import ValidationFailed
from fulfillment.models import (
    Carrier,
    CarrierService,
    CostSettings,
    RateCardRow,
    RoutingPolicy,
    TransitTime,
    ZoneBand,
)
from fulfillment.routing.types import SERVICE_LEVELS
from fulfillment.services.routing import cost_model_forget
from inventory.models import SKU, Location, LocationKind

ZONES: tuple[int, ...] = tuple(range(1, 9))
GRAMS_PER_POUND = Decimal("453.59237")
#: The heaviest parcel a rate bracket may describe (150 lb, the usual parcel-carrier limit).
MAX_BRACKET_GRAMS = 68_039
MAX_PRICE = Decimal("9999.99")
MAX_TRANSIT_DAYS = 30
MAX_POLICY_PACKAGES = 20
MAX_RADIUS_MILES = 3000
COST_SETTINGS_FIELDS: tuple[str, ...] = (
    "handling_warehouse",
    "handling_store",
    "handling_3pl",
    "handling_dropship",
    "package_cost",
    "late_penalty_per_day",
    "backorder_penalty_per_unit",
)


# --- Field names of a rate table's cells (the grid form uses the same names) ----------------


def weight_field(row: int) -> str:
    """The input holding row `row`'s upper weight."""
    return f"row{row}_weight"


def price_field(row: int, zone: int) -> str:
    """The input holding row `row`'s price in `zone`."""
    return f"row{row}_zone{zone}"


def transit_field(zone: int) -> str:
    """The input holding the transit days to `zone`."""
    return f"transit_zone{zone}"


@dataclass(frozen=True)
class RateRowInput:
    """One weight bracket of a rate table: up to `max_weight_grams`, the price per zone.

    A zone missing from `prices` has no bracket at this weight (parcels of this weight go at
    the zone's next heavier bracket, if any).
    """

    max_weight_grams: int
    prices: Mapping[int, Decimal] = field(default_factory=dict)


@dataclass(frozen=True)
class Problem:
    """One bad cell of a rate table."""

    field: str
    message: str


@dataclass(frozen=True)
class RateTableSummary:
    """What a saved rate table holds."""

    brackets: int
    cells: int
    zones: tuple[int, ...]


def _after_commit_forget() -> None:
    transaction.on_commit(cost_model_forget)


def _validated_save(instance: models.Model) -> None:
    try:
        instance.full_clean()
    except ValidationError as exc:
        name, messages = next(iter(exc.message_dict.items()))
        raise ValidationFailed(messages[0], field=None if name == "__all__" else name) from exc
    instance.save()


def _check_level(level: str) -> None:
    if level not in SERVICE_LEVELS:
        raise ValidationFailed(f"Choose a service level: {', '.join(SERVICE_LEVELS)}.", field="level")


def _check_name(name: str) -> str:
    cleaned = (name or "").strip()
    if not cleaned:
        raise ValidationFailed("Enter a name.", field="name")
    return cleaned


# --- Carriers and services -----------------------------------------------------------------


def carrier_create(*, code: str, name: str, is_active: bool = True) -> Carrier:
    """Add a carrier. Its code is what shipments and rate cards refer to, so it never changes."""
    code = (code or "").strip().lower()
    if Carrier.objects.filter(code=code).exists():
        raise ValidationFailed(f"A carrier with the code {code!r} already exists.", field="code")
    carrier = Carrier(code=code, name=_check_name(name), is_active=is_active)
    with transaction.atomic():
        _validated_save(carrier)
        _after_commit_forget()
    return carrier


def carrier_update(*, carrier: Carrier, name: str, is_active: bool) -> Carrier:
    """Rename a carrier or switch it on or off (an inactive carrier's services are never used)."""
    with transaction.atomic():
        locked = Carrier.objects.select_for_update().get(pk=carrier.pk)
        locked.name = _check_name(name)
        locked.is_active = is_active
        _validated_save(locked)
        _after_commit_forget()
    return locked


def carrier_service_create(
    *, carrier: Carrier, code: str, name: str, level: str, is_active: bool = True
) -> CarrierService:
    """Add a service to a carrier; it prices nothing until its rate table is set."""
    code = (code or "").strip().lower()
    _check_level(level)
    if CarrierService.objects.filter(carrier=carrier, code=code).exists():
        raise ValidationFailed(f"{carrier.name} already has a service with the code {code!r}.", field="code")
    service = CarrierService(carrier=carrier, code=code, name=_check_name(name), level=level, is_active=is_active)
    with transaction.atomic():
        _validated_save(service)
        _after_commit_forget()
    return service


def carrier_service_update(*, service: CarrierService, name: str, level: str, is_active: bool) -> CarrierService:
    """Rename a service, change the level it fulfils, or switch it on or off."""
    _check_level(level)
    with transaction.atomic():
        locked = CarrierService.objects.select_for_update().select_related("carrier").get(pk=service.pk)
        locked.name = _check_name(name)
        locked.level = level
        locked.is_active = is_active
        _validated_save(locked)
        _after_commit_forget()
    return locked


# --- Rate tables ---------------------------------------------------------------------------


def _pounds(grams: int) -> str:
    return f"{Decimal(grams) / GRAMS_PER_POUND:.2f}".rstrip("0").rstrip(".")


def rate_table_problems(rows: Sequence[RateRowInput], transit_days: Mapping[int, int | None]) -> list[Problem]:
    """Every reason a rate table would be refused, cell by cell (empty: it is fine).

    Row indexes in field names are positions in `rows`, so a form can point at its own cells.
    """
    problems: list[Problem] = []
    seen_weights: dict[int, int] = {}
    for index, row in enumerate(rows):
        if not 1 <= row.max_weight_grams <= MAX_BRACKET_GRAMS:
            problems.append(Problem(weight_field(index), "Enter a weight above 0 and up to 150 lb."))
        elif row.max_weight_grams in seen_weights:
            other = seen_weights[row.max_weight_grams] + 1
            problems.append(
                Problem(weight_field(index), f"Row {other} already has this weight; each weight appears once.")
            )
        else:
            seen_weights[row.max_weight_grams] = index
        for zone, price in row.prices.items():
            if zone not in ZONES:
                problems.append(Problem(price_field(index, zone), "Zones run from 1 to 8."))
            elif not Decimal(0) <= price <= MAX_PRICE:
                problems.append(Problem(price_field(index, zone), f"Enter a price from 0.00 to {MAX_PRICE}."))
            elif price != price.quantize(Decimal("0.01")):
                problems.append(Problem(price_field(index, zone), "Prices have at most two decimals (cents)."))
        if not row.prices:
            problems.append(Problem(price_field(index, 1), "This weight has no price in any zone: fill or clear it."))
    if not rows:
        problems.append(Problem(weight_field(0), "Enter at least one weight bracket with its prices."))
    problems.extend(_monotonic_problems(rows))
    problems.extend(_transit_problems(rows, transit_days))
    return problems


def _monotonic_problems(rows: Sequence[RateRowInput]) -> list[Problem]:
    """A heavier parcel never costs less in the same zone: that is almost always a typo."""
    problems = []
    order = sorted(range(len(rows)), key=lambda i: rows[i].max_weight_grams)
    for zone in ZONES:
        previous: tuple[int, Decimal] | None = None
        for index in order:
            price = rows[index].prices.get(zone)
            if price is None:
                continue
            if previous is not None and price < previous[1]:
                lighter = _pounds(rows[previous[0]].max_weight_grams)
                problems.append(
                    Problem(
                        price_field(index, zone),
                        f"Costs less than the lighter {lighter} lb bracket ({previous[1]}); heavier parcels "
                        "cannot be cheaper.",
                    )
                )
            previous = (index, price)
    return problems


def _transit_problems(rows: Sequence[RateRowInput], transit_days: Mapping[int, int | None]) -> list[Problem]:
    problems = []
    priced_zones = {zone for row in rows for zone in row.prices}
    for zone in ZONES:
        days = transit_days.get(zone)
        if days is not None and not 0 <= days <= MAX_TRANSIT_DAYS:
            problems.append(Problem(transit_field(zone), f"Enter 0 to {MAX_TRANSIT_DAYS} days (0: same day)."))
        elif days is None and zone in priced_zones:
            problems.append(Problem(transit_field(zone), f"Zone {zone} has prices: enter its transit days."))
        elif days is not None and zone not in priced_zones:
            problems.append(
                Problem(transit_field(zone), f"Zone {zone} has no prices: clear its transit days or add prices.")
            )
    return problems


def rate_table_set(
    *, service: CarrierService, rows: Sequence[RateRowInput], transit_days: Mapping[int, int | None]
) -> RateTableSummary:
    """Replace a service's whole rate table and transit days, or change nothing.

    Every cell is checked first; if any is wrong, `ValidationFailed` carries all the problems
    in `details["problems"]` (each `{"field", "message"}`) and nothing is written. The
    service row is locked so two people saving the same table do not interleave.
    """
    problems = rate_table_problems(rows, transit_days)
    if problems:
        count = len(problems)
        raise ValidationFailed(
            f"{count} cell{'s' if count != 1 else ''} of the rate table need{'s' if count == 1 else ''} fixing; "
            "nothing was saved.",
            field=problems[0].field,
            details={"problems": [{"field": p.field, "message": p.message} for p in problems]},
        )
    cells = [
        RateCardRow(service_id=service.pk, zone=zone, max_weight_grams=row.max_weight_grams, price=price)
        for row in rows
        for zone, price in sorted(row.prices.items())
    ]
    transit = [
        TransitTime(service_id=service.pk, zone=zone, days=days)
        for zone, days in sorted(transit_days.items())
        if days is not None
    ]
    with transaction.atomic():
        CarrierService.objects.select_for_update().filter(pk=service.pk).first()
        RateCardRow.objects.filter(service_id=service.pk).delete()
        TransitTime.objects.filter(service_id=service.pk).delete()
        RateCardRow.objects.bulk_create(cells)
        TransitTime.objects.bulk_create(transit)
        _after_commit_forget()
    return RateTableSummary(brackets=len(rows), cells=len(cells), zones=tuple(sorted({cell.zone for cell in cells})))


# --- Zones, costs, rules -------------------------------------------------------------------


def zone_bands_set(*, max_miles: Sequence[int]) -> list[ZoneBand]:
    """Set the distance bands: zone n covers destinations up to `max_miles[n-1]`; farther is zone 8."""
    if not 1 <= len(max_miles) <= 7:
        raise ValidationFailed("Give the upper distance of zones 1 to 7.", field="zone1")
    previous = 0
    for zone, miles in enumerate(max_miles, start=1):
        if miles <= previous:
            message = (
                "Enter a distance above 0 miles."
                if zone == 1
                else f"Zone {zone} must reach farther than zone {zone - 1} ({previous} mi)."
            )
            raise ValidationFailed(message, field=f"zone{zone}")
        previous = miles
    bands = [ZoneBand(zone=zone, max_miles=miles) for zone, miles in enumerate(max_miles, start=1)]
    with transaction.atomic():
        ZoneBand.objects.select_for_update().all().delete()
        ZoneBand.objects.bulk_create(bands)
        _after_commit_forget()
    return bands


def cost_settings_update(**values: Decimal) -> CostSettings:
    """Set the merchant's routing cost figures (handling per location kind, package, penalties)."""
    unknown = set(values) - set(COST_SETTINGS_FIELDS)
    if unknown:
        raise ValidationFailed(f"Unknown cost setting {sorted(unknown)[0]!r}.", field=sorted(unknown)[0])
    for name, amount in values.items():
        if amount is None or not Decimal(0) <= amount <= MAX_PRICE:
            raise ValidationFailed(f"Enter an amount from 0.00 to {MAX_PRICE}.", field=name)
    with transaction.atomic():
        row = CostSettings.objects.select_for_update().order_by("pk").first() or CostSettings()
        for name, amount in values.items():
            setattr(row, name, amount)
        _validated_save(row)
        _after_commit_forget()
    return row


@dataclass(frozen=True)
class PolicyRules:
    """A routing policy's rules as the caller gives them (codes, not rows)."""

    excluded_locations: Sequence[str] = ()
    excluded_kinds: Sequence[str] = ()
    priority_tiers: Sequence[Sequence[str]] = ()
    max_packages: int | None = None
    keep_together: Sequence[Sequence[str]] = ()
    ship_from_store_radius_miles: int | None = None


def _known_codes(model: type[Location] | type[SKU], codes: Iterable[str]) -> set[str]:
    wanted = set(codes)
    if not wanted:
        return set()
    return set(model.objects.filter(code__in=wanted).values_list("code", flat=True))


def _policy_checks(rules: PolicyRules) -> dict[str, Any]:
    """Check the rules against the catalogue; the cleaned values to store."""
    kinds = list(dict.fromkeys(rules.excluded_kinds))
    bad_kind = next((kind for kind in kinds if kind not in LocationKind.values), None)
    if bad_kind:
        raise ValidationFailed(f"{bad_kind!r} is not a location kind.", field="excluded_kinds")
    locations = list(dict.fromkeys(rules.excluded_locations))
    tiers = [list(dict.fromkeys(tier)) for tier in rules.priority_tiers if tier]
    groups = [sorted(set(group)) for group in rules.keep_together if group]
    known_locations = _known_codes(Location, [*locations, *(code for tier in tiers for code in tier)])
    for name, codes in (("excluded_locations", locations), *(("priority_tiers", tier) for tier in tiers)):
        missing = next((code for code in codes if code not in known_locations), None)
        if missing:
            raise ValidationFailed(f"There is no location with the code {missing!r}.", field=name)
    placed: dict[str, int] = {}
    for number, tier in enumerate(tiers, start=1):
        for code in tier:
            if code in placed:
                raise ValidationFailed(
                    f"{code} is in tier {placed[code]} and tier {number}; put each location in one tier.",
                    field="priority_tiers",
                )
            placed[code] = number
    known_skus = _known_codes(SKU, [code for group in groups for code in group])
    for number, group in enumerate(groups, start=1):
        if len(group) < 2:
            raise ValidationFailed(
                f"Line {number} names one SKU; a group keeps two or more together.", field="keep_together"
            )
        missing = next((code for code in group if code not in known_skus), None)
        if missing:
            raise ValidationFailed(f"Line {number}: there is no SKU with the code {missing!r}.", field="keep_together")
    if rules.max_packages is not None and not 1 <= rules.max_packages <= MAX_POLICY_PACKAGES:
        raise ValidationFailed(f"Allow 1 to {MAX_POLICY_PACKAGES} packages, or leave it empty.", field="max_packages")
    radius = rules.ship_from_store_radius_miles
    if radius is not None and not 1 <= radius <= MAX_RADIUS_MILES:
        raise ValidationFailed(
            f"Enter 1 to {MAX_RADIUS_MILES} miles, or leave it empty for no limit.",
            field="ship_from_store_radius_miles",
        )
    return {
        "excluded_locations": locations,
        "excluded_kinds": kinds,
        "priority_tiers": tiers,
        "max_packages": rules.max_packages,
        "keep_together": groups,
        "ship_from_store_radius_miles": radius,
    }


def routing_policy_set(*, rules: PolicyRules, channel: Channel | None = None) -> RoutingPolicy:
    """Set the routing rules of one channel, or (no channel) the merchant's default rules."""
    cleaned = _policy_checks(rules)
    with transaction.atomic():
        policy = RoutingPolicy.objects.select_for_update().filter(channel=channel).first() or RoutingPolicy(
            channel=channel
        )
        for name in ("excluded_kinds", "priority_tiers", "max_packages", "keep_together"):
            setattr(policy, name, cleaned[name])
        policy.ship_from_store_radius_miles = cleaned["ship_from_store_radius_miles"]
        _validated_save(policy)
        policy.excluded_locations.set(Location.objects.filter(code__in=cleaned["excluded_locations"]))
        _after_commit_forget()
    return policy
