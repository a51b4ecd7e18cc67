"""Routing settings: distance zone bands, the merchant's cost figures, and routing rules per channel."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import transaction

from channels.models import Channel
from core.errors import ValidationFailed
from fulfillment.models import CostSettings, RoutingPolicy, ZoneBand
from fulfillment.services.rates.common import (
    COST_SETTINGS_FIELDS,
    MAX_POLICY_PACKAGES,
    MAX_PRICE,
    MAX_RADIUS_MILES,
    after_commit_forget,
    validated_save,
)
from inventory.models import SKU, Location, LocationKind


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
        after_commit_forget()
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
        validated_save(row)
        after_commit_forget()
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
        validated_save(policy)
        policy.excluded_locations.set(Location.objects.filter(code__in=cleaned["excluded_locations"]))
        after_commit_forget()
    return policy
